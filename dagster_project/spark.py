"""Raw rows for Apache Spark (README "Scaling out"): the validated raw tables the ingest wrote into
a DuckDB file, copied as Parquet to <spark dir>/raw/<source>/<entity>/_export_date=<date>/, where
the dbt `spark` target reads them as its sources (dbt/macros/spark.sql)."""

from pathlib import Path

import duckdb


def write_raw_parquet(warehouse: Path, spark_dir: Path) -> list[str]:
    """Every table of the `raw` schema of `warehouse` as Parquet partitioned by export date (each
    run rewrites it whole); returns the tables written."""
    raw_dir = spark_dir / "raw"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'raw' order by table_name"
            ).fetchall()
        ]
        for table in tables:
            source, entity = table.split("__", 1)
            (raw_dir / source).mkdir(parents=True, exist_ok=True)
            con.execute(
                f"copy raw.{table} to '{raw_dir / source / entity}'"
                " (format parquet, partition_by (_export_date), overwrite)"
            )
    return tables
