"""Great Expectations suites on the marts, run as blocking Dagster asset checks.

Each suite reads one frame from the build warehouse (a mart, or a per-line summary of it so the
frame stays small at scale) and validates it with GX Core 1.x on pandas (GX has no DuckDB data
source, STACK.md). A failing suite stops the run before the warehouse is published, so readers
keep the last good version; its metadata names each failed expectation and sample values.
"""

from dataclasses import dataclass, field

import dagster as dg
import duckdb
from dagster_dbt import get_asset_key_for_model

from dagster_project.dbt import partner_dbt_assets
from dagster_project.resources import PartnerSettings

# An expectation: the GX expectation class name and its arguments.
Expectation = tuple[str, dict]


@dataclass(frozen=True)
class Suite:
    model: str
    description: str
    query: str
    expectations: list[Expectation] = field(default_factory=list)
    # a blocking suite stops the run before publishing; a warning suite only reports
    blocking: bool = True
    name: str = ""

    @property
    def check_name(self) -> str:
        return self.name or f"gx_{self.model}"


SUITES = (
    Suite(
        "fct_opportunity_partner",
        "Revenue lines: unique ids, known kinds and rules, sane amounts, sourced => influenced.",
        """
        select
            opportunity_id, line_kind, source_rule, touching_partner_count,
            cast(amount_usd as double) as amount_usd,
            -- only marketplace refunds may be negative
            case when line_kind = 'opportunity' then cast(amount_usd as double) end
                as opportunity_amount_usd,
            cast(revenue_usd as double) as revenue_usd,
            is_unconverted = (amount_usd is null) as unconverted_flag_matches,
            (sourcing_partner_id is null) or is_partner_influenced as sourced_is_influenced,
            (sourcing_partner_id is null) = (source_rule is null) as rule_matches_partner
        from marts.fct_opportunity_partner
        """,
        [
            ("ExpectColumnValuesToBeUnique", {"column": "opportunity_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "opportunity_id"}),
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "line_kind", "value_set": ["opportunity", "marketplace_only"]},
            ),
            (
                "ExpectColumnValuesToBeInSet",
                {
                    "column": "source_rule",
                    "value_set": ["deal_registration", "referral", "marketplace"],
                },
            ),
            ("ExpectColumnValuesToBeBetween", {"column": "opportunity_amount_usd", "min_value": 0}),
            ("ExpectColumnValuesToBeBetween", {"column": "touching_partner_count", "min_value": 0}),
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "unconverted_flag_matches", "value_set": [True]},
            ),
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "sourced_is_influenced", "value_set": [True]},
            ),
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "rule_matches_partner", "value_set": [True]},
            ),
        ],
    ),
    Suite(
        "fct_partner_attribution",
        "Per line and model, credits sum to 1 and credited revenue sums to the line's revenue.",
        """
        with per_line_model as (
            select
                attribution.opportunity_id,
                attribution.model,
                abs(sum(attribution.credit) - 1) as credit_error,
                coalesce(
                    sum(attribution.credited_revenue_usd) = any_value(lines.revenue_usd), true
                ) as revenue_adds_up
            from marts.fct_partner_attribution as attribution
            inner join marts.fct_opportunity_partner as lines
                on attribution.opportunity_id = lines.opportunity_id
            group by attribution.opportunity_id, attribution.model
        )
        select
            opportunity_id,
            max(credit_error) as max_credit_error,
            bool_and(revenue_adds_up) as revenue_adds_up
        from per_line_model
        group by opportunity_id
        """,
        [
            ("ExpectColumnValuesToBeBetween", {"column": "max_credit_error", "max_value": 1e-9}),
            ("ExpectColumnValuesToBeInSet", {"column": "revenue_adds_up", "value_set": [True]}),
        ],
    ),
    Suite(
        "program_kpis",
        "Daily KPIs: one row a day, rates within 0..1, influenced revenue includes sourced.",
        """
        select
            as_of_date, activation_rate, share_first_deal_under_90d, partner_nps,
            signed_partners, active_partners,
            partner_influenced_revenue_usd >= partner_sourced_revenue_usd
                as influenced_covers_sourced
        from marts.program_kpis
        """,
        [
            ("ExpectColumnValuesToBeUnique", {"column": "as_of_date"}),
            (
                "ExpectColumnValuesToBeBetween",
                {"column": "activation_rate", "min_value": 0, "max_value": 1},
            ),
            (
                "ExpectColumnValuesToBeBetween",
                {"column": "share_first_deal_under_90d", "min_value": 0, "max_value": 1},
            ),
            (
                "ExpectColumnValuesToBeBetween",
                {"column": "partner_nps", "min_value": -100, "max_value": 100},
            ),
            ("ExpectColumnValuesToBeBetween", {"column": "active_partners", "min_value": 0}),
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "influenced_covers_sourced", "value_set": [True]},
            ),
        ],
    ),
    Suite(
        "dim_partners",
        "Partners: unique ids, known types, active partners are signed, first deal after signing.",
        """
        select
            partner_id, partner_type, days_to_first_deal,
            not is_active or is_signed as active_is_signed
        from marts.dim_partners
        """,
        [
            ("ExpectColumnValuesToBeUnique", {"column": "partner_id"}),
            (
                "ExpectColumnValuesToBeInSet",
                {
                    "column": "partner_type",
                    "value_set": [
                        "technology",
                        "affiliate",
                        "reseller",
                        "strategic_alliance",
                        "oem",
                    ],
                },
            ),
            ("ExpectColumnValuesToBeBetween", {"column": "days_to_first_deal", "min_value": 0}),
            ("ExpectColumnValuesToBeInSet", {"column": "active_is_signed", "value_set": [True]}),
        ],
    ),
    Suite(
        "fct_mdf_roi",
        "MDF without ROI (METRICS.md section 6): fund requests that spent money with no way to "
        "show a return. A warning for the program, never a reason to stop the run.",
        "select request_id || ': ' || flag_reasons as flagged_request from marts.fct_mdf_roi",
        [("ExpectColumnValuesToBeNull", {"column": "flagged_request"})],
        blocking=False,
        name="mdf_without_roi",
    ),
)


