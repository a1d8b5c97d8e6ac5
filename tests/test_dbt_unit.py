"""dbt's own unit tests (dbt/models/**/_*__unit_tests.yml) pin the attribution models and the
influence window on hand-worked cases; they need the models' parents to exist, so they run against
a warehouse the real job built."""

import json
import os
import re
import shutil
import subprocess

from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR


def test_dbt_unit_tests_pass(build_warehouse, fixtures_dir, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(build_warehouse(fixtures_dir / "handmade/landing", "2026-06-30"), warehouse)
    dbt_vars = json.dumps({"as_of": "2026-06-30"})
    result = subprocess.run(
        [
            DBT_EXECUTABLE,
            "test",
            "--select",
            "test_type:unit",
            "--vars",
            dbt_vars,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
        ],
        capture_output=True,
        text=True,
        # run by hand, dbt builds into PARTNER_WAREHOUSE (dbt/profiles.yml)
        env={**os.environ, "DO_NOT_TRACK": "1", "PARTNER_WAREHOUSE": str(warehouse)},
    )
    assert result.returncode == 0, result.stdout[-4000:]
    passed = re.search(r"PASS=(\d+) WARN=0 ERROR=0", result.stdout)
    assert passed and int(passed.group(1)) >= 8, result.stdout[-2000:]
