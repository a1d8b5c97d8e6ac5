"""Running by itself: retry of a transient error, the failure sensor (log, webhook,
audit.run_log), the schedule's run through Dagster's test APIs, freshness, `partner status`.
Real runs, a real second process holding a lock, a real HTTP server."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.checks.freshness import cadence_days, source_freshness
from dagster_project.definitions import defs
from dagster_project.failures import failure_log_path, nightly_failure_sensor, read_failures
from dagster_project.jobs import NIGHTLY_JOB, nightly_schedule
from dagster_project.resources import run_config
from dagster_project.settings import Settings

HANDMADE = Path(__file__).parent / "fixtures" / "handmade" / "landing"


def _retries(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.step_key
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]


def test_a_warehouse_another_program_holds_open_is_retried_once_and_the_step_succeeds(
    tmp_path, monkeypatch
):
    served = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(served)).close()
    # another process holds the served file open for writing until told (its stdin closes)
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " sys.stdin.read()",
            str(served),
        ],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())

    def let_go_once_the_step_waits_for_its_retry():
        for _ in range(600):
            if instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY):
                break
            threading.Event().wait(0.1)
        holder.stdin.close()

    watcher = threading.Thread(target=let_go_once_the_step_waits_for_its_retry)
    watcher.start()
    monkeypatch.setenv("PARTNER_RETRY_WAIT_SECONDS", "2")
    settings = Settings(HANDMADE, served, dt.date(2026, 6, 30))
    result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        run_config=run_config(settings),
        instance=instance,
        asset_selection=[dg.AssetKey("warehouse_build")],
        run_id=run_id,
        raise_on_error=False,
    )
    watcher.join()
    holder.wait()
    assert result.success
    assert _retries(result) == ["warehouse_build"]


class _Webhook(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Webhook.received = []
    yield f"http://127.0.0.1:{server.server_port}/hook", _Webhook.received
    server.shutdown()
    server.server_close()


def _fail_a_run(settings: Settings, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """A run that fails for good: its landing folder does not exist (not retried)."""
    result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
        run_config=run_config(settings),
        instance=instance,
        asset_selection=[dg.AssetKey("warehouse_build")],
        raise_on_error=False,
    )
    assert not result.success
    assert _retries(result) == []  # bad input is not retried
    return result


def _sense_failure(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> None:
    failure_event = next(
        event for event in result.all_events if event.event_type == dg.DagsterEventType.RUN_FAILURE
    )
    context = dg.build_run_status_sensor_context(
        sensor_name="nightly_failure_sensor",
        dagster_event=failure_event,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    nightly_failure_sensor(context)


def test_a_failed_night_is_posted_recorded_and_kept_by_the_next_scheduled_publish(
    tmp_path, monkeypatch, webhook
):
    url, received = webhook
    warehouse = tmp_path / "warehouse.duckdb"
    instance = dg.DagsterInstance.ephemeral()

    # night 1 fails: the webhook hears of it, the log beside the warehouse records it
    monkeypatch.setenv("PARTNER_ALERT_WEBHOOK", url)
    failed = _fail_a_run(Settings(tmp_path / "gone", warehouse, dt.date(2026, 7, 5)), instance)
    _sense_failure(failed, instance)
    assert len(received) == 1
    text = received[0]["text"]
    assert "as of 2026-07-05 failed in warehouse_build" in text
    assert "does not exist" in text and failed.run_id in text
    assert not warehouse.exists()  # nothing published
    (recorded,) = read_failures(warehouse)
    assert recorded["run_id"] == failed.run_id and recorded["step"] == "warehouse_build"

    # a webhook that does not answer never fails the sensor
    monkeypatch.setenv("PARTNER_ALERT_WEBHOOK", "http://127.0.0.1:9/nothing-listens")
    _sense_failure(failed, instance)
    assert len(received) == 1

    # night 2: the schedule's own run request, checked and executed as the daemon would
    monkeypatch.setenv("PARTNER_LANDING_DIR", str(HANDMADE))
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PARTNER_SOURCE_CADENCE_DAYS", "surveys=40")
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=dt.datetime(2026, 7, 6, 2, tzinfo=dt.UTC)
    )
    (request,) = nightly_schedule.evaluate_tick(context).run_requests
    job = defs.resolve_job_def(NIGHTLY_JOB)
    dg.validate_run_config(job, request.run_config)
    result = job.execute_in_process(run_config=request.run_config, instance=instance)
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select max(as_of_date) from marts.program_kpis").fetchone() == (
            dt.date(2026, 7, 6),
        )
        assert con.execute("select run_id, step from audit.run_log").fetchall() == [
            (failed.run_id, "warehouse_build")
        ]
    finally:
        con.close()

    # freshness as of 2026-07-06 (handmade exports: crm and reference 2026-07-05, the others
    # 2026-06-01, no mdf): warnings, and the run published all the same
    freshness = {
        evaluation.check_name.removeprefix("latest_export_fresh_"): evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name.startswith("latest_export_fresh_")
    }
    assert freshness == {
        "crm": True,  # 1 day old
        "reference": True,  # 1 day
        "surveys": True,  # 35 days, expected every 40
        "affiliate": False,  # 35 days, expected every 2
        "marketplace": False,
        "mdf": True,  # no export at all: a source not in use is not checked
    }

    # partner status: the served day, the last run, the freshness, the failure
    status = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "--warehouse", str(warehouse), "status"],
        capture_output=True, text=True, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    out = status.stdout
    assert f"served warehouse: {warehouse} as of 2026-07-06" in out
    assert "last run: published at" in out
    assert "crm: last export 2026-07-05, 1 days before 2026-07-06" in out
    assert "affiliate: last export 2026-06-01, 35 days before 2026-07-06" in out
    assert "mdf: no export on or before 2026-07-06: not in use, not checked" in out
    assert "last failed runs (1 recorded):" in out
    assert f"as of 2026-07-05 in warehouse_build: the landing folder {tmp_path / 'gone'}" in out
    assert failure_log_path(warehouse).exists()  # kept: copying twice adds nothing


def test_freshness_against_each_sources_cadence(tmp_path):
    for folder in ["crm/2026-03-01", "crm/2026-03-09", "crm/not-a-date", "mdf/2026-02-01"]:
        (tmp_path / folder).mkdir(parents=True)
    env = {"PARTNER_SOURCE_CADENCE_DAYS": "mdf=31"}
    states = {s.source: s for s in source_freshness(tmp_path, dt.date(2026, 3, 4), env)}
    # the 2026-03-09 export is after the as-of date: not counted
    assert (states["crm"].last_export, states["crm"].age_days) == (dt.date(2026, 3, 1), 3)
    assert not states["crm"].fresh  # 3 days > 2
    assert (states["mdf"].age_days, states["mdf"].fresh) == (31, True)  # 31 days <= 31
    # no export by then: not in use, not checked
    assert states["affiliate"].last_export is None and states["affiliate"].fresh
    with pytest.raises(ValueError, match="PARTNER_SOURCE_CADENCE_DAYS"):
        cadence_days({"PARTNER_SOURCE_CADENCE_DAYS": "crm=often"})
