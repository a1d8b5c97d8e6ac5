"""kinds.py: each kind's Polars type is what DuckDB stores as its raw type."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from dagster_project.ingest.kinds import KINDS


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_polars_type_lands_as_the_raw_type(kind):
    con = duckdb.connect()
    frame = pl.DataFrame({"v": pl.Series([None], dtype=kind.polars_type)})
    con.register("frame", frame.to_arrow())
    con.execute(f"create table raw_like (v {kind.raw_type})")
    con.execute("insert into raw_like select v from frame")
    scanned = con.execute("select typeof(v) from frame").fetchall()[0][0]
    declared = con.execute("select typeof(v) from raw_like").fetchall()[0][0]
    assert scanned.replace(" ", "") == declared.replace(" ", "") == kind.raw_type.replace(" ", "")
