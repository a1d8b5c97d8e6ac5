"""MDF: what each fund request and campaign spent against what it returned."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import warehouse
from dashboard.common import empty_note, header


def render() -> None:
    as_of = header("Market development funds")
    if as_of is None:
        return
    requests = warehouse.query(
        """
        select m.request_id, m.partner_id, p.partner_name, m.campaign_id, m.status, m.spent_usd,
               m.pipeline_usd, m.attributed_revenue_usd, m.roi, m.is_flagged, m.flag_reasons
        from marts.fct_mdf_roi as m
        left join marts.dim_partners as p using (partner_id)
        order by m.spent_usd desc nulls last
        """
    )
    if empty_note(requests, "fund requests"):
        return
    spent = requests.spent_usd.sum()
    revenue = requests.attributed_revenue_usd.sum()
    cells = st.columns(3)
    cells[0].metric("MDF spent", f"${spent:,.0f}", border=True)
    cells[1].metric("Attributed revenue", f"${revenue:,.0f}", border=True)
    cells[2].metric("Flagged requests", int(requests.is_flagged.sum()), border=True)

    st.subheader("Per request: spend against ROI")
    st.altair_chart(
        alt.Chart(requests.dropna(subset=["roi"]))
        .mark_circle(size=70)
        .encode(
            x=alt.X("spent_usd:Q", title="spent (USD)"),
            y=alt.Y("roi:Q", title="ROI"),
            color=alt.Color("is_flagged:N", title="flagged"),
            tooltip=[
                "request_id",
                "partner_name",
                "campaign_id",
                "spent_usd",
                "roi",
                "flag_reasons",
            ],
        )
        .properties(height=320),
        width="stretch",
    )
    campaigns = (
        requests.assign(campaign_id=requests.campaign_id.fillna("(no campaign)"))
        .groupby("campaign_id", as_index=False)[["spent_usd", "attributed_revenue_usd"]]
        .sum()
    )
    campaigns["roi"] = campaigns.attributed_revenue_usd / campaigns.spent_usd.where(
        campaigns.spent_usd > 0
    )
    st.subheader("Per campaign")
    st.altair_chart(
        alt.Chart(campaigns)
        .mark_bar()
        .encode(
            x=alt.X("spent_usd:Q", title="spent (USD)"),
            y=alt.Y("campaign_id:N", sort="-x", title=None),
            color=alt.Color("roi:Q", title="ROI"),
            tooltip=["campaign_id", "spent_usd", "attributed_revenue_usd", "roi"],
        ),
        width="stretch",
    )
    st.subheader("Flagged requests")
    flagged = requests[requests.is_flagged]
    if flagged.empty:
        st.caption("No flagged requests.")
    else:
        st.dataframe(flagged, hide_index=True)
