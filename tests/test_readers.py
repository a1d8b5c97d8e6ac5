"""Readers: one read-only connection that reaches the served marts and nothing else, and CSV that
a spreadsheet opens as text, never as a formula."""

import datetime as dt
import shutil

import duckdb
import polars as pl
import pytest

from dagster_project.readers import connect_marts, to_people_csv
from dagster_project.settings import Settings


@pytest.fixture
def served(build_warehouse, fixtures_dir, tmp_path) -> Settings:
    """A private copy of a published warehouse (the session's copy is shared by other tests)."""
    published = build_warehouse(fixtures_dir / "handmade" / "landing", "2026-06-30")
    warehouse = tmp_path / "served" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(published, warehouse)
    return Settings(
        landing_dir=fixtures_dir / "handmade" / "landing",
        warehouse=warehouse,
        as_of=dt.date(2026, 6, 30),
    )


def _marts_tables(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
    finally:
        con.close()


def test_the_marts_read_as_before(served):
    con = connect_marts(served)
    try:
        assert con.execute("select max(as_of_date) from marts.program_kpis").fetchone() == (
            dt.date(2026, 6, 30),
        )
        assert con.execute("select count(*) from marts.dim_partners").fetchone()[0] > 0
    finally:
        con.close()


def test_a_reader_cannot_attach_the_served_file_read_write_and_drop_the_marts(served, tmp_path):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    tables = _marts_tables(served.warehouse)
    assert tables > 0

    con = connect_marts(Settings(served.landing_dir, other, served.as_of))
    try:
        with pytest.raises(duckdb.Error):
            con.execute(f"attach '{served.warehouse}' as w (read_only false)")
            con.execute("drop schema w.marts cascade")
    finally:
        con.close()
    assert _marts_tables(served.warehouse) == tables


def test_a_reader_writes_no_file(served, tmp_path):
    target = tmp_path / "leak.csv"
    con = connect_marts(served)
    try:
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute(f"copy (select * from marts.dim_partners) to '{target}'")
        # nor lifts the restriction first
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("set enable_external_access = true")
    finally:
        con.close()
    assert not target.exists()


def test_a_reader_reads_no_system_file(served):
    con = connect_marts(served)
    try:
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute("select * from read_text('/etc/passwd')")
    finally:
        con.close()


def test_a_missing_warehouse_says_to_run_first(tmp_path):
    settings = Settings(tmp_path, tmp_path / "none.duckdb", dt.date(2026, 6, 30))
    with pytest.raises(FileNotFoundError, match="partner run"):
        connect_marts(settings)
    assert not settings.warehouse.exists()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK(""http://x"")'),
        ("+1-555", "'+1-555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Acme = 1", "Acme = 1"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_written_as_text(value, written):
    frame = pl.DataFrame({"name": [value]})
    lines = to_people_csv(frame).splitlines()
    assert lines[0] == "name"
    cell = lines[1]
    if cell.startswith('"'):  # quoted by the CSV writer: undo the quoting to compare
        cell = cell[1:-1]
    assert cell == written


def test_numbers_and_empty_cells_are_left_alone():
    frame = pl.DataFrame(
        {"partner": ["-P01", None, "P03"], "amount": [-5.5, 2.0, None], "n": [-1, 0, 3]}
    )
    assert to_people_csv(frame) == "partner,amount,n\n'-P01,-5.5,-1\n,2.0,0\nP03,,3\n"
