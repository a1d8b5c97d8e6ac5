"""How much memory and how many threads DuckDB may use in the job's heavy connections: dbt's
(dbt_warehouse.py) and ingest's. DuckDB's own default is 80% of RAM per process, so the job's
processes (Dagster's and dbt's) together reached 7.6 GB at scale 100 although the work spills to
disk fine. The limits keep a night within a laptop's memory at any scale, operators beyond them
spilling to a temporary folder beside the build file:

* ingest's connection: 1 GB (it inserts what Polars read; the Dagster process's memory is Polars');
* dbt's connection: DBT_MEMORY_PER_DATA_BYTE times the data the build file holds when dbt
  attaches it (raw and audit tables: the dbt step has dropped last night's models), within
  DBT_MEMORY_MIN and DBT_MEMORY_MAX. The models' working set grows with the data (the widest hold
  several credit rows per revenue line); one fixed limit was either too much for a small program
  or too little for a large one. Measured with the benchmark (README "Benchmark"): at scale 100
  (83 MB of data) 1 GB, and the job peaks at 1.9 GB (2.5 GB with 2 GB); at scale 500 (400 MB)
  2 GB: there the three largest models took 84 s with 1 GB against 63 s with 2 GB (each model's
  SQL timed alone, one after the other), and 1 GB did not lower the job's peak, which is
  ingest's.

PARTNER_DUCKDB_MEMORY_LIMIT (a DuckDB size: '4GB', '75%') sets both instead, and
PARTNER_DUCKDB_THREADS the threads (default: DuckDB's, one per core).

dbt imports this module in its own process (through the plugin): it imports nothing.
"""

import os

MEMORY_LIMIT_ENV = "PARTNER_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "PARTNER_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "1GB"

MB = 1_000_000
DBT_MEMORY_PER_DATA_BYTE = 5
DBT_MEMORY_MIN = 1_000 * MB
DBT_MEMORY_MAX = 4_000 * MB


def duckdb_limits(build_file: str, dbt_data_bytes: int | None = None) -> dict[str, str]:
    """DuckDB settings (name -> value) for a connection working on `build_file`: ingest's, or
    dbt's when `dbt_data_bytes` says how much data the file holds (DuckDB's used blocks)."""
    default = DEFAULT_MEMORY_LIMIT if dbt_data_bytes is None else dbt_memory_limit(dbt_data_bytes)
    limits = {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, "").strip() or default,
        "temp_directory": f"{build_file}.tmp",
    }
    threads = os.environ.get(THREADS_ENV, "").strip()
    if threads:
        limits["threads"] = threads
    return limits


def dbt_memory_limit(data_bytes: int) -> str:
    """dbt's memory limit for a build file holding `data_bytes` of data (DuckDB's used blocks)."""
    limit = min(max(DBT_MEMORY_PER_DATA_BYTE * data_bytes, DBT_MEMORY_MIN), DBT_MEMORY_MAX)
    return f"{limit // MB}MB"
