"""The nightly job, its schedule, and a sensor that starts it when a new export folder lands."""

import json

import dagster as dg

from dagster_project.settings import Settings

NIGHTLY_JOB = "nightly"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Load new exports, build every model and mart, check them, publish the warehouse.",
    # one DuckDB file, one writer: steps run one after another in one process (STACK.md)
    executor_def=dg.in_process_executor,
)


def partner_run_config(**settings: str) -> dict:
    """Run config that overrides the environment's settings (landing_dir, warehouse, as_of)."""
    return {"resources": {"partner": {"config": settings}}}


@dg.schedule(job=nightly_job, cron_schedule="0 2 * * *", execution_timezone="UTC")
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    as_of = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=f"nightly-{as_of}", run_config=partner_run_config(as_of=as_of))


def export_folders(settings: Settings) -> list[str]:
    """Every <source>/<export date> folder under the landing folder."""
    if not settings.landing_dir.is_dir():
        return []
    return sorted(
        f"{source.name}/{export.name}"
        for source in settings.landing_dir.iterdir()
        if source.is_dir()
        for export in source.iterdir()
        if export.is_dir()
    )


@dg.sensor(job=nightly_job, minimum_interval_seconds=60)
def new_export_sensor(context: dg.SensorEvaluationContext):
    """Starts the nightly job when an export folder appears that the sensor has not seen yet."""
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    folders = export_folders(Settings.from_env())
    new = [folder for folder in folders if folder not in seen]
    if not new:
        return dg.SkipReason("no new export folder")
    context.update_cursor(json.dumps(folders))
    return dg.RunRequest(run_key="new-exports:" + ",".join(new))
