"""dbt models as Dagster assets, dbt tests as asset checks.

The manifest is prepared at set-up time (`make setup` runs `dbt parse`), never at import: Dagster
loads definitions often, and parsing dbt on each load would be felt in every command and test.
Importing this module reads nothing: `partner_dbt_assets` is built on first use (when the
definitions load), and a missing manifest then says to run `make setup`.
"""

import contextlib
import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from dagster_project.checks.gx_import import start_importing as start_importing_gx
from dagster_project.resources import PartnerSettings
from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings
from dagster_project.spark import (
    built_tables,
    clear_spark_tables,
    read_back_tables,
    write_raw_parquet,
)


class DbtManifestMissing(FileNotFoundError):
    pass


@functools.cache
def dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    """The one DbtProject, with its manifest."""
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    project.prepare_if_dev()  # under `dagster dev` only: re-parse so edited models show up
    if not project.manifest_path.exists():
        raise DbtManifestMissing(
            f"dbt manifest not found at {project.manifest_path}: run `make setup` "
            "(or `uv run dbt parse --project-dir dbt --profiles-dir dbt`) once before loading "
            "Dagster."
        )
    return project


# What a run tells dbt goes in the environment, never in --vars: dbt re-parses the whole project
# whenever --vars change (and renders Jinja inside a var's value: a folder named `{{ x }}` would
# break the run). The build file is attached by dagster_project/dbt_warehouse.py, the as-of date is
# read by dbt/macros/as_of.sql when models execute: partial parsing holds from run to run.
BUILD_FILE_ENV = "PARTNER_BUILD_FILE"
AS_OF_ENV = "PARTNER_AS_OF"
SPARK_DIR_ENV = "PARTNER_SPARK_DIR"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def dbt_build_args(settings: Settings) -> list[str]:
    """The `dbt build` command line of a run (its build file and as-of date: `dbt_build_env`).
    On Spark it builds the seeds and models only: the data tests run afterwards on DuckDB, over
    the tables Spark built (`spark_data_test_args`)."""
    # unit tests pin the SQL's logic; the test suite runs them, the nightly run need not
    args = ["build", "--exclude-resource-type", "unit_test"]
    if settings.engine == "spark":
        # dbt/profiles.yml; the default target is duckdb
        args += ["--exclude-resource-type", "test", "--target", "spark"]
    return args


# After a Spark build, on DuckDB: the staging views (views hold no rows: Spark's are only its SQL
# over the raw files, which are the build file's raw tables), then every data test.
SPARK_VIEWS_ARGS = ["run", "--select", "config.materialized:view"]
SPARK_DATA_TEST_ARGS = ["test", "--exclude-resource-type", "unit_test"]


def dbt_build_env(settings: Settings) -> dict[str, str]:
    """The environment variables dbt of a run needs: the file it builds into, its as-of date
    (and on Spark the folder of its raw Parquet files and tables)."""
    env = {BUILD_FILE_ENV: str(settings.build_path), AS_OF_ENV: settings.as_of.isoformat()}
    if settings.engine == "spark":
        env[SPARK_DIR_ENV] = str(settings.spark_dir)
    return env


def parse_state_dir(project_dir: Path, engine: str = "duckdb") -> Path:
    """Where runs keep dbt's parse state (partial_parse.msgpack): in the project's own target
    folder, named after the project's absolute path. The state records that path and dbt does not
    check it, so a copied or moved project must start afresh rather than read the original's files
    (and a `dbt parse --project-dir dbt` by hand, which records a relative one, is not used).
    Spark runs keep their own (another target: dbt would re-parse on every switch of engine)."""
    digest = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()[:12]
    engine_suffix = "" if engine == "duckdb" else f"-{engine}"
    return project_dir / "target" / f"runs-{digest}{engine_suffix}"


