"""How much memory and how many threads DuckDB may use in the job's heavy connections: dbt's
(dbt_warehouse.py) and ingest's. DuckDB's own default is 80% of RAM per process, so the job's
processes (Dagster's and dbt's) together reached 7.6 GB at scale 100 although the work spills to
disk fine. A fixed limit keeps a night within a laptop's memory at any scale: 1 GB per connection
(the job holds at most one heavy connection at a time, beside Dagster's own ~0.6 GB), operators
beyond it spilling to a temporary folder beside the build file. Measured by the benchmark
(README "Benchmark"): the job peaks under 2 GB at scale 100 with it (2.5 GB with 2 GB); at scale
500 the largest models run ~10-50% slower than with 2 GB, which an operator with the memory can
buy back. Set PARTNER_DUCKDB_MEMORY_LIMIT (a DuckDB size: '4GB', '75%') and
PARTNER_DUCKDB_THREADS (default: DuckDB's, one per core) to change them.

dbt imports this module in its own process (through the plugin): it imports nothing.
"""

import os

MEMORY_LIMIT_ENV = "PARTNER_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "PARTNER_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "1GB"


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
