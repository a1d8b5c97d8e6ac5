"""The GX suites: column rules taken from dbt's manifest, hand-written invariants, and both at work
in real nightly runs (a failing blocking suite stops the publish; a failing warning does not)."""

import dataclasses
import datetime as dt
import hashlib
import json
import shutil

import dagster as dg
import duckdb
import pandas as pd
import pytest

from dagster_project.checks.dbt_rules import column_rules, expectations_from_test
from dagster_project.checks.marts import SUITES, column_rules_suite, validate
from dagster_project.dbt import dbt_project
from dagster_project.ingest.entities import PARTNER_TYPES
from dagster_project.jobs import run_nightly
from dagster_project.settings import Settings

SUITE = {suite.model: suite for suite in SUITES if suite.blocking}
WARNING = {suite.name: suite for suite in SUITES if not suite.blocking}


def _test_node(name: str, column: str | None = "c", model: str = "m", **kwargs) -> dict:
    """A dbt data test node as the manifest holds it (only the fields the mapping reads)."""
    config = {"severity": "ERROR", "where": None, "enabled": True}
    config |= kwargs.pop("config", {})
    return {
        "resource_type": "test",
        "attached_node": f"model.project.{model}",
        "column_name": column,
        "config": config,
        "test_metadata": {
            "name": name,
            "namespace": kwargs.pop("namespace", None),
            "kwargs": {"column_name": column, "model": "{{ ref('m') }}", **kwargs},
        },
    }


@pytest.mark.parametrize(
    ("node", "expectation"),
    [
        (_test_node("unique"), ("ExpectColumnValuesToBeUnique", {"column": "c"})),
        (_test_node("not_null"), ("ExpectColumnValuesToNotBeNull", {"column": "c"})),
        (
            _test_node("accepted_values", values=["a", "b"]),
            ("ExpectColumnValuesToBeInSet", {"column": "c", "value_set": ["a", "b"]}),
        ),
        (
            _test_node("between", min_value=0),
            ("ExpectColumnValuesToBeBetween", {"column": "c", "min_value": 0}),
        ),
        (
            _test_node("between", min_value=-100, max_value=100),
            (
                "ExpectColumnValuesToBeBetween",
                {"column": "c", "min_value": -100, "max_value": 100},
            ),
        ),
    ],
)
def test_a_dbt_column_test_becomes_the_same_gx_expectation(node, expectation):
    assert expectations_from_test(node) == [expectation]


@pytest.mark.parametrize(
    "node",
    [
        _test_node("unique", config={"where": "c > 0"}),  # holds only on some rows
        _test_node("unique", config={"severity": "warn"}),  # must not block a run
        _test_node("unique", config={"enabled": False}),
        _test_node("unique", namespace="dbt_utils"),  # another package's test of that name
        _test_node("relationships", to="ref('x')", field="id"),  # no GX counterpart here
        _test_node("unique", column=None),  # a model-level test
        {"resource_type": "test", "column_name": None, "config": {}},  # a singular test
    ],
)
def test_a_test_that_is_no_plain_column_rule_is_left_out(node):
    assert expectations_from_test(node) == []


def test_the_column_rules_of_a_model_are_its_own_tests_only():
    manifest = {
        "nodes": {
            "model.project.m": {"resource_type": "model", "name": "m"},
            "model.project.other": {"resource_type": "model", "name": "other"},
            "t1": _test_node("unique", column="id"),
            "t2": _test_node("between", column="rate", min_value=0, max_value=1),
            "t3": _test_node("not_null", column="id", model="other"),
        }
    }
    assert column_rules(manifest, "m") == [
        ("ExpectColumnValuesToBeUnique", {"column": "id"}),
        ("ExpectColumnValuesToBeBetween", {"column": "rate", "min_value": 0, "max_value": 1}),
    ]
    suite = column_rules_suite(manifest, "m")
    assert suite.query == 'select "id", "rate" from marts."m"'

    clean = pd.DataFrame({"id": ["a", "b"], "rate": [0.0, 1.0]})
    assert validate(clean, suite) == (True, {})
    broken = pd.DataFrame({"id": ["a", "a"], "rate": [0.5, 1.5]})
    passed, failures = validate(broken, suite)
    assert not passed
    assert set(failures) == {
        "expect_column_values_to_be_unique(id)",
        "expect_column_values_to_be_between(rate)",
    }
    assert failures["expect_column_values_to_be_between(rate)"] == "1 unexpected, e.g. [1.5]"


