"""The dbt step: its command line from the run's settings, and one prepared dbt project."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.dbt import DbtManifestMissing, dbt_build_args, dbt_build_env, dbt_project
from dagster_project.settings import DBT_PROJECT_DIR, Settings


@pytest.mark.parametrize(
    ("warehouse", "as_of", "expected_vars", "expected_build_file"),
    [
        (
            "/srv/partner/warehouse.duckdb",
            dt.date(2026, 3, 1),
            {"as_of": "2026-03-01"},
            "/srv/partner/.warehouse.duckdb.building",
        ),
        (
            "/tmp/{{ x }}/{% raw %}/wh.duckdb",
            dt.date(2024, 2, 29),
            {"as_of": "2024-02-29"},
            "/tmp/{{ x }}/{% raw %}/.wh.duckdb.building",
        ),
    ],
)
def test_dbt_builds_into_the_build_file_as_of_the_run_date_without_unit_tests(
    warehouse, as_of, expected_vars, expected_build_file
):
    settings = Settings(landing_dir=Path("/landing"), warehouse=Path(warehouse), as_of=as_of)
    args = dbt_build_args(settings)
    assert args[0] == "build"
    # no path in --vars: dbt would render Jinja in it; the build file goes in the environment
    assert json.loads(args[args.index("--vars") + 1]) == expected_vars
    assert dbt_build_env(settings) == {"PARTNER_BUILD_FILE": expected_build_file}
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
    assert len(args) == 5


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
