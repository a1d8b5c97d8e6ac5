"""Attribution: the same won revenue under each of the seven models."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import warehouse
from dashboard.common import empty_note, header

MODELS = [
    "sourced",
    "first_touch",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
    "program",
]

# won lines closed in the trailing year, the KPIs' revenue window
CREDITED = """
    select a.model, a.partner_id, p.partner_name, p.partner_type,
           sum(a.credited_revenue_usd) as credited_revenue_usd
    from marts.fct_partner_attribution as a
    inner join marts.dim_partners as p using (partner_id)
    where a.is_won and a.close_date > ? - 365 and a.close_date <= ?
    group by all
"""


def render() -> None:
    as_of = header("Attribution")
    if as_of is None:
        return
    credited = warehouse.query(CREDITED, [as_of, as_of])
    st.caption("Revenue of won lines closed in the trailing 365 days, credited under each model.")
    if empty_note(credited, "credited revenue"):
        return
    by_type = credited.groupby(["model", "partner_type"], as_index=False)[
        "credited_revenue_usd"
    ].sum()
    st.subheader("By partner type")
    st.altair_chart(
        alt.Chart(by_type)
        .mark_bar()
        .encode(
            x=alt.X("model:N", sort=MODELS, title=None),
            y=alt.Y("credited_revenue_usd:Q", title="credited revenue (USD)"),
            color=alt.Color("partner_type:N", title="type"),
            tooltip=["model", "partner_type", alt.Tooltip("credited_revenue_usd:Q", format=",.0f")],
        )
        .properties(height=320),
        width="stretch",
    )
    table = by_type.pivot_table(
        index="partner_type", columns="model", values="credited_revenue_usd", fill_value=0
    )
    st.dataframe(table[[m for m in MODELS if m in table]].round(2))

    st.subheader("Top partners")
    top_n = st.slider("How many", 5, 30, 10, key="attribution_top_n")
    model = st.selectbox("Ranked by", MODELS, index=MODELS.index("program"), key="attribution_rank")
    ranked = credited[credited.model == model].nlargest(top_n, "credited_revenue_usd").partner_id
    top = credited[credited.partner_id.isin(ranked)]
    st.altair_chart(
        alt.Chart(top)
        .mark_bar()
        .encode(
            x=alt.X("credited_revenue_usd:Q", title="credited revenue (USD)"),
            y=alt.Y(
                "partner_name:N",
                title=None,
                sort=alt.EncodingSortField("credited_revenue_usd", op="max", order="descending"),
            ),
            yOffset=alt.YOffset("model:N", sort=MODELS),
            color=alt.Color("model:N", sort=MODELS),
            tooltip=["partner_name", "model", alt.Tooltip("credited_revenue_usd:Q", format=",.0f")],
        )
        .properties(height=alt.Step(6)),
        width="stretch",
    )