def test_the_marts_partner_types_are_those_of_the_landing_contract():
    """The five partner types: the landing contract (entities.py) is their home; the mart rule in
    _marts__models.yml, which the GX suite takes from the manifest, must name the same ones."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    type_rules = [
        kwargs["value_set"]
        for name, kwargs in column_rules(manifest, "dim_partners")
        if kwargs["column"] == "partner_type" and name == "ExpectColumnValuesToBeInSet"
    ]
    assert type_rules == [list(PARTNER_TYPES)]


def test_no_hand_written_suite_repeats_a_column_rule_of_dbt():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    for suite in SUITES:
        ruled = {kwargs["column"] for _, kwargs in column_rules(manifest, suite.model)}
        written = {kwargs["column"] for _, kwargs in suite.expectations}
        assert not ruled & written, suite.model


def _line(**overrides) -> dict:
    row = {
        "opportunity_id": "O1",
        "opportunity_amount_usd": 100.0,
        "unconverted_flag_matches": True,
        "sourced_is_influenced": True,
        "rule_matches_partner": True,
    }
    return row | overrides


@pytest.mark.parametrize(
    ("bad_row", "failed_expectation"),
    [
        (
            _line(opportunity_id="O2", opportunity_amount_usd=-5.0),
            "expect_column_values_to_be_between(opportunity_amount_usd)",
        ),
        (
            _line(opportunity_id="O2", sourced_is_influenced=False),
            "expect_column_values_to_be_in_set(sourced_is_influenced)",
        ),
    ],
)
def test_broken_revenue_lines_fail_naming_the_expectation(bad_row, failed_expectation):
    suite = SUITE["fct_opportunity_partner"]
    assert validate(pd.DataFrame([_line()]), suite) == (True, {})
    passed, failures = validate(pd.DataFrame([_line(), bad_row]), suite)
    assert not passed
    assert list(failures) == [failed_expectation]


def test_a_marketplace_refund_may_be_negative():
    # a refund's amount is no opportunity amount (the suite's query leaves it empty)
    refund = _line(opportunity_id="marketplace:T1", opportunity_amount_usd=None)
    passed, _ = validate(pd.DataFrame([_line(), refund]), SUITE["fct_opportunity_partner"])
    assert passed


def test_credits_that_do_not_sum_to_one_fail():
    frame = pd.DataFrame(
        [
            {"opportunity_id": "O1", "max_credit_error": 0.0, "revenue_adds_up": True},
            {"opportunity_id": "O2", "max_credit_error": 0.2, "revenue_adds_up": True},
        ]
    )
    passed, failures = validate(frame, SUITE["fct_partner_attribution"])
    assert not passed
    assert list(failures) == ["expect_column_values_to_be_between(max_credit_error)"]


def test_mdf_without_roi_warns_with_the_request_and_its_reasons():
    frame = pd.DataFrame({"flagged_request": [None, "R7: no_campaign, no_results"]})
    passed, failures = validate(frame, WARNING["mdf_without_roi"])
    assert not passed
    assert failures == {
        "expect_column_values_to_be_null(flagged_request)": (
            "1 unexpected, e.g. ['R7: no_campaign, no_results']"
        )
    }


# --- Through Dagster: real nightly runs on tests/fixtures/checks (see its README) ---------------

AS_OF = dt.date(2026, 6, 30)


def _latest_run_checks(home) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    """Every check evaluation of the latest run in the Dagster instance at `home`."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run_id = instance.get_run_records(limit=1)[0].dagster_run.run_id
        records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [record.dagster_event.event_specific_data for record in records]
    return {(ev.asset_key.to_user_string(), ev.check_name): ev for ev in evaluations}


def _run_recorded(settings: Settings, home, definitions=None) -> bool:
    """run_nightly with a Dagster instance at `home`, so the run's check results can be read."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        return run_nightly(settings, definitions=definitions)


@pytest.fixture(scope="module")
def good_run(fixtures_dir, tmp_path_factory):
    """The nightly run on the fixture with the project's own rules: (settings, success, checks)."""
    folder = tmp_path_factory.mktemp("checks")
    settings = Settings(
        landing_dir=fixtures_dir / "checks" / "landing",
        warehouse=folder / "warehouse.duckdb",
        as_of=AS_OF,
    )
    succeeded = _run_recorded(settings, folder / "dagster_home")
    return settings, succeeded, _latest_run_checks(folder / "dagster_home")


