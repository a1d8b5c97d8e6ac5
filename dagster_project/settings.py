"""Where the run reads, where it writes, and which day it computes: one place, read when asked.

PARTNER_LANDING_DIR  folder of exports, <source>/<export date>/<entity>.csv   [data/landing]
PARTNER_WAREHOUSE    the served DuckDB file readers open read-only          [data/warehouse.duckdb]
PARTNER_AS_OF        the as-of date, YYYY-MM-DD                              [today, UTC]
PARTNER_ENGINE       where dbt builds the marts: duckdb, or spark (README "Scaling out") [duckdb]
PARTNER_SPARK_DIR    the Spark engine's folder: raw Parquet, tables, published marts [data/spark]

Relative paths are taken from the project root, so the same settings work from any directory.
Nothing here runs at import: call `Settings.from_env()` inside the code that needs it. A Dagster
run resolves its settings once, when it starts (resources.py), and every step uses that value.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
# dbt of this environment, found even when the venv is not activated (e.g. `.venv/bin/partner`)
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

DEFAULT_LANDING_DIR = "data/landing"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_SPARK_DIR = "data/spark"
ENGINES = ("duckdb", "spark")


def resolve_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_as_of(value: str | None, today: dt.date | None = None) -> dt.date:
    """The as-of date written YYYY-MM-DD; none given: `today`, or else today in UTC."""
    if not value:
        return today or today_utc()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as err:
        raise ValueError(
            f"the as-of date {value!r} is not a date: give it as YYYY-MM-DD (e.g. 2026-03-01), "
            "or leave it unset for today"
        ) from err


def parse_engine(value: str | None) -> str:
    """The engine named (any case); none given: duckdb."""
    engine = (value or ENGINES[0]).strip().lower()
    if engine not in ENGINES:
        raise ValueError(
            f"the engine {value!r} is not one this project builds on: set PARTNER_ENGINE to "
            f"{' or '.join(ENGINES)}, or leave it unset for duckdb"
        )
    return engine


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    as_of: dt.date
    run_id: str = ""  # set for a Dagster run (resources.py): names the run's own build file
    engine: str = ENGINES[0]
    spark_dir: Path = PROJECT_ROOT / DEFAULT_SPARK_DIR

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        landing_dir: str | None = None,
        warehouse: str | None = None,
        as_of: str | None = None,
        engine: str | None = None,
        spark_dir: str | None = None,
        today: dt.date | None = None,
    ) -> Settings:
        """Values given here (command-line flags, run config) win over the environment, which
        wins over the defaults. With no as-of date anywhere: `today`, or else today in UTC."""
        env = os.environ if environ is None else environ
        return cls(
            landing_dir=resolve_path(
                landing_dir or env.get("PARTNER_LANDING_DIR") or DEFAULT_LANDING_DIR
            ),
            warehouse=resolve_path(warehouse or env.get("PARTNER_WAREHOUSE") or DEFAULT_WAREHOUSE),
            as_of=parse_as_of(as_of or env.get("PARTNER_AS_OF"), today),
            engine=parse_engine(engine or env.get("PARTNER_ENGINE")),
            spark_dir=resolve_path(spark_dir or env.get("PARTNER_SPARK_DIR") or DEFAULT_SPARK_DIR),
        )

    @property
    def build_path(self) -> Path:
        """The file a run builds before it is swapped onto `warehouse` (same folder: atomic); each
        run its own, so one run never touches another's."""
        run = f".{self.run_id}" if self.run_id else ""
        return self.warehouse.with_name(f".{self.warehouse.name}{run}.building")
