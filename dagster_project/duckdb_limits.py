"""How much memory and how many threads DuckDB may use in the job's heavy connections: dbt's
(dbt_warehouse.py) and ingest's. DuckDB's own default is 80% of RAM per process; the job's
processes (Dagster's and dbt's) together then reach several GB at scale 100 although the work
spills to disk fine. A fixed limit keeps a night within a laptop's memory at any scale: 2 GB per
connection (the job holds at most one heavy connection at a time, beside Dagster's own ~0.7 GB),
so the job stays near 3 GB; operators beyond it spill to a temporary folder beside the build
file. (1 GB was enough at scale 20, but not measured at scale 100, where an operator that cannot
spill would fail the night: 2 GB leaves it room.) Set PARTNER_DUCKDB_MEMORY_LIMIT (a DuckDB
size: '4GB', '75%') and PARTNER_DUCKDB_THREADS (default: DuckDB's, one per core) to change them.

dbt imports this module in its own process (through the plugin): it imports nothing.
"""

import os

MEMORY_LIMIT_ENV = "PARTNER_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "PARTNER_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "2GB"


def duckdb_limits(build_file: str) -> dict[str, str]:
    """DuckDB settings (name -> value) for a connection working on `build_file`."""
    limits = {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, "").strip() or DEFAULT_MEMORY_LIMIT,
        "temp_directory": f"{build_file}.tmp",
    }
    threads = os.environ.get(THREADS_ENV, "").strip()
    if threads:
        limits["threads"] = threads
    return limits
