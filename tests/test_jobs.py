"""The schedule, the sensor and the shape of the Dagster definitions."""

import datetime as dt

import dagster as dg

from dagster_project.definitions import defs
from dagster_project.jobs import NIGHTLY_JOB, new_export_sensor, nightly_schedule


def test_the_schedule_runs_the_nightly_job_as_of_its_own_day():

    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    )
    request = nightly_schedule(context)
    assert request.run_config == {"resources": {"partner": {"config": {"as_of": "2026-03-01"}}}}
    assert request.run_key == "nightly-2026-03-01"


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
    assert [s.name for s in defs.sensors] == ["new_export_sensor"]
