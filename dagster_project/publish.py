"""Build-then-swap of the warehouse file (see STACK.md on DuckDB locking).

A run copies the served warehouse to a build file beside it, loads and models into that copy, and
only when every step succeeded swaps it onto the served path with one atomic rename. Readers that
open the served file read-only never meet the writer's lock or a half-built mart, and a failed run
leaves the last good version in place and removes its build file.

One run at a time per warehouse (run_lock.py), each with its own build file. Every publish keeps
the version it replaces as `<warehouse>.previous`; a served file DuckDB cannot open is moved aside
as `<warehouse>.corrupt-<timestamp>` (never deleted) and the run starts from `.previous`.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.dbt import dbt_project, partner_dbt_assets
from dagster_project.failures import copy_failures
from dagster_project.resources import PartnerSettings
from dagster_project.retry import retry_once_if_transient
from dagster_project.run_lock import RunRefused, WarehouseHeldOpen, wait_seconds, warehouse_lock
from dagster_project.spark import built_tables, publish_marts

# Publishing writes only these tables; the ingest assets own `raw` and the rest of `audit`.
BUILD_INFO_DDL = """
create schema if not exists audit;
create table if not exists audit.build_info (
    landing_dir varchar,
    as_of date,
    started_at timestamp
)
"""
# Every check result of each published run (dbt tests, GX suites, reconciliations, ingest), so
# readers of the warehouse (the dashboard's Data health page) see them without Dagster.
CHECK_RESULTS_DDL = """
create table if not exists audit.check_results (
    run_id varchar,
    as_of date,
    asset varchar,
    check_name varchar,
    passed boolean,
    severity varchar,
    details varchar,
    evaluated_at timestamp
)
"""


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def previous_path(served: Path) -> Path:
    """The version the last publish replaced: `partner restore-previous` puts it back."""
    return served.with_name(served.name + ".previous")


def check_warehouse_path(served: Path) -> None:
    """RunRefused, in one line, when no warehouse can be published at `served`."""
    if served.is_dir():
        raise RunRefused(
            f"the warehouse path {served} is a folder: point PARTNER_WAREHOUSE (or --warehouse) "
            f"at a file, e.g. {served / 'warehouse.duckdb'}"
        )
    folder = next((p for p in [served.parent, *served.parent.parents] if p.exists()), None)
    if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise RunRefused(
            f"cannot write the warehouse {served}: {folder} is not a writable folder; point "
            "PARTNER_WAREHOUSE (or --warehouse) at a file in a folder this user can write"
        )


def _unopenable(path: Path) -> str | None:
    """Why DuckDB cannot open the file (None: it opens). A file another process holds open for
    writing is not corrupt: that is refused, never moved aside."""
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("select count(*) from duckdb_tables()").fetchall()
        finally:
            con.close()
    except duckdb.Error as err:
        if "lock" in str(err).lower():
            raise WarehouseHeldOpen(
                f"{path} is held open for writing by another program ({err}); close it and run "
                "again"
            ) from None
        return str(err).splitlines()[0]
    return None


def set_aside_corrupt(served: Path, log) -> bool:
    """Move a served warehouse DuckDB cannot open to `<name>.corrupt-<timestamp>` (kept for
    inspection, never deleted). True when it did."""
    if not served.is_file():
        return False
    problem = _unopenable(served)
    if problem is None:
        return False
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = served.with_name(f"{served.name}.corrupt-{stamp}")
    os.replace(served, aside)
    log(
        f"the served warehouse {served} cannot be opened ({problem}): moved it aside as {aside}; "
        "this run rebuilds the warehouse"
    )
    return True


def discard_builds(served: Path) -> None:
    """Remove every build file (and WAL) beside the warehouse. Only the holder of the run lock
    calls this: any build file then belongs to a run that failed or was killed."""
    for build in served.parent.glob(f".{served.name}*.building"):
        _remove(build)


def _same_folder(recorded: str, landing_dir: Path) -> bool:
    """Two spellings of one folder (a symlink, `x/../x`) are the same folder."""
    recorded_path = Path(recorded)
    if recorded_path.exists() and landing_dir.exists():
        return os.path.samefile(recorded_path, landing_dir)
    return recorded_path.resolve() == landing_dir.resolve()


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


def start_build(served: Path, build: Path, landing_dir: Path, as_of: dt.date, log=print) -> str:
    """Prepare the build file: a copy of the served warehouse (its raw history and load log carry
    over, so only new exports are read), or a new file. Returns what it did, for the run log.
    The caller holds the run lock."""
    check_warehouse_path(served)
    discard_builds(served)
    build.parent.mkdir(parents=True, exist_ok=True)
    base = served
    if set_aside_corrupt(served, log):
        base = previous_path(served)
        if not base.is_file() or _unopenable(base) is not None:
            base = None
    note = f"new warehouse at {build}"
    if base is not None and base.exists():
        built_from = _built_from(base)
        if built_from is None or _same_folder(built_from, landing_dir):
            shutil.copyfile(base, build)
            note = f"copied {base} to {build}"
        else:
            note = (
                f"{base} was built from {built_from}, not {landing_dir}: building a new "
                f"warehouse (the served one is kept as {previous_path(served)} when this run "
                "publishes)"
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


def check_results_of_run(instance: dg.DagsterInstance, run_id: str) -> list[tuple]:
    """(asset, check, passed, severity, details, evaluated_at) of each check this run evaluated
    so far; details are the check's metadata as `name: value` text, cut to 2,000 characters."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    rows = []
    for record in records:
        entry = record.event_log_entry
        evaluation = entry.dagster_event.event_specific_data
        details = "; ".join(
            f"{name}: {getattr(value, 'value', value)}"
            for name, value in evaluation.metadata.items()
        )
        rows.append(
            (
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.severity.value,
                details[:2000] or None,
                dt.datetime.fromtimestamp(entry.timestamp, dt.UTC).replace(tzinfo=None),
            )
        )
    return rows


