"""What a run tells people about its input: warnings about its as-of date, and the files it
rejected and the rows it quarantined (rows a format sets aside on purpose are no problem).

The ingest assets also keep their outcome beside the warehouse, in `<warehouse>.last_run.json`:
a failed run discards its build file and with it that run's audit tables, so without this file
the rejections of a failed first run would be lost. `partner run` prints its summary line;
`partner audit` shows it while it is newer than the served warehouse (the run did not publish).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict
from pathlib import Path

from dagster_project.ingest.load_log import REJECTED, FileLoad
from dagster_project.jobs import export_folders
from dagster_project.settings import DEFAULT_LANDING_DIR, Settings, resolve_path, today_utc


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def last_export_date(settings: Settings) -> dt.date | None:
    """The latest <export date> folder of the landing folder (None when there is none)."""
    dates = []
    for folder in export_folders(settings):
        try:
            dates.append(dt.date.fromisoformat(folder.split("/")[1]))
        except ValueError:
            continue  # a misplaced folder: the ingest rejects its files
    return max(dates, default=None)


def sample_as_of(settings: Settings, as_of_given: bool) -> dt.date | None:
    """The bundled sample's last export date, when the run reads the bundled sample and no as-of
    date was given: the sample ends on that day, so "today" would show a thinner trailing year
    with every passing day. None otherwise."""
    if as_of_given:
        return None
    if settings.landing_dir.resolve() != resolve_path(DEFAULT_LANDING_DIR).resolve():
        return None
    return last_export_date(settings)


def as_of_warnings(settings: Settings, today: dt.date | None = None) -> list[str]:
    """Why the figures of this as-of date may mislead: later than every export, or than today."""
    today = today or today_utc()
    warnings = []
    last = last_export_date(settings)
    if last is not None and settings.as_of > last:
        warnings.append(
            f"the as-of date {settings.as_of} is after the last export ({last}): the days after "
            "it are computed without any newer data"
        )
    if settings.as_of > today:
        warnings.append(
            f"the as-of date {settings.as_of} is after today ({today}): nothing can be known "
            "about the days after today yet"
        )
    return warnings


def problem_lines(files: list[dict]) -> list[str]:
    """One line per rejected file and per file with quarantined rows."""
    lines = []
    for f in files:
        if f["status"] == REJECTED:
            lines.append(f"rejected {f['file']}: {f['reason']}")
        elif f["status"] == "held":
            lines.append(f"held {f['file']}: {f['reason']}")
        elif f["rows_quarantined"]:
            lines.append(
                f"{_plural(f['rows_quarantined'], 'row')} quarantined in {f['file']}: "
                "see audit.quarantine"
            )
    return lines


def summary(files: list[dict]) -> str:
    """The end-of-run line: what was loaded, and whether anything was rejected or quarantined."""
    loaded = _plural(sum(f["status"] == "loaded" for f in files), "new file") + " loaded"
    rejected = sum(f["status"] == REJECTED for f in files)
    quarantined = sum(f["rows_quarantined"] for f in files)
    # rows a format leaves out on purpose (taxes, test records) are said, not flagged
    set_aside = sum(f.get("rows_set_aside") or 0 for f in files)
    aside = f" ({_plural(set_aside, 'row')} set aside by the formats' filters)" if set_aside else ""
    if not rejected and not quarantined:
        return f"{loaded}; no file rejected, no row quarantined{aside}"
    return (
        f"{loaded}; {_plural(rejected, 'file')} rejected, {_plural(quarantined, 'row')} "
        f"quarantined{aside}: see `partner audit`"
    )


# --- the report file -----------------------------------------------------------------------------


def report_path(settings: Settings) -> Path:
    return settings.warehouse.with_name(settings.warehouse.name + ".last_run.json")


def read_report(settings: Settings, written_since: float | None = None) -> dict | None:
    """The last run's report; None when there is none (or none written since that time)."""
    path = report_path(settings)
    try:
        if written_since is not None and path.stat().st_mtime < written_since:
            return None
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def record_loads(settings: Settings, run_id: str, loads: list[FileLoad]) -> None:
    """Add one ingest step's file outcomes to the report of run `run_id` (a new run starts a new
    report). Written whole, then renamed: a reader never sees half a file."""
    report = read_report(settings)
    if report is None or report.get("run_id") != run_id:
        report = {
            "run_id": run_id,
            "as_of": settings.as_of.isoformat(),
            "landing_dir": str(settings.landing_dir),
            "files": [],
        }
    report["files"] += [asdict(load) for load in loads]
    path = report_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(report, indent=1, default=str))
    os.replace(partial, path)


def unpublished_report(settings: Settings) -> dict | None:
    """The last run's report when that run did not publish: no served warehouse, or one older
    than the report (a published build file is written after its ingest steps)."""
    report = read_report(settings)
    if report is None:
        return None
    served = settings.warehouse
    if served.exists() and served.stat().st_mtime >= report_path(settings).stat().st_mtime:
        return None
    return report
