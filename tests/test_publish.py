"""Build, then swap: readers never wait for the nightly run, and a failed run publishes nothing."""

import dataclasses
import datetime as dt
import hashlib
import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.jobs import run_nightly
from dagster_project.settings import Settings

HANDMADE = "handmade/landing"


@pytest.fixture
def served(build_warehouse, tmp_path, fixtures_dir):
    """A private copy of a published warehouse of the hand-made fixture, with its settings."""
    landing = fixtures_dir / HANDMADE
    published = build_warehouse(landing, "2026-06-30")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published, warehouse)
    return Settings(landing_dir=landing, warehouse=warehouse, as_of=dt.date(2026, 6, 30))


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(settings) -> list[str]:
    """Build files (and WALs) beside the warehouse."""
    warehouse = settings.warehouse
    return sorted(p.name for p in warehouse.parent.glob(f".{warehouse.name}*.building*"))


def _builds(con) -> int:
    return con.execute("select count(*) from audit.build_info").fetchone()[0]


def test_a_reader_holding_the_warehouse_open_neither_blocks_the_run_nor_sees_it_half_built(served):
    reader = duckdb.connect(str(served.warehouse), read_only=True)
    try:
        builds_before = _builds(reader)
        kpis_before = reader.execute("select * from marts.program_kpis order by 1").fetchall()

        later = dataclasses.replace(served, as_of=dt.date(2026, 7, 1))
        assert run_nightly(later)

        # the open reader still reads the version it opened, whole
        assert _builds(reader) == builds_before
        assert reader.execute("select * from marts.program_kpis order by 1").fetchall() == (
            kpis_before
        )
    finally:
        reader.close()

    fresh = duckdb.connect(str(served.warehouse), read_only=True)
    try:
        assert _builds(fresh) == builds_before + 1
        assert fresh.execute("select max(as_of_date) from marts.program_kpis").fetchone() == (
            dt.date(2026, 7, 1),
        )
    finally:
        fresh.close()
    assert _leftovers(served) == []
    # the version it replaced is kept beside it
    previous = served.warehouse.with_name("warehouse.duckdb.previous")
    con = duckdb.connect(str(previous), read_only=True)
    try:
        assert _builds(con) == builds_before
    finally:
        con.close()


def test_a_failing_blocking_check_stops_the_run_before_publishing(served):
    from dagster_dbt import get_asset_key_for_model

    from dagster_project.dbt import partner_dbt_assets
    from dagster_project.definitions import defs

    @dg.asset_check(
        asset=get_asset_key_for_model([partner_dbt_assets], "program_kpis"), blocking=True
    )
    def always_fails() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR)

    failing = dg.Definitions.merge(defs, dg.Definitions(asset_checks=[always_fails]))
    before = _digest(served.warehouse)

    assert not run_nightly(served, definitions=failing)
    assert _digest(served.warehouse) == before
    assert _leftovers(served) == []  # the failed run removed its build file


def test_an_invalid_as_of_date_fails_the_run_and_leaves_the_served_warehouse_untouched(served):
    from dagster_project.definitions import defs
    from dagster_project.jobs import NIGHTLY_JOB
    from dagster_project.resources import run_config

    before = _digest(served.warehouse)
    config = run_config(served)
    config["resources"]["partner"]["config"]["as_of"] = "2026-13-01"
    result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        run_config=config, raise_on_error=False
    )
    assert not result.success
    assert _digest(served.warehouse) == before


def test_a_missing_landing_folder_fails_the_run_and_publishes_nothing(tmp_path):
    settings = Settings(
        landing_dir=tmp_path / "no-such-folder",
        warehouse=tmp_path / "warehouse.duckdb",
        as_of=dt.date(2026, 6, 30),
    )
    assert not run_nightly(settings)
    assert not settings.warehouse.exists()