def validate(frame, suite: Suite) -> tuple[bool, dict[str, str]]:
    """Validate a pandas frame with the suite's expectations; (passed, failures by expectation)."""
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # slow import (~6 s): only when a check runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep the run log clean
    batch = (
        context.data_sources.add_pandas(suite.model)
        .add_dataframe_asset(name=suite.model)
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    gx_suite = gx.ExpectationSuite(name=suite.model)
    for name, kwargs in suite.expectations:
        gx_suite.add_expectation(getattr(gx.expectations, name)(**kwargs))
    result = batch.validate(gx_suite)
    failures = {}
    for outcome in result.results:
        if not outcome.success:
            config = outcome.expectation_config
            label = f"{config.type}({config.kwargs.get('column', '')})"
            details = outcome.result or {}
            failures[label] = (
                f"{details.get('unexpected_count', '?')} unexpected, e.g. "
                f"{details.get('partial_unexpected_list', [])[:5]}"
                if "unexpected_count" in details
                else str(outcome.exception_info or details)[:500]
            )
    return result.success, failures


def _gx_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=get_asset_key_for_model([partner_dbt_assets], suite.model),
        name=suite.check_name,
        description=suite.description,
        blocking=suite.blocking,
    )
    def _check(partner: PartnerSettings) -> dg.AssetCheckResult:
        settings = partner.settings()
        con = duckdb.connect(str(settings.build_path), read_only=True)
        try:
            frame = con.execute(suite.query).df()
        finally:
            con.close()
        passed, failures = validate(frame, suite)
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata={"rows": len(frame), **{k: v for k, v in failures.items()}},
        )

    return _check


gx_checks = [_gx_check(suite) for suite in SUITES]
