"""Every dollar reconciles (METRICS.md section 10), checked on the build warehouse before it is
published: blocking Dagster asset checks, each a plain SQL query (DuckDB, read-only) that returns
the rows that do not add up. A failure names the first lines (or days) in its description and
metadata, so an analyst can run `partner explain <line>` on them.

What is checked, exactly:
- credits_add_up_to_line_revenue: for every partner-influenced line and every model that applies
  to it (all seven; `sourced` only on sourced lines), the credited revenue in
  fct_partner_attribution adds up to the line's revenue to the cent (both empty when unconverted),
  and no credit exists for a line or model that should have none.
- credit_trail_adds_up: per line, model and partner, fct_credit_trail's shares add up to
  fct_partner_attribution.credit (within 1e-9: shares are doubles) and its credited revenue to
  credited_revenue_usd exactly; no partner's credit is missing from either side.
- kpis_add_up_to_lines: on each day X of program_kpis, recomputed from the won lines of
  fct_opportunity_partner closed in (X - trailing days, X] (unconverted lines left out):
  total_revenue_usd is their revenue; partner_sourced_revenue_usd that of the lines sourced on X
  and partner_influenced_revenue_usd that of the lines sourced or touched on X, by the restated
  history (the periods of intermediate.int_line_sourcing_periods and int_line_touch_periods,
  METRICS.md section 0). All to the cent.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
import yaml
from dagster_dbt import get_asset_key_for_model

from dagster_project.dbt import partner_dbt_assets
from dagster_project.readers import ATTRIBUTION_MODELS
from dagster_project.resources import PartnerSettings
from dagster_project.settings import DBT_PROJECT_DIR

# how many failing lines (or days) a failure names
SHOWN = 5


@dataclass(frozen=True)
class Reconciliation:
    name: str
    model: str  # the mart the check is attached to
    description: str
    # the failing rows; the first column names the line (or the day)
    query: str


@cache
def _revenue_trailing_days() -> int:
    """The KPI window, read from the dbt vars (the one place it is configured)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return int(project["vars"]["revenue_trailing_days"])


MODELS = ATTRIBUTION_MODELS

