"""Write the dbt source declarations from the one entity declaration.

`python -m dagster_project.ingest.dbt_sources` rewrites
dbt/models/staging/<source>/_<source>__sources.yml; a test fails when the committed files
differ from what this renders, so the two never drift.
"""

from __future__ import annotations

from pathlib import Path

from dagster_project.ingest.entities import LINEAGE_COLUMNS, SOURCES, entities_of
from dagster_project.settings import DBT_PROJECT_DIR

HEADER = (
    "# Generated from dagster_project/ingest/entities.py"
    " by `python -m dagster_project.ingest.dbt_sources`.\n"
)


def render(source: str) -> str:
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
        lines.append(f"          meta: {{key: [{', '.join(ent.key)}]}}")
        lines.append("        columns:")
        for col in ent.all_columns:
            lines.append(f"          - name: {col.name}")
            lines.append(f"            data_type: {col.duckdb_type.lower()}")
        for name, sql_type in LINEAGE_COLUMNS:
            lines.append(f"          - name: {name}")
            lines.append(f"            data_type: {sql_type.lower()}")
    return "\n".join(lines) + "\n"


def path_for(source: str, dbt_dir: Path = DBT_PROJECT_DIR) -> Path:
    return dbt_dir / "models" / "staging" / source / f"_{source}__sources.yml"


def main() -> None:
    for source in SOURCES:
        path = path_for(source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(source))
        print(f"wrote {path.relative_to(DBT_PROJECT_DIR.parent)}")


if __name__ == "__main__":
    main()
