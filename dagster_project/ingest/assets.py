"""Landing → raw: one Dagster asset per source system, one raw table (asset key) per entity.

Each asset reads the new export files of its source with Polars (reader.py), loads them into the
build warehouse's `raw` schema and records every file in `audit.load_log` (loader.py). Rejected
files and quarantined rows show up three ways: the run log, a warning asset check per entity, and
the audit tables. Rows a format sets aside on purpose (taxes, test records) are counted, not
warned about.
"""

import functools
from dataclasses import asdict
from pathlib import Path, PurePosixPath

import dagster as dg
import duckdb

from dagster_project.duckdb_limits import duckdb_limits
from dagster_project.ingest.entities import ENTITIES, SOURCES, entities_of
from dagster_project.ingest.landing import LandingFile, discover
from dagster_project.ingest.loader import load_source, reject_unknown
from dagster_project.resources import PartnerSettings
from dagster_project.retry import retry_once_if_transient
from dagster_project.run_report import as_of_warnings, problem_lines, record_loads

INGEST_GROUP = "ingest"
USABLE_CHECK = "landing_files_usable"


def raw_key(raw_table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", raw_table])


def _source_of(relative_file: str) -> str:
    """The source folder of a landing file path `<source>/<date>/<file>`."""
    return PurePosixPath(relative_file).parts[0]


def export_key(source: str, entity: str) -> dg.AssetKey:
    return dg.AssetKey(["exports", source, entity])


# The export files themselves, as the tools deliver them: the start of the lineage in the UI.
export_specs = [
    dg.AssetSpec(
        export_key(ent.source, ent.name),
        group_name="exports",
        description=(
            f"{ent.qualified_name} exports: <landing>/{ent.source}/<export date>/{ent.name}.csv "
            "(or .parquet, or a known tool export format mapped to it)."
        ),
        kinds={"csv"},
    )
    for ent in ENTITIES
]


@functools.lru_cache(maxsize=1)
def landing_files(run_id: str, landing_dir: Path) -> list[LandingFile]:
    """The landing folder's files as the run's first ingest step found them: the folder is
    walked (and every file stat-ed) once per run, not once per source."""
    return discover(landing_dir)


def _ingest_asset(source: str) -> dg.AssetsDefinition:
    entities = entities_of(source)
    specs = [
        dg.AssetSpec(
            raw_key(ent.raw_table),
            group_name=INGEST_GROUP,
            deps=["warehouse_build", export_key(ent.source, ent.name)],
            description=f"Every loaded version of {ent.qualified_name}, key {', '.join(ent.key)}.",
            kinds={"polars", "duckdb"},
        )
        for ent in entities
    ]
    check_specs = [
        dg.AssetCheckSpec(
            USABLE_CHECK,
            asset=raw_key(ent.raw_table),
            description="No export file rejected and no row quarantined in this run.",
        )
        for ent in entities
    ]

    @dg.multi_asset(name=f"ingest_{source}", specs=specs, check_specs=check_specs, can_subset=False)
    def _ingest(context: dg.AssetExecutionContext, partner: PartnerSettings):
        settings = partner.settings()
        with retry_once_if_transient(context):
            build = str(settings.build_path)
            con = duckdb.connect(build, config=duckdb_limits(build))
            try:
                found = landing_files(context.run_id, settings.landing_dir)
                loads = load_source(
                    con, settings.landing_dir, source, log=context.log.info, found=found
                )
                if source == SOURCES[0]:
                    # folders that are no known source are reported once per run, by the first
                    loads += reject_unknown(
                        con, settings.landing_dir, log=context.log.warning, found=found
                    )
                    for warning in as_of_warnings(settings):  # once per run, too
                        context.log.warning(warning)
            finally:
                con.close()
        for problem in problem_lines([asdict(ld) for ld in loads]):
            context.log.warning(problem)
        record_loads(settings, context.run_id, loads)  # kept even if the run then fails

        known = {ent.name for ent in entities}
        # a rejected file that names no entity of this source concerns every one of them
        unattributed = [
            ld for ld in loads if ld.entity not in known and _source_of(ld.file) == source
        ]
        for ent in entities:
            mine = [ld for ld in loads if ld.entity == ent.name] + unattributed
            rejected = [ld for ld in mine if ld.status == "rejected"]
            quarantined = sum(ld.rows_quarantined for ld in mine)
            metadata = {
                "files_loaded": sum(ld.status == "loaded" for ld in mine),
                "files_skipped_as_duplicate": sum(ld.status == "skipped_duplicate" for ld in mine),
                "files_rejected": len(rejected),
                "files_held": sum(ld.status == "held" for ld in mine),
                "rows_read": sum(ld.rows_read for ld in mine),
                "rows_loaded": sum(ld.rows_loaded for ld in mine),
                "rows_quarantined": quarantined,
                # left out on purpose by the formats' filters (taxes, test records): no problem
                "rows_set_aside": sum(ld.rows_set_aside for ld in mine),
            }
            yield dg.MaterializeResult(asset_key=raw_key(ent.raw_table), metadata=metadata)
            problems = [f"{ld.file}: {ld.reason}" for ld in rejected]
            problems += [f"{ld.file}: held, {ld.reason}" for ld in mine if ld.status == "held"]
            if quarantined:
                problems.append(f"{quarantined} row(s) quarantined: see audit.quarantine")
            yield dg.AssetCheckResult(
                asset_key=raw_key(ent.raw_table),
                check_name=USABLE_CHECK,
                passed=not problems,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={**metadata, "problems": "\n".join(problems) or "none"},
            )

    return _ingest


ingest_assets = [_ingest_asset(source) for source in SOURCES]
