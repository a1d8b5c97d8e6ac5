"""`partner status`: is the warehouse current, did the last night work, is any source late?

Prints the served warehouse's as-of date, the last run's result, each source's freshness against
that as-of date, and the last failed runs (`audit.run_log` of the served warehouse plus those
recorded since, beside it). Reads the warehouse through the one read-only reader connection.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from dagster_project.checks.freshness import source_freshness
from dagster_project.failures import RUN_LOG_COLUMNS, read_failures
from dagster_project.readers import connect_marts
from dagster_project.run_report import read_report, summary, unpublished_report
from dagster_project.settings import Settings, resolve_path

SHOWN_FAILURES = 5


def _served_facts(settings: Settings) -> tuple[tuple | None, list[dict]]:
    """(landing_dir, as_of) of the served warehouse's last build, and its audit.run_log rows."""
    con = connect_marts(settings)
    try:
        built = con.execute(
            "select landing_dir, as_of from audit.build_info order by started_at desc limit 1"
        ).fetchone()
        try:
            rows = con.execute(f"select {', '.join(RUN_LOG_COLUMNS)} from audit.run_log").fetchall()
        except duckdb.CatalogException:  # published before failures were recorded
            rows = []
    finally:
        con.close()
    failures = [
        dict(zip(RUN_LOG_COLUMNS, [str(v) if v is not None else None for v in row], strict=True))
        for row in rows
    ]
    return built, failures


def _published_at(settings: Settings) -> dt.datetime:
    stamp = settings.warehouse.stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.UTC).replace(tzinfo=None, microsecond=0)


def status_lines(settings: Settings) -> list[str]:
    lines = []
    landing_dir, as_of, published_at, recorded = settings.landing_dir, settings.as_of, None, []
    if settings.warehouse.exists():
        built, recorded = _served_facts(settings)
        published_at = _published_at(settings)
        if built is not None:
            landing_dir, as_of = resolve_path(built[0]), built[1]
        lines.append(
            f"served warehouse: {settings.warehouse} as of {as_of}, published {published_at} UTC"
        )
    else:
        lines.append(f"no served warehouse at {settings.warehouse} yet: run `partner run`")

    failures = {f["run_id"]: f for f in [*recorded, *read_failures(settings.warehouse)]}
    latest = sorted(failures.values(), key=lambda f: str(f["failed_at"]), reverse=True)
    last_failure = latest[0] if latest else None
    failed_after_publish = last_failure is not None and (
        published_at is None or dt.datetime.fromisoformat(last_failure["failed_at"]) > published_at
    )
    if failed_after_publish:
        lines.append(
            f"last run: FAILED at {last_failure['failed_at']} UTC (as of {last_failure['as_of']}, "
            f"run {last_failure['run_id']}); the served warehouse is the last good version"
        )
    elif published_at is not None:
        lines.append(f"last run: published at {published_at} UTC")
    report = read_report(settings)
    if report is not None:
        outcome = "did not publish" if unpublished_report(settings) else "published"
        lines.append(
            f"last run's files (as of {report['as_of']}, {outcome}): {summary(report['files'])}"
        )

    lines.append(f"freshness of {landing_dir} as of {as_of}:")
    lines += [f"  {state.line()}" for state in source_freshness(landing_dir, as_of)]

    lines.append(f"last failed runs ({len(latest)} recorded):")
    for failure in latest[:SHOWN_FAILURES]:
        step = f" in {failure['step']}" if failure.get("step") else ""
        message = (failure.get("message") or "").splitlines()[0:1]
        lines.append(
            f"  {str(failure['failed_at']).replace('T', ' ')} UTC, as of {failure['as_of']}{step}: "
            f"{message[0] if message else 'no message'} (run {failure['run_id']})"
        )
    if not latest:
        lines.append("  none")
    return lines
