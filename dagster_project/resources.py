"""The run's settings as a Dagster resource, resolved once when the run starts.

Run config (which the CLI, the schedule and the sensor always fill in) wins over the environment
(settings.py). A run started with no as-of date anywhere, e.g. from the UI, is as of the UTC day
the run was created: a fact of the run, so no step computes "today" itself and a run that crosses
midnight still computes one day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import dagster as dg
from pydantic import PrivateAttr

from dagster_project.settings import Settings


class PartnerSettings(dg.ConfigurableResource):
    landing_dir: str | None = None
    warehouse: str | None = None
    as_of: str | None = None
    engine: str | None = None
    spark_dir: str | None = None

    _resolved: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        resolved = self._resolve(_run_created_day(context))
        run_id = context.run.run_id if context.run else ""
        self._resolved = dataclasses.replace(resolved, run_id=run_id)

    def settings(self) -> Settings:
        """The run's settings (outside a run: resolved now)."""
        return self._resolved or self._resolve(None)

    def _resolve(self, today: dt.date | None) -> Settings:
        return Settings.from_env(
            landing_dir=self.landing_dir,
            warehouse=self.warehouse,
            as_of=self.as_of,
            engine=self.engine,
            spark_dir=self.spark_dir,
            today=today,
        )


def _run_created_day(context: dg.InitResourceContext) -> dt.date | None:
    if context.instance is None or context.run_id is None:
        return None
    record = context.instance.get_run_record_by_id(context.run_id)
    return record.create_timestamp.astimezone(dt.UTC).date() if record else None


def run_config(settings: Settings) -> dict:
    """Run config that fixes every setting of a run (the inverse of `PartnerSettings`)."""
    config = {
        "landing_dir": str(settings.landing_dir),
        "warehouse": str(settings.warehouse),
        "as_of": settings.as_of.isoformat(),
        "engine": settings.engine,
        "spark_dir": str(settings.spark_dir),
    }
    return {"resources": {"partner": {"config": config}}}
