"""DuckDB's memory limit for dbt's connection: sized to the data the build file holds, within
bounds, unless the operator sets PARTNER_DUCKDB_MEMORY_LIMIT (dagster_project/duckdb_limits.py)."""

import duckdb
import pytest

from dagster_project import duckdb_limits
from dagster_project.dbt_warehouse import Plugin
from dagster_project.duckdb_limits import dbt_memory_limit


@pytest.mark.parametrize(
    ("data_bytes", "limit"),
    [
        (0, "1000MB"),  # an empty file: the floor
        (83_000_000, "1000MB"),  # scale 100's raw data: 415 MB, still the floor
        (400_000_000, "2000MB"),  # scale 500's: 5 x 400 MB
        (1_000_000_000, "4000MB"),  # 5 GB would be past the ceiling
    ],
)
def test_dbt_memory_grows_with_the_data_within_bounds(data_bytes, limit):
    assert dbt_memory_limit(data_bytes) == limit


def _memory_limit_after_attach(build, monkeypatch, operator_limit=None) -> str:
    monkeypatch.setenv("PARTNER_BUILD_FILE", str(build))
    if operator_limit is None:
        monkeypatch.delenv("PARTNER_DUCKDB_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("PARTNER_DUCKDB_MEMORY_LIMIT", operator_limit)
    con = duckdb.connect()
    try:
        Plugin("dagster_project.dbt_warehouse", {}).configure_connection(con)
        return con.execute("select current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()


def _as_duckdb_reports(limit: str) -> str:
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{limit}'")
        return con.execute("select current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()


def test_dbt_connection_sizes_its_memory_to_the_build_file(tmp_path, monkeypatch):
    # a floor of 10 MB, so that a small file shows the limit following its data
    monkeypatch.setattr(duckdb_limits, "DBT_MEMORY_MIN", 10 * duckdb_limits.MB)
    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create table raw_rows as select md5(i::varchar) as v, i from range(300_000) t(i)")
    con.close()  # its checkpoint writes the last blocks
    con = duckdb.connect(str(build), read_only=True)
    used = con.execute(
        "select used_blocks * block_size from pragma_database_size() "
        "where database_name = current_database()"
    ).fetchone()[0]
    con.close()
    assert used > 2 * duckdb_limits.MB
    expected = f"{5 * used // duckdb_limits.MB}MB"
    assert _memory_limit_after_attach(build, monkeypatch) == _as_duckdb_reports(expected)


def test_an_operator_limit_wins(tmp_path, monkeypatch):
    build = tmp_path / "build.duckdb"
    duckdb.connect(str(build)).close()
    reported = _memory_limit_after_attach(build, monkeypatch, operator_limit="3GB")
    assert reported == _as_duckdb_reports("3GB")
