"""Inputs found by trying to break the ingest (issue 15, "Nothing lost, nothing false").

Each test writes real files into a temporary landing folder and reads them through the real
reader and loader into a real DuckDB file; the last one runs the real nightly job. Every expected
value is worked out by hand from the bytes the test writes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dagster_project.ingest.landing import RejectedFile, discover
from dagster_project.ingest.loader import load_all, load_source
from dagster_project.ingest.parsing import MAX_FIELD_BYTES
from dagster_project.ingest.reader import read_file

PARTNERS_HEADER = b"partner_id,partner_name,partner_type,updated_at\n"
SECRET = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
LINK_REASON = (
    "is a symbolic link; links in the landing folder are not followed: copy the export itself "
    "into the folder"
)


def put(landing: Path, rel: str, data: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(landing: Path, rel: str):
    (found,) = [f for f in discover(landing) if f.relative_path == rel]
    result = read_file(found)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result


def rejection(landing: Path, rel: str) -> str:
    (found,) = [f for f in discover(landing) if f.relative_path == rel]
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    return caught.value.reason


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def load_log(con) -> list[tuple]:
    return con.execute(
        "SELECT file_path, status, reason, rows_read, rows_loaded, rows_quarantined "
        "FROM audit.load_log ORDER BY load_seq"
    ).fetchall()


# --------------------------------------------------------------------------------------------
# 1. An unclosed quote must not swallow the rest of the file


def _thousand_partners(line_6: bytes) -> bytes:
    rows = [b"P%04d,Partner %d,technology,2025-01-01" % (i, i) for i in range(1, 1001)]
    rows[4] = line_6  # the header is line 1, so rows[4] is line 6
    return PARTNERS_HEADER + b"\n".join(rows) + b"\n"


UNTERMINATED = (
    "has an unterminated quote: a quoted value in the record on line {line} never closes, so "
    "every line after it would be read into that one value; close the quote (a quote inside a "
    'value is written twice: "") and export the file again'
)


def test_an_unclosed_quote_rejects_the_file_naming_its_line(landing, con):
    put(
        landing,
        "crm/2025-06-01/partners.csv",
        _thousand_partners(b'P0005,"Acme, Inc,technology,2025-01-01'),
    )
    put(
        landing,
        "crm/2025-06-01/accounts.csv",
        b"account_id,account_name,updated_at\nA1,Ok,2025-01-01\n",
    )

    load_source(con, landing, "crm", log=lambda _: None)

    assert load_log(con) == [
        ("crm/2025-06-01/accounts.csv", "loaded", None, 1, 1, 0),
        ("crm/2025-06-01/partners.csv", "rejected", UNTERMINATED.format(line=6), 0, 0, 0),
    ]
    assert con.execute("SELECT count(*) FROM raw.crm__partners").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM audit.quarantine").fetchone() == (0,)


def test_an_unclosed_quote_on_the_last_line_is_rejected_too(landing):
    # one physical line per record, as the fast reader expects, yet the quote never closes
    put(
        landing,
        "crm/2025-06-01/partners.csv",
        PARTNERS_HEADER + b'P1,A,oem,2025-01-01\nP2,"B,oem,2025-01-01',
    )
    assert rejection(landing, "crm/2025-06-01/partners.csv") == UNTERMINATED.format(line=3)


def test_a_quote_inside_an_unquoted_value_and_quoted_newlines_still_load(landing):
    data = (
        PARTNERS_HEADER
        + b'P1,27" Displays,oem,2025-01-01\n'  # line 2: a literal quote mid-value
        + b'P2,"Two\nlines",oem,2025-01-01\n'  # lines 3-4
        + b"P3,C,oem,2025-01-01\n"  # line 5
    )
    put(landing, "crm/2025-06-01/partners.csv", data)
    result = read(landing, "crm/2025-06-01/partners.csv")
    assert result.frame["partner_name"].to_list() == ['27" Displays', "Two\nlines", "C"]
    assert result.frame["_line_number"].to_list() == [2, 3, 5]


# --------------------------------------------------------------------------------------------
# 8. File contents never leak into reasons; symbolic links are rejected, files and folders alike


def test_a_file_that_is_no_export_is_rejected_without_quoting_its_contents(landing, con):
    put(landing, "surveys/2025-06-01/partner_nps.csv", SECRET)
    load_source(con, landing, "surveys", log=lambda _: None)
    ((path, status, reason, *_),) = load_log(con)
    assert (path, status) == ("surveys/2025-06-01/partner_nps.csv", "rejected")
    assert reason == (
        "required columns missing: response_id, partner_id, responded_at, score (the header "
        "has no column names; 1 value not shown); and no known export format for 'surveys' "
        "matched its header (known formats: none)"
    )


def test_header_names_quoted_in_a_reason_are_shortened(landing):
    long_name = "x" * 500
    put(landing, "crm/2025-06-01/partners.csv", f"partner_id,{long_name}\nP1,a\n".encode())
    shown = "x" * 40 + "…"
    assert rejection(landing, "crm/2025-06-01/partners.csv") == (
        "required columns missing: partner_name, partner_type, updated_at "
        f"(the header has: partner_id, {shown})"
    )
    put(
        landing,
        "crm/2025-06-01/partners.csv",
        PARTNERS_HEADER.rstrip() + f",{long_name}\nP1,a,oem,2025-01-01,b\n".encode(),
    )
    assert read(landing, "crm/2025-06-01/partners.csv").unknown_columns == [shown]

    # a header with a column of the entity: names are listed, other text only counted
    put(landing, "crm/2025-06-01/partners.csv", b"partner_id,root:x:0:0:/root\nP1,a\n")
    assert rejection(landing, "crm/2025-06-01/partners.csv") == (
        "required columns missing: partner_name, partner_type, updated_at "
        "(the header has: partner_id; 1 value not shown)"
    )

    # a value quoted in a row's reason is cut at 100 characters
    put(
        landing,
        "crm/2025-06-01/partners.csv",
        PARTNERS_HEADER + b"P1,A," + b"t" * 150 + b",2025-01-01\n",
    )
    (reason,) = read(landing, "crm/2025-06-01/partners.csv").quarantine["reason"].to_list()
    assert reason == (
        f"partner_type: '{'t' * 100}…' is not one of technology, affiliate, reseller, "
        "strategic_alliance, oem"
    )


def test_symbolic_links_to_files_and_folders_are_rejected_and_never_read(landing, con, tmp_path):
    outside = tmp_path / "outside"
    secret = put(outside, "passwd", SECRET)
    real_export = put(
        outside, "2025-06-02/accounts.csv", b"account_id,account_name,updated_at\nA9,Z,2025-01-01\n"
    )
    put(
        landing,
        "crm/2025-06-01/accounts.csv",
        b"account_id,account_name,updated_at\nA1,Ok,2025-01-01\n",
    )
    (landing / "surveys/2025-06-01").mkdir(parents=True)
    os.symlink(secret, landing / "surveys/2025-06-01/partner_nps.csv")
    os.symlink(real_export, landing / "crm/2025-06-01/campaigns.csv")
    os.symlink(real_export.parent, landing / "crm/2025-06-02")
    os.symlink(tmp_path / "gone.csv", landing / "crm/2025-06-01/partners.csv")  # broken

    load_all(con, landing, log=lambda _: None)

    assert load_log(con) == [
        ("crm/2025-06-01/accounts.csv", "loaded", None, 1, 1, 0),
        ("crm/2025-06-01/campaigns.csv", "rejected", LINK_REASON, 0, 0, 0),
        ("crm/2025-06-01/partners.csv", "rejected", LINK_REASON, 0, 0, 0),
        ("crm/2025-06-02", "rejected", LINK_REASON, 0, 0, 0),
        ("surveys/2025-06-01/partner_nps.csv", "rejected", LINK_REASON, 0, 0, 0),
    ]
    # nothing behind a link was read: no content hash, no row
    assert con.execute(
        "SELECT count(content_hash) FROM audit.load_log WHERE status = 'rejected'"
    ).fetchone() == (0,)
    assert con.execute("SELECT account_id FROM raw.crm__accounts").fetchall() == [("A1",)]

    # a second run records nothing new
    assert load_all(con, landing, log=lambda _: None) == []


def test_a_landing_folder_that_is_itself_a_link_loads(tmp_path, con):
    real = tmp_path / "real-landing"
    put(
        real,
        "crm/2025-06-01/accounts.csv",
        b"account_id,account_name,updated_at\nA1,Ok,2025-01-01\n",
    )
    os.symlink(real, tmp_path / "landing")
    load_all(con, tmp_path / "landing", log=lambda _: None)
    assert load_log(con) == [("crm/2025-06-01/accounts.csv", "loaded", None, 1, 1, 0)]


# --------------------------------------------------------------------------------------------
# 13. CR-only line endings, invisible characters in ids, dates out of range, huge values


def test_cr_only_line_endings_load_with_their_line_numbers(landing):
    data = (
        b"partner_id,partner_name,partner_type,updated_at\r"
        b"P1,A,oem,2025-06-01\r"
        b'P2,"Two\rlines",oem,2025-06-01\r'  # lines 3-4
        b"P3,C,vendor,2025-06-01\r"  # line 5
    )
    put(landing, "crm/2025-06-01/partners.csv", data)
    result = read(landing, "crm/2025-06-01/partners.csv")
    assert result.frame["partner_id"].to_list() == ["P1", "P2"]
    assert result.frame["_line_number"].to_list() == [2, 3]
    assert result.frame["partner_name"].to_list() == ["A", "Two\nlines"]
    assert result.quarantine["line_number"].to_list() == [5]
    assert result.quarantine["raw_record"].to_list() == ["P3,C,vendor,2025-06-01"]


def test_invisible_characters_are_removed_from_every_id_and_counted(landing, con):
    partners = (
        PARTNERS_HEADER
        + b"P1,Acme,oem,2025-06-01\n"
        + "P1\u200b,Acme Corp,oem,2025-06-02\n".encode()  # the same partner, later
        + "\ufeffP2\u00a0,Beta,oem,2025-06-01\n".encode()
        + "\u2060P3\u200d,Gamma,oem,2025-06-01\n".encode()
        + "\u200b,Nobody,oem,2025-06-01\n".encode()  # nothing visible: missing
        + b"P 4,Spaced,oem,2025-06-01\n"  # a visible space inside stays
    )
    touches = (
        b"touch_id,opportunity_id,partner_id,touch_kind,touched_at\n"
        + "T1\u200c,O1\u200b,P1\ufeff,co_sell,2025-06-01\n".encode()
    )
    put(landing, "crm/2025-06-01/partners.csv", partners)
    put(landing, "crm/2025-06-01/partner_touches.csv", touches)

    load_source(con, landing, "crm", log=lambda _: None)

    assert con.execute(
        "SELECT partner_id, partner_name, _line_number FROM raw.crm__partners ORDER BY 3"
    ).fetchall() == [
        ("P1", "Acme Corp", 3),
        ("P2", "Beta", 4),
        ("P3", "Gamma", 5),
        ("P 4", "Spaced", 7),
    ]
    assert con.execute(
        "SELECT line_number, reason FROM audit.quarantine ORDER BY 1"
    ).fetchall() == [
        (2, "duplicate key (partner_id=P1) in this file; superseded by line 3"),
        (6, "partner_id: required value missing"),
    ]
    assert con.execute(
        "SELECT touch_id, opportunity_id, partner_id FROM raw.crm__partner_touches"
    ).fetchall() == [("T1", "O1", "P1")]
    # values that lost an invisible character, among the rows loaded: P1 (line 3), P2, P3;
    # and T1, O1, P1 in the touch
    assert con.execute(
        "SELECT file_path, ids_cleaned FROM audit.load_log ORDER BY file_path"
    ).fetchall() == [
        ("crm/2025-06-01/partner_touches.csv", 3),
        ("crm/2025-06-01/partners.csv", 3),
    ]


def test_dates_before_1900_or_after_2100_are_quarantined(landing):
    data = (
        b"partner_id,partner_name,partner_type,agreement_signed_at,updated_at\n"
        b"P1,A,oem,1900-01-01,2100-12-31T23:59:59Z\n"  # line 2: both bounds load
        b"P2,B,oem,1899-12-31,2025-06-01\n"  # line 3
        b"P3,C,oem,2025-01-01,2101-01-01\n"  # line 4
        b"P4,D,oem,0202-05-01T10:00:00Z,2025-06-01\n"  # line 5: a typo'd year
        b"P5,E,oem,1900-01-01T00:30:00+01:00,2025-06-01\n"  # line 6: 1899-12-31 23:30 UTC
    )
    put(landing, "crm/2025-06-01/partners.csv", data)
    result = read(landing, "crm/2025-06-01/partners.csv")
    assert result.frame["partner_id"].to_list() == ["P1"]
    bounds = "is out of range (dates from 1900-01-01 to 2100-12-31)"
    assert list(
        zip(result.quarantine["line_number"], result.quarantine["reason"], strict=True)
    ) == [
        (3, f"agreement_signed_at: '1899-12-31' {bounds}"),
        (4, f"updated_at: '2101-01-01' {bounds}"),
        (5, f"agreement_signed_at: '0202-05-01T10:00:00Z' {bounds}"),
        (6, f"agreement_signed_at: '1900-01-01T00:30:00+01:00' {bounds}"),
    ]

    opportunities = (
        b"opportunity_id,account_id,created_at,close_date,stage,is_closed,is_won,amount,currency,"
        b"updated_at\n"
        b"O1,A1,2025-01-01,2100-12-31,won,true,true,1,USD,2025-01-01\n"
        b"O2,A1,2025-01-01,2205-01-01,won,true,true,1,USD,2025-01-01\n"
    )
    put(landing, "crm/2025-06-01/opportunities.csv", opportunities)
    result = read(landing, "crm/2025-06-01/opportunities.csv")
    assert result.frame["close_date"].to_list() == [dt.date(2100, 12, 31)]
    assert result.quarantine["reason"].to_list() == [f"close_date: '2205-01-01' {bounds}"]


def test_parquet_dates_out_of_range_are_quarantined(landing):
    frame = pl.DataFrame(
        {
            "partner_id": ["P1", "P2"],
            "partner_name": ["A", "B"],
            "partner_type": ["oem", "oem"],
            "updated_at": [dt.datetime(2025, 6, 1), dt.datetime(1850, 6, 1)],
        }
    )
    path = landing / "crm/2025-06-01/partners.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    result = read(landing, "crm/2025-06-01/partners.parquet")
    assert result.frame["partner_id"].to_list() == ["P1"]
    assert result.quarantine["reason"].to_list() == [
        "updated_at: '1850-06-01 00:00:00.000000' is out of range (dates from 1900-01-01 to "
        "2100-12-31)"
    ]


def _too_long(line: int, size: int) -> str:
    return (
        f"line {line} has a value of {size:,} bytes; a value may have at most "
        f"{MAX_FIELD_BYTES:,} bytes (1 MB): is this the right file?"
    )


def test_a_value_over_one_megabyte_rejects_the_file_naming_its_line(landing):
    assert MAX_FIELD_BYTES == 1024 * 1024
    big = b"x" * (MAX_FIELD_BYTES + 1)
    rel = "crm/2025-06-01/partners.csv"

    put(landing, rel, PARTNERS_HEADER + b"P1,A,oem,2025-01-01\nP2," + big + b",oem,2025-01-01\n")
    assert rejection(landing, rel) == _too_long(3, MAX_FIELD_BYTES + 1)

    # quoted, over many short lines (the csv module's path)
    quoted = b'"' + b"\n".join([b"y" * 1023] * 1025) + b'"'  # 1,025 * 1,024 - 1 + 2 bytes
    put(landing, rel, PARTNERS_HEADER + b"P1,A,oem,2025-01-01\nP2," + quoted + b",oem,2025-01-01\n")
    assert rejection(landing, rel).startswith("line 3 has a value of more than 1,048,576 bytes")

    # quoted with commas inside, on one line
    commas = b'"' + b",".join([b"z" * 1023] * 1025) + b'"'
    put(landing, rel, PARTNERS_HEADER + b"P2," + commas + b",oem,2025-01-01\n")
    assert rejection(landing, rel) == _too_long(2, 1025 * 1024 - 1)

    # in the header
    put(landing, rel, b"partner_id," + big + b"\nP1,a\n")
    assert rejection(landing, rel) == _too_long(1, MAX_FIELD_BYTES + 1)

    # a value of exactly the limit is fine, and so is a long line of short values
    put(landing, rel, PARTNERS_HEADER + b"P1," + big[:-1] + b",oem,2025-01-01\n")
    assert read(landing, rel).rows_loaded == 1
    wide_header = PARTNERS_HEADER.rstrip() + b"".join(b",extra%d" % i for i in range(600)) + b"\n"
    wide_row = b"P1,A,oem,2025-01-01" + b"".join(b"," + b"w" * 2000 for _ in range(600)) + b"\n"
    put(landing, rel, wide_header + wide_row)
    assert read(landing, rel).rows_loaded == 1


def test_a_parquet_value_over_one_megabyte_rejects_the_file(landing):
    frame = pl.DataFrame(
        {
            "partner_id": ["P1", "P2"],
            "partner_name": ["A", "x" * (MAX_FIELD_BYTES + 5)],
            "partner_type": ["oem", "oem"],
            "updated_at": ["2025-06-01", "2025-06-01"],
        }
    )
    path = landing / "crm/2025-06-01/partners.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    assert rejection(landing, "crm/2025-06-01/partners.parquet") == _too_long(
        2, MAX_FIELD_BYTES + 5
    )


# --------------------------------------------------------------------------------------------
# Through the real nightly job


def test_the_nightly_run_keeps_one_partner_and_records_every_bad_file(tmp_path, fixtures_dir):
    from dagster_project.jobs import run_nightly
    from dagster_project.settings import Settings

    landing = tmp_path / "landing"
    shutil.copytree(fixtures_dir / "handmade/landing", landing)
    header = (fixtures_dir / "handmade/landing/crm/2026-06-01/partners.csv").read_bytes()
    header = header.split(b"\n")[0]
    # P01 renamed, its id preceded by a zero-width space
    put(
        landing,
        "crm/2026-06-25/partners.csv",
        header
        + "\n\u200bP01,Northwind Renamed,reseller,2026-02-02T00:00:00Z,,1.2,Ann Lee,EMEA,"
        "2026-06-24T00:00:00Z,false\n".encode(),
    )
    put(
        landing,
        "crm/2026-06-25/accounts.csv",
        b'account_id,account_name,updated_at\nA1,"Open,2026-06-24\nA2,B,2026-06-24\n',
    )
    outside = put(tmp_path / "outside", "partner_nps.csv", SECRET)
    (landing / "surveys/2026-06-25").mkdir(parents=True)
    os.symlink(outside, landing / "surveys/2026-06-25/partner_nps.csv")
    os.symlink(outside.parent, landing / "crm/2026-06-26")

    settings = Settings(
        landing_dir=landing, warehouse=tmp_path / "warehouse.duckdb", as_of=dt.date(2026, 6, 30)
    )
    assert run_nightly(settings)

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rejected = con.execute(
            "SELECT file_path, reason FROM audit.rejected_files ORDER BY file_path"
        ).fetchall()
        partners = con.execute(
            "SELECT partner_id, partner_name FROM marts.dim_partners ORDER BY partner_id"
        ).fetchall()
        cleaned = con.execute(
            "SELECT ids_cleaned FROM audit.load_log WHERE file_path = 'crm/2026-06-25/partners.csv'"
        ).fetchall()
    finally:
        con.close()

    assert rejected == [
        ("crm/2026-06-25/accounts.csv", UNTERMINATED.format(line=2)),
        ("crm/2026-06-26", LINK_REASON),
        ("surveys/2026-06-25/partner_nps.csv", LINK_REASON),
    ]
    # the hand-made fixture's partners: P01..P12 (crm/2026-06-01/partners.csv) and the
    # marketplace pseudo-partner aws (its transactions); no second P01
    assert [p for p, _ in partners] == [f"P{i:02d}" for i in range(1, 13)] + ["aws"]
    assert partners[0] == ("P01", "Northwind Renamed")
    assert cleaned == [(1,)]
