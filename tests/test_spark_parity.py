"""The same marts on Apache Spark: the dbt project built by the `spark` target (local PySpark,
dbt-spark `session`) from the raw rows of the hand-made fixture, compared row by row with the
DuckDB marts the nightly job published (money to the cent, ratios to 1e-9).

Needs the optional dependency group: `uv sync --group spark` (and Java 17). Slow (minutes)."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess

import duckdb
import pytest
from marts import MARTS
from test_marts_handmade import AS_OF, LANDING

from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR
from dagster_project.spark import write_raw_parquet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="Spark parity needs the spark dependency group: uv sync --group spark",
    ),
]


def same(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
    return x == y  # decimals (money to the cent), dates, text, lists: exactly


def row_order(row: tuple) -> str:
    # floats rounded, so that rows differing in a double's last bits still sort alike
    return repr(tuple(round(v, 6) if isinstance(v, float) else v for v in row))


def test_spark_builds_the_same_marts(build_warehouse, tmp_path):
    warehouse = build_warehouse(LANDING, AS_OF)
    spark_dir = tmp_path / "spark"
    assert write_raw_parquet(warehouse, spark_dir)
    result = subprocess.run(
        [
            DBT_EXECUTABLE,
            "build",
            "--target",
            "spark",
            "--profiles-dir",
            ".",
            "--vars",
            f'{{"as_of": "{AS_OF}"}}',
            "--target-path",
            str(tmp_path / "target"),
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--select",
            "+marts",
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "PARTNER_SPARK_DIR": str(spark_dir), "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart in MARTS:
            empty = con.execute(f"select * from marts.{mart} limit 0")
            columns = ", ".join(name for name, *_ in empty.description)
            on_spark = spark_dir / "tables" / "marts.db" / mart / "*.parquet"
            duck = sorted(
                con.execute(f"select {columns} from marts.{mart}").fetchall(), key=row_order
            )
            spark = sorted(
                con.execute(f"select {columns} from read_parquet('{on_spark}')").fetchall(),
                key=row_order,
            )
            assert len(spark) == len(duck), mart
            for duck_row, spark_row in zip(duck, spark, strict=True):
                assert all(map(same, duck_row, spark_row)), (mart, duck_row, spark_row)
