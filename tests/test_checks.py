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
from dagster_project.ingest.entities import ENTITIES, PARTNER_TYPES
from dagster_project.jobs import run_nightly
from dagster_project.settings import DBT_PROJECT_DIR, Settings

# a mart's blocking invariants (unnamed), its other blocking suites by name, the warning suites
SUITE = {suite.model: suite for suite in SUITES if suite.blocking and not suite.name}
NAMED = {suite.name: suite for suite in SUITES if suite.blocking and suite.name}
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


def test_a_relationship_to_a_seed_becomes_the_seeds_values():
    node = _test_node("relationships", to="ref('kinds')", field="kind")
    node["depends_on"] = {"nodes": ["seed.project.kinds", "model.project.m"]}
    read = {("seed.project.kinds", "kind"): ["a", "b"]}
    assert expectations_from_test(node, lambda seed, column: read[seed, column]) == [
        ("ExpectColumnValuesToBeInSet", {"column": "c", "value_set": ["a", "b"]})
    ]
    # to a model: no GX counterpart (the warehouse would be needed); without a reader: none
    node["depends_on"] = {"nodes": ["model.project.other", "model.project.m"]}
    assert expectations_from_test(node, lambda seed, column: read[seed, column]) == []


# the five partner types of METRICS.md section 1, in the seed's order
FIVE_TYPES = ["technology", "affiliate", "reseller", "strategic_alliance", "oem"]


def test_the_partner_types_have_one_home_the_seed():
    """dbt/seeds/partner_types.csv lists the types: the landing contract reads it, dim_partners'
    relationship test points at it, and the GX suite takes the seed's values from the manifest."""
    assert list(PARTNER_TYPES) == FIVE_TYPES
    partners = next(e for e in ENTITIES if e.qualified_name == "crm/partners")
    assert partners.column("partner_type").domain == tuple(FIVE_TYPES)
    manifest = json.loads(dbt_project().manifest_path.read_text())
    type_rules = [
        kwargs["value_set"]
        for name, kwargs in column_rules(manifest, "dim_partners", DBT_PROJECT_DIR)
        if kwargs["column"] == "partner_type" and name == "ExpectColumnValuesToBeInSet"
    ]
    assert type_rules == [FIVE_TYPES]


def test_no_hand_written_suite_repeats_a_column_rule_of_dbt():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    for suite in SUITES:
        ruled = {
            kwargs["column"] for _, kwargs in column_rules(manifest, suite.model, DBT_PROJECT_DIR)
        }
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


def test_a_currency_whose_rate_jumps_tenfold_between_valuation_dates_fails_naming_it():
    """Rates worked by hand: EUR 1.10 then 2.20 then 10.99 move by 2 and 4.995 (plausible, if
    wild); then 109.9, a rate with its decimal point lost, moves by exactly 10."""
    suite = NAMED["fx_rates"]
    con = duckdb.connect()
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_opportunity_partner"
            " (currency varchar, valued_on date, fx_rate decimal(20, 10))"
        )
        con.execute(
            "insert into marts.fct_opportunity_partner values ('USD', '2026-01-01', 1.0),"
            " ('EUR', '2026-01-01', 1.10), ('EUR', '2026-02-01', 2.20),"
            " ('EUR', '2026-02-01', 2.20), ('EUR', '2026-03-01', 10.99), ('GBP', null, null)"
        )
        assert validate(con.execute(suite.query).df(), suite) == (True, {})
        con.execute("insert into marts.fct_opportunity_partner values ('EUR', '2026-04-01', 109.9)")
        passed, failures = validate(con.execute(suite.query).df(), suite)
    finally:
        con.close()
    assert not passed
    assert failures == {
        "expect_column_values_to_be_null(implausible_fx_rates)": (
            "1 unexpected, e.g. ['EUR: 10.99 to 109.9']"
        )
    }


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


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_gx_suite_stops_the_run_before_publishing(good_run, fixtures_dir, tmp_path):
    """The fixture again, with one row added to its FX file: EUR at 110 from 2026-06-01, the 1.10
    of January with its decimal point lost. Ingest takes it (a positive rate), dbt's tests pass;
    O3 (EUR, won 2026-06-10) converts at 110 while O2 (won 2026-02-10) converted at 1.10, and the
    GX suite on the FX rates blocks the publish: the warehouse readers see is untouched."""
    settings, succeeded, checks = good_run
    assert succeeded
    assert checks[("marts/fct_opportunity_partner", "gx_fct_opportunity_partner")].passed

    landing = tmp_path / "landing"
    shutil.copytree(settings.landing_dir, landing)
    shutil.copytree(fixtures_dir / "checks" / "broken_fx_rate", landing, dirs_exist_ok=True)
    broken = dataclasses.replace(
        settings, landing_dir=landing, warehouse=tmp_path / "warehouse.duckdb"
    )
    shutil.copyfile(settings.warehouse, broken.warehouse)  # the last good publish
    before = _digest(broken.warehouse)

    assert not _run_recorded(broken, tmp_path / "dagster_home")

    assert _digest(broken.warehouse) == before
    checks = _latest_run_checks(tmp_path / "dagster_home")
    blocking_failures = {
        key: ev
        for key, ev in checks.items()
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR
    }
    assert set(blocking_failures) == {
        ("marts/fct_opportunity_partner", "gx_fct_opportunity_partner"),
    }
    evaluation = blocking_failures[("marts/fct_opportunity_partner", "gx_fct_opportunity_partner")]
    assert evaluation.metadata["expect_column_values_to_be_null(implausible_fx_rates)"].value == (
        "1 unexpected, e.g. ['EUR: 1.1 to 110.0']"
    )
    # nothing else failed that the good run passed: ingest and every dbt test took the rate
    failed = {key for key, ev in checks.items() if not ev.passed}
    assert failed == {
        ("marts/fct_mdf_roi", "mdf_without_roi"),
        ("raw/crm__campaigns", "landing_files_usable"),
        ("marts/fct_opportunity_partner", "gx_fct_opportunity_partner"),
    }
