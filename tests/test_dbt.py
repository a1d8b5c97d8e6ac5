"""The dbt step: its command line from the run's settings, and one prepared dbt project."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.dbt import (
    DbtManifestMissing,
    dbt_build_args,
    dbt_build_env,
    dbt_project,
    drop_dbt_relations,
    parse_state_dir,
)
from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings


@pytest.mark.parametrize(
    ("warehouse", "as_of", "expected_as_of", "expected_build_file"),
    [
        (
            "/srv/partner/warehouse.duckdb",
            dt.date(2026, 3, 1),
            "2026-03-01",
            "/srv/partner/.warehouse.duckdb.building",
        ),
        (
            "/tmp/{{ x }}/{% raw %}/wh.duckdb",
            dt.date(2024, 2, 29),
            "2024-02-29",
            "/tmp/{{ x }}/{% raw %}/.wh.duckdb.building",
        ),
    ],
)
def test_dbt_builds_into_the_build_file_as_of_the_run_date_without_unit_tests(
    warehouse, as_of, expected_as_of, expected_build_file
):
    settings = Settings(landing_dir=Path("/landing"), warehouse=Path(warehouse), as_of=as_of)
    # no --vars: dbt re-parses the project when they change (and renders Jinja in a path)
    assert dbt_build_args(settings) == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_env(settings) == {
        "PARTNER_BUILD_FILE": expected_build_file,
        "PARTNER_AS_OF": expected_as_of,
    }


def test_on_spark_dbt_builds_the_spark_target_with_the_same_as_of_date():
    settings = Settings(
        landing_dir=Path("/landing"),
        warehouse=Path("/srv/wh.duckdb"),
        as_of=dt.date(2026, 6, 30),
        engine="spark",
        spark_dir=Path("/lake/partner"),
    )
    # the models and seeds only: the data tests run on DuckDB, over the tables Spark built
    assert dbt_build_args(settings) == [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--exclude-resource-type",
        "test",
        "--target",
        "spark",
    ]
    # the as-of date reaches dbt/macros/as_of.sql as on DuckDB; the folder reaches profiles.yml
    assert dbt_build_env(settings) == {
        "PARTNER_BUILD_FILE": "/srv/.wh.duckdb.building",
        "PARTNER_AS_OF": "2026-06-30",
        "PARTNER_SPARK_DIR": "/lake/partner",
    }


def test_a_run_with_another_date_and_build_file_parses_nothing_again(tmp_path):
    """The parse state of one run serves the next (another as-of date, another build file):
    dbt reads no project file again."""
    target = tmp_path / "target"
    kept = parse_state_dir(DBT_PROJECT_DIR) / "partial_parse.msgpack"
    if kept.is_file():  # a run of this session left it: the first parse is partial too
        target.mkdir()
        shutil.copyfile(kept, target / "partial_parse.msgpack")

    def parse(as_of: str, build_file: Path) -> dict:
        env = {**os.environ, "PARTNER_AS_OF": as_of, "PARTNER_BUILD_FILE": str(build_file)}
        command = [DBT_EXECUTABLE, "parse", "--quiet", "--target-path", str(target)]
        subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, check=True)
        return json.loads((target / "perf_info.json").read_text())

    parse("2026-06-30", tmp_path / "one.duckdb")
    second = parse("2025-01-31", tmp_path / "other" / "two.duckdb")
    assert second["is_partial_parse_enabled"]
    assert second["path_count"] > 200  # every project file was looked at
    assert second["parsed_path_count"] == 0  # and none parsed again


def test_the_project_is_built_once():
    assert dbt_project() is dbt_project()
    assert dbt_project().manifest_path.exists()


def test_a_missing_manifest_says_to_run_make_setup(tmp_path):
    shutil.copyfile(DBT_PROJECT_DIR / "dbt_project.yml", tmp_path / "dbt_project.yml")
    with pytest.raises(DbtManifestMissing, match="make setup"):
        dbt_project(tmp_path)


def test_importing_the_module_reads_no_manifest():
    code = (
        "import dagster_project.dbt as d; "
        "assert d.dbt_project.cache_info().currsize == 0, 'built at import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_build_file_loses_what_dbt_rebuilds_and_keeps_what_ingest_wrote(tmp_path):
    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    for schema in ("raw", "audit", "marts", "staging", "reference"):
        con.execute(f"create schema {schema}")
    con.execute("create table raw.crm__accounts (account_id varchar)")
    con.execute("create table audit.load_log (load_seq bigint)")
    con.execute("create table marts.dim_partners (partner_id varchar)")
    con.execute("create table marts.not_a_model (x int)")
    con.execute("create table reference.free_mail_domains (domain varchar)")
    con.execute("create view staging.stg_crm__accounts as select * from raw.crm__accounts")
    con.close()
    assert drop_dbt_relations(build, dbt_project().manifest_path) == 3
    con = duckdb.connect(str(build), read_only=True)
    left = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() union all "
        "select schema_name || '.' || view_name from duckdb_views() where not internal"
    ).fetchall()
    con.close()
    assert sorted(left) == [("audit.load_log",), ("marts.not_a_model",), ("raw.crm__accounts",)]
