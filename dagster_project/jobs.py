"""The nightly job, its schedule, a sensor that starts it when a new export folder lands, and
`run_nightly`, which runs it in this process (the CLI and the tests). The sensor that tells of a
failed run is in failures.py.

Every way a run starts fixes all its settings in its run config, the as-of date included: the
schedule its own day, the sensor the day it saw the new folder, `run_nightly` the caller's.
"""

import json
import os

import dagster as dg

from dagster_project.resources import run_config
from dagster_project.settings import Settings

NIGHTLY_JOB = "nightly"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Load new exports, build every model and mart, check them, publish the warehouse.",
    # one DuckDB file, one writer: steps run one after another in one process (STACK.md)
    executor_def=dg.in_process_executor,
)


# On by default wherever a Dagster daemon runs (`partner serve`): a deployment runs every night
# without anyone turning it on in the UI. Runs in-process (tests, `partner run`) are unaffected.
@dg.schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    settings = Settings.from_env(as_of=context.scheduled_execution_time.date().isoformat())
    return dg.RunRequest(run_key=f"nightly-{settings.as_of}", run_config=run_config(settings))


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


@dg.sensor(
    job=nightly_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def new_export_sensor(context: dg.SensorEvaluationContext):
    """Starts the nightly job when an export folder appears that the sensor has not seen yet."""
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    settings = Settings.from_env()
    folders = export_folders(settings)
    new = [folder for folder in folders if folder not in seen]
    if not new:
        return dg.SkipReason("no new export folder")
    context.update_cursor(json.dumps(folders))
    # the run loads the folder seen here, as of the day it was seen
    return dg.RunRequest(run_key="new-exports:" + ",".join(new), run_config=run_config(settings))


def run_nightly(settings: Settings, definitions: dg.Definitions | None = None) -> bool:
    """Run the nightly job in this process on `settings`; True when it succeeded.
    `definitions` defaults to the project's (tests pass variants).

    Raises RunRefused (one line to show) when the warehouse path is unusable or another run holds
    the warehouse longer than PARTNER_LOCK_WAIT_SECONDS. A failed or interrupted run leaves no
    build file; SIGTERM ends the run like Ctrl-C, and Dagster passes the interrupt on to dbt."""
    if definitions is None:
        from dagster_project.definitions import defs as definitions  # it imports this module
    from dagster_project.publish import check_warehouse_path, discard_builds
    from dagster_project.run_lock import wait_seconds, warehouse_lock

    check_warehouse_path(settings.warehouse)
    with warehouse_lock(settings.warehouse, settings.as_of, wait_seconds()):
        try:
            result = _execute(settings, definitions)
        finally:
            discard_builds(settings.warehouse)  # we hold the lock: no other run is building
    timings = [
        f"{event.step_key} {event.event_specific_data.duration_ms / 1000:.1f}s"
        for event in result.all_events
        if event.is_step_success
    ]
    print("steps: " + ", ".join(timings), flush=True)
    return result.success


def _execute(settings: Settings, definitions: dg.Definitions) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    return definitions.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        run_config={
            **run_config(settings),
            # step-by-step progress without Dagster's debug chatter
            "loggers": {"console": {"config": {"log_level": "INFO"}}},
        },
        instance=instance,
        raise_on_error=False,
    )