def record_check_results(build: Path, run_id: str, as_of: dt.date, rows: list[tuple]) -> None:
    """Append this run's check results to the build file's `audit.check_results`."""
    con = duckdb.connect(str(build))
    try:
        con.execute(CHECK_RESULTS_DDL)
        con.executemany(
            "insert into audit.check_results values (?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, as_of, *row) for row in rows],
        )
    finally:
        con.close()


def _keep_as_previous(served: Path) -> None:
    """Keep the served version as `.previous` (a hard link: no copy, and `served` stays in
    place for readers until the swap)."""
    if not served.exists():
        return
    previous = previous_path(served)
    staging = previous.with_name(previous.name + ".new")
    staging.unlink(missing_ok=True)
    try:
        os.link(served, staging)
    except OSError:  # a file system without hard links
        shutil.copyfile(served, staging)
    os.replace(staging, previous)


def publish(build: Path, served: Path) -> None:
    """Checkpoint the build file, keep the served version as `.previous`, and swap the build
    file onto the served path atomically."""
    con = duckdb.connect(str(build))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    _keep_as_previous(served)
    os.replace(build, served)
    Path(str(build) + ".wal").unlink(missing_ok=True)


def restore_previous(served: Path) -> str:
    """Undo the last publish: `.previous` becomes the served warehouse, and the version it
    replaces becomes `.previous` (so a restore can itself be undone). Takes the run lock."""
    previous = previous_path(served)
    if not previous.is_file():
        raise RunRefused(f"no previous version to restore: {previous} does not exist")
    problem = _unopenable(previous)
    if problem is not None:
        raise RunRefused(f"{previous} cannot be opened ({problem}); nothing restored")
    with warehouse_lock(served, dt.date.today(), wait=0):
        if served.exists():
            swap = served.with_name(served.name + ".restoring")
            os.replace(previous, swap)
            _keep_as_previous(served)
            os.replace(swap, served)
            return f"restored {previous} as {served}; the version it replaced is now {previous}"
        os.replace(previous, served)
        return f"restored {previous} as {served}"


# --- Dagster: the run lock, the first and the last step of the nightly job ---------------------


PUBLISH_GROUP = "publish"


@dg.resource(required_resource_keys={"partner"})
def run_lock(context: dg.InitResourceContext):
    """Held from the run's start to its end (however the run starts: CLI, schedule, sensor, UI):
    one run at a time per warehouse. A run that did not publish leaves no build file behind."""
    settings = context.resources.partner.settings()
    check_warehouse_path(settings.warehouse)
    with warehouse_lock(settings.warehouse, settings.as_of, wait_seconds(), context.log.info):
        try:
            yield settings.warehouse
        finally:
            _remove(settings.build_path)


@dg.asset(group_name=PUBLISH_GROUP, kinds={"duckdb"})
def warehouse_build(
    context: dg.AssetExecutionContext, partner: PartnerSettings, run_lock: dg.ResourceParam[Path]
) -> dg.MaterializeResult:
    """The build file this run loads and models into, started from the served warehouse."""
    settings = partner.settings()
    if not settings.landing_dir.is_dir():
        raise dg.Failure(
            f"the landing folder {settings.landing_dir} does not exist: point PARTNER_LANDING_DIR "
            "(or `partner --landing`) at the folder holding <source>/<export date>/<entity>.csv"
        )
    with retry_once_if_transient(context):
        note = start_build(
            settings.warehouse,
            settings.build_path,
            settings.landing_dir,
            settings.as_of,
            log=context.log.warning,
        )
    context.log.info(note)
    return dg.MaterializeResult(
        metadata={"build_path": str(settings.build_path), "as_of": settings.as_of.isoformat()}
    )


@dg.asset(group_name=PUBLISH_GROUP, deps=list(partner_dbt_assets.keys), kinds={"duckdb"})
def published_warehouse(
    context: dg.AssetExecutionContext, partner: PartnerSettings
) -> dg.MaterializeResult:
    """The served warehouse: the build file swapped in once every step before it succeeded,
    with this run's check results (every check runs before it: warning checks are `blocking`
    too, which orders them first but stops nothing, as only an ERROR severity blocks)."""
    settings = partner.settings()
    checks = check_results_of_run(context.instance, context.run.run_id)
    record_check_results(settings.build_path, context.run.run_id, settings.as_of, checks)
    with retry_once_if_transient(context):
        copied = copy_failures(settings.build_path, settings.warehouse)
        publish(settings.build_path, settings.warehouse)
    if copied:
        context.log.info(f"{copied} failed run(s) recorded in audit.run_log")
    if settings.engine == "spark":
        marts = publish_marts(settings.spark_dir, built_tables(dbt_project().manifest_path))
        context.log.info(
            f"published {len(marts)} marts as Parquet under {settings.spark_dir}/marts"
        )
    context.log.info(
        f"published {settings.warehouse} as of {settings.as_of}; the version it replaced is "
        f"{previous_path(settings.warehouse)} (`partner restore-previous` puts it back)"
    )
    return dg.MaterializeResult(
        metadata={
            "path": str(settings.warehouse),
            "as_of": settings.as_of.isoformat(),
            "size_mb": round(settings.warehouse.stat().st_size / 1e6, 2),
        }
    )
