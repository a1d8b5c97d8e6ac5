"""`partner serve`: the deployment. The Dagster daemon (schedule, sensors, run queue) and the
Dagster webserver, as two child processes, against a persistent Dagster home in the project
(run history and schedule state survive restarts). The nightly schedule and the sensors are on
by default there (jobs.py, failures.py).

DAGSTER_HOME  where run history and schedule state live  [<project>/.dagster_home]
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from dagster_project.settings import PROJECT_ROOT

DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
INSTANCE_TEMPLATE = PROJECT_ROOT / "dagster.yaml"


def prepare_dagster_home(environ: dict[str, str]) -> Path:
    """The Dagster home of the deployment, with its dagster.yaml (the project's template, copied
    once: a team may edit its copy, e.g. for Postgres)."""
    home = Path(environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")
    return home


def commands(host: str, port: int) -> list[list[str]]:
    bin_dir = Path(sys.executable).parent
    target = ["-m", "dagster_project.definitions"]
    return [
        [str(bin_dir / "dagster-daemon"), "run", *target],
        [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port), *target],
    ]


def serve(host: str, port: int) -> int:
    """Run the daemon and the webserver until one of them ends or this process is stopped
    (Ctrl-C, SIGTERM from systemd or Docker); then stop the other. Returns an exit code."""
    environ = dict(os.environ)
    environ["DAGSTER_HOME"] = str(prepare_dagster_home(environ))
    print(f"Dagster home {environ['DAGSTER_HOME']}; UI on http://{host}:{port}", flush=True)
    children = [
        subprocess.Popen(command, env=environ, cwd=PROJECT_ROOT) for command in commands(host, port)
    ]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)
