"""Every mart value on the bundled sample stays the same unless a change means it to: each mart's
row count and a checksum of its rows (order-free) against tests/fixtures/sample_mart_checksums.json.

The file was written from a warehouse built by an earlier commit, not by the code under test. A
change that is meant to move mart values rewrites it, and the diff shows which marts moved:
`uv run python tests/test_sample_mart_checksums.py <warehouse built as of 2026-11-27>`.
"""

import json
import sys
from pathlib import Path

import duckdb
import pytest
from marts import MARTS

from dagster_project.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "landing"
AS_OF = "2026-11-27"
CHECKSUMS = Path(__file__).parent / "fixtures" / "sample_mart_checksums.json"


def mart_checksum(con: duckdb.DuckDBPyConnection, mart: str) -> dict:
    """Row count and md5 of the sorted rows as text. Doubles are rounded to 9 decimals: a
    parallel sum of doubles may differ in its last bits from run to run."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [mart],
    ).fetchall()
    values = ", ".join(
        f'round("{name}", 9)' if data_type in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, data_type in columns
    )
    rows, digest = con.execute(
        f"select count(*), md5(coalesce(string_agg(line, chr(10) order by line), ''))"
        f" from (select cast(row({values}) as varchar) as line from marts.{mart})"
    ).fetchone()
    return {"rows": rows, "md5": digest}


def checksums(con: duckdb.DuckDBPyConnection) -> dict:
    return {mart: mart_checksum(con, mart) for mart in MARTS}


@pytest.mark.parametrize("mart", MARTS)
def test_sample_marts_are_unchanged(open_marts, mart):
    expected = json.loads(CHECKSUMS.read_text())[mart]
    assert mart_checksum(open_marts(SAMPLE, AS_OF), mart) == expected, (
        f"marts.{mart} changed on the sample; if that is intended, rewrite {CHECKSUMS.name}"
    )


if __name__ == "__main__":
    with duckdb.connect(sys.argv[1], read_only=True) as connection:
        CHECKSUMS.write_text(json.dumps(checksums(connection), indent=2) + "\n")
    print(f"wrote {CHECKSUMS}")
