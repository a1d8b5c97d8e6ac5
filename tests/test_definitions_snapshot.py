"""The shape of the Dagster definitions, committed in tests/snapshots/definitions.json so that an
accidental rewiring shows up in review. After an intended change, rewrite the file with
`UPDATE_SNAPSHOTS=1 uv run pytest tests/test_definitions_snapshot.py` and commit the diff."""

import json
import os
from pathlib import Path

from dagster_project.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def definitions_shape() -> dict:
    graph = defs.resolve_asset_graph()
    return {
        "assets": sorted(key.to_user_string() for key in graph.get_all_asset_keys()),
        "asset_checks": sorted(
            f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys
        ),
        "jobs": sorted(
            f"{job.name} ({job.executor_def.name} executor)"
            for job in defs.resolve_all_job_defs()
            if not job.name.startswith("__")  # Dagster's implicit asset job
        ),
        "schedules": sorted(
            f"{s.name}: {s.job_name} at {s.cron_schedule} {s.execution_timezone}, "
            f"{s.default_status.value} by default"
            for s in defs.schedules
        ),
        "sensors": sorted(
            f"{s.name}: {s.job_name if s.has_jobs else 'watches runs'}, "
            f"{s.default_status.value} by default"
            for s in defs.sensors
        ),
        "resources": sorted(defs.resources),
    }


def test_the_definitions_match_the_committed_snapshot():
    shape = definitions_shape()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(shape, indent=2) + "\n")
    assert shape == json.loads(SNAPSHOT.read_text()), (
        "the definitions changed: if intended, rewrite the snapshot (see this module's docstring)"
    )
