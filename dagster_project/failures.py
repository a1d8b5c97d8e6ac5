"""Where a failed night is told: a JSON-lines log beside the warehouse, an `audit.run_log` row in
the next published warehouse, `partner status`, and an optional webhook (e.g. a Slack incoming
webhook).

A failed run must leave the served warehouse untouched, so the failure sensor writes only
`<warehouse>.run_log.jsonl`; the next publish copies its new lines into `audit.run_log` of the
warehouse it publishes. The file keeps every line (one per failed run, small), so a failure
recorded while a publish is under way is copied by the next one, never lost.

PARTNER_ALERT_WEBHOOK  URL that receives `{"text": ...}` (Slack-compatible) for each failed run
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.jobs import nightly_job
from dagster_project.settings import Settings

WEBHOOK_ENV = "PARTNER_ALERT_WEBHOOK"
WEBHOOK_TIMEOUT_SECONDS = 5
MAX_MESSAGE_CHARS = 500

RUN_LOG_DDL = """
create schema if not exists audit;
create table if not exists audit.run_log (
    run_id varchar,
    job varchar,
    failed_at timestamp,
    as_of varchar,
    step varchar,
    message varchar
)
"""
RUN_LOG_COLUMNS = ("run_id", "job", "failed_at", "as_of", "step", "message")


def failure_log_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".run_log.jsonl")


def record_failure(warehouse: Path, failure: dict) -> None:
    """Append one failed run (one line, written at once) to the log beside the warehouse."""
    path = failure_log_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as log:
        log.write(json.dumps({name: failure.get(name) for name in RUN_LOG_COLUMNS}) + "\n")


def read_failures(warehouse: Path) -> list[dict]:
    """The failed runs recorded beside the warehouse, one per run id (its last record), oldest
    first; a torn line is skipped."""
    try:
        lines = failure_log_path(warehouse).read_text().splitlines()
    except FileNotFoundError:
        return []
    failures = {}
    for line in lines:
        try:
            failure = json.loads(line)
        except ValueError:
            continue
        failures.pop(failure.get("run_id"), None)
        failures[failure.get("run_id")] = failure
    return list(failures.values())


def copy_failures(build: Path, warehouse: Path) -> int:
    """Copy the recorded failures not yet in the build file's `audit.run_log` into it; returns
    how many. Called by the publish step, on the build file, before the swap."""
    failures = read_failures(warehouse)
    con = duckdb.connect(str(build))
    try:
        con.execute(RUN_LOG_DDL)
        known = {row[0] for row in con.execute("select run_id from audit.run_log").fetchall()}
        new = [f for f in failures if f.get("run_id") not in known]
        for failure in new:
            con.execute(
                "insert into audit.run_log values (?, ?, ?, ?, ?, ?)",
                [failure.get(name) for name in RUN_LOG_COLUMNS],
            )
    finally:
        con.close()
    return len(new)


def notify(text: str, environ: dict[str, str] | None = None) -> str | None:
    """POST `{"text": text}` to PARTNER_ALERT_WEBHOOK, if set. Returns why it could not (None when
    it did or when no webhook is set): a notification never fails its caller."""
    url = (os.environ if environ is None else environ).get(WEBHOOK_ENV)
    if not url:
        return None
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read()
    except Exception as err:  # any failure to notify is reported, never raised
        return f"could not notify {WEBHOOK_ENV}: {err}"
    return None


def _settings_of(run: dg.DagsterRun) -> Settings:
    config = run.run_config.get("resources", {}).get("partner", {}).get("config", {})
    return Settings.from_env(
        landing_dir=config.get("landing_dir"),
        warehouse=config.get("warehouse"),
        as_of=config.get("as_of"),
    )


def describe_failure(context: dg.RunFailureSensorContext) -> dict:
    run = context.dagster_run
    steps = context.get_step_failure_events()
    message = context.failure_event.message or "the run failed"
    error = steps[0].step_failure_data.error if steps else None
    if error is not None:
        # "dagster._core.definitions.events.Failure: the landing folder ..." -> "the landing ..."
        prefix, _, rest = error.message.partition(": ")
        message = rest if rest and prefix.endswith(error.cls_name or "\0") else error.message
    config = run.run_config.get("resources", {}).get("partner", {}).get("config", {})
    return {
        "run_id": run.run_id,
        "job": run.job_name,
        "failed_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "as_of": config.get("as_of"),
        "step": ", ".join(event.step_key for event in steps if event.step_key) or None,
        "message": message.strip()[:MAX_MESSAGE_CHARS],
    }


@dg.run_failure_sensor(
    monitored_jobs=[nightly_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a failed nightly run beside the warehouse and posts it to the webhook.",
)
def nightly_failure_sensor(context: dg.RunFailureSensorContext) -> None:
    failure = describe_failure(context)
    settings = _settings_of(context.dagster_run)
    record_failure(settings.warehouse, failure)
    where = f" in {failure['step']}" if failure["step"] else ""
    text = (
        f"Partner warehouse: the nightly run as of {failure['as_of']} failed{where}; "
        f"{settings.warehouse} still serves the last good version. "
        f"{failure['message'].splitlines()[0] if failure['message'] else ''} "
        f"(run {failure['run_id']}; `partner status` for more)"
    )
    problem = notify(text)
    if problem:
        context.log.warning(problem)
