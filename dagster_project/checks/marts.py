"""Great Expectations suites on the marts, run as Dagster asset checks.

Each mart with rules gets one blocking check, `gx_<mart>`, that validates two things with GX Core
1.x on pandas (GX has no DuckDB data source, STACK.md):
- its column rules (keys, not empty, accepted values, ranges), taken from dbt's manifest: they are
  declared once, as data tests in `_marts__models.yml` (dbt_rules.py);
- the invariants written here because a column test cannot say them: rules across columns, rows
  or marts (credits add up to 1, influenced revenue covers sourced, active partners are signed,
  a currency's FX rates are plausible).
A failing blocking check stops the run before the warehouse is published, so readers keep the last
good version; its metadata names each failed expectation with sample values. A warning suite
(`mdf_without_roi`) gets a check of its own that reports and lets the run publish.
"""

import functools
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.checks.dbt_rules import Expectation, column_rules, read_manifest
from dagster_project.checks.gx_import import great_expectations
from dagster_project.dbt import dbt_project, partner_dbt_assets
from dagster_project.resources import PartnerSettings
from dagster_project.settings import DBT_PROJECT_DIR

MARTS_GROUP = "marts"

# the largest factor a currency's rate may move by between two consecutive valuation dates of its
# revenue lines: real rates (even a devaluation) move less; a rate entered inverted (for a currency
# far from par) or with its decimal point lost moves more
FX_RATE_JUMP_LIMIT = 10


@dataclass(frozen=True)
class Suite:
    model: str
    description: str
    query: str
    expectations: list[Expectation] = field(default_factory=list)
    # a blocking suite stops the run before publishing; a warning suite only reports
    blocking: bool = True
    # a warning suite's check name; the suite's label in a check's metadata
    name: str = ""


