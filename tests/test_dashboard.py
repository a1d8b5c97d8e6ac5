"""Every dashboard page, run with Streamlit's AppTest on the sample warehouse, on an empty one and
without one; filters are checked against numbers queried from the marts directly."""

from __future__ import annotations

import json
import os
import shutil

import dagster as dg
import duckdb
import pytest
from dashboard_helpers import SAMPLE, SAMPLE_AS_OF, make_empty_program
from streamlit.testing.v1 import AppTest

from dagster_project.readers import connect_marts
from dagster_project.settings import Settings
from dashboard import warehouse

PAGES = ("program", "partners", "partner_types", "attribution", "mdf", "worklist", "health")
# pages whose content is charts (the worklist is a table)
CHARTED = ("program", "partners", "partner_types", "attribution", "mdf", "health")


@pytest.fixture(scope="module")
def sample(build_warehouse, tmp_path_factory):
    # AppTest runs the pages in this process, where DuckDB refuses a second configuration for a
    # file other tests hold open: the dashboard gets its own copy of the sample warehouse
    copy = tmp_path_factory.mktemp("dashboard") / "warehouse.duckdb"
    shutil.copyfile(build_warehouse(SAMPLE, SAMPLE_AS_OF), copy)
    return copy


@pytest.fixture(scope="module")
def empty(sample, tmp_path_factory):
    return make_empty_program(sample, tmp_path_factory.mktemp("empty") / "warehouse.duckdb")


@pytest.fixture
def sql(sample):
    con = connect_marts(Settings(landing_dir=SAMPLE, warehouse=sample, as_of=None))
    yield lambda text, params=None: con.execute(text, params or []).fetchall()
    con.close()


def page(name: str, warehouse_file, monkeypatch) -> AppTest:
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(warehouse_file))
    app = AppTest.from_string(
        f"from dashboard.views import {name}\n{name}.render()", default_timeout=60
    )
    return app.run()


def shown(app: AppTest) -> str:
    return " ".join(
        str(element.value) for kind in (app.caption, app.info, app.markdown) for element in kind
    )


@pytest.mark.parametrize("name", PAGES)
def test_each_page_renders_on_the_sample(name, sample, monkeypatch):
    app = page(name, sample, monkeypatch)
    assert not app.exception, [e.value for e in app.exception]
    assert f"as of **{SAMPLE_AS_OF}**" in app.caption[0].value
    if name in CHARTED:
        assert app.get("vega_lite_chart"), f"{name} shows no chart"
    else:
        assert app.dataframe


@pytest.mark.parametrize("name", PAGES)
def test_each_page_renders_on_an_empty_program(name, empty, monkeypatch):
    app = page(name, empty, monkeypatch)
    assert not app.exception, [e.value for e in app.exception]
    assert f"as of **{SAMPLE_AS_OF}**" in app.caption[0].value


@pytest.mark.parametrize("name", PAGES)
def test_without_a_warehouse_each_page_says_how_to_build_one(name, tmp_path, monkeypatch):
    app = page(name, tmp_path / "missing.duckdb", monkeypatch)
    assert not app.exception
    assert "make run" in app.info[0].value
    duckdb.connect(str(tmp_path / "no_marts.duckdb")).close()
    app = page(name, tmp_path / "no_marts.duckdb", monkeypatch)
    assert not app.exception
    assert "has no marts yet" in app.info[0].value


def test_program_headline_is_the_last_day_of_the_series(sample, sql, monkeypatch):
    ((sourced, activation),) = sql(
        "select sourced_share, activation_rate from marts.program_kpis "
        "order by as_of_date desc limit 1"
    )
    metrics = {m.label: m.value for m in page("program", sample, monkeypatch).metric}
    assert metrics["Partner-sourced share"] == f"{sourced:.1%}"
    assert metrics["Activation rate"] == f"{activation:.1%}"


