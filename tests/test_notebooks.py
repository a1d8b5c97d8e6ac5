"""The notebooks run against a published warehouse (so they do not rot as the marts evolve)."""

import runpy

from dagster_project.settings import PROJECT_ROOT


def test_program_overview_runs_on_a_published_warehouse(
    build_warehouse, fixtures_dir, monkeypatch, capsys
):
    warehouse = build_warehouse(fixtures_dir / "handmade" / "landing", "2026-06-30")
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(warehouse))
    runpy.run_path(str(PROJECT_ROOT / "notebooks" / "program_overview.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert "2026-06-30" in printed  # the KPI table reaches the as-of date
    assert "quadrant_mismatch" in printed or "inactive_partner" in printed
