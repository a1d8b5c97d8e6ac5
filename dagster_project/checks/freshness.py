"""Is each source's latest export recent enough? A warning check per source, and `partner status`.

A source is stale when its newest export folder dated on or before the run's as-of date is older
than the source's expected cadence (days); a source with no export by then is not in use and is
not checked. A stale source is a warning, never a failure: the run
still publishes what it has, and says which source is late.

PARTNER_SOURCE_CADENCE_DAYS  expected days between exports, per source, e.g. "mdf=31,reference=31"
                             (sources not named: 2)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from dagster_project.ingest.entities import SOURCES, entities_of
from dagster_project.resources import PartnerSettings

DEFAULT_CADENCE_DAYS = 2
CADENCE_ENV = "PARTNER_SOURCE_CADENCE_DAYS"
FRESHNESS_CHECK = "latest_export_fresh"


def cadence_days(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Expected days between two exports of each source."""
    value = (os.environ if environ is None else environ).get(CADENCE_ENV, "")
    cadences = dict.fromkeys(SOURCES, DEFAULT_CADENCE_DAYS)
    for item in filter(None, (part.strip() for part in value.split(","))):
        source, _, days = item.partition("=")
        if source.strip() not in cadences or not days.strip().isdigit():
            raise ValueError(
                f"{CADENCE_ENV}: {item!r} is not <source>=<days> with a source among "
                f"{', '.join(SOURCES)}"
            )
        cadences[source.strip()] = int(days)
    return cadences


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    last_export: dt.date | None
    as_of: dt.date
    cadence_days: int

    @property
    def age_days(self) -> int | None:
        return None if self.last_export is None else (self.as_of - self.last_export).days

    @property
    def fresh(self) -> bool:
        # a source that never delivered is one the program does not use (no marketplace, say):
        # warning about it every night would be noise
        return self.age_days is None or self.age_days <= self.cadence_days

    def line(self) -> str:
        expected = f"expected every {self.cadence_days} days"
        if self.last_export is None:
            return f"{self.source}: no export on or before {self.as_of}: not in use, not checked"
        state = "fresh" if self.fresh else "stale"
        return (
            f"{self.source}: last export {self.last_export}, {self.age_days} days before "
            f"{self.as_of} ({expected}): {state}"
        )


def _export_dates(folder: Path) -> list[dt.date]:
    dates = []
    if folder.is_dir():
        for child in folder.iterdir():
            try:
                if child.is_dir():
                    dates.append(dt.date.fromisoformat(child.name))
            except ValueError:
                continue  # not an export-date folder: the ingest rejects its files
    return dates


def source_freshness(
    landing_dir: Path, as_of: dt.date, environ: Mapping[str, str] | None = None
) -> list[SourceFreshness]:
    """One line per source: its newest export on or before `as_of` against its cadence."""
    cadences = cadence_days(environ)
    return [
        SourceFreshness(
            source=source,
            last_export=max(
                (d for d in _export_dates(landing_dir / source) if d <= as_of), default=None
            ),
            as_of=as_of,
            cadence_days=cadences[source],
        )
        for source in SOURCES
    ]


def _freshness_check(source: str) -> dg.AssetChecksDefinition:
    # on the source's first raw table: the check concerns the source's export folders as a whole
    asset = dg.AssetKey(["raw", entities_of(source)[0].raw_table])

    @dg.asset_check(
        asset=asset,
        name=f"{FRESHNESS_CHECK}_{source}",
        description=f"The newest {source} export is within its expected cadence ({CADENCE_ENV}).",
        # WARN never stops a run; blocking orders it before the publish, which records it
        blocking=True,
    )
    def _check(partner: PartnerSettings) -> dg.AssetCheckResult:
        settings = partner.settings()
        (state,) = [
            s for s in source_freshness(settings.landing_dir, settings.as_of) if s.source == source
        ]
        return dg.AssetCheckResult(
            passed=state.fresh,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "last_export": str(state.last_export),
                "age_days": state.age_days if state.age_days is not None else -1,
                "cadence_days": state.cadence_days,
                "summary": state.line(),
            },
        )

    return _check


freshness_checks = [_freshness_check(source) for source in SOURCES]
