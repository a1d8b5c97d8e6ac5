"""Reading one file: discovery (landing.py), parsing (parsing.py), every kind (kinds.py), row
quarantine (validation.py) and whole-file rejection, through reader.read_file.

Every expected value below is worked out by hand from the bytes the test writes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dagster_project.ingest.landing import RejectedFile, discover
from dagster_project.ingest.reader import read_file

PARTNERS_ENUM = "technology, affiliate, reseller, strategic_alliance, oem"


def put(landing: Path, rel: str, data: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(landing: Path, rel: str, data: bytes):
    put(landing, rel, data)
    (found,) = [f for f in discover(landing) if f.relative_path == rel]
    result = read_file(found)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result


def quarantined(result) -> list[tuple[int, str]]:
    return list(zip(result.quarantine["line_number"], result.quarantine["reason"], strict=True))


def column(result, name: str) -> list:
    return result.frame[name].to_list()


# --------------------------------------------------------------------------------------------
# Discovery


def test_discover_lists_every_file_in_load_order(tmp_path):
    for rel in [
        "crm/2025-06-02/accounts.csv",
        "crm/2025-06-01/partners.csv",
        "affiliate/2025-06-01/referrals.parquet",
        "crm/2025-06-01/accounts.csv",
        "crm/June/partners.csv",
        "crm/partners.csv",
        "readme.txt",
        "crm/2025-06-01/.DS_Store",
    ]:
        put(tmp_path, rel, b"x")
    found = discover(tmp_path)
    assert [f.relative_path for f in found] == [
        "affiliate/2025-06-01/referrals.parquet",
        "crm/2025-06-01/accounts.csv",
        "crm/2025-06-01/partners.csv",
        "crm/2025-06-02/accounts.csv",
        "readme.txt",
        "crm/June/partners.csv",
        "crm/partners.csv",
    ]
    first = found[0]
    assert (first.source, first.entity, first.export_date) == (
        "affiliate",
        "referrals",
        dt.date(2025, 6, 1),
    )
    assert first.path == tmp_path / "affiliate/2025-06-01/referrals.parquet"
    june = found[5]
    assert (june.source, june.entity, june.export_date, june.date_folder) == (
        "crm",
        "partners",
        None,
        "June",
    )
    assert found[4].source == ""


def test_discover_on_missing_folder_is_empty(tmp_path):
    assert discover(tmp_path / "nope") == []


# --------------------------------------------------------------------------------------------
# CSV dialect: BOM, CRLF, quoted commas and newlines, line numbers


def test_bom_crlf_quoted_commas_and_newlines_keep_line_numbers(tmp_path):
    data = (
        b"\xef\xbb\xbfpartner_id,partner_name,partner_type,updated_at\r\n"  # line 1
        b'P1,"Acme, Inc.",technology,2025-06-01T00:00:00Z\r\n'  # line 2
        b'P2,"Multi\r\nline ""quoted"" name",reseller,2025-06-01\r\n'  # lines 3-4
        b"P3,Plain,oem,2025-06-02\r\n"  # line 5
        b'P4,"x\ny\nz",affiliate,2025-06-02\r\n'  # lines 6-8
        b"P5,Bad,vendor,2025-06-02\r\n"  # line 9
        b'P6,"two\r\nlines",oem,soon\r\n'  # lines 10-11
        b"P7,Last,OEM,2025-06-03\r\n"  # line 12
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "partner_id") == ["P1", "P2", "P3", "P4", "P7"]
    assert column(result, "partner_name") == [
        "Acme, Inc.",
        'Multi\r\nline "quoted" name',
        "Plain",
        "x\ny\nz",
        "Last",
    ]
    assert column(result, "_line_number") == [2, 3, 5, 6, 12]
    assert column(result, "partner_type") == ["technology", "reseller", "oem", "affiliate", "oem"]
    assert quarantined(result) == [
        (9, f"partner_type: 'vendor' is not one of {PARTNERS_ENUM}"),
        (10, "updated_at: 'soon' is not an ISO-8601 timestamp"),
    ]
    assert result.quarantine["raw_record"].to_list() == [
        "P5,Bad,vendor,2025-06-02",
        'P6,"two\r\nlines",oem,soon',
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 5, 2)


def test_plain_lf_file_line_numbers_and_raw_record(tmp_path):
    data = (
        b"partner_id,partner_name,partner_type,updated_at\n"
        b"P1,A,oem,2025-06-01\n"
        b"P2,B,oem,2025-06-01\n"
        b"P3,C,oem,not a date\n"
        b"P4,D,oem,2025-06-01"  # no final newline
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "_line_number") == [2, 3, 5]
    assert quarantined(result) == [(4, "updated_at: 'not a date' is not an ISO-8601 timestamp")]
    assert result.quarantine["raw_record"].to_list() == ["P3,C,oem,not a date"]


def test_blank_lines_are_not_records_and_do_not_shift_line_numbers(tmp_path):
    data = (
        b"partner_id,partner_name,partner_type,updated_at\n"
        b"P1,A,oem,2025-06-01\n"
        b"\n"
        b" , , , \n"
        b"P2,B,oem,2025-06-01\n"
        b"\n"
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "_line_number") == [2, 5]
    assert (result.rows_read, result.rows_quarantined) == (2, 0)


def test_row_with_too_many_fields_is_quarantined(tmp_path):
    data = (
        b"partner_id,partner_name,partner_type,updated_at\n"
        b"P1,A,oem,2025-06-01\n"
        b"P2,B,oem,2025-06-01,surprise\n"
        b"P3,C,oem,2025-06-01,\n"  # an empty extra field is harmless
        b"P4,D,oem\n"  # a short row: updated_at missing
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "partner_id") == ["P1", "P3"]
    assert quarantined(result) == [
        (3, "the record has 5 fields but the header has 4"),
        (5, "updated_at: required value missing"),
    ]
    assert result.quarantine["raw_record"].to_list() == ["P2,B,oem,2025-06-01,surprise", "P4,D,oem"]


def test_header_case_spaces_order_and_unknown_columns(tmp_path):
    data = (
        b" Partner_Type ,UPDATED_AT,Partner_ID,Notes,partner_NAME,\n"
        b"Technology, 2025-06-01 ,P1,hello, Acme ,\n"
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    row = result.frame.row(0, named=True)
    assert row["partner_id"] == "P1"
    assert row["partner_name"] == "Acme"
    assert row["partner_type"] == "technology"
    assert row["updated_at"] == dt.datetime(2025, 6, 1)
    assert row["region"] is None and row["terminated_at"] is None
    assert result.unknown_columns == ["Notes", "(unnamed column 6)"]
    assert result.frame.columns == [
        "partner_id",
        "partner_name",
        "partner_type",
        "agreement_signed_at",
        "terminated_at",
        "strategic_value_score",
        "partner_manager",
        "region",
        "updated_at",
        "is_deleted",
        "_line_number",
    ]


# --------------------------------------------------------------------------------------------
# Kinds


def test_timestamps_offsets_to_utc_and_date_only(tmp_path):
    values = [
        ("2025-06-01T12:30:00Z", dt.datetime(2025, 6, 1, 12, 30)),
        ("2025-06-01 12:30:00+02:00", dt.datetime(2025, 6, 1, 10, 30)),
        ("2025-06-01T23:30:00-02:00", dt.datetime(2025, 6, 2, 1, 30)),
        ("2025-06-01", dt.datetime(2025, 6, 1)),
        ("2025-06-01T12:30:00.123456", dt.datetime(2025, 6, 1, 12, 30, 0, 123456)),
        ("2025-06-01T12:30:00.5+01:00", dt.datetime(2025, 6, 1, 11, 30, 0, 500000)),
        ("2025-06-01T12:30", dt.datetime(2025, 6, 1, 12, 30)),
        ("2025-06-01T12:30:00+0530", dt.datetime(2025, 6, 1, 7, 0)),
        ("2025-06-01t12:30:00z", dt.datetime(2025, 6, 1, 12, 30)),
    ]
    bad = ["yesterday", "2025-02-30", "2025-06-01T25:00:00", "06/01/2025", "2025-06-01Z"]
    lines = [b"account_id,account_name,created_at,updated_at"]
    for i, (text, _) in enumerate(values):
        lines.append(f"A{i},Name,{text},2025-06-01".encode())
    for i, text in enumerate(bad):
        lines.append(f"B{i},Name,{text},2025-06-01".encode())
    result = read(tmp_path, "crm/2025-06-01/accounts.csv", b"\n".join(lines) + b"\n")
    assert column(result, "created_at") == [expected for _, expected in values]
    first_bad = len(values) + 2
    assert quarantined(result) == [
        (first_bad + i, f"created_at: '{text}' is not an ISO-8601 timestamp")
        for i, text in enumerate(bad)
    ]


def test_dates_take_the_utc_date_of_a_timestamp(tmp_path):
    data = (
        b"campaign_id,campaign_name,start_date,end_date,updated_at\n"
        b"C1,One,2025-06-01,2025-06-01T23:30:00-02:00,2025-06-01\n"
        b"C2,Two,2025-13-01,,2025-06-01\n"
    )
    result = read(tmp_path, "crm/2025-06-01/campaigns.csv", data)
    assert column(result, "start_date") == [dt.date(2025, 6, 1)]
    assert column(result, "end_date") == [dt.date(2025, 6, 2)]
    assert quarantined(result) == [(3, "start_date: '2025-13-01' is not an ISO-8601 date")]


def _opportunity(i: int, amount: str, is_closed: str = "true", is_won: str = "false") -> bytes:
    return f"O{i},A1,2025-05-01,Closed,{is_closed},{is_won},{amount},USD,2025-06-01\n".encode()


OPPORTUNITY_HEADER = (
    b"opportunity_id,account_id,created_at,stage,is_closed,is_won,amount,currency,updated_at\n"
)


def test_money_rounds_half_up_to_four_places(tmp_path):
    amounts = ["1234.5", "0.00005", "2.00004", "10.12345", "0.00025", "7", "+3.5", ".25"]
    bad = ["-5", "1,000", "12345678901234567", "1e3", "$5"]
    data = OPPORTUNITY_HEADER + b"".join(
        _opportunity(i, f'"{a}"' if "," in a else a) for i, a in enumerate(amounts + bad)
    )
    result = read(tmp_path, "crm/2025-06-01/opportunities.csv", data)
    assert result.frame.schema["amount"] == pl.Decimal(20, 4)
    assert column(result, "amount") == [
        Decimal("1234.5000"),
        Decimal("0.0001"),
        Decimal("2.0000"),
        Decimal("10.1235"),
        Decimal("0.0003"),
        Decimal("7.0000"),
        Decimal("3.5000"),
        Decimal("0.2500"),
    ]
    not_decimal = "is not a decimal number (at most 16 digits before the point)"
    assert quarantined(result) == [
        (10, "amount: '-5' is below the minimum 0"),
        (11, f"amount: '1,000' {not_decimal}"),
        (12, f"amount: '12345678901234567' {not_decimal}"),
        (13, f"amount: '1e3' {not_decimal}"),
        (14, f"amount: '$5' {not_decimal}"),
    ]


def test_marketplace_amounts_may_be_negative(tmp_path):
    data = (
        b"transaction_id,marketplace,transaction_at,gross_amount,currency,marketplace_fee\n"
        b"T1,aws,2025-06-01,-12.5,USD,-0.125\n"
    )
    result = read(tmp_path, "marketplace/2025-06-01/transactions.csv", data)
    assert column(result, "gross_amount") == [Decimal("-12.5000")]
    assert column(result, "marketplace_fee") == [Decimal("-0.1250")]


def test_rates_keep_ten_places_and_must_be_positive(tmp_path):
    data = (
        b"rate_date,currency,usd_per_unit\n"
        b"2025-06-01,EUR,1.08123456789\n"
        b"2025-06-01,GBP,0\n"
        b"2025-06-01,JPY,0.0067\n"
    )
    result = read(tmp_path, "reference/2025-06-01/fx_rates.csv", data)
    assert result.frame.schema["usd_per_unit"] == pl.Decimal(24, 10)
    assert column(result, "usd_per_unit") == [Decimal("1.0812345679"), Decimal("0.0067000000")]
    assert quarantined(result) == [(3, "usd_per_unit: '0' is not positive (must be > 0)")]


def _cast_in_duckdb(sql: str, value: Decimal):
    """DuckDB evaluating the cast the dbt models apply (None when DuckDB refuses the value)."""
    try:
        return duckdb.connect().execute(sql, [value]).fetchall()[0][0]
    except duckdb.ConversionException:
        return None


# What dbt does with them: macros/currency.sql rounds amounts into decimal(18, 2);
# int_fx_rates_daily casts rates to decimal(18, 10).
TO_CENTS = "select cast(round(cast(? as decimal(20, 4)), 2) as decimal(18, 2))"
TO_RATE = "select cast(cast(? as decimal(24, 10)) as decimal(18, 10))"


def test_amount_that_does_not_fit_the_models_decimal_is_quarantined(tmp_path):
    # 16 nines and .9949 round to 9999999999999999.99 (16 digits): fits DECIMAL(18,2).
    # 16 nines and .9999 round to 10000000000000000.00 (17 digits): does not.
    data = (
        OPPORTUNITY_HEADER
        + _opportunity(1, "9999999999999999.9949")
        + _opportunity(2, "9999999999999999.9999")
        + _opportunity(3, "12.5")
    )
    result = read(tmp_path, "crm/2025-06-01/opportunities.csv", data)
    assert column(result, "opportunity_id") == ["O1", "O3"]
    assert quarantined(result) == [
        (
            3,
            "amount: '9999999999999999.9999' does not fit DECIMAL(18,2) (at most 16 digits "
            "before the point, once rounded to 2 decimal places)",
        )
    ]
    # The bound is DuckDB's own: what loads converts, what is quarantined would crash dbt.
    assert [_cast_in_duckdb(TO_CENTS, v) for v in column(result, "amount")] == [
        Decimal("9999999999999999.99"),
        Decimal("12.50"),
    ]
    assert _cast_in_duckdb(TO_CENTS, Decimal("9999999999999999.9999")) is None


def test_rate_that_does_not_fit_the_models_decimal_is_quarantined(tmp_path):
    data = (
        b"rate_date,currency,usd_per_unit\n"
        b"2025-06-01,EUR,1.08\n"
        b"2025-06-01,VES,123456789.5\n"
        b"2025-06-01,XYZ,99999999.9999999999\n"
        b"2025-06-01,ABC,123456789012345\n"
    )
    result = read(tmp_path, "reference/2025-06-01/fx_rates.csv", data)
    assert column(result, "currency") == ["EUR", "XYZ"]
    assert quarantined(result) == [
        (
            3,
            "usd_per_unit: '123456789.5' does not fit DECIMAL(18,10) (at most 8 digits "
            "before the point, once rounded to 10 decimal places)",
        ),
        (
            5,
            "usd_per_unit: '123456789012345' is not a decimal number "
            "(at most 8 digits before the point)",
        ),
    ]
    assert [_cast_in_duckdb(TO_RATE, v) for v in column(result, "usd_per_unit")] == [
        Decimal("1.08"),
        Decimal("99999999.9999999999"),
    ]
    assert _cast_in_duckdb(TO_RATE, Decimal("123456789.5")) is None


def test_parquet_amount_that_does_not_fit_is_quarantined(tmp_path):
    frame = pl.DataFrame(
        {
            "opportunity_id": ["O1", "O2"],
            "account_id": ["A1", "A1"],
            "created_at": ["2025-05-01"] * 2,
            "stage": ["Won"] * 2,
            "is_closed": [True, True],
            "is_won": [True, True],
            "amount": pl.Series(
                [Decimal("9999999999999999.999"), Decimal("7")], dtype=pl.Decimal(20, 3)
            ),
            "currency": ["USD"] * 2,
            "updated_at": ["2025-06-01"] * 2,
        }
    )
    path = tmp_path / "crm/2025-06-01/opportunities.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    (found,) = discover(tmp_path)
    result = read_file(found)
    assert column(result, "amount") == [Decimal("7")]
    assert quarantined(result) == [
        (
            1,
            "amount: '9999999999999999.999' does not fit DECIMAL(18,2) (at most 16 digits "
            "before the point, once rounded to 2 decimal places)",
        )
    ]


def test_numbers_and_positive_rule(tmp_path):
    data = (
        b"partner_id,partner_name,partner_type,strategic_value_score,updated_at\n"
        b"P1,A,oem,1.25,2025-06-01\n"
        b"P2,B,oem,1e0,2025-06-01\n"
        b"P3,C,oem,,2025-06-01\n"
        b"P4,D,oem,abc,2025-06-01\n"
        b"P5,E,oem,-1,2025-06-01\n"
        b"P6,F,oem,inf,2025-06-01\n"
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "strategic_value_score") == [1.25, 1.0, None]
    assert quarantined(result) == [
        (5, "strategic_value_score: 'abc' is not a number"),
        (6, "strategic_value_score: '-1' is not positive (must be > 0)"),
        (7, "strategic_value_score: 'inf' is not a number"),
    ]


def test_integers_must_be_whole_and_in_range(tmp_path):
    data = (
        b"response_id,partner_id,responded_at,score\n"
        b"R1,P1,2025-06-01,7\n"
        b"R2,P1,2025-06-01,7.0\n"
        b"R3,P1,2025-06-01,0\n"
        b"R4,P1,2025-06-01,10\n"
        b"R5,P1,2025-06-01,7.5\n"
        b"R6,P1,2025-06-01,11\n"
        b"R7,P1,2025-06-01,-1\n"
        b"R8,P1,2025-06-01,\n"
    )
    result = read(tmp_path, "surveys/2025-06-01/partner_nps.csv", data)
    assert result.frame.schema["score"] == pl.Int64
    assert column(result, "score") == [7, 7, 0, 10]
    assert quarantined(result) == [
        (6, "score: '7.5' is not a whole number"),
        (7, "score: '11' is above the maximum 10"),
        (8, "score: '-1' is below the minimum 0"),
        (9, "score: required value missing"),
    ]


def test_booleans_any_case(tmp_path):
    pairs = [("TRUE", "f"), ("Yes", "n"), ("1", "0"), ("t", "FALSE"), ("y", "No")]
    data = OPPORTUNITY_HEADER + b"".join(
        _opportunity(i, "1", closed, won) for i, (closed, won) in enumerate(pairs)
    )
    data += _opportunity(9, "1", "maybe", "true")
    result = read(tmp_path, "crm/2025-06-01/opportunities.csv", data)
    assert column(result, "is_closed") == [True, True, True, True, True]
    assert column(result, "is_won") == [False, False, False, False, False]
    assert quarantined(result) == [
        (7, "is_closed: 'maybe' is not a boolean (true/false, yes/no, 1/0)")
    ]


def test_enumerations_any_case_stored_lower(tmp_path):
    data = (
        b"registration_id,partner_id,status,registered_at,updated_at\n"
        b"D1,P1,APPROVED,2025-06-01,2025-06-01\n"
        b"D2,P1,Submitted,2025-06-01,2025-06-01\n"
        b"D3,P1,pending,2025-06-01,2025-06-01\n"
    )
    result = read(tmp_path, "crm/2025-06-01/deal_registrations.csv", data)
    assert column(result, "status") == ["approved", "submitted"]
    assert quarantined(result) == [
        (4, "status: 'pending' is not one of submitted, approved, rejected, expired")
    ]


# --------------------------------------------------------------------------------------------
# Row rules


def test_required_missing_and_several_reasons_at_once(tmp_path):
    data = (
        b"partner_id,partner_name,partner_type,strategic_value_score,updated_at\n"
        b",A,oem,1,2025-06-01\n"
        b"P2,  ,vendor,zero,later\n"
        b"P3,C,oem,1,2025-06-01\n"
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "partner_id") == ["P3"]
    assert quarantined(result) == [
        (2, "partner_id: required value missing"),
        (
            3,
            "partner_name: required value missing; "
            f"partner_type: 'vendor' is not one of {PARTNERS_ENUM}; "
            "strategic_value_score: 'zero' is not a number; "
            "updated_at: 'later' is not an ISO-8601 timestamp",
        ),
    ]
    assert result.quarantine["raw_record"].to_list() == [
        ",A,oem,1,2025-06-01",
        "P2,  ,vendor,zero,later",
    ]


def test_a_deletion_needs_only_its_key(tmp_path):
    # LANDING.md: "a row with is_deleted true removes the record": the other required values of
    # a tombstone may be empty; a row that is not a deletion still needs them.
    data = (
        b"partner_id,partner_name,partner_type,updated_at,is_deleted\n"
        b"P1,,,,true\n"
        b"P2,,,,false\n"
        b",,,,true\n"
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "partner_id") == ["P1"]
    assert column(result, "is_deleted") == [True]
    assert quarantined(result) == [
        (
            3,
            "partner_name: required value missing; partner_type: required value missing; "
            "updated_at: required value missing",
        ),
        (4, "partner_id: required value missing"),
    ]


def test_a_file_of_deletions_may_carry_only_the_key(tmp_path):
    data = b"partner_id,is_deleted\nP1,true\nP2,\n"
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "partner_id") == ["P1"]
    assert column(result, "partner_name") == [None]
    reason = "required column missing (only deletions may leave it out)"
    assert quarantined(result) == [
        (3, f"partner_name: {reason}; partner_type: {reason}; updated_at: {reason}")
    ]


def test_without_is_deleted_a_file_still_needs_every_required_column(tmp_path):
    with pytest.raises(RejectedFile, match="required columns missing: partner_name"):
        read(tmp_path, "crm/2025-06-01/partners.csv", b"partner_id\nP1\n")


def test_duplicate_keys_keep_latest_updated_at_then_last_line(tmp_path):
    data = (
        b"partner_id,partner_name,partner_type,updated_at\n"
        b"P1,first,oem,2025-06-01T10:00:00Z\n"  # 2
        b"P1,latest,oem,2025-06-01T12:00:00Z\n"  # 3: latest updated_at wins
        b"P1,older,oem,2025-06-01T09:00:00Z\n"  # 4
        b"P2,tie-a,oem,2025-06-01\n"  # 5
        b"P2,tie-b,oem,2025-06-01\n"  # 6: tie, the last line wins
        b"P3,alone,oem,2025-06-01\n"  # 7
    )
    result = read(tmp_path, "crm/2025-06-01/partners.csv", data)
    assert column(result, "partner_name") == ["latest", "tie-b", "alone"]
    assert quarantined(result) == [
        (2, "duplicate key (partner_id=P1) in this file; superseded by line 3"),
        (4, "duplicate key (partner_id=P1) in this file; superseded by line 3"),
        (5, "duplicate key (partner_id=P2) in this file; superseded by line 6"),
    ]


def test_duplicate_composite_key_and_other_reasons_together(tmp_path):
    data = (
        b"rate_date,currency,usd_per_unit\n"
        b"2025-06-01,EUR,1.08\n"
        b"2025-06-01T00:00:00Z,EUR,-1\n"
        b"2025-06-01,GBP,1.27\n"
    )
    result = read(tmp_path, "reference/2025-06-01/fx_rates.csv", data)
    # No updated_at: the last line wins even though it is itself quarantined.
    assert column(result, "currency") == ["GBP"]
    assert quarantined(result) == [
        (
            2,
            "duplicate key (rate_date=2025-06-01, currency=EUR) in this file; superseded by line 3",
        ),
        (3, "usd_per_unit: '-1' is not positive (must be > 0)"),
    ]


# --------------------------------------------------------------------------------------------
# Whole-file rejection


@pytest.mark.parametrize(
    ("rel", "data", "reason"),
    [
        (
            "crm/2025-06-01/partners.xlsx",
            b"PK\x03\x04",
            "is not a CSV or Parquet file ('.xlsx'); export it as .csv or .parquet",
        ),
        ("crm/2025-06-01/partners.csv", b"", "is empty (no header, no rows)"),
        ("crm/2025-06-01/partners.csv", b"\xef\xbb\xbf\r\n", "is empty (no header, no rows)"),
        (
            "crm/2025-06-01/partners.csv",
            b"partner_id,partner_name,partner_type,updated_at\nP1,A,oem,2025-06-01\n"
            b"P2,Caf\xe9\x81,oem,2025-06-01\n",
            "is neither UTF-8 nor Windows-1252 text (byte 0x81 on line 3); re-export it as UTF-8",
        ),
        (
            "crm/2025-06-01/partners.csv",
            b"partner_id,Partner_Name,updated_at,notes\nP1,A,2025-06-01,x\n",
            "required column missing: partner_type "
            "(the header has: partner_id, Partner_Name, updated_at, notes)",
        ),
        (
            "crm/2025-06-01/partners.csv",
            b"partner_id\nP1\n",
            "required columns missing: partner_name, partner_type, updated_at "
            "(the header has: partner_id)",
        ),
        (
            "crm/2025-06-01/partners.csv",
            b"partner_id,partner_name,PARTNER_ID,partner_type,updated_at\n",
            "column 'partner_id' appears twice in the header (columns 1 and 3); keep one",
        ),
        (
            "crm/2025-06-01/leads.csv",
            b"lead_id\nL1\n",
            "unknown entity 'leads' for source 'crm'; known entities: partners, accounts, "
            "opportunities, partner_touches, deal_registrations, campaigns"
            "; and no known export format for 'crm' matched its header (known formats: "
            "hubspot_companies_export, hubspot_deals_export, hubspot_fivetran_company, "
            "hubspot_fivetran_deal, salesforce_account, salesforce_campaign, "
            "salesforce_opportunity, "
            "salesforce_opportunity_partner, salesforce_partner, "
            "salesforce_report_opportunities, salesforce_report_partners)",
        ),
        (
            "crm/2025-6-1/partners.csv",
            b"partner_id\n",
            "export-date folder '2025-6-1' is not a date (expected YYYY-MM-DD)",
        ),
        (
            "crm/2025-02-30/partners.csv",
            b"partner_id\n",
            "export-date folder '2025-02-30' is not a date (expected YYYY-MM-DD)",
        ),
        (
            "crm/partners.csv",
            b"partner_id\n",
            "is not in a <source>/<export date YYYY-MM-DD>/ folder; "
            "move it to e.g. crm/2025-06-01/partners.csv",
        ),
        (
            "crm/2025-06-01/partners.parquet",
            b"not parquet at all",
            None,  # the engine's own words follow; checked by prefix below
        ),
    ],
)
def test_rejected_files_name_the_file_and_the_reason(tmp_path, rel, data, reason):
    put(tmp_path, rel, data)
    (found,) = discover(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    assert caught.value.path == rel
    if reason is None:
        assert caught.value.reason.startswith("is not a readable Parquet file (")
    else:
        assert caught.value.reason == reason
    assert str(caught.value) == f"{rel}: {caught.value.reason}"


def test_header_only_file_is_an_empty_delta(tmp_path):
    result = read(
        tmp_path,
        "crm/2025-06-01/partners.csv",
        b"partner_id,partner_name,partner_type,updated_at\r\n",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (0, 0, 0)


# --------------------------------------------------------------------------------------------
# Parquet


def test_parquet_typed_and_text_columns(tmp_path):
    frame = pl.DataFrame(
        {
            "Partner_ID": ["P1", "P2", "P3"],
            "partner_name": [" Acme ", "Beta", "Gamma"],
            "partner_type": ["Technology", "vendor", "oem"],
            "updated_at": pl.Series(
                [
                    dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
                    dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC),
                    dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC),
                ]
            ),
            "strategic_value_score": [1.5, 1.0, -2.0],
            "is_deleted": [False, None, True],
            "extra": [1, 2, 3],
        }
    )
    path = tmp_path / "crm/2025-06-01/partners.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    (found,) = discover(tmp_path)
    result = read_file(found)
    assert column(result, "partner_id") == ["P1"]
    assert column(result, "partner_name") == ["Acme"]
    assert column(result, "partner_type") == ["technology"]
    assert column(result, "updated_at") == [dt.datetime(2025, 6, 1, 10, 0)]
    assert column(result, "strategic_value_score") == [1.5]
    assert column(result, "is_deleted") == [False]
    assert column(result, "_line_number") == [1]
    assert result.unknown_columns == ["extra"]
    assert quarantined(result) == [
        (2, f"partner_type: 'vendor' is not one of {PARTNERS_ENUM}"),
        (3, "strategic_value_score: '-2.0' is not positive (must be > 0)"),
    ]
    assert result.quarantine["raw_record"][0] == (
        '{"Partner_ID": "P2", "partner_name": "Beta", "partner_type": "vendor", '
        '"updated_at": "2025-06-01 12:00:00+00:00", "strategic_value_score": 1.0, '
        '"is_deleted": null, "extra": 2}'
    )


def test_parquet_money_from_floats_decimals_and_ints(tmp_path):
    frame = pl.DataFrame(
        {
            "opportunity_id": ["O1", "O2", "O3"],
            "account_id": ["A1", "A1", "A1"],
            "created_at": pl.Series([dt.date(2025, 5, 1)] * 3),
            "stage": ["Won"] * 3,
            "is_closed": [True, True, True],
            "is_won": [1, 0, 1],
            "amount": [12.34567, 5.0, -1.0],
            "currency": ["USD"] * 3,
            "updated_at": ["2025-06-01"] * 3,
        }
    )
    path = tmp_path / "crm/2025-06-01/opportunities.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    (found,) = discover(tmp_path)
    result = read_file(found)
    assert column(result, "amount") == [Decimal("12.3457"), Decimal("5.0000")]
    assert column(result, "created_at") == [dt.datetime(2025, 5, 1)] * 2
    assert column(result, "is_won") == [True, False]
    assert quarantined(result) == [(3, "amount: '-1.0' is below the minimum 0")]


def test_parquet_decimal_column_for_money(tmp_path):
    frame = pl.DataFrame(
        {
            "rate_date": ["2025-06-01", "2025-06-02"],
            "currency": ["EUR", "EUR"],
            "usd_per_unit": pl.Series([Decimal("1.08"), Decimal("1.09")], dtype=pl.Decimal(10, 2)),
        }
    )
    path = tmp_path / "reference/2025-06-01/fx_rates.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    (found,) = discover(tmp_path)
    result = read_file(found)
    assert column(result, "usd_per_unit") == [Decimal("1.08"), Decimal("1.09")]
    assert column(result, "rate_date") == [dt.date(2025, 6, 1), dt.date(2025, 6, 2)]


# --------------------------------------------------------------------------------------------
# Scale: the vectorised path handles many rows and still finds the few bad ones


def test_many_rows_rows_read_equals_loaded_plus_quarantined(tmp_path):
    n = 50_000
    rows = [
        f"O{i},A{i % 7},2025-05-01T10:00:00Z,Won,true,yes,{'-1' if i % 10_000 == 3 else '10.5'},"
        f"USD,2025-06-01 10:00:00+02:00"
        for i in range(n)
    ]
    data = OPPORTUNITY_HEADER + ("\n".join(rows) + "\n").encode()
    result = read(tmp_path, "crm/2025-06-01/opportunities.csv", data)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (n, n - 5, 5)
    assert result.quarantine["line_number"].to_list() == [5, 10_005, 20_005, 30_005, 40_005]
    assert result.frame["updated_at"][0] == dt.datetime(2025, 6, 1, 8, 0)