RECONCILIATIONS = (
    Reconciliation(
        "credits_add_up_to_line_revenue",
        "fct_partner_attribution",
        "For every influenced line and model, the credited revenue adds up to the line's revenue"
        " to the cent.",
        f"""
        with lines as (
            select opportunity_id, revenue_usd, sourcing_partner_id
            from marts.fct_opportunity_partner
            where is_partner_influenced
        ),
        models as (
            select * from (values {", ".join(f"('{model}')" for model in MODELS)}) as m(model)
        ),
        expected as (
            select lines.opportunity_id, models.model, lines.revenue_usd
            from lines
            cross join models
            where models.model <> 'sourced' or lines.sourcing_partner_id is not null
        ),
        credited as (
            select opportunity_id, model, sum(credited_revenue_usd) as credited_revenue_usd
            from marts.fct_partner_attribution
            group by opportunity_id, model
        )
        select
            coalesce(expected.opportunity_id, credited.opportunity_id) as opportunity_id,
            coalesce(expected.model, credited.model) as model,
            expected.revenue_usd,
            credited.credited_revenue_usd
        from expected
        full outer join credited
            on expected.opportunity_id = credited.opportunity_id
            and expected.model = credited.model
        where
            expected.opportunity_id is null
            or credited.opportunity_id is null
            or credited.credited_revenue_usd is distinct from expected.revenue_usd
        order by 1, 2
        """,
    ),
    Reconciliation(
        "credit_trail_adds_up",
        "fct_credit_trail",
        "Per line, model and partner, the trail's shares add up to the partner's credit and its"
        " cents to the partner's credited revenue.",
        """
        with trail as (
            select
                opportunity_id, model, partner_id,
                sum(share) as share,
                sum(credited_revenue_usd) as credited_revenue_usd
            from marts.fct_credit_trail
            group by opportunity_id, model, partner_id
        )
        select
            coalesce(trail.opportunity_id, credits.opportunity_id) as opportunity_id,
            coalesce(trail.model, credits.model) as model,
            coalesce(trail.partner_id, credits.partner_id) as partner_id,
            trail.share as trail_share,
            credits.credit,
            trail.credited_revenue_usd as trail_credited_revenue_usd,
            credits.credited_revenue_usd
        from trail
        full outer join marts.fct_partner_attribution as credits
            on trail.opportunity_id = credits.opportunity_id
            and trail.model = credits.model
            and trail.partner_id = credits.partner_id
        where
            trail.opportunity_id is null
            or credits.opportunity_id is null
            or abs(trail.share - credits.credit) > 1e-9
            or trail.credited_revenue_usd is distinct from credits.credited_revenue_usd
        order by 1, 2, 3
        """,
    ),
    Reconciliation(
        "kpis_add_up_to_lines",
        "program_kpis",
        "Each day's total, partner-sourced and partner-influenced revenue equal the sums of the"
        " won lines behind them, to the cent.",
        """
        with won as (
            select opportunity_id, close_date, revenue_usd
            from marts.fct_opportunity_partner
            where is_won and revenue_usd is not null
        ),
        -- the days on which a line is sourced, and on which it is sourced or a touch counts
        -- toward it (history restated: METRICS.md section 0)
        periods as (
            select 'sourced' as kind, line_id as opportunity_id, valid_from, valid_to
            from intermediate.int_line_sourcing_periods
            union all
            select 'influenced', line_id, valid_from, valid_to
            from intermediate.int_line_sourcing_periods
            union all
            select 'influenced', line_id, counts_from, counts_to
            from intermediate.int_line_touch_periods
        ),
        -- overlapping periods of a line merged, so that each day of a line counts once: a period
        -- starts a new range unless an earlier one reaches its first day. Duplicates go first:
        -- the order of two equal periods is arbitrary, and the two windows below must agree.
        distinct_periods as (
            select distinct kind, opportunity_id, valid_from, valid_to
            from periods
            where valid_from is not null and valid_to is not null
        ),
        reached as (
            select
                *,
                max(valid_to) over (
                    partition by kind, opportunity_id order by valid_from, valid_to
                    rows between unbounded preceding and 1 preceding
                ) as reached_before
            from distinct_periods
        ),
        numbered as (
            select
                *,
                count(case when reached_before is null or valid_from > reached_before then 1 end)
                    over (
                        partition by kind, opportunity_id order by valid_from, valid_to
                        rows unbounded preceding
                    ) as range_number
            from reached
        ),
        ranges as (
            select kind, opportunity_id, min(valid_from) as valid_from, max(valid_to) as valid_to
            from numbered
            group by kind, opportunity_id, range_number
        ),
        -- a won line counts on the days X with close_date in (X - trailing days, X]
        line_days as (
            select
                'total' as kind, opportunity_id, revenue_usd,
                close_date as first_day,
                close_date + {trailing_days} - 1 as last_day
            from won
            union all
            select
                ranges.kind, won.opportunity_id, won.revenue_usd,
                greatest(won.close_date, ranges.valid_from),
                least(won.close_date + {trailing_days} - 1, ranges.valid_to)
            from ranges
            inner join won on ranges.opportunity_id = won.opportunity_id
        ),
        expected as (
            select
                kpis.as_of_date,
                coalesce(sum(case when lines.kind = 'total' then lines.revenue_usd end), 0)
                    as total_revenue_usd,
                coalesce(sum(case when lines.kind = 'sourced' then lines.revenue_usd end), 0)
                    as partner_sourced_revenue_usd,
                coalesce(sum(case when lines.kind = 'influenced' then lines.revenue_usd end), 0)
                    as partner_influenced_revenue_usd
            from marts.program_kpis as kpis
            left join line_days as lines
                on kpis.as_of_date between lines.first_day and lines.last_day
            group by kpis.as_of_date
        )
        select
            kpis.as_of_date,
            kpis.total_revenue_usd, expected.total_revenue_usd as lines_total_revenue_usd,
            kpis.partner_sourced_revenue_usd,
            expected.partner_sourced_revenue_usd as lines_sourced_revenue_usd,
            kpis.partner_influenced_revenue_usd,
            expected.partner_influenced_revenue_usd as lines_influenced_revenue_usd
        from marts.program_kpis as kpis
        inner join expected on kpis.as_of_date = expected.as_of_date
        where
            kpis.total_revenue_usd is distinct from expected.total_revenue_usd
            or kpis.partner_sourced_revenue_usd
            is distinct from expected.partner_sourced_revenue_usd
            or kpis.partner_influenced_revenue_usd
            is distinct from expected.partner_influenced_revenue_usd
        order by 1
        """,
    ),
)


def failing_rows(con: duckdb.DuckDBPyConnection, reconciliation: Reconciliation) -> list[tuple]:
    """The rows that do not reconcile (none when everything adds up)."""
    query = reconciliation.query.replace("{trailing_days}", str(_revenue_trailing_days()))
    return con.execute(query).fetchall()


def reconcile(warehouse: Path, reconciliation: Reconciliation) -> tuple[bool, list[tuple]]:
    """Run one reconciliation on a warehouse file, opened read-only: (passed, failing rows)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = failing_rows(con, reconciliation)
    finally:
        con.close()
    return not rows, rows


def _named(rows: list[tuple]) -> str:
    names = list(dict.fromkeys(str(row[0]) for row in rows))
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def _reconciliation_check(reconciliation: Reconciliation) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=get_asset_key_for_model([partner_dbt_assets], reconciliation.model),
        name=reconciliation.name,
        description=reconciliation.description,
        blocking=True,
    )
    def _check(partner: PartnerSettings) -> dg.AssetCheckResult:
        passed, rows = reconcile(partner.settings().build_path, reconciliation)
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=None if passed else f"does not add up for {_named(rows)}",
            metadata={
                "failing_rows": len(rows),
                "first_failing": [str(row) for row in rows[:SHOWN]],
            },
        )

    return _check


reconciliation_checks = [_reconciliation_check(r) for r in RECONCILIATIONS]
