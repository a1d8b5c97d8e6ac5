"""Partners: a filtered leaderboard, the value matrix, and one partner's own page."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import warehouse
from dashboard.common import dbt_vars, empty_note, header

# the filters a person can set, in the order shown; a column the marts lack is skipped
FILTERS = {
    "partner_type": "Type",
    "tier": "Tier",
    "lifecycle_stage": "Lifecycle stage",
    "region": "Region",
    "partner_manager": "Partner manager",
}
LEADERBOARD = [
    "partner_name",
    "partner_type",
    "tier",
    "lifecycle_stage",
    "region",
    "partner_manager",
    "tier_revenue_usd",
    "referrals_t12m",
    "value_quadrant",
    "strategic_value_score",
    "is_active",
    "days_to_first_deal",
    "latest_nps_score",
    "comarketing_budget_usd",
]


def filtered_partners() -> pd.DataFrame:
    partners = warehouse.query("select * from marts.dim_partners order by tier_revenue_usd desc")
    columns = st.columns(len(FILTERS))
    for column, (name, label) in zip(columns, FILTERS.items(), strict=True):
        if name not in partners:
            continue
        options = sorted(partners[name].fillna("(none)").unique())
        chosen = column.multiselect(label, options, key=f"partners_{name}")
        if chosen:
            partners = partners[partners[name].fillna("(none)").isin(chosen)]
    return partners


def value_matrix(partners: pd.DataFrame) -> alt.Chart:
    rules = dbt_vars()
    revenue_line = rules.get("quadrant_revenue_threshold_usd", 50000)
    score_line = rules.get("quadrant_strategic_score_threshold", 1.15)
    points = (
        alt.Chart(partners)
        .mark_circle(size=70, opacity=0.8)
        .encode(
            x=alt.X("tier_revenue_usd:Q", title="tier revenue (USD, trailing year)"),
            y=alt.Y("strategic_value_score:Q", title="strategic value score"),
            color=alt.Color("partner_type:N", title="type"),
            tooltip=["partner_name", "partner_type", "tier", "value_quadrant", "tier_revenue_usd"],
        )
    )
    vertical = (
        alt.Chart(pd.DataFrame({"x": [revenue_line]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    )
    horizontal = (
        alt.Chart(pd.DataFrame({"y": [score_line]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    )
    return (points + vertical + horizontal).properties(height=380)


def partner_page(partner: pd.Series, as_of) -> None:
    partner_id = partner.partner_id
    st.subheader(f"{partner.partner_name} · {partner.partner_type} · {partner.tier or 'no tier'}")
    cells = st.columns(4)
    cells[0].metric("Tier revenue", f"${partner.tier_revenue_usd:,.0f}", border=True)
    cells[1].metric("Lifecycle", partner.lifecycle_stage, border=True)
    days = partner.days_to_first_deal
    cells[2].metric(
        "Days to first deal", "none yet" if pd.isna(days) else f"{days:.0f}", border=True
    )
    cells[3].metric("Quadrant", partner.value_quadrant or "n/a", border=True)

    flags = warehouse.query(
        "select flag, detail, amount_usd from marts.fct_partner_flags where partner_id = ? "
        "order by amount_usd desc nulls last",
        [partner_id],
    )
    st.markdown("**Flags**")
    if flags.empty:
        st.caption("No anti-pattern flags.")
    else:
        st.dataframe(flags, hide_index=True)

    history = warehouse.query(
        "select tier, valid_from, coalesce(valid_to, ?) as valid_to "
        "from marts.partner_tier_history where partner_id = ? order by valid_from",
        [as_of, partner_id],
    )
    st.markdown("**Tier history**")
    if history.empty:
        st.caption("No tier history.")
    else:
        timeline = (
            alt.Chart(history)
            .mark_bar(height=18)
            .encode(
                x=alt.X("valid_from:T", title=None),
                x2="valid_to:T",
                y=alt.Y("tier:N", sort=["platinum", "gold", "silver", "registered"], title=None),
                color=alt.Color("tier:N", legend=None),
                tooltip=["tier", "valid_from:T", "valid_to:T"],
            )
            .properties(height=140)
        )
        st.altair_chart(timeline, width="stretch")

    scorecard = warehouse.query(
        "select * exclude (partner_id) from marts.partner_scorecard where partner_id = ? "
        "order by quarter_start",
        [partner_id],
    )
    st.markdown("**Quarterly scorecard**")
    if scorecard.empty:
        st.caption("No scorecard: the partner is not signed.")
    else:
        st.dataframe(scorecard, hide_index=True, key="scorecard")

    deals = warehouse.query(
        """
        select a.opportunity_id, o.close_date, o.is_won, o.revenue_usd,
               o.sourcing_partner_id = ? as sourced_by_partner, a.model, a.credited_revenue_usd
        from marts.fct_partner_attribution as a
        inner join marts.fct_opportunity_partner as o using (opportunity_id)
        where a.partner_id = ?
        """,
        [partner_id, partner_id],
    )
    st.markdown("**Deals and their credit under each model (USD)**")
    if deals.empty:
        st.caption("No influenced deals.")
        return
    # one row a deal (open deals have no close date: kept, so not a pivot index)
    credit = deals.pivot_table(
        index="opportunity_id",
        columns="model",
        values="credited_revenue_usd",
        aggfunc="sum",
        fill_value=0,
    )
    details = ["opportunity_id", "close_date", "is_won", "revenue_usd", "sourced_by_partner"]
    credit = (
        deals[details].drop_duplicates("opportunity_id").set_index("opportunity_id").join(credit)
    )
    credit = credit.reset_index()
    st.dataframe(credit.sort_values("close_date", ascending=False), hide_index=True)
    credit_trail(partner_id, sorted(credit["opportunity_id"]))


def credit_trail(partner_id: str, deal_ids: list[str]) -> None:
    """Why the partner got this credit: the touches (or sourcing event) behind each model's credit
    on one deal, from marts.fct_credit_trail (`partner explain <deal>` says it in words)."""
    st.markdown("**Credit trail of one deal**")
    deal = st.selectbox("Deal", deal_ids, key="trail_deal")
    trail = warehouse.query(
        """
        select model, touch_position, touch_kind, touch_id, touched_at, share,
               credited_revenue_usd
        from marts.fct_credit_trail
        where partner_id = ? and opportunity_id = ?
        order by model, touch_position nulls first, touched_at, touch_id
        """,
        [partner_id, deal],
    )
    if trail.empty:
        st.caption("No credit on this deal.")
    else:
        st.dataframe(trail, hide_index=True, key="credit_trail")
        st.caption(f"In words: `uv run partner explain {deal} --partner {partner_id}`")


def render() -> None:
    as_of = header("Partners")
    if as_of is None:
        return
    partners = filtered_partners()
    st.caption(f"{len(partners)} partners match.")
    if empty_note(partners, "partners"):
        return
    shown = [name for name in LEADERBOARD if name in partners]
    st.dataframe(partners[shown], hide_index=True, key="leaderboard")

    st.subheader("Value matrix")
    st.altair_chart(value_matrix(partners), width="stretch")

    st.subheader("One partner")
    names = dict(zip(partners.partner_id, partners.partner_name, strict=True))
    chosen = st.selectbox(
        "Partner", list(names), format_func=lambda pid: f"{names[pid]} ({pid})", key="partner"
    )
    partner_page(partners.set_index("partner_id", drop=False).loc[chosen], as_of)
