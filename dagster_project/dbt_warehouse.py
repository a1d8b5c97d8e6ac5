"""The file dbt builds into, attached when dbt connects (a dbt-duckdb plugin, dbt/profiles.yml).

dbt re-parses the whole project when anything in the profile's connection changes, and the
build file is a new path on every run. So the profile names only constants (an in-memory
connection, the catalog `warehouse`) and this plugin attaches the real file as `warehouse` when
dbt opens its connection: partial parsing then holds from one run to the next. The path comes from
the environment, never rendered as Jinja: PARTNER_BUILD_FILE (Dagster sets it to the file it is
building), else PARTNER_WAREHOUSE, else ../data/warehouse.duckdb (relative paths are taken from
the folder dbt runs in, dbt/ by default).

It also bounds DuckDB's memory (sized to the data the file holds) and threads (duckdb_limits.py).
dbt imports this module in its own process: it imports nothing of the project but
duckdb_limits, which imports nothing.
"""

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from dagster_project.duckdb_limits import duckdb_limits

CATALOG = "warehouse"  # the `database` of dbt/profiles.yml


def build_file() -> str:
    return os.environ.get("PARTNER_BUILD_FILE") or os.environ.get(
        "PARTNER_WAREHOUSE", "../data/warehouse.duckdb"
    )


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        path = build_file()
        if os.environ.get("PARTNER_BUILD_FILE") and not os.path.exists(path):
            # the run that made it ended (interrupted or failed) and discarded it while this dbt
            # was starting: attaching would create an empty build file nobody removes
            raise RuntimeError(
                f"the build file {path} is gone: its nightly run has ended; start a new run"
            )
        quoted = path.replace("'", "''")
        # runs before the profile's placeholder `attach ... if not exists`, which then does nothing
        conn.execute(f"attach '{quoted}' as {CATALOG}")
        conn.execute(f"use {CATALOG}")
        # the memory limit is sized to the data the file holds (duckdb_limits.py)
        data_bytes = conn.execute(
            "select used_blocks * block_size from pragma_database_size() "
            "where database_name = $catalog",
            {"catalog": CATALOG},
        ).fetchone()[0]
        for name, value in duckdb_limits(path, data_bytes).items():
            conn.execute(f"set {name} = $value", {"value": value})

    def configure_cursor(self, cursor) -> None:
        cursor.execute(f"use {CATALOG}")
