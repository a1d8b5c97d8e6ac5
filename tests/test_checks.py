"""The Great Expectations suites catch what they are there to catch (real GX, tiny frames)."""

import pandas as pd
import pytest

from dagster_project.checks.marts import SUITES, validate

SUITE = {suite.model: suite for suite in SUITES}


def _line(**overrides) -> dict:
    row = {
        "opportunity_id": "O1",
        "line_kind": "opportunity",
        "source_rule": None,
        "touching_partner_count": 0,
        "amount_usd": 100.0,
        "opportunity_amount_usd": 100.0,
        "revenue_usd": 100.0,
        "unconverted_flag_matches": True,
        "sourced_is_influenced": True,
        "rule_matches_partner": True,
    }
    return row | overrides


def test_clean_revenue_lines_pass():
    frame = pd.DataFrame([_line(), _line(opportunity_id="O2", source_rule="referral")])
    passed, failures = validate(frame, SUITE["fct_opportunity_partner"])
    assert passed and failures == {}


@pytest.mark.parametrize(
    ("bad_row", "failed_expectation"),
    [
        (_line(opportunity_id="O1"), "expect_column_values_to_be_unique(opportunity_id)"),
        (
            _line(opportunity_id="O2", line_kind="lead"),
            "expect_column_values_to_be_in_set(line_kind)",
        ),
        (
            _line(opportunity_id="O2", amount_usd=-5.0, opportunity_amount_usd=-5.0),
            "expect_column_values_to_be_between(opportunity_amount_usd)",
        ),
        (
            _line(opportunity_id="O2", sourced_is_influenced=False),
            "expect_column_values_to_be_in_set(sourced_is_influenced)",
        ),
    ],
)
def test_broken_revenue_lines_fail_naming_the_expectation(bad_row, failed_expectation):
    passed, failures = validate(pd.DataFrame([_line(), bad_row]), SUITE["fct_opportunity_partner"])
    assert not passed
    assert failed_expectation in failures


def test_a_marketplace_refund_may_be_negative():
    refund = _line(
        opportunity_id="marketplace:T1",
        line_kind="marketplace_only",
        amount_usd=-50.0,
        opportunity_amount_usd=None,
    )
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
    assert "expect_column_values_to_be_between(max_credit_error)" in failures


def test_mdf_without_roi_warns_with_the_request_and_its_reasons():
    suite = SUITE["fct_mdf_roi"]
    assert not suite.blocking
    frame = pd.DataFrame({"flagged_request": [None, "R7: no_campaign, no_results"]})
    passed, failures = validate(frame, suite)
    assert not passed
    assert (
        "R7: no_campaign, no_results"
        in failures["expect_column_values_to_be_null(flagged_request)"]
    )
