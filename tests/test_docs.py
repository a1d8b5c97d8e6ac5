"""`make docs` generates the dbt docs without locking readers out of the served warehouse."""

import hashlib
import json
import os
import shutil
import subprocess

import duckdb

from dagster_project.settings import PROJECT_ROOT


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_docs_generate_from_a_copy_while_a_reader_holds_the_served_warehouse(
    build_warehouse, fixtures_dir, tmp_path
):
    served = tmp_path / "warehouse.duckdb"
    shutil.copyfile(build_warehouse(fixtures_dir / "handmade" / "landing", "2026-06-30"), served)
    before = _digest(served)
    reader = duckdb.connect(str(served), read_only=True)  # a dashboard reading meanwhile
    try:
        result = subprocess.run(
            ["make", "--no-print-directory", "docs-generate"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "PARTNER_WAREHOUSE": str(served),
                "DBT_TARGET_PATH": str(tmp_path / "target"),
                "DBT_LOG_PATH": str(tmp_path / "logs"),
            },
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert reader.execute("select count(*) from marts.dim_partners").fetchone()[0] > 0
    finally:
        reader.close()

    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "model.partner_attribution.program_kpis" in catalog["nodes"]
    assert _digest(served) == before
    fresh = duckdb.connect(str(served), read_only=True)  # and a new reader gets in after
    fresh.close()
