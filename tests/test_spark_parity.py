"""The same marts on Apache Spark: the nightly job run with PARTNER_ENGINE=spark (dbt-spark
`session`, a local PySpark) on the hand-made fixture and on the bundled sample, its published
Parquet marts compared row by row with the DuckDB marts of the same landing folder (money to the
cent, ratios to 1e-9).

Spark builds the seeds and models; the dbt data tests run on DuckDB over the tables Spark built
(README "Scaling out"), so a test failing on Spark's numbers fails the job here.

Needs the spark dependency group (`make test` installs it; by hand `uv sync --group spark`) and
Java 17. Slow: a few minutes for both cases on a quiet machine."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import math

import duckdb
import pytest
from marts import MARTS
from test_marts_handmade import AS_OF, LANDING
from test_sample_mart_checksums import AS_OF as SAMPLE_AS_OF
from test_sample_mart_checksums import SAMPLE

from dagster_project.jobs import run_nightly
from dagster_project.settings import Settings

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


def rows(con, columns: str, relation: str) -> list[tuple]:
    return sorted(con.execute(f"select {columns} from {relation}").fetchall(), key=row_order)


@pytest.mark.parametrize(
    ("landing", "as_of"),
    [(LANDING, AS_OF), (SAMPLE, SAMPLE_AS_OF)],
    ids=["handmade_fixture", "bundled_sample"],
)
def test_the_nightly_job_on_spark_publishes_the_same_marts(
    build_warehouse, tmp_path, landing, as_of
):
    on_duckdb = build_warehouse(landing, as_of)
    spark_dir = tmp_path / "spark"
    settings = Settings(landing, tmp_path / "warehouse.duckdb", dt.date.fromisoformat(as_of))
    assert run_nightly(dataclasses.replace(settings, engine="spark", spark_dir=spark_dir))

    with duckdb.connect(str(on_duckdb), read_only=True) as con:
        con.execute(f"attach '{settings.warehouse}' as on_spark (read_only)")
        for mart in MARTS:
            empty = con.execute(f"select * from marts.{mart} limit 0")
            columns = ", ".join(name for name, *_ in empty.description)
            duck = rows(con, columns, f"marts.{mart}")
            # the Parquet files Spark wrote, as published ...
            parquet = rows(con, columns, f"read_parquet('{spark_dir / 'marts' / mart}/*.parquet')")
            assert len(parquet) == len(duck), mart
            for duck_row, spark_row in zip(duck, parquet, strict=True):
                assert all(map(same, duck_row, spark_row)), (mart, duck_row, spark_row)
            # ... and as the served warehouse holds them, in the contract's types
            served = con.execute(f"select * from on_spark.marts.{mart} limit 0").description
            assert [(d[0], d[1]) for d in served] == [(d[0], d[1]) for d in empty.description]
            assert rows(con, columns, f"on_spark.marts.{mart}") == parquet, mart