def drop_dbt_relations(build: Path, manifest_path: Path) -> int:
    """Drop the tables and views the dbt project builds (its models and seeds) from the build
    file, copied from last night's warehouse; returns how many. dbt rebuilds every one of them
    anyway, and replacing a table that exists (dbt-duckdb creates it beside the old one, renames
    both and drops the old) cost twice creating it in a file without it: at scale 20, 48 s
    against 28 s for the same `dbt run`."""
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    owned = {
        (node["schema"], node.get("alias") or node["name"])
        for node in nodes
        if node["resource_type"] in ("model", "seed")
    }
    con = duckdb.connect(str(build))
    try:
        found = con.execute(
            "select schema_name, view_name, 'view' from duckdb_views() "
            "where database_name = current_database() and not internal "
            "union all select schema_name, table_name, 'table' from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
        dropped = [(schema, name, kind) for schema, name, kind in found if (schema, name) in owned]
        for schema, name, kind in sorted(dropped, key=lambda x: x[2] != "view"):  # views first
            con.execute(f'drop {kind} if exists "{schema}"."{name}" cascade')
    finally:
        con.close()
    return len(dropped)


def stream_dbt(
    dbt: DbtCliResource, context: dg.AssetExecutionContext, settings: Settings, args: list[str]
) -> Iterator:
    """Run dbt with `args` for the run `settings` describe and stream its events."""
    with _dbt_invocation(dbt, context, settings, args) as invocation:
        yield from invocation.stream()


@contextlib.contextmanager
def _dbt_invocation(
    dbt: DbtCliResource,
    context: dg.AssetExecutionContext | None,
    settings: Settings,
    args: list[str],
) -> Iterator:
    """dbt started with `args` for the run `settings` describe. dagster-dbt gives each invocation
    its own target folder under DBT_TARGET_PATH, starting it from the partial_parse.msgpack found
    there: the parse state the last run left, kept here. Without a context, dagster-dbt adds no
    selection of its own (with one, it adds the assets of the step to any `--select` given)."""
    state = parse_state_dir(Path(dbt.project_dir), settings.engine)
    with _environment({**dbt_build_env(settings), "DBT_TARGET_PATH": str(state)}):
        invocation = dbt.cli(args, context=context)
    try:
        yield invocation
    finally:
        _keep(invocation.target_path / PARTIAL_PARSE_FILE, state / PARTIAL_PARSE_FILE)
        # dagster-dbt leaves a target folder per run (~2 MB each); the log keeps what matters
        shutil.rmtree(invocation.target_path, ignore_errors=True)


def _keep(written: Path, kept: Path) -> None:
    """Copy whole then rename: a concurrent run reads the old or the new state, never half."""
    if not written.is_file():
        return
    staging = kept.with_name(f"{kept.name}.{os.getpid()}")
    shutil.copyfile(written, staging)
    os.replace(staging, kept)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """`values` set in os.environ meanwhile: dagster-dbt hands dbt a copy of os.environ when it
    starts the dbt process (steps run one at a time, in one process: nothing else sees them)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build_on_spark(
    dbt: DbtCliResource, context: dg.AssetExecutionContext, settings: Settings
) -> Iterator:
    """The dbt step on Spark (dagster_project/spark.py): the raw tables out as Parquet, dbt builds
    the seeds and models on Spark, the tables it built go back into the build file, and there,
    on DuckDB, the staging views are created and every dbt data test runs (docs/decisions.md)."""
    tables = built_tables(dbt_project().manifest_path)
    raw = write_raw_parquet(settings.build_path, settings.spark_dir)
    context.log.info(f"{len(raw)} raw tables written as Parquet under {settings.spark_dir}/raw")
    clear_spark_tables(settings.spark_dir)
    yield from stream_dbt(dbt, context, settings, dbt_build_args(settings))
    copied = read_back_tables(settings.build_path, settings.spark_dir, tables)
    context.log.info(f"{copied} tables Spark built copied into {settings.build_path}")
    on_duckdb = dataclasses.replace(settings, engine="duckdb")  # DuckDB's target and parse state
    # no context, no events: Spark's build materialised these assets, Dagster hears of them once
    with _dbt_invocation(dbt, None, on_duckdb, SPARK_VIEWS_ARGS) as views:
        views.wait()
    context.log.info("staging views created in the build file: the dbt data tests run on DuckDB")
    yield from stream_dbt(dbt, context, on_duckdb, SPARK_DATA_TEST_ARGS)


class PartnerDbtTranslator(DagsterDbtTranslator):
    """Models group by their layer folder. Sources map to the raw tables the ingest assets write
    through `meta.dagster.asset_key` in the generated source YAML (ingest/dbt_sources.py)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]  # staging / intermediate / marts
        return super().get_group_name(dbt_resource_props)


@functools.cache
def _partner_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=PartnerDbtTranslator(),
    )
    def partner_dbt_assets(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, partner: PartnerSettings
    ):
        settings = partner.settings()
        start_importing_gx()  # for the checks after dbt: meanwhile this process mostly waits
        if settings.engine == "spark":
            yield from build_on_spark(dbt, context, settings)
            return
        dropped = drop_dbt_relations(settings.build_path, project.manifest_path)
        context.log.info(f"dropped {dropped} relations of last night's build: dbt rebuilds them")
        yield from stream_dbt(dbt, context, settings, dbt_build_args(settings))

    return partner_dbt_assets


def __getattr__(name: str):
    # `from dagster_project.dbt import partner_dbt_assets` builds it then, not at this import
    if name == "partner_dbt_assets":
        return _partner_dbt_assets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# the kind Dagster's UI draws for each exposure type of dbt/models/marts/_exposures.yml
EXPOSURE_KINDS = {"dashboard": "streamlit", "notebook": "jupyter"}


@functools.cache
def _exposure_specs() -> tuple[dg.AssetSpec, ...]:
    project = dbt_project()
    manifest = json.loads(project.manifest_path.read_text())
    translator = PartnerDbtTranslator()
    specs = []
    for exposure in manifest.get("exposures", {}).values():
        url = exposure.get("url")
        specs.append(
            dg.AssetSpec(
                dg.AssetKey(["exposures", exposure["name"]]),
                deps=[
                    translator.get_asset_spec(manifest, node, project).key
                    for node in exposure["depends_on"]["nodes"]
                ],
                description=exposure.get("description"),
                group_name="exposures",
                kinds={EXPOSURE_KINDS.get(exposure["type"], exposure["type"])},
                metadata={"url": dg.MetadataValue.url(url)} if url else None,
            )
        )
    return tuple(specs)


def exposure_specs() -> list[dg.AssetSpec]:
    """The dbt exposures (dashboard pages, notebooks) as assets nothing materialises, downstream
    of the marts they read, so Dagster's lineage ends where dbt's does: with who reads what
    (dagster-dbt 0.29 does not map exposures itself)."""
    return list(_exposure_specs())


class PartnerDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two things it does before every dbt command, which
    cost a run about 16 s on this 2-core machine (a nightly run of the hand-made fixture takes
    about a minute) and give this project nothing:
    * `dbt --version` in a subprocess, to learn the version of the dbt it runs: dbt-core is
      installed here, its version is in the package metadata;
    * a dbt adapter set up in this process (profile, project, adapter, dbt's own macros), used
      only by `fetch_row_counts()` and `fetch_column_metadata()`, which this project does not
      call. Without it dagster-dbt does what it does for dbt Fusion, which has none."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    return PartnerDbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
