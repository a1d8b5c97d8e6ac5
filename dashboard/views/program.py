"""Program: headline KPIs against their targets, and their daily series over the year."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import warehouse
from dashboard.common import TARGETS, empty_note, header, on_target

KPI_LABELS = {
    "sourced_share": ("Partner-sourced share", "{:.1%}", "target 20–30%"),
    "influenced_share": ("Partner-influenced share", "{:.1%}", "target 40–50%"),
    "activation_rate": ("Activation rate", "{:.1%}", "target ≥ 60%"),
    "median_days_to_first_deal": ("Median days to first deal", "{:g}", "target < 90"),
    "partner_nps": ("Partner NPS", "{:.0f}", "target ≥ 50"),
}


def _kpi(column, kpi: str, value) -> None:
    label, fmt, target = KPI_LABELS[kpi]
    met = on_target(kpi, value)
    column.metric(label, "n/a" if met is None else fmt.format(value), border=True)
    if met is None:
        column.markdown(f":gray[no data · {target}]")
    else:
        column.markdown(f":{'green' if met else 'red'}[{'on' if met else 'off'} target · {target}]")


def _band(frame: pd.DataFrame, kpi: str, title: str, axis_format: str) -> alt.Chart:
    """The daily series of one KPI with its target drawn as a band or a line."""
    low, high = TARGETS[kpi]
    line = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("as_of_date:T", title=None),
            y=alt.Y(f"{kpi}:Q", title=title, axis=alt.Axis(format=axis_format)),
            tooltip=["as_of_date:T", alt.Tooltip(f"{kpi}:Q", format=axis_format)],
        )
    )
    target = pd.DataFrame([{"low": low, "high": high}])
    if low is not None and high is not None:
        band = (
            alt.Chart(target).mark_rect(opacity=0.15, color="green").encode(y="low:Q", y2="high:Q")
        )
    else:
        band = (
            alt.Chart(target)
            .mark_rule(color="green", strokeDash=[4, 4])
            .encode(y="low:Q" if low is not None else "high:Q")
        )
    return (band + line).properties(height=220)


def render() -> None:
    as_of = header("Partner program")
    if as_of is None:
        return
    series = warehouse.query("select * from marts.program_kpis order by as_of_date")
    if empty_note(series, "KPI series"):
        return
    today = series.iloc[-1]

    st.subheader("Headline KPIs (trailing 365 days)")
    money = st.columns(3)
    money[0].metric("Total revenue", f"${today.total_revenue_usd:,.0f}", border=True)
    money[1].metric(
        "Partner-sourced revenue", f"${today.partner_sourced_revenue_usd:,.0f}", border=True
    )
    money[2].metric(
        "Partner-influenced revenue", f"${today.partner_influenced_revenue_usd:,.0f}", border=True
    )
    kpis = st.columns(len(KPI_LABELS))
    for column, kpi in zip(kpis, KPI_LABELS, strict=True):
        _kpi(column, kpi, today[kpi])
    st.caption(
        f"{int(today.active_partners)} of {int(today.signed_partners)} signed partners active; "
        f"{int(today.partners_waiting_past_90d)} signed over 90 days ago still wait "
        "for a first deal."
    )

    st.subheader("Over the year")
    shares = series.melt("as_of_date", ["sourced_share", "influenced_share"], "share", "value")
    bands = pd.DataFrame(
        [
            {"share": "sourced_share", "low": 0.20, "high": 0.30},
            {"share": "influenced_share", "low": 0.40, "high": 0.50},
        ]
    )
    colour = alt.Color("share:N", title=None)
    share_chart = alt.Chart(bands).mark_rect(opacity=0.12).encode(
        y="low:Q", y2="high:Q", color=colour
    ) + alt.Chart(shares).mark_line().encode(
        x=alt.X("as_of_date:T", title=None),
        y=alt.Y("value:Q", title="share of revenue", axis=alt.Axis(format="%")),
        color=colour,
        tooltip=["as_of_date:T", "share:N", alt.Tooltip("value:Q", format=".1%")],
    )
    st.altair_chart(share_chart.properties(height=260), width="stretch")
    left, right = st.columns(2)
    left.altair_chart(_band(series, "activation_rate", "activation rate", "%"), width="stretch")
    right.altair_chart(
        _band(series, "median_days_to_first_deal", "median days to first deal", "d"),
        width="stretch",
    )
    left.altair_chart(_band(series, "partner_nps", "partner NPS", "d"), width="stretch")

    tiers = warehouse.query(
        "select * exclude (tier_rank) from marts.program_tier_kpis order by tier_rank"
    )
    right.markdown("**By tier**")
    right.dataframe(tiers, hide_index=True)