def test_partner_filters_narrow_the_leaderboard(sample, sql, monkeypatch):
    app = page("partners", sample, monkeypatch)
    ((everyone,),) = sql("select count(*) from marts.dim_partners")
    assert app.caption[1].value == f"{everyone} partners match."
    app.multiselect(key="partners_partner_type").select("reseller").run()
    app.multiselect(key="partners_tier").select("gold").select("platinum").run()
    ((region,),) = sql("select min(region) from marts.dim_partners where partner_type = 'reseller'")
    app.multiselect(key="partners_region").select(region).run()
    ((expected,),) = sql(
        "select count(*) from marts.dim_partners "
        "where partner_type = 'reseller' and tier in ('gold', 'platinum') and region = ?",
        [region],
    )
    assert 0 < expected < everyone
    assert app.caption[1].value == f"{expected} partners match."
    assert len(app.dataframe[0].value) == expected
    assert not app.exception


def test_one_partner_page_shows_its_credit_under_each_model(sample, sql, monkeypatch):
    app = page("partners", sample, monkeypatch)
    ((partner_id, deals, program_credit),) = sql(
        """
        select partner_id, count(distinct opportunity_id),
               sum(credited_revenue_usd) filter (where model = 'program')
        from marts.fct_partner_attribution group by partner_id
        order by count(distinct opportunity_id) desc, partner_id limit 1
        """
    )
    app.selectbox(key="partner").select(partner_id).run()
    deals_table = app.dataframe[-2].value  # the last one is the chosen deal's credit trail
    assert len(deals_table) == deals
    assert float(deals_table["program"].sum()) == pytest.approx(float(program_credit))

    # the credit trail of the chosen deal adds up to the partner's credit on it, per model
    deal = app.selectbox(key="trail_deal").value
    credited = dict(
        sql(
            "select model, credited_revenue_usd from marts.fct_partner_attribution"
            " where partner_id = ? and opportunity_id = ?",
            [partner_id, deal],
        )
    )
    trail = app.dataframe[-1].value
    assert set(trail["model"]) == set(credited)
    for model, cents in trail.groupby("model")["credited_revenue_usd"].sum().items():
        assert float(cents) == pytest.approx(float(credited[model]))


def test_worklist_filter_and_money_at_stake(sample, sql, monkeypatch):
    app = page("worklist", sample, monkeypatch)
    app.multiselect(key="worklist_flag").select("inactive_partner").run()
    ((everyone, owner),) = sql(
        "select count(*), min(p.partner_manager) from marts.fct_partner_flags as f "
        "join marts.dim_partners as p using (partner_id) where f.flag = 'inactive_partner'"
    )
    assert len(app.dataframe[0].value) == everyone
    app.multiselect(key="worklist_owner").select(owner).run()
    ((count, at_stake),) = sql(
        "select count(*), coalesce(sum(f.amount_usd), 0) from marts.fct_partner_flags as f "
        "join marts.dim_partners as p using (partner_id) "
        "where f.flag = 'inactive_partner' and p.partner_manager = ?",
        [owner],
    )
    assert 0 < count < everyone
    assert count > 0
    assert len(app.dataframe[0].value) == count
    assert app.metric[0].value == f"${at_stake:,.0f}"


def test_attribution_by_type_adds_up_per_model(sample, sql, monkeypatch):
    app = page("attribution", sample, monkeypatch)
    expected = dict(
        sql(
            """
            select p.partner_type, sum(a.credited_revenue_usd)
            from marts.fct_partner_attribution as a join marts.dim_partners as p using (partner_id)
            where a.model = 'linear' and a.is_won
              and a.close_date > date '2026-11-27' - 365 and a.close_date <= date '2026-11-27'
            group by 1
            """
        )
    )
    table = app.dataframe[0].value
    for partner_type, revenue in expected.items():
        assert float(table.loc[partner_type, "linear"]) == pytest.approx(float(revenue), abs=0.01)


def test_partner_types_show_each_types_time_to_value(sample, sql, monkeypatch):
    expected = dict(sql("select partner_type, overdue from marts.partner_type_kpis"))
    table = page("partner_types", sample, monkeypatch).dataframe[0].value
    assert dict(zip(table.partner_type, table.overdue, strict=True)) == expected


def test_mdf_counts_the_flagged_requests(sample, sql, monkeypatch):
    ((flagged,),) = sql("select count(*) from marts.fct_mdf_roi where is_flagged")
    metrics = {m.label: m.value for m in page("mdf", sample, monkeypatch).metric}
    assert metrics["Flagged requests"] == str(flagged)


