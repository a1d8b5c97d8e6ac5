"""Partner types: how each kind of partner is doing, from the partner dimension."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import warehouse
from dashboard.common import empty_note, header


def render() -> None:
    as_of = header("Partner types")
    if as_of is None:
        return
    types = warehouse.query(
        """
        select
            partner_type,
            count(*) as partners,
            count(*) filter (where is_signed) as signed_partners,
            count(*) filter (where is_active) as active_partners,
            count(*) filter (where is_active) / nullif(count(*) filter (where is_signed), 0)
                as activation_rate,
            median(days_to_first_deal) as median_days_to_first_deal,
            sum(tier_revenue_usd) as tier_revenue_usd,
            sum(referrals_t12m) as referrals_t12m
        from marts.dim_partners
        group by partner_type
        order by tier_revenue_usd desc
        """
    )
    if empty_note(types, "partners"):
        return
    st.dataframe(
        types,
        hide_index=True,
        column_config={"activation_rate": st.column_config.NumberColumn(format="percent")},
    )
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(types)
        .mark_bar()
        .encode(
            x=alt.X("tier_revenue_usd:Q", title="tier revenue (USD)"),
            y=alt.Y("partner_type:N", sort="-x", title=None),
            tooltip=["partner_type", "tier_revenue_usd", "partners"],
        ),
        width="stretch",
    )
    right.altair_chart(
        alt.Chart(types)
        .mark_bar()
        .encode(
            x=alt.X("activation_rate:Q", title="activation rate", axis=alt.Axis(format="%")),
            y=alt.Y("partner_type:N", sort="-x", title=None),
            tooltip=["partner_type", alt.Tooltip("activation_rate:Q", format=".1%")],
        )
        + alt.Chart().mark_rule(color="green", strokeDash=[4, 4]).encode(x=alt.datum(0.6)),
        width="stretch",
    )
