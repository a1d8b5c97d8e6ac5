"""The notebooks run against a published warehouse (so they do not rot as the marts evolve)."""

import runpy
import shutil

from dagster_project.settings import PROJECT_ROOT


def test_program_overview_runs_on_a_published_warehouse(
    build_warehouse, fixtures_dir, monkeypatch, capsys, tmp_path
):
    # a private copy: DuckDB shares one database per file in a process, and other tests hold the
    # session's copy open without the readers' restrictions
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(build_warehouse(fixtures_dir / "handmade" / "landing", "2026-06-30"), warehouse)
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(warehouse))
    runpy.run_path(str(PROJECT_ROOT / "notebooks" / "program_overview.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert "2026-06-30" in printed  # the KPI table reaches the as-of date
    assert "quadrant_mismatch" in printed or "inactive_partner" in printed


def test_the_notebook_reads_through_the_readers_connection():
    # the one reader connection (readers.py) is what keeps a notebook from reaching other files
    source = (PROJECT_ROOT / "notebooks" / "program_overview.py").read_text()
    assert "connect_marts(" in source
    assert "duckdb.connect" not in source
