"""The schedule, the sensor and the shape of the Dagster definitions."""

import datetime as dt

import dagster as dg
import duckdb

from dagster_project import settings as settings_module
from dagster_project.definitions import defs
from dagster_project.jobs import NIGHTLY_JOB, new_export_sensor, nightly_schedule


def test_the_schedule_fixes_every_setting_of_its_run_as_of_its_own_day(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNER_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("PARTNER_AS_OF", "2025-01-01")  # the schedule's own day wins
    monkeypatch.delenv("PARTNER_ENGINE", raising=False)
    monkeypatch.delenv("PARTNER_SPARK_DIR", raising=False)

    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    )
    request = nightly_schedule(context)
    assert request.run_config == {
        "resources": {
            "partner": {
                "config": {
                    "landing_dir": str(tmp_path / "landing"),
                    "warehouse": str(tmp_path / "wh.duckdb"),
                    "as_of": "2026-03-01",
                    "engine": "duckdb",
                    "spark_dir": str(settings_module.PROJECT_ROOT / "data" / "spark"),
                }
            }
        }
    }
    assert request.run_key == "nightly-2026-03-01"


def test_the_sensor_fixes_the_as_of_date_and_the_folder_it_saw(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNER_LANDING_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNER_AS_OF", raising=False)
    (tmp_path / "crm" / "2026-03-01").mkdir(parents=True)

    before = dt.datetime.now(dt.UTC).date()
    request = new_export_sensor(dg.build_sensor_context(cursor=None))
    after = dt.datetime.now(dt.UTC).date()
    assert isinstance(request, dg.RunRequest)
    config = request.run_config["resources"]["partner"]["config"]
    assert config["as_of"] in {before.isoformat(), after.isoformat()}
    assert config["landing_dir"] == str(tmp_path)

    monkeypatch.setenv("PARTNER_AS_OF", "2026-03-02")
    request = new_export_sensor(dg.build_sensor_context(cursor=None))
    assert request.run_config["resources"]["partner"]["config"]["as_of"] == "2026-03-02"


def test_the_sensor_starts_a_run_only_when_a_new_export_folder_appears(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNER_LANDING_DIR", str(tmp_path))
    (tmp_path / "crm" / "2026-03-01").mkdir(parents=True)

    first = new_export_sensor(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest)
    assert first.run_key == "new-exports:crm/2026-03-01"

    seen = '["crm/2026-03-01"]'
    assert isinstance(new_export_sensor(dg.build_sensor_context(cursor=seen)), dg.SkipReason)

    (tmp_path / "affiliate" / "2026-03-02").mkdir(parents=True)
    again = new_export_sensor(dg.build_sensor_context(cursor=seen))
    assert isinstance(again, dg.RunRequest)
    assert again.run_key == "new-exports:affiliate/2026-03-02"


def test_the_definitions_show_the_whole_lineage_from_exports_to_the_published_warehouse():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    # one raw asset per landing entity, the marts of the contract, the two publish steps
    assert {
        "raw/crm__opportunities",
        "raw/marketplace__transactions",
        "raw/reference__fx_rates",
        "marts/fct_opportunity_partner",
        "marts/fct_partner_attribution",
        "marts/program_kpis",
        "marts/dim_partners",
        "marts/partner_tier_history",
        "marts/fct_mdf_roi",
        "marts/fct_partner_flags",
        "marts/program_tier_kpis",
        "warehouse_build",
        "published_warehouse",
    } <= keys
    # lineage: export entity -> staging -> ... -> mart -> published warehouse
    upstream = graph.get(dg.AssetKey("published_warehouse")).parent_keys
    assert dg.AssetKey(["marts", "program_kpis"]) in upstream
    staging = graph.get(dg.AssetKey(["staging", "stg_crm__opportunities"]))
    assert dg.AssetKey(["raw", "crm__opportunities"]) in staging.parent_keys
    raw = graph.get(dg.AssetKey(["raw", "crm__opportunities"]))
    assert dg.AssetKey("warehouse_build") in raw.parent_keys
    assert dg.AssetKey(["exports", "crm", "opportunities"]) in raw.parent_keys


def test_one_nightly_job_one_schedule_one_sensor():
    assert defs.resolve_job_def(NIGHTLY_JOB).executor_def.name == "in_process"
    assert [s.name for s in defs.schedules] == ["nightly_schedule"]
    assert [s.name for s in defs.sensors] == ["new_export_sensor", "nightly_failure_sensor"]


def test_a_run_without_an_as_of_date_is_as_of_the_day_it_was_created_in_every_step(
    tmp_path, monkeypatch, fixtures_dir
):
    monkeypatch.delenv("PARTNER_AS_OF", raising=False)
    # a clock that moves on a day each time it is read: a step reading it would see another day
    days = iter(dt.date(2030, 1, 1) + dt.timedelta(days=n) for n in range(1000))
    monkeypatch.setattr(settings_module, "today_utc", lambda: next(days))

    warehouse = tmp_path / "warehouse.duckdb"
    config = {"landing_dir": str(fixtures_dir / "handmade/landing"), "warehouse": str(warehouse)}
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        run_config={"resources": {"partner": {"config": config}}}, instance=instance
    )
    assert result.success
    created = instance.get_run_record_by_id(result.run_id).create_timestamp
    run_day = created.astimezone(dt.UTC).date()

    recorded = {
        event.asset_key.to_user_string(): event.materialization.metadata["as_of"].value
        for event in result.get_asset_materialization_events()
        if "as_of" in event.materialization.metadata
    }
    assert recorded == {
        "warehouse_build": run_day.isoformat(),
        "published_warehouse": run_day.isoformat(),
    }
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select as_of from audit.build_info").fetchall() == [(run_day,)]
        # the dbt step computed the same day
        assert con.execute("select max(as_of_date) from marts.program_kpis").fetchone() == (
            run_day,
        )
    finally:
        con.close()
