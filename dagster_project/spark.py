"""The nightly job on Apache Spark (PARTNER_ENGINE=spark, README "Scaling out").

Ingest is the same on both engines: it loads, validates and quarantines into the DuckDB build file.
Then, on Spark:
1. `write_raw_parquet` copies the build file's raw tables as Parquet to
   <spark dir>/raw/<source>/<entity>/_export_date=<date>/, which the dbt `spark` target registers
   as its sources (dbt/macros/spark.sql);
2. dbt builds every seed and model on Spark, as tables under <spark dir>/tables/<schema>.db/<table>/
   (`clear_spark_tables` empties that folder first);
3. `read_back_tables` copies those tables into the DuckDB build file, so the dbt data tests (run
   there on DuckDB, dagster_project/dbt.py), the checks (GX suites, reconciliations, row counts)
   and every reader of the served warehouse see the Spark build;
4. once every check has run, `publish_marts` copies the marts Spark wrote to
   <spark dir>/marts/<mart>/ (Parquet): the published marts of the lake, one folder swap each.
"""

import json
import os
import shutil
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
# what dbt materialises as a table (staging models are views over the sources: nothing to copy)
TABLE_MATERIALIZATIONS = {"table", "incremental", "seed"}


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


def built_tables(manifest_path: Path) -> list[dict]:
    """The models and seeds dbt materialises as tables: schema, name, and the contract's column
    types (DuckDB names) where the model has an enforced contract."""
    manifest = json.loads(manifest_path.read_text())
    tables = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if node["config"].get("materialized") not in TABLE_MATERIALIZATIONS:
            continue
        contract = node["config"].get("contract", {}).get("enforced", False)
        tables.append(
            {
                "schema": node["schema"],
                "name": node["alias"],
                "types": {c["name"]: c["data_type"] for c in node["columns"].values()}
                if contract
                else {},
            }
        )
    return sorted(tables, key=lambda t: (t["schema"], t["name"]))


def spark_table_dir(spark_dir: Path, schema: str, name: str) -> Path:
    return spark_dir / "tables" / f"{schema}.db" / name


def clear_spark_tables(spark_dir: Path) -> None:
    """Remove the tables the last Spark build left: Spark's catalog lives in memory, one dbt run
    long (dbt/profiles.yml), and dbt rebuilds every table, which Spark will not create over a
    folder that is not empty."""
    shutil.rmtree(spark_dir / "tables", ignore_errors=True)


def read_back_tables(build: Path, spark_dir: Path, tables: list[dict]) -> int:
    """Copy the tables Spark built into the DuckDB file `build`, each replacing its namesake; a
    contract's columns cast to its DuckDB types (Spark's Parquet says `string`, not varchar[]...).
    Returns the number of tables copied."""
    with duckdb.connect(str(build)) as con:
        for table in tables:
            files = spark_table_dir(spark_dir, table["schema"], table["name"]) / "*.parquet"
            source = f"read_parquet('{files}')"
            columns = (
                ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in table["types"].items()) or "*"
            )
            con.execute(f"create schema if not exists {table['schema']}")
            con.execute(
                f'create or replace table {table["schema"]}."{table["name"]}"'
                f" as select {columns} from {source}"
            )
    return len(tables)


def publish_marts(spark_dir: Path, tables: list[dict]) -> list[Path]:
    """Copy each mart Spark built to <spark dir>/marts/<mart>/; readers of a folder see the old
    or the new version of that mart, never a half-copied one. Returns the folders published."""
    published = []
    for table in tables:
        if table["schema"] != MARTS_SCHEMA:
            continue
        target = spark_dir / MARTS_SCHEMA / table["name"]
        staging = target.with_name(f".{target.name}.new")
        retired = target.with_name(f".{target.name}.old")
        for leftover in (staging, retired):
            shutil.rmtree(leftover, ignore_errors=True)
        shutil.copytree(spark_table_dir(spark_dir, MARTS_SCHEMA, table["name"]), staging)
        if target.exists():
            os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
        published.append(target)
    return published
