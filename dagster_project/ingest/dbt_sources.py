"""Write the dbt source and staging-model declarations from the one entity declaration.

`python -m dagster_project.ingest.dbt_sources` rewrites, per source system,
dbt/models/staging/<source>/_<source>__sources.yml (the raw tables, their key and their Dagster
asset) and _<source>__models.yml (each staging model, with its key tested unique and not null);
a test fails when the committed files differ from what this renders, so they never drift.
"""

from __future__ import annotations

from pathlib import Path

from dagster_project.ingest.entities import LINEAGE_COLUMNS, SOURCES, Entity, entities_of
from dagster_project.settings import DBT_PROJECT_DIR

HEADER = (
    "# Generated from dagster_project/ingest/entities.py"
    " by `python -m dagster_project.ingest.dbt_sources`.\n"
)


def staging_model(ent: Entity) -> str:
    return f"stg_{ent.source}__{ent.name}"


def render(source: str) -> str:
    """The dbt sources of one source system: its raw tables, each with its key in `meta.key`
    (read by macros/latest_version.sql) and the Dagster asset that writes it."""
    lines = [HEADER, "version: 2", "", "sources:", f"  - name: {source}", "    schema: raw"]
    lines.append(
        f"    description: Exports of the {source} tools, every version the ingest step loaded."
    )
    lines.append("    tables:")
    for ent in entities_of(source):
        lines.append(f"      - name: {ent.name}")
        lines.append(f"        identifier: {ent.raw_table}")
        lines.append(f'        description: "{ent.qualified_name}; key: {", ".join(ent.key)}"')
        lines.append("        config:")
        lines.append("          meta:")
        lines.append(f"            key: [{', '.join(ent.key)}]")
        lines.append(f"            dagster: {{asset_key: [raw, {ent.raw_table}]}}")
        lines.append("        columns:")
        for col in ent.all_columns:
            lines.append(f"          - name: {col.name}")
            lines.append(f"            data_type: {col.duckdb_type.lower()}")
        for name, sql_type in LINEAGE_COLUMNS:
            lines.append(f"          - name: {name}")
            lines.append(f"            data_type: {sql_type.lower()}")
    return "\n".join(lines) + "\n"


def render_models(source: str) -> str:
    """The staging models of one source system, one per entity: one row per key is tested."""
    lines = [HEADER, "version: 2", "", "models:"]
    for ent in entities_of(source):
        key = ", ".join(ent.key)
        grain = key if len(ent.key) == 1 else f"({key})"
        lines.append(f"  - name: {staging_model(ent)}")
        lines.append(
            f'    description: "The current {ent.qualified_name} records as of D, one row per'
            f" {grain}: the latest version in the exports dated on or before D"
            ' (macros/latest_version.sql), deleted records dropped, columns typed."'
        )
        if len(ent.key) > 1:
            lines.append("    data_tests:")
            lines.append("      - unique_combination:")
            lines.append("          arguments:")
            lines.append(f"            columns: [{key}]")
        lines.append("    columns:")
        for name in ent.key:
            if not ent.column(name).required:
                # an optional key part (the crosswalk's tool): empty means "every tool"
                continue
            tests = "[unique, not_null]" if len(ent.key) == 1 else "[not_null]"
            lines.append(f"      - name: {name}")
            lines.append(f"        data_tests: {tests}")
    return "\n".join(lines) + "\n"


def path_for(source: str, dbt_dir: Path = DBT_PROJECT_DIR) -> Path:
    return dbt_dir / "models" / "staging" / source / f"_{source}__sources.yml"


def models_path_for(source: str, dbt_dir: Path = DBT_PROJECT_DIR) -> Path:
    return dbt_dir / "models" / "staging" / source / f"_{source}__models.yml"


def main() -> None:
    for source in SOURCES:
        for path, text in (
            (path_for(source), render(source)),
            (models_path_for(source), render_models(source)),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(DBT_PROJECT_DIR.parent)}")


if __name__ == "__main__":
    main()
