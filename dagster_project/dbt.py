"""dbt models as Dagster assets, dbt tests as asset checks.

The manifest is prepared at set-up time (`make setup` runs `dbt parse`), never at import: Dagster
loads definitions often, and parsing dbt on each load would be felt in every command and test.
"""

import json
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_project.resources import PartnerSettings
from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

if not dbt_project.manifest_path.exists():
    raise FileNotFoundError(
        f"dbt manifest not found at {dbt_project.manifest_path}: run `make setup` "
        "(or `uv run dbt parse --project-dir dbt --profiles-dir dbt`) once before loading Dagster."
    )


class PartnerDbtTranslator(DagsterDbtTranslator):
    """Sources are the raw tables the ingest assets write; models group by their layer folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["identifier"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]  # staging / intermediate / marts
        return super().get_group_name(dbt_resource_props)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=PartnerDbtTranslator(),
)
def partner_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, partner: PartnerSettings
):
    settings = partner.settings()
    dbt_vars = {"as_of": settings.as_of.isoformat(), "warehouse_path": str(settings.build_path)}
    # unit tests pin the SQL's logic; the test suite runs them, the nightly run need not
    args = ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test"]
    invocation = dbt.cli(args, context=context)
    try:
        yield from invocation.stream()
    finally:
        # dagster-dbt leaves a target folder per run (~2 MB each); the run log keeps what matters
        shutil.rmtree(invocation.target_path, ignore_errors=True)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
