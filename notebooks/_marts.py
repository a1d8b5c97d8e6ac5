"""What the notebooks share: the published warehouse, opened read-only, as pandas frames.

Only the `marts` schema (the public interface) is read. PARTNER_WAREHOUSE names the file
(default data/warehouse.duckdb); `make run` builds one.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from dagster_project.readers import connect_marts
from dagster_project.settings import Settings

MODELS = [
    "sourced",
    "first_touch",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
    "program",
]
LIFECYCLE = ["identify", "activate", "scale", "expand", "review"]
TIERS = ["registered", "silver", "gold", "platinum"]


def connect() -> duckdb.DuckDBPyConnection:
    # read-only, and reaching no file but the warehouse
    return connect_marts(Settings.from_env())


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def as_of(con: duckdb.DuckDBPyConnection):
    return con.execute("select max(as_of_date) from marts.program_kpis").fetchone()[0]
