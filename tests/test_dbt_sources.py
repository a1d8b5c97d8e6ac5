"""The dbt sources and staging-model declarations are generated from the one entity declaration
and must not drift from it."""

from dagster_project.ingest.dbt_sources import models_path_for, path_for, render, render_models
from dagster_project.ingest.entities import ENTITIES, SOURCES
from dagster_project.settings import DBT_PROJECT_DIR

STALE = "is stale: run `uv run python -m dagster_project.ingest.dbt_sources`"


def test_committed_dbt_sources_match_the_entity_declaration():
    for source in SOURCES:
        assert path_for(source).read_text() == render(source), f"{path_for(source)} {STALE}"


def test_committed_staging_model_declarations_match_the_entity_declaration():
    for source in SOURCES:
        path = models_path_for(source)
        assert path.read_text() == render_models(source), f"{path} {STALE}"


def test_every_entity_has_exactly_one_staging_model_and_nothing_else_is_staged():
    staged = {p.stem for p in (DBT_PROJECT_DIR / "models" / "staging").glob("*/stg_*.sql")}
    declared = {f"stg_{e.source}__{e.name}" for e in ENTITIES}
    assert staged == declared


def test_the_sources_carry_the_key_and_the_raw_asset_of_each_entity():
    crm = render("crm")
    assert "            key: [opportunity_id]\n" in crm
    assert "            dagster: {asset_key: [raw, crm__opportunities]}\n" in crm
    fx_models = render_models("reference")
    assert "columns: [rate_date, currency]" in fx_models
