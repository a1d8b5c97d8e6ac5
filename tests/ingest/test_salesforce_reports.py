"""Salesforce report exports ("Details only" CSV): field labels as the header, the exporting
user's locale for dates and numbers, Windows-1252 or UTF-8, a footer after a blank line, and
15-character record ids normalised to 18 characters (salesforce_ids.py, locales.py, the two
salesforce_report_*.yml formats). Samples: tests/fixtures/exports/salesforce/*report*.csv.
Every expected value is worked out by hand from the sample lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from test_export_formats import DAY, by_key, drop, put, quarantined, read

from dagster_project.ingest import export_formats
from dagster_project.ingest.locales import LOCALES, parse_date, parse_datetime, parse_number
from dagster_project.ingest.salesforce_ids import to_18


def _apply(function, values: list[str | None], *args) -> list:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(function(pl.col("v"), *args).alias("out"))["out"].to_list()


# --------------------------------------------------------------------------------------------
# 15 -> 18 character ids


def test_a_15_character_id_gains_its_case_safe_suffix():
    # 0065g00000OPNWx in chunks of five: "0065g" has no capital -> 0 -> A; "00000" -> 0 -> A;
    # "OPNWx": O P N W are capitals (bits 0-3), x is not -> 1+2+4+8 = 15 -> P.  So: AAP.
    # "a0B5gXyZ12AbCdE": "a0B5g" B at position 2 -> 4 -> E; "XyZ12" X (bit 0) Z (bit 2) -> 5 -> F;
    # "AbCdE" A C E (bits 0, 2, 4) -> 1+4+16 = 21 -> V.  So: EFV.
    values = ["0065g00000OPNWx", "a0B5gXyZ12AbCdE", "0065g00000OPNWxAAP", "bad id", None]
    ids = _apply(lambda v: to_18(v)[0], values)
    wrong = _apply(lambda v: to_18(v)[1], values)
    assert ids == ["0065g00000OPNWxAAP", "a0B5gXyZ12AbCdEEFV", "0065g00000OPNWxAAP", "bad id", None]
    assert wrong == [False, False, False, True, False]


# --------------------------------------------------------------------------------------------
# Locales


@pytest.mark.parametrize(
    ("locale", "text", "date"),
    [
        ("en_GB", "10/05/2024", "2024-05-10"),
        ("en_GB", "28/03/2024", "2024-03-28"),
        ("en_US", "5/10/2024", "2024-05-10"),
        ("en_US", "28/03/2024", None),  # no 28th month
        ("de_DE", "10.05.2024", "2024-05-10"),
        ("ja_JP", "2024/05/10", "2024-05-10"),
        ("en_GB", "31/02/2024", None),  # no such day
        ("en_GB", "10/05/2024 15:45", "2024-05-10"),
    ],
)
def test_dates_in_the_users_locale(locale, text, date):
    assert _apply(parse_date, [text], LOCALES[locale]) == [date]


@pytest.mark.parametrize(
    ("locale", "text", "stamp"),
    [
        ("en_US", "5/10/2024, 3:45 PM", dt.datetime(2024, 5, 10, 15, 45)),
        ("en_US", "5/10/2024 12:05 AM", dt.datetime(2024, 5, 10, 0, 5)),
        ("en_GB", "10/05/2024 15:45:10", dt.datetime(2024, 5, 10, 15, 45, 10)),
        ("en_GB", "10/05/2024", dt.datetime(2024, 5, 10)),
        ("en_US", "5/10/2024 13:00 PM", None),
    ],
)
def test_date_times_in_the_users_locale(locale, text, stamp):
    assert _apply(parse_datetime, [text], LOCALES[locale]) == [stamp]


@pytest.mark.parametrize(
    ("locale", "text", "number"),
    [
        ("en_GB", "120,000.00", "120000.00"),
        ("en_US", "USD 120,000.00", "120000.00"),  # multi-currency orgs put the code first
        ("de_DE", "1.234,56", "1234.56"),
        ("fr_FR", "1\u202f234,56", "1234.56"),
        ("en_GB", "-36,500.5", "-36500.5"),
        ("en_GB", "1.234,56", None),  # a German number in an English report
        ("en_GB", "1,5", None),  # a group of one digit
    ],
)
def test_numbers_in_the_users_locale(locale, text, number):
    assert _apply(parse_number, [text], LOCALES[locale]) == [number]


def test_a_parse_without_a_locale_is_a_broken_mapping(tmp_path):
    (tmp_path / "x.yml").write_text(
        "name: x\nentity: crm/campaigns\nrecognise: [a]\n"
        "columns: {campaign_id: a, campaign_name: a, updated_at: {from: a, parse: datetime}}\n"
    )
    with pytest.raises(export_formats.FormatError, match="declare `locale`"):
        export_formats.known_formats(tmp_path)


# --------------------------------------------------------------------------------------------
# The report formats on their samples


@pytest.fixture
def en_gb_reports(tmp_path, monkeypatch):
    """The bundled opportunities report format, copied with the locale en_GB into the org's own
    formats folder: it replaces the bundled (en_US) one of the same name."""
    folder = tmp_path / "our_formats"
    folder.mkdir()
    bundled = export_formats.FORMATS_DIR / "salesforce_report_opportunities.yml"
    text = bundled.read_text().replace("locale: en_US", "locale: en_GB")
    (folder / bundled.name).write_text(text)
    monkeypatch.setenv(export_formats.EXTRA_FORMATS_ENV, str(folder))


def test_an_en_gb_windows_1252_opportunities_report(tmp_path, en_gb_reports):
    (fmt,) = [f for f in export_formats.known_formats() if f.name.endswith("opportunities")]
    assert fmt.columns[0].target == "opportunity_id" and "our_formats" in str(fmt.path)
    rel = drop(tmp_path, "salesforce/Opportunities_report_en_GB.csv", "crm")
    result = read(tmp_path, rel)
    assert result.export_format == "salesforce_report_opportunities"
    # three data lines; the blank line and the five footer lines are no rows at all
    assert result.rows_read == 3
    rows = by_key(result, "opportunity_id")
    assert sorted(rows) == ["0065g00000OPDVxAAP", "0065g00000OPNWxAAP"]
    northwind = rows["0065g00000OPNWxAAP"]
    # 0015g00000NWRBx: "0015g" -> A, "00000" -> A, "NWRBx" N W R B -> 15 -> P
    assert northwind["account_id"] == "0015g00000NWRBxAAP"
    assert northwind["amount"] == Decimal("120000.00")
    assert northwind["close_date"] == dt.date(2024, 3, 28)
    assert northwind["created_at"] == dt.datetime(2024, 1, 15)
    assert (northwind["is_closed"], northwind["is_won"]) == (True, True)
    dunmore = rows["0065g00000OPDVxAAP"]
    assert dunmore["close_date"] == dt.date(2024, 5, 10)  # 10/05/2024
    assert dunmore["amount"] == Decimal("36500.50")
    # line 4 (a Windows-1252 "Müller") has a German amount in this English report
    assert quarantined(result) == [
        (
            4,
            "amount: '1.234,56' is not a number as written in en_GB; "
            "amount: '1.234,56' is not a decimal number (at most 16 digits before the point)",
        )
    ]
    assert "Müller Logistik" in result.quarantine["raw_record"][0]


def test_a_partners_report_names_partners_by_account_name(tmp_path):
    rel = drop(tmp_path, "salesforce/Opportunities_with_Partners_report.csv", "crm")
    result = read(tmp_path, rel)
    assert result.export_format == "salesforce_report_partners"
    assert result.rows_read == 3 and result.rows_quarantined == 0
    touches = result.frame.sort("_line_number").select(
        "touch_id", "opportunity_id", "partner_id", "partner_name", "touch_kind", "touched_at"
    )
    assert touches.rows() == [
        (
            "0065g00000OPNWx|Stellar Works",
            "0065g00000OPNWxAAP",
            None,
            "Stellar Works",
            "co_sell",
            dt.datetime(2024, 1, 15),
        ),
        (
            "0065g00000OPNWx|orbit consulting",
            "0065g00000OPNWxAAP",
            None,
            "orbit consulting",
            "co_sell",
            dt.datetime(2024, 1, 15),
        ),
        (
            "0065g00000OPDVx|Stellar Works",
            "0065g00000OPDVxAAP",
            None,
            "Stellar Works",
            "co_sell",
            dt.datetime(2024, 3, 20),
        ),
    ]
    # Partner Role: the partner's type when its account type leaves it open (int_partners)
    assert result.frame.sort("_line_number")["partner_role"].to_list() == [
        "System Integrator",
        "Consultant",
        "VAR/Reseller",
    ]


def test_a_touch_needs_a_partner_id_or_a_partner_name(tmp_path):
    rel = put(
        tmp_path,
        f"crm/{DAY}/partner_touches.csv",
        b"touch_id,opportunity_id,partner_id,partner_name,touch_kind,touched_at\n"
        b"T1,O1,P1,,co_sell,2024-05-01\n"
        b"T2,O1,,Stellar Works,co_sell,2024-05-01\n"
        b"T3,O1,,,co_sell,2024-05-01\n",
    )
    result = read(tmp_path, rel)
    assert sorted(result.frame["touch_id"]) == ["T1", "T2"]
    assert quarantined(result) == [(4, "partner_id (or partner_name): required value missing")]
