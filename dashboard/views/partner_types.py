"""Partner types: each type's key metric, and how fast its partners reach value against the range
the program expects of that type."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import warehouse
from dashboard.common import empty_note, header

STATUSES = ["ahead", "on_time", "late", "waiting", "overdue"]


def render() -> None:
    as_of = header("Partner types")
    if as_of is None:
        return
    types = warehouse.query("select * from marts.partner_type_kpis order by partner_type")
    if empty_note(types, "partner types"):
        return
    types["time_to_value_range"] = (
        types.time_to_value_min_days.astype("string")
        + "–"
        + types.time_to_value_max_days.astype("string")
        + " days"
    )
    st.dataframe(
        types[
            [
                "partner_type",
                "partners",
                "signed_partners",
                "active_partners",
                "activation_rate",
                "key_metric",
                "key_metric_total",
                "median_days_to_first_deal",
                "time_to_value_range",
                *STATUSES,
            ]
        ],
        hide_index=True,
        column_config={"activation_rate": st.column_config.NumberColumn(format="percent")},
    )
    st.subheader("Time to value against each type's range")
    statuses = types.melt(
        ["partner_type", "time_to_value_range"], STATUSES, "status", "partners_in_status"
    )
    st.altair_chart(
        alt.Chart(statuses)
        .mark_bar()
        .encode(
            x=alt.X("partners_in_status:Q", title="signed partners"),
            y=alt.Y("partner_type:N", title=None),
            color=alt.Color(
                "status:N",
                sort=STATUSES,
                scale=alt.Scale(
                    domain=STATUSES,
                    range=["#2e7d32", "#66bb6a", "#ef6c00", "#90a4ae", "#c62828"],
                ),
            ),
            order=alt.Order("status_rank:Q"),
            tooltip=["partner_type", "time_to_value_range", "status", "partners_in_status"],
        )
        .transform_calculate(status_rank=f"indexof({STATUSES}, datum.status)")
        .properties(height=220),
        width="stretch",
    )
    st.subheader("Key metric per type")
    st.altair_chart(
        alt.Chart(types)
        .mark_bar()
        .encode(
            x=alt.X("key_metric_total:Q", title="key metric total"),
            y=alt.Y("partner_type:N", title=None),
            color=alt.Color("key_metric:N", title="key metric"),
            tooltip=["partner_type", "key_metric", "key_metric_total"],
        )
        .properties(height=200),
        width="stretch",
    )