SUITES = (
    Suite(
        "fct_opportunity_partner",
        "Revenue lines: opportunity amounts are not negative, the unconverted flag matches the "
        "amount, a sourced line is influenced and has a rule.",
        """
        select
            opportunity_id,
            -- only marketplace refunds may be negative
            case when line_kind = 'opportunity' then cast(amount_usd as double) end
                as opportunity_amount_usd,
            is_unconverted = (amount_usd is null) as unconverted_flag_matches,
            (sourcing_partner_id is null) or is_partner_influenced as sourced_is_influenced,
            (sourcing_partner_id is null) = (source_rule is null) as rule_matches_partner
        from marts.fct_opportunity_partner
        """,
        [
            ("ExpectColumnValuesToBeBetween", {"column": "opportunity_amount_usd", "min_value": 0}),
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
        "fct_opportunity_partner",
        "FX rates are plausible: between two consecutive valuation dates of a currency's lines "
        f"its rate moves by less than a factor of {FX_RATE_JUMP_LIMIT}. A larger jump is a rate "
        "entered inverted or off by a power of ten, which would inflate (or wipe out) revenue, "
        "credits and tiers.",
        f"""
        with rates as (
            select distinct currency, valued_on, fx_rate
            from marts.fct_opportunity_partner
            where fx_rate is not null
        ),

        steps as (
            select
                currency,
                fx_rate,
                lag(fx_rate) over (partition by currency order by valued_on, fx_rate)
                    as previous_rate
            from rates
        )

        select
            currency,
            case
                when greatest(fx_rate, previous_rate)
                    >= {FX_RATE_JUMP_LIMIT} * least(fx_rate, previous_rate)
                    then currency || ': ' || cast(previous_rate as double) || ' to '
                        || cast(fx_rate as double)
            end as implausible_fx_rates
        from steps
        """,
        [("ExpectColumnValuesToBeNull", {"column": "implausible_fx_rates"})],
        name="fx_rates",
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
        "Daily KPIs: influenced revenue includes sourced revenue.",
        """
        select
            as_of_date,
            partner_influenced_revenue_usd >= partner_sourced_revenue_usd
                as influenced_covers_sourced
        from marts.program_kpis
        """,
        [
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "influenced_covers_sourced", "value_set": [True]},
            ),
        ],
    ),
    Suite(
        "dim_partners",
        "Partners: active partners are signed.",
        """
        select partner_id, not is_active or is_signed as active_is_signed
        from marts.dim_partners
        """,
        [("ExpectColumnValuesToBeInSet", {"column": "active_is_signed", "value_set": [True]})],
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


def column_rules_suite(manifest: dict, model: str) -> Suite:
    """The mart's column rules from dbt's manifest, as a suite over just the columns they name."""
    expectations = column_rules(manifest, model, DBT_PROJECT_DIR)
    columns = dict.fromkeys(kwargs["column"] for _, kwargs in expectations)
    select = ", ".join(f'"{column}"' for column in columns) or "1 as no_rule"
    return Suite(
        model,
        f"The column rules dbt declares on {model}.",
        f'select {select} from marts."{model}"',
        expectations,
        name="column_rules",
    )


def validate(frame, suite: Suite) -> tuple[bool, dict[str, str]]:
    """Validate a pandas frame with the suite's expectations; (passed, failures by expectation)."""
    gx = great_expectations()  # slow import (~6 s): started while dbt builds (gx_import.py)
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


def _run_suites(suites: list[Suite], settings) -> tuple[bool, dict]:
    """Read each suite's frame from the build warehouse and validate it; (passed, metadata)."""
    con = duckdb.connect(str(settings.build_path), read_only=True)
    try:
        frames = [con.execute(suite.query).df() for suite in suites]
    finally:
        con.close()
    passed, metadata = True, {}
    for suite, frame in zip(suites, frames, strict=True):
        suite_passed, failures = validate(frame, suite)
        passed = passed and suite_passed
        label = suite.name or "invariants"
        metadata[f"{label}: rows, expectations"] = f"{len(frame)}, {len(suite.expectations)}"
        metadata.update(failures)
    return passed, metadata


def _manifest(path: Path) -> dict:
    """dbt's manifest (1.5 MB of JSON), read once for the eleven checks of a run: again only
    when the file changed."""
    return _manifest_as_of(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _manifest_as_of(path: Path, mtime_ns: int) -> dict:
    return read_manifest(path)


def _mart_check(key: dg.AssetKey, suites: list[Suite]) -> dg.AssetChecksDefinition:
    """The blocking check of one mart: dbt's column rules, then its hand-written suites."""
    model = key.path[-1]

    @dg.asset_check(
        asset=key,
        name=f"gx_{model}",
        description=" ".join(
            ["Column rules from dbt (_marts__models.yml)."] + [s.description for s in suites]
        ),
        blocking=True,
    )
    def _check(partner: PartnerSettings) -> dg.AssetCheckResult:
        # the manifest is read when the check runs, never at import
        manifest = _manifest(dbt_project().manifest_path)
        passed, metadata = _run_suites(
            [column_rules_suite(manifest, model), *suites], partner.settings()
        )
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
        )

    return _check


def _warning_check(key: dg.AssetKey, suite: Suite) -> dg.AssetChecksDefinition:
    # blocking only orders it before the publish (which records every check result): a WARN
    # severity never stops a run
    @dg.asset_check(asset=key, name=suite.name, description=suite.description, blocking=True)
    def _check(partner: PartnerSettings) -> dg.AssetCheckResult:
        passed, metadata = _run_suites([suite], partner.settings())
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata=metadata
        )

    return _check


def _checks() -> list[dg.AssetChecksDefinition]:
    """A blocking check for each mart that has dbt tests or a hand-written blocking suite, and a
    check for each warning suite. Which marts have dbt tests is known from the dbt assets' check
    specs, without reading the manifest again."""
    marts = sorted(
        (spec.key for spec in partner_dbt_assets.specs if spec.group_name == MARTS_GROUP),
        key=lambda key: key.path[-1],
    )
    tested = {spec.asset_key for spec in partner_dbt_assets.check_specs}
    checks = []
    for key in marts:
        model = key.path[-1]
        blocking = [s for s in SUITES if s.model == model and s.blocking]
        if key in tested or blocking:
            checks.append(_mart_check(key, blocking))
        checks += [_warning_check(key, s) for s in SUITES if s.model == model and not s.blocking]
    return checks


gx_checks = _checks()
