"""loader.py: raw and audit tables in a real DuckDB file, re-delivery rules, rejections, atomicity.

Expected values are worked out by hand from the files each test writes.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import load_log as audit_writer
from dagster_project.ingest.entities import ENTITIES, LINEAGE_COLUMNS, entity
from dagster_project.ingest.loader import (
    FileLoad,
    ensure_schemas,
    load_all,
    load_source,
    reject_unknown,
)

PARTNERS_V1 = (
    b"partner_id,partner_name,partner_type,updated_at,notes\r\n"
    b"P1,Acme,technology,2025-06-01T10:00:00+02:00,x\r\n"
    b"P2,Beta,vendor,2025-06-01,y\r\n"
    b'P3,"Gamma,\r\nGmbH",OEM,2025-06-01,z\r\n'
)
PARTNERS_V2 = (
    b"partner_id,partner_name,partner_type,updated_at\nP1,Acme Corp,technology,2025-06-02\n"
)


# the rejection of a file that is neither canonical nor a known tool export lists the formats
NO_KNOWN_FORMAT = (
    "; and no known export format for 'crm' matched its header (known formats: "
    "hubspot_companies_export, hubspot_deals_export, hubspot_fivetran_company, "
    "hubspot_fivetran_deal, salesforce_account, salesforce_campaign, salesforce_opportunity, "
    "salesforce_opportunity_partner, salesforce_partner, "
    "salesforce_report_opportunities, salesforce_report_partners)"
)


def put(landing: Path, rel: str, data: bytes) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def load_log(con) -> list[tuple]:
    return rows(
        con,
        "SELECT load_seq, file_path, status, rows_read, rows_loaded, rows_quarantined "
        "FROM audit.load_log ORDER BY load_seq",
    )


# --------------------------------------------------------------------------------------------


def test_ensure_schemas_creates_typed_tables_and_is_idempotent(con):
    ensure_schemas(con)
    ensure_schemas(con)
    tables = rows(
        con,
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('raw', 'audit') ORDER BY 1",
    )
    expected = sorted(
        [f"raw.{e.raw_table}" for e in ENTITIES]
        + ["audit.load_log", "audit.quarantine", "audit.rejected_files"]
    )
    assert [t for (t,) in tables] == expected
    opportunities = entity("crm", "opportunities")
    columns = rows(
        con,
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'crm__opportunities' "
        "ORDER BY ordinal_position",
    )
    assert [name for name, _ in columns] == [c.name for c in opportunities.all_columns] + [
        name for name, _ in LINEAGE_COLUMNS
    ]
    types = dict(columns)
    assert types["amount"] == "DECIMAL(20,4)"
    assert types["created_at"] == "TIMESTAMP"
    assert types["close_date"] == "DATE"
    assert types["is_won"] == "BOOLEAN"
    assert types["_load_seq"] == "BIGINT"
    assert (
        dict(
            rows(
                con,
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'raw' AND table_name = 'reference__fx_rates'",
            )
        )["usd_per_unit"]
        == "DECIMAL(24,10)"
    )


def test_ensure_schemas_adds_a_column_new_to_the_contract(con):
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.surveys__partner_nps (response_id VARCHAR)")
    ensure_schemas(con)
    names = [
        n
        for (n,) in rows(
            con,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'surveys__partner_nps' "
            "ORDER BY ordinal_position",
        )
    ]
    assert names[:4] == ["response_id", "partner_id", "responded_at", "score"]
    assert "_load_seq" in names


def test_load_writes_typed_rows_lineage_quarantine_and_log(landing, con):
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    lines: list[str] = []
    loads = load_source(con, landing, "crm", log=lines.append)
    assert loads == [
        FileLoad(
            "crm/2025-06-01/partners.csv",
            "loaded",
            rows_read=3,
            rows_loaded=2,
            rows_quarantined=1,
            reason="unknown columns ignored: notes",
            load_seq=1,
            entity="partners",
        )
    ]
    assert lines == [
        "crm/2025-06-01/partners.csv: 3 read, 2 loaded, 1 quarantined (see audit.quarantine); "
        "unknown columns ignored: notes"
    ]
    assert rows(
        con,
        "SELECT partner_id, partner_name, partner_type, updated_at, _export_date, _source_file, "
        "_line_number, _load_seq FROM raw.crm__partners ORDER BY partner_id",
    ) == [
        (
            "P1",
            "Acme",
            "technology",
            dt.datetime(2025, 6, 1, 8, 0),
            dt.date(2025, 6, 1),
            "crm/2025-06-01/partners.csv",
            2,
            1,
        ),
        (
            "P3",
            "Gamma,\r\nGmbH",
            "oem",
            dt.datetime(2025, 6, 1),
            dt.date(2025, 6, 1),
            "crm/2025-06-01/partners.csv",
            4,
            1,
        ),
    ]
    assert rows(con, "SELECT * FROM audit.quarantine") == [
        (
            1,
            "crm",
            "partners",
            "crm/2025-06-01/partners.csv",
            3,
            "partner_type: 'vendor' is not one of technology, affiliate, reseller, "
            "strategic_alliance, oem",
            "P2,Beta,vendor,2025-06-01,y",
        )
    ]
    (log_row,) = rows(
        con,
        "SELECT load_seq, source, entity, export_date, file_path, content_hash, status, reason, "
        "rows_read, rows_loaded, rows_quarantined, unknown_columns FROM audit.load_log",
    )
    import hashlib

    assert log_row == (
        1,
        "crm",
        "partners",
        dt.date(2025, 6, 1),
        "crm/2025-06-01/partners.csv",
        hashlib.sha256(PARTNERS_V1).hexdigest(),
        "loaded",
        None,
        3,
        2,
        1,
        "notes",
    )
    (read, loaded, quarantined) = rows(
        con, "SELECT rows_read, rows_loaded, rows_quarantined FROM audit.load_log"
    )[0]
    assert read == loaded + quarantined


def test_money_and_timestamps_arrive_exactly_in_duckdb(landing, con):
    put(
        landing,
        "crm/2025-06-01/opportunities.csv",
        b"opportunity_id,account_id,created_at,close_date,stage,is_closed,is_won,amount,"
        b"currency,updated_at\n"
        b"O1,A1,2025-05-01T23:30:00-02:00,2025-06-30,Won,TRUE,yes,1234.56785,EUR,2025-06-01\n",
    )
    load_source(con, landing, "crm", log=lambda _: None)
    assert rows(
        con,
        "SELECT created_at, close_date, is_closed, is_won, amount FROM raw.crm__opportunities",
    ) == [(dt.datetime(2025, 5, 2, 1, 30), dt.date(2025, 6, 30), True, True, Decimal("1234.5679"))]


def test_same_file_twice_changes_nothing(landing, con, tmp_path):
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    load_source(con, landing, "crm", log=lambda _: None)
    before = (load_log(con), rows(con, "SELECT count(*) FROM raw.crm__partners"))
    lines: list[str] = []
    assert load_source(con, landing, "crm", log=lines.append) == []
    assert lines == ["1 file already in audit.load_log with the same content: not reloaded"]
    # Also across a new connection (the next night's run).
    con.close()
    again = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        assert load_source(again, landing, "crm", log=lambda _: None) == []
        assert (load_log(again), rows(again, "SELECT count(*) FROM raw.crm__partners")) == before
        assert rows(again, "SELECT count(*) FROM audit.quarantine") == [(1,)]
    finally:
        again.close()


def test_unchanged_size_and_mtime_skip_the_file_without_reading_it(landing, con):
    path = landing / "crm/2025-06-01/partners.csv"
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    # a file written just now may still change within the clock tick: its stat is not kept
    load_source(con, landing, "crm", log=lambda _: None)
    assert rows(con, "SELECT file_size, file_mtime_ns FROM audit.load_log") == [(None, None)]
    # an hour old (settled): read, found seen, its size and mtime kept from now on
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(hour_ago, hour_ago))
    assert load_source(con, landing, "crm", log=lambda _: None) == []
    assert rows(con, "SELECT file_size, file_mtime_ns FROM audit.load_log") == [
        (len(PARTNERS_V1), hour_ago)
    ]
    # other bytes, same size and mtime: not read (its content would have been a new load)
    path.write_bytes(PARTNERS_V1.replace(b"Acme", b"Acne"))
    os.utime(path, ns=(hour_ago, hour_ago))
    lines: list[str] = []
    assert load_source(con, landing, "crm", log=lines.append) == []
    assert lines == ["1 file already in audit.load_log with the same content: not reloaded"]
    # another mtime: read, and the content hash decides (new content: a new load)
    os.utime(path, ns=(hour_ago + 10**9, hour_ago + 10**9))
    loads = load_source(con, landing, "crm", log=lambda _: None)
    assert [(x.status, x.rows_loaded, x.load_seq) for x in loads] == [("loaded", 2, 2)]
    assert rows(
        con, "SELECT partner_name FROM raw.crm__partners WHERE _load_seq = 2 ORDER BY partner_id"
    ) == [("Acne",), ("Gamma,\r\nGmbH",)]


def test_identical_content_at_a_new_date_is_skipped_as_duplicate(landing, con):
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    load_source(con, landing, "crm", log=lambda _: None)
    put(landing, "crm/2025-06-02/partners.csv", PARTNERS_V1)
    lines: list[str] = []
    loads = load_source(con, landing, "crm", log=lines.append)
    reason = "same content as crm/2025-06-01/partners.csv (load_seq 1), already loaded"
    assert loads == [
        FileLoad(
            "crm/2025-06-02/partners.csv",
            "skipped_duplicate",
            reason=reason,
            load_seq=2,
            entity="partners",
        )
    ]
    assert lines[0] == f"crm/2025-06-02/partners.csv: skipped, {reason}"
    assert load_log(con) == [
        (1, "crm/2025-06-01/partners.csv", "loaded", 3, 2, 1),
        (2, "crm/2025-06-02/partners.csv", "skipped_duplicate", 0, 0, 0),
    ]
    assert rows(con, "SELECT count(*) FROM raw.crm__partners") == [(2,)]
    # The duplicate is recorded once, not every night.
    assert load_source(con, landing, "crm", log=lambda _: None) == []
    assert len(load_log(con)) == 2


def test_changed_file_at_the_same_path_is_a_new_load(landing, con):
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    load_source(con, landing, "crm", log=lambda _: None)
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V2)
    loads = load_source(con, landing, "crm", log=lambda _: None)
    assert [(x.status, x.rows_loaded, x.load_seq) for x in loads] == [("loaded", 1, 2)]
    assert rows(
        con,
        "SELECT partner_id, partner_name, _load_seq FROM raw.crm__partners "
        "ORDER BY _load_seq, partner_id",
    ) == [("P1", "Acme", 1), ("P3", "Gamma,\r\nGmbH", 1), ("P1", "Acme Corp", 2)]
    # Changing it back to the first version's content is a duplicate of load 1.
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    assert load_source(con, landing, "crm", log=lambda _: None) == []


def test_rejected_files_are_recorded_once_and_others_still_load(landing, con):
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    put(landing, "crm/2025-06-01/accounts.csv", b"account_id,updated_at\nA1,2025-06-01\n")
    put(landing, "crm/2025-06-01/leads.csv", b"lead_id\nL1\n")
    put(landing, "crm/2025-06-01/campaigns.xlsx", b"PK\x03\x04")
    put(landing, "crm/2025-06-01/opportunities.csv", b"")
    put(landing, "crm/latest/partners.csv", PARTNERS_V2)
    lines: list[str] = []
    loads = load_source(con, landing, "crm", log=lines.append)
    assert [(x.file, x.status) for x in loads] == [
        ("crm/2025-06-01/accounts.csv", "rejected"),
        ("crm/2025-06-01/campaigns.xlsx", "rejected"),
        ("crm/2025-06-01/leads.csv", "rejected"),
        ("crm/2025-06-01/opportunities.csv", "rejected"),
        ("crm/2025-06-01/partners.csv", "loaded"),
        ("crm/latest/partners.csv", "rejected"),
    ]
    assert rows(con, "SELECT count(*) FROM raw.crm__partners") == [(2,)]
    rejected = rows(con, "SELECT file_path, reason FROM audit.rejected_files ORDER BY load_seq")
    assert rejected == [
        (
            "crm/2025-06-01/accounts.csv",
            "required column missing: account_name (the header has: account_id, updated_at)",
        ),
        (
            "crm/2025-06-01/campaigns.xlsx",
            "is not a CSV or Parquet file ('.xlsx'); export it as .csv or .parquet",
        ),
        (
            "crm/2025-06-01/leads.csv",
            "unknown entity 'leads' for source 'crm'; known entities: partners, accounts, "
            "opportunities, partner_touches, deal_registrations, campaigns" + NO_KNOWN_FORMAT,
        ),
        ("crm/2025-06-01/opportunities.csv", "is empty (no header, no rows)"),
        (
            "crm/latest/partners.csv",
            "export-date folder 'latest' is not a date (expected YYYY-MM-DD)",
        ),
    ]
    assert lines[0] == (
        "crm/2025-06-01/accounts.csv: REJECTED, required column missing: account_name "
        "(the header has: account_id, updated_at). Next step: fix or re-export the file and "
        "drop it in again (a changed file is picked up on the next run); all rejections are in "
        "audit.rejected_files"
    )
    assert rows(
        con, "SELECT export_date FROM audit.load_log WHERE file_path = 'crm/latest/partners.csv'"
    ) == [(None,)]
    # Not recorded again the next night; a fixed file is picked up.
    assert load_source(con, landing, "crm", log=lambda _: None) == []
    put(
        landing,
        "crm/2025-06-01/accounts.csv",
        b"account_id,account_name,updated_at\nA1,Acme,2025-06-01\n",
    )
    loads = load_source(con, landing, "crm", log=lambda _: None)
    assert [(x.file, x.status, x.rows_loaded, x.load_seq) for x in loads] == [
        ("crm/2025-06-01/accounts.csv", "loaded", 1, 7)
    ]


def test_reject_unknown_sources_and_stray_files(landing, con):
    put(landing, "hubspot/2025-06-01/contacts.csv", b"id\n1\n")
    put(landing, "notes.txt", b"hello")
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V2)
    lines: list[str] = []
    loads = reject_unknown(con, landing, log=lines.append)
    known = "crm, affiliate, marketplace, mdf, surveys, reference"
    assert [(x.file, x.status, x.reason) for x in loads] == [
        (
            "hubspot/2025-06-01/contacts.csv",
            "rejected",
            "'hubspot' is not a known source but a tool: put HubSpot exports in crm/, keeping "
            f"the <export date> folder; known sources: {known}",
        ),
        (
            "notes.txt",
            "rejected",
            "lies at the top of the landing folder, not inside a <source> folder; "
            f"known sources: {known}",
        ),
    ]
    assert len(lines) == 2 and all("Next step" in line for line in lines)
    assert reject_unknown(con, landing, log=lambda _: None) == []
    assert rows(con, "SELECT count(*) FROM audit.rejected_files") == [(2,)]


def test_load_all_and_load_seq_stays_monotonic_across_runs(landing, tmp_path):
    db = str(tmp_path / "warehouse.duckdb")
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    put(landing, "reference/2025-06-01/fx_rates.csv", b"rate_date,currency,usd_per_unit\n")
    put(landing, "elsewhere/2025-06-01/x.csv", b"a\n")
    with duckdb.connect(db) as first:
        loads = load_all(first, landing, log=lambda _: None)
    assert [(x.file, x.status, x.load_seq) for x in loads] == [
        ("crm/2025-06-01/partners.csv", "loaded", 1),
        ("reference/2025-06-01/fx_rates.csv", "loaded", 2),
        ("elsewhere/2025-06-01/x.csv", "rejected", 3),
    ]
    put(
        landing,
        "surveys/2025-06-02/partner_nps.csv",
        b"response_id,partner_id,responded_at,score\nR1,P1,2025-06-02,9\n",
    )
    with duckdb.connect(db) as second:
        loads = load_all(second, landing, log=lambda _: None)
        assert [(x.file, x.load_seq) for x in loads] == [("surveys/2025-06-02/partner_nps.csv", 4)]
        assert rows(second, "SELECT score, _load_seq FROM raw.surveys__partner_nps") == [(9, 4)]


def test_a_crash_mid_file_leaves_nothing_behind(landing, con, monkeypatch):
    put(landing, "crm/2025-06-01/partners.csv", PARTNERS_V1)
    ensure_schemas(con)

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit_writer, "insert_log", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        load_source(con, landing, "crm", log=lambda _: None)
    assert rows(con, "SELECT count(*) FROM raw.crm__partners") == [(0,)]
    assert rows(con, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert rows(con, "SELECT count(*) FROM audit.load_log") == [(0,)]
    # The next run loads the file whole.
    monkeypatch.undo()
    loads = load_source(con, landing, "crm", log=lambda _: None)
    assert [(x.status, x.rows_loaded, x.rows_quarantined) for x in loads] == [("loaded", 2, 1)]


def test_parquet_file_loads(landing, con):
    import polars as pl

    path = landing / "affiliate/2025-06-01/referrals.parquet"
    path.parent.mkdir(parents=True)
    pl.DataFrame(
        {
            "referral_id": ["R1", "R2"],
            "partner_id": ["P1", "P1"],
            "referred_at": [dt.datetime(2025, 5, 1, 9), dt.datetime(2025, 5, 2, 9)],
            "customer_email": ["a@x.com", "b@y.com"],
            "status": ["Converted", "pending"],
            "revenue": [100.125, -3.0],
            "currency": ["USD", "USD"],
            "updated_at": ["2025-06-01", "2025-06-01"],
        }
    ).write_parquet(path)
    loads = load_source(con, landing, "affiliate", log=lambda _: None)
    assert [(x.rows_read, x.rows_loaded, x.rows_quarantined) for x in loads] == [(2, 1, 1)]
    assert rows(
        con, "SELECT referral_id, status, revenue, _line_number FROM raw.affiliate__referrals"
    ) == [("R1", "converted", Decimal("100.1250"), 1)]
    assert rows(con, "SELECT line_number, reason FROM audit.quarantine") == [
        (2, "revenue: '-3.0' is below the minimum 0")
    ]
