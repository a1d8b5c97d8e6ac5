"""Blocking checks that a run never publishes an empty warehouse by accident.

A run fails, and publishes nothing, when it could read no file of its landing folder (the folder
is empty, gone or unreadable: an unmounted share, a folder that vanished mid-run), or when it
would publish no revenue lines or no partners where the served warehouse has them. A first run
that read its files and found an empty program (header-only exports) may publish it: there is
nothing it could lose.
"""

from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import get_asset_key_for_model

from dagster_project.dbt import partner_dbt_assets
from dagster_project.ingest.landing import discover
from dagster_project.resources import PartnerSettings

# the marts that must not empty out, and what their rows are
CORE_MARTS = {"fct_opportunity_partner": "revenue lines", "dim_partners": "partners"}


def _rows(warehouse: Path, model: str) -> int | None:
    """Rows of marts.<model> in a warehouse file; None when there is no such file or table."""
    if not warehouse.is_file():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(f"select count(*) from marts.{model}").fetchone()[0]
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def _readable(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            file.read(1)
    except OSError:
        return False
    return True


def _not_emptied_check(model: str, what: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=get_asset_key_for_model([partner_dbt_assets], model),
        name=f"{model}_not_emptied",
        blocking=True,
        description=f"The run keeps {what}: none where the served warehouse has some fails it.",
    )
    def _check(partner: PartnerSettings) -> dg.AssetCheckResult:
        settings = partner.settings()
        built = _rows(settings.build_path, model) or 0
        served = _rows(settings.warehouse, model) or 0
        passed = built > 0 or served == 0
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=None
            if passed
            else (
                f"this run has no {what} where the served warehouse {settings.warehouse} has "
                f"{served:,}: not publishing. Is the landing folder {settings.landing_dir} the "
                "right one, and complete?"
            ),
            metadata={"rows": built, "rows_in_served_warehouse": served},
        )

    return _check


@dg.asset_check(
    asset=get_asset_key_for_model([partner_dbt_assets], "program_kpis"),
    name="landing_folder_read",
    blocking=True,
    description="The run could read at least one file of its landing folder.",
)
def landing_folder_read(partner: PartnerSettings) -> dg.AssetCheckResult:
    settings = partner.settings()
    files = discover(settings.landing_dir)
    passed = any(_readable(f.path) for f in files)
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None
        if passed
        else (
            f"the landing folder {settings.landing_dir} holds no file this run could read "
            f"({len(files)} found): an empty, missing or unmounted folder publishes nothing"
        ),
        metadata={"files_found": len(files), "landing_dir": str(settings.landing_dir)},
    )


core_checks = [
    *(_not_emptied_check(model, what) for model, what in CORE_MARTS.items()),
    landing_folder_read,
]
