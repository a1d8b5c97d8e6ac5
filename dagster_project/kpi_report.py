"""The night's news in words: the headline KPIs, each partner type's key metric and time to value,
and every warning that fired (MDF without ROI, partners flagged per anti-pattern). `partner run`
and `partner kpis` print it; it reads the marts only."""

from __future__ import annotations

import duckdb

HEADLINE_SQL = """
    select as_of_date, total_revenue_usd, partner_sourced_revenue_usd,
           partner_influenced_revenue_usd, sourced_share, influenced_share,
           signed_partners, active_partners, activation_rate,
           median_days_to_first_deal, share_first_deal_under_90d,
           partners_waiting_past_90d, partner_nps
    from marts.program_kpis
    order by as_of_date desc
    limit 1
"""

TYPES_SQL = """
    select partner_type, key_metric, key_metric_total, signed_partners, overdue,
           time_to_value_min_days, time_to_value_max_days
    from marts.partner_type_kpis
    order by partner_type
"""

MDF_SQL = """
    select count(*), sum(spent_usd)
    from marts.fct_mdf_roi
    where is_flagged
"""

FLAGS_SQL = """
    select flag, count(distinct partner_id), sum(amount_usd)
    from marts.fct_partner_flags
    group by flag
    order by flag
"""

# key metrics that are counts, not money (METRICS.md section 8)
COUNT_METRICS = {"active_integrations", "co_sold_deals"}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _money(value) -> str:
    return "n/a" if value is None else f"{float(value):,.2f}"


def _metric(name: str, value) -> str:
    if value is None:
        return "n/a"
    return f"{float(value):,.0f}" if name in COUNT_METRICS else _money(value)


def headline_lines(row: tuple) -> list[str]:
    (
        as_of,
        total,
        sourced,
        influenced,
        sourced_share,
        influenced_share,
        signed,
        active,
        activation,
        median_days,
        under_90,
        waiting,
        nps,
    ) = row
    median_text = "n/a" if median_days is None else f"{median_days:g} days"
    nps_text = "n/a" if nps is None else f"{nps:.0f}"
    rows = [
        ("total revenue", _money(total), ""),
        (
            "partner-sourced revenue",
            _money(sourced),
            f"share {_pct(sourced_share)} (target 20-30%)",
        ),
        (
            "partner-influenced revenue",
            _money(influenced),
            f"share {_pct(influenced_share)} (target 40-50%)",
        ),
        (
            "activation rate",
            _pct(activation),
            f"{active} of {signed} signed active (target >= 60%)",
        ),
        (
            "median days to first deal",
            median_text,
            f"{_pct(under_90)} under 90 days, {waiting} waiting past 90 days (target < 90)",
        ),
        ("partner NPS", nps_text, "(target >= 50)"),
    ]
    lines = [f"Partner program as of {as_of} (trailing 365 days, reporting currency)"]
    lines += [f"  {label:<27}{value:>18}   {note}".rstrip() for label, value, note in rows]
    return lines


def type_lines(rows: list[tuple]) -> list[str]:
    lines = ["By partner type (key metric over the trailing year; time to value from signing)"]
    for kind, metric, total, signed, overdue, low, high in rows:
        lines.append(
            f"  {kind:<20}{metric:<22}{_metric(metric, total):>16}   "
            f"{overdue} of {signed} signed overdue (no first deal after {high} days; "
            f"typical {low}-{high})"
        )
    return lines


def warning_lines(mdf: tuple, flags: list[tuple]) -> list[str]:
    requests, spent = mdf
    lines = []
    if requests:
        lines.append(
            f"  MDF without ROI: {requests} fund request{'s' if requests != 1 else ''}, "
            f"{_money(spent)} spent (marts.fct_mdf_roi where is_flagged)"
        )
    for flag, partners, amount in flags:
        at_stake = "" if amount is None else f", amount {_money(amount)}"
        lines.append(
            f"  {flag}: {partners} partner{'s' if partners != 1 else ''}{at_stake} "
            "(marts.fct_partner_flags)"
        )
    return ["Warnings", *lines] if lines else ["Warnings: none"]


def kpi_report(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The report's lines, or None when program_kpis has no row."""
    row = con.execute(HEADLINE_SQL).fetchone()
    if row is None:
        return None
    types = con.execute(TYPES_SQL).fetchall()
    mdf = con.execute(MDF_SQL).fetchone()
    flags = con.execute(FLAGS_SQL).fetchall()
    return [*headline_lines(row), "", *type_lines(types), "", *warning_lines(mdf, flags)]
