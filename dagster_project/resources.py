"""The run's settings as a Dagster resource: environment defaults, overridable per run.

The schedule and a backfill pass `as_of` in run config; everything else comes from the
environment (settings.py), so the same job runs on any folder and any past date without code edits.
"""

import dataclasses

import dagster as dg

from dagster_project.settings import Settings, parse_as_of, resolve_path


class PartnerSettings(dg.ConfigurableResource):
    landing_dir: str | None = None
    warehouse: str | None = None
    as_of: str | None = None

    def settings(self) -> Settings:
        base = Settings.from_env()
        overrides = {}
        if self.landing_dir:
            overrides["landing_dir"] = resolve_path(self.landing_dir)
        if self.warehouse:
            overrides["warehouse"] = resolve_path(self.warehouse)
        if self.as_of:
            overrides["as_of"] = parse_as_of(self.as_of)
        return dataclasses.replace(base, **overrides)
