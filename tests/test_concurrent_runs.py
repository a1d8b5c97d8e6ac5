"""Runs in real separate processes: one run at a time per warehouse, and a killed run takes its
dbt child and its build file with it (issue 15)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from dagster_project.run_lock import lock_path

HANDMADE = "handmade/landing"


def _start_run(landing: Path, warehouse: Path, as_of: str, wait: float) -> subprocess.Popen:
    """`partner run` in its own process."""
    env = {**os.environ, "PARTNER_LOCK_WAIT_SECONDS": str(wait)}
    command = [sys.executable, "-m", "dagster_project.cli", "--landing", str(landing)]
    command += ["--warehouse", str(warehouse), "--as-of", as_of, "run"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _lock_holder(warehouse: Path) -> int | None:
    try:
        return json.loads(lock_path(warehouse).read_text() or "{}").get("pid")
    except (OSError, ValueError):
        return None


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose parent is `pid`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append((int(proc.name), cmdline))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _builds(warehouse: Path) -> list[Path]:
    return sorted(warehouse.parent.glob(f".{warehouse.name}*.building*"))


def test_a_second_run_waits_for_the_first_or_refuses_naming_it(tmp_path, fixtures_dir):
    landing = fixtures_dir / HANDMADE
    warehouse = tmp_path / "warehouse.duckdb"

    first = _start_run(landing, warehouse, "2026-06-30", wait=0)
    try:
        _wait_for(lambda: _lock_holder(warehouse) == first.pid, 180, "the first run's lock")
        impatient = _start_run(landing, warehouse, "2026-07-01", wait=0)
        patient = _start_run(landing, warehouse, "2026-07-01", wait=900)

        _, refused = impatient.communicate(timeout=300)
        assert first.poll() is None, "the first run ended before the second tried: inconclusive"
        assert impatient.returncode != 0
        assert f"pid {first.pid}" in refused and "as of 2026-06-30" in refused
        assert "Traceback" not in refused

        assert first.wait(timeout=900) == 0, first.stderr.read()
        out, err = patient.communicate(timeout=900)
        assert patient.returncode == 0, err
        assert "waiting up to 900s" in out
    finally:
        for process in (first,):
            if process.poll() is None:
                process.kill()

    # the waiting run started from what the first published, and published its own day
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        builds = con.execute("select as_of from audit.build_info order by started_at").fetchall()
    finally:
        con.close()
    assert [str(day) for (day,) in builds] == ["2026-06-30", "2026-07-01"]
    con = duckdb.connect(str(warehouse.with_name("warehouse.duckdb.previous")), read_only=True)
    try:
        assert con.execute("select count(*) from audit.build_info").fetchone() == (1,)
    finally:
        con.close()
    assert _builds(warehouse) == []


def test_a_terminated_run_ends_its_dbt_child_and_leaves_no_build_file(tmp_path, fixtures_dir):
    warehouse = tmp_path / "warehouse.duckdb"
    run = _start_run(fixtures_dir / HANDMADE, warehouse, "2026-06-30", wait=0)
    try:

        def dbt_child():
            return [pid for pid, cmd in _children(run.pid) if "dbt" in cmd and " build " in cmd]

        (dbt_pid,) = _wait_for(dbt_child, 300, "the dbt child of the run")
        assert _builds(warehouse), "the run should be building by now"
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode != 0
    _wait_for(lambda: not _alive(dbt_pid), 30, "the dbt child to end")
    assert _builds(warehouse) == []
    assert not warehouse.exists()


def test_a_dbt_starting_after_its_run_ended_does_not_create_a_build_file(tmp_path, monkeypatch):
    # the race behind the test above: the run discards its build file while its dbt child is
    # still starting; the child's attach must not create an empty one in its place
    from dagster_project.dbt_warehouse import Plugin

    gone = tmp_path / ".warehouse.duckdb.run.building"
    monkeypatch.setenv("PARTNER_BUILD_FILE", str(gone))
    con = duckdb.connect()
    try:
        try:
            Plugin("dagster_project.dbt_warehouse", {}).configure_connection(con)
        except RuntimeError as refused:
            assert "its nightly run has ended" in str(refused)
        else:
            raise AssertionError("dbt attached a build file that was gone")
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []
