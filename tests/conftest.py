"""Shared fixtures: a real warehouse built by the real nightly Dagster job."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def build_warehouse(tmp_path_factory) -> Callable[[Path, str], Path]:
    """`build_warehouse(landing_dir, as_of)` runs the nightly job on that landing folder as of
    that date and returns the published warehouse file; cached per (landing_dir, as_of)."""
    from dagster_project.jobs import run_nightly
    from dagster_project.settings import Settings

    built: dict[tuple[str, str], Path] = {}

    def build(landing_dir: Path, as_of: str) -> Path:
        key = (str(landing_dir), as_of)
        if key not in built:
            folder = tmp_path_factory.mktemp("warehouse")
            settings = Settings(
                landing_dir=Path(landing_dir),
                warehouse=folder / "warehouse.duckdb",
                as_of=dt.date.fromisoformat(as_of),
            )
            assert run_nightly(settings), f"the nightly job failed on {landing_dir} as of {as_of}"
            built[key] = settings.warehouse
        return built[key]

    return build


@pytest.fixture(scope="session")
def open_marts(build_warehouse):
    """`open_marts(landing_dir, as_of)`: a read-only connection to the warehouse the nightly job
    published for that landing folder and date (closed at the end of the session)."""
    import duckdb

    connections = []

    def connect(landing_dir: Path, as_of: str):
        connection = duckdb.connect(str(build_warehouse(landing_dir, as_of)), read_only=True)
        connections.append(connection)
        return connection

    yield connect
    for connection in connections:
        connection.close()


def pytest_collection_modifyitems(items) -> None:
    """Slow tests (the Spark parity test: minutes of one worker) first, so that with
    `--dist loadfile` a worker starts on them while the other takes the rest of the suite,
    rather than one worker running them alone at the end (the order is the same on every worker)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
