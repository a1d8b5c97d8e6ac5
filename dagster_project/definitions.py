"""The one Dagster Definitions: landing → raw → dbt models → checks → published warehouse."""

import dagster as dg

from dagster_project.checks.core import core_checks
from dagster_project.checks.freshness import freshness_checks
from dagster_project.checks.marts import gx_checks
from dagster_project.checks.reconciliation import reconciliation_checks
from dagster_project.dbt import dbt_resource, exposure_specs, partner_dbt_assets
from dagster_project.failures import nightly_failure_sensor
from dagster_project.ingest.assets import export_specs, ingest_assets
from dagster_project.jobs import new_export_sensor, nightly_job, nightly_schedule
from dagster_project.publish import published_warehouse, run_lock, warehouse_build
from dagster_project.resources import PartnerSettings

defs = dg.Definitions(
    assets=[
        *export_specs,
        warehouse_build,
        *ingest_assets,
        partner_dbt_assets,
        published_warehouse,
        *exposure_specs(),
    ],
    asset_checks=[*gx_checks, *core_checks, *reconciliation_checks, *freshness_checks],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[new_export_sensor, nightly_failure_sensor],
    resources={"dbt": dbt_resource(), "partner": PartnerSettings(), "run_lock": run_lock},
)
