"""Build-then-swap of the warehouse file (see STACK.md on DuckDB locking).

A run copies the served warehouse to a build file beside it, loads and models into that copy, and
only when every step succeeded swaps it onto the served path with one atomic rename. Readers that
open the served file read-only never meet the writer's lock or a half-built mart, and a failed run
leaves the last good version in place.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.dbt import partner_dbt_assets
from dagster_project.resources import PartnerSettings

# Publishing writes only this table; the ingest assets own `raw` and the rest of `audit`.
BUILD_INFO_DDL = """
create schema if not exists audit;
create table if not exists audit.build_info (
    landing_dir varchar,
    as_of date,
    started_at timestamp
)
"""


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _built_from(path: Path) -> str | None:
    """The landing folder the served warehouse was built from (None if unknown)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "select landing_dir from audit.build_info order by started_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return row[0] if row else None


def start_build(served: Path, build: Path, landing_dir: Path, as_of: dt.date) -> str:
    """Prepare the build file: a copy of the served warehouse (its raw history and load log carry
    over, so only new exports are read), or a new file. Returns what it did, for the run log."""
    _remove(build)
    build.parent.mkdir(parents=True, exist_ok=True)
    note = f"new warehouse at {build}"
    if served.exists():
        previous = _built_from(served)
        if previous in (None, str(landing_dir)):
            shutil.copyfile(served, build)
            note = f"copied {served} to {build}"
        else:
            note = (
                f"{served} was built from {previous}, not {landing_dir}: building a new warehouse"
            )
    con = duckdb.connect(str(build))
    try:
        con.execute(BUILD_INFO_DDL)
        con.execute(
            "insert into audit.build_info values (?, ?, current_timestamp)",
            [str(landing_dir), as_of],
        )
    finally:
        con.close()
    return note


def publish(build: Path, served: Path) -> None:
    """Checkpoint the build file and swap it onto the served path atomically."""
    con = duckdb.connect(str(build))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(build, served)
    Path(str(build) + ".wal").unlink(missing_ok=True)


# --- Dagster assets: the first and the last step of the nightly job -----------------------------

PUBLISH_GROUP = "publish"


@dg.asset(group_name=PUBLISH_GROUP, kinds={"duckdb"})
def warehouse_build(
    context: dg.AssetExecutionContext, partner: PartnerSettings
) -> dg.MaterializeResult:
    """The build file this run loads and models into, started from the served warehouse."""
    settings = partner.settings()
    if not settings.landing_dir.is_dir():
        raise dg.Failure(
            f"the landing folder {settings.landing_dir} does not exist: point PARTNER_LANDING_DIR "
            "(or `partner --landing`) at the folder holding <source>/<export date>/<entity>.csv"
        )
    note = start_build(
        settings.warehouse, settings.build_path, settings.landing_dir, settings.as_of
    )
    context.log.info(note)
    return dg.MaterializeResult(
        metadata={"build_path": str(settings.build_path), "as_of": settings.as_of.isoformat()}
    )


@dg.asset(group_name=PUBLISH_GROUP, deps=list(partner_dbt_assets.keys), kinds={"duckdb"})
def published_warehouse(
    context: dg.AssetExecutionContext, partner: PartnerSettings
) -> dg.MaterializeResult:
    """The served warehouse: the build file swapped in once every step before it succeeded."""
    settings = partner.settings()
    publish(settings.build_path, settings.warehouse)
    context.log.info(f"published {settings.warehouse} as of {settings.as_of}")
    return dg.MaterializeResult(
        metadata={
            "path": str(settings.warehouse),
            "as_of": settings.as_of.isoformat(),
            "size_mb": round(settings.warehouse.stat().st_size / 1e6, 2),
        }
    )
