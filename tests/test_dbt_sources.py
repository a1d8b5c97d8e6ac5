"""The dbt sources are generated from the one entity declaration and must not drift from it."""

from dagster_project.ingest.dbt_sources import path_for, render
from dagster_project.ingest.entities import SOURCES


def test_committed_dbt_sources_match_the_entity_declaration():
    for source in SOURCES:
        assert path_for(source).read_text() == render(source), (
            f"{path_for(source)} is stale: "
            "run `uv run python -m dagster_project.ingest.dbt_sources`"
        )