def test_failing_warning_checks_let_the_run_publish(good_run):
    settings, succeeded, checks = good_run
    assert succeeded
    assert settings.warehouse.exists() and not settings.build_path.exists()

    # R1 spent 500.00 on no campaign: MDF without ROI
    mdf = checks[("marts/fct_mdf_roi", "mdf_without_roi")]
    assert (mdf.passed, mdf.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert mdf.metadata["expect_column_values_to_be_null(flagged_request)"].value == (
        "1 unexpected, e.g. ['R1: no_campaign']"
    )
    # campaigns.csv lacks the required campaign_name: rejected whole
    usable = checks[("raw/crm__campaigns", "landing_files_usable")]
    assert (usable.passed, usable.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert "crm/2026-06-30/campaigns.csv: required column missing: campaign_name" in (
        usable.metadata["problems"].value
    )
    # everything else passed, every mart's blocking GX suite included
    failed = {key for key, ev in checks.items() if not ev.passed}
    assert failed == {
        ("marts/fct_mdf_roi", "mdf_without_roi"),
        ("raw/crm__campaigns", "landing_files_usable"),
    }
    assert {key for key in checks if key[1].startswith("gx_")} == {
        (f"marts/{mart}", f"gx_{mart}")
        for mart in (
            "dim_partners",
            "fct_mdf_roi",
            "fct_opportunity_partner",
            "fct_partner_attribution",
            "fct_partner_flags",
            "program_kpis",
            "program_tier_kpis",
            "partner_type_kpis",
            "partner_scorecard",
            "fct_credit_trail",
            "fct_line_touches",
        )
    }


def _definitions_with_dbt_vars(**overrides) -> dg.Definitions:
    """The project's definitions, whose dbt build overrides program rules (dbt_project.yml vars)
    on the command line, the way a person would misconfigure them."""
    from dagster_dbt import DbtCliResource, dbt_assets

    from dagster_project.dbt import (
        PartnerDbtTranslator,
        dbt_build_args,
        partner_dbt_assets,
        stream_dbt,
    )
    from dagster_project.definitions import defs
    from dagster_project.resources import PartnerSettings

    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=PartnerDbtTranslator(),
    )
    def misconfigured_dbt_assets(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, partner: PartnerSettings
    ):
        settings = partner.settings()
        args = [*dbt_build_args(settings), "--vars", json.dumps(overrides)]
        yield from stream_dbt(dbt, context, settings, args)

    return dg.Definitions(
        assets=[
            misconfigured_dbt_assets if asset is partner_dbt_assets else asset
            for asset in defs.assets
        ],
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        resources=defs.resources,
    )


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_gx_suite_stops_the_run_before_publishing(good_run, tmp_path):
    """Position-based weights of 0.7 + 0.7 leave -0.4 for O1's middle touch (P2): its credit row is
    dropped (only credits above 0 are kept), so P1 and P3 hold 0.7 + 0.7 = 1.4 of the line under
    position_based and program. No dbt test looks across rows; the GX suite does, and blocks."""
    settings, succeeded, checks = good_run
    # with the project's weights O1's position-based credits are 0.4, 0.2, 0.4 and the suite passes
    assert succeeded
    assert checks[("marts/fct_partner_attribution", "gx_fct_partner_attribution")].passed
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        credits = con.execute(
            "select partner_id, credit from marts.fct_partner_attribution "
            "where opportunity_id = 'O1' and model = 'position_based' order by partner_id"
        ).fetchall()
    finally:
        con.close()
    assert credits == [
        ("P1", pytest.approx(0.4)),
        ("P2", pytest.approx(0.2)),
        ("P3", pytest.approx(0.4)),
    ]
    served = dataclasses.replace(settings, warehouse=tmp_path / "warehouse.duckdb")
    shutil.copyfile(settings.warehouse, served.warehouse)
    before = _digest(served.warehouse)

    misconfigured = _definitions_with_dbt_vars(
        position_based_first_weight=0.7, position_based_last_weight=0.7
    )
    assert not _run_recorded(served, tmp_path / "dagster_home", definitions=misconfigured)

    assert _digest(served.warehouse) == before
    checks = _latest_run_checks(tmp_path / "dagster_home")
    blocking_failures = {
        key: ev
        for key, ev in checks.items()
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR
    }
    # the GX suite and the reconciliation of the line's credited revenue both see it
    assert set(blocking_failures) == {
        ("marts/fct_partner_attribution", "gx_fct_partner_attribution"),
        ("marts/fct_partner_attribution", "credits_add_up_to_line_revenue"),
    }
    reconciliation = blocking_failures[
        ("marts/fct_partner_attribution", "credits_add_up_to_line_revenue")
    ]
    assert "O1" in (reconciliation.description or "") + str(reconciliation.metadata)
    evaluation = blocking_failures[("marts/fct_partner_attribution", "gx_fct_partner_attribution")]
    credit_error = evaluation.metadata["expect_column_values_to_be_between(max_credit_error)"]
    assert credit_error.value.startswith("1 unexpected, e.g. [0.3999")  # |1.4 - 1|