def test_a_newly_published_warehouse_is_read_without_a_restart(sample, tmp_path, monkeypatch):
    served = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample, served)
    monkeypatch.setenv("PARTNER_WAREHOUSE", str(served))
    assert str(warehouse.as_of_date()) == SAMPLE_AS_OF
    # the next run's file, published the way publish.py does it: renamed onto the served path
    building = tmp_path / ".warehouse.duckdb.building"
    shutil.copyfile(sample, building)
    con = duckdb.connect(str(building))
    con.execute("delete from marts.program_kpis where as_of_date = ?", [SAMPLE_AS_OF])
    con.close()
    os.replace(building, served)
    assert str(warehouse.as_of_date()) == "2026-11-26"


def test_exposures_declare_the_marts_each_page_and_notebook_reads():
    import json
    import re

    from dagster_project.settings import DBT_PROJECT_DIR, PROJECT_ROOT

    # the manifest `make setup` parses (dbt parse) before the tests
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    declared = {
        exposure["name"]: {node.rsplit(".", 1)[1] for node in exposure["depends_on"]["nodes"]}
        for exposure in manifest["exposures"].values()
    }
    readers = {f"dashboard_{name}": f"dashboard/views/{name}.py" for name in PAGES}
    readers["dashboard_data_health"] = readers.pop("dashboard_health")
    for stem in ("program_review", "attribution_models", "mdf_and_flags"):
        readers[f"notebook_{stem}"] = f"notebooks/{stem}.ipynb"
    assert set(declared) == set(readers)
    for exposure, path in readers.items():
        read = set(re.findall(r"(?<!\w)marts\.(\w+)", (PROJECT_ROOT / path).read_text()))
        if exposure == "dashboard_data_health":
            read.add("program_kpis")  # the as-of date every page shows
        assert declared[exposure] >= read, (exposure, read - declared[exposure])

    # Dagster's lineage shows them too, downstream of the same marts
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    for exposure, marts in declared.items():
        parents = graph.get(dg.AssetKey(["exposures", exposure])).parent_keys
        assert {key.path[-1] for key in parents} == marts, exposure


def test_health_page_shows_every_check_of_the_published_run(sample, sql, monkeypatch):
    from dagster_project.definitions import defs

    defined = {
        (key.asset_key.to_user_string(), key.name)
        for key in defs.resolve_asset_graph().asset_check_keys
    }
    recorded = sql("select asset, check_name, passed, severity from audit.check_results")
    assert {(asset, name) for asset, name, _, _ in recorded} == defined
    assert len(recorded) == len(defined)  # one run published this warehouse: one result each
    # published, so no ERROR check failed; the sample has MDF requests without ROI (a warning)
    assert not [row for row in recorded if not row[2] and row[3] == "ERROR"]
    mdf = [row[2:] for row in recorded if row[1] == "mdf_without_roi"]
    assert mdf == [(False, "WARN")], recorded

    app = page("health", sample, monkeypatch)
    assert not app.exception
    assert f"The last run's {len(defined)} checks" in shown(app)
    last_run = next(frame.value for frame in app.dataframe if "check_name" in frame.value.columns)
    assert last_run.iloc[0]["check_name"] == "mdf_without_roi"  # what did not pass comes first


def test_health_freshness_labels_every_source_even_one_delivered_today(sample, sql, monkeypatch):
    # worked out from the load log itself: the as-of date minus each source's newest export
    expected = dict(
        sql(
            "select source, datediff('day', max(export_date), ?::date) from audit.load_log "
            "where status <> 'rejected' group by source",
            [SAMPLE_AS_OF],
        )
    )
    assert 0 in expected.values()  # a bar of length zero: only its label shows it
    app = page("health", sample, monkeypatch)
    assert not app.exception
    chart = next(c for c in app.get("vega_lite_chart") if "days_since_export" in c.proto.spec)
    spec = json.loads(chart.proto.spec)
    assert sorted(layer["mark"]["type"] for layer in spec["layer"]) == ["bar", "text"]
    assert spec["layer"][1]["encoding"]["text"]["field"] == "days_since_export"
    freshness = next(f.value for f in app.dataframe if "days_since_export" in f.value.columns)
    assert dict(zip(freshness["source"], freshness["days_since_export"], strict=True)) == expected
