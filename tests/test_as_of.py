"""As of any date: recomputing a past day from all exports gives what the run on that day gave,
when it could only see the exports dated on or before it (METRICS.md section 0)."""

import shutil

import duckdb
from marts import MARTS

AS_OF = "2026-06-30"


def _marts(path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            mart: sorted(con.execute(f"select * from marts.{mart}").fetchall(), key=repr)
            for mart in MARTS
        }
    finally:
        con.close()


def test_a_past_day_recomputed_later_equals_the_run_on_that_day(
    build_warehouse, fixtures_dir, tmp_path
):
    everything = fixtures_dir / "handmade" / "landing"
    # what the landing folder held on the day: only exports dated on or before it
    that_day = tmp_path / "landing"
    shutil.copytree(everything, that_day)
    later_exports = [
        folder for folder in that_day.glob("*/*") if folder.is_dir() and folder.name > AS_OF
    ]
    assert later_exports, "the fixture must hold exports dated after the as-of date"
    for folder in later_exports:
        shutil.rmtree(folder)

    run_on_the_day = _marts(build_warehouse(that_day, AS_OF))
    recomputed_later = _marts(build_warehouse(everything, AS_OF))

    for mart in MARTS:
        assert recomputed_later[mart] == run_on_the_day[mart], mart
    assert run_on_the_day["fct_opportunity_partner"], "the comparison must not be vacuous"
