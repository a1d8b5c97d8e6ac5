"""Worklist: every anti-pattern flag, by money at stake, to act on or download."""

from __future__ import annotations

import pandas as pd
import polars as pl
import streamlit as st

from dagster_project.readers import to_people_csv
from dashboard import warehouse
from dashboard.common import empty_note, header


def flags() -> pd.DataFrame:
    return warehouse.query(
        """
        select f.flag, f.partner_id, p.partner_name, p.partner_type, p.tier, p.partner_manager,
               f.amount_usd, f.condition_started_on, f.detail,
               array_to_string(f.related_ids, ' ') as related_ids
        from marts.fct_partner_flags as f
        left join marts.dim_partners as p using (partner_id)
        order by f.amount_usd desc nulls last, f.partner_id, f.flag
        """
    )


def render() -> None:
    as_of = header("Worklist")
    if as_of is None:
        return
    worklist = flags()
    if empty_note(worklist, "flags"):
        return
    left, right = st.columns(2)
    chosen = left.multiselect("Flag", sorted(worklist.flag.unique()), key="worklist_flag")
    if chosen:
        worklist = worklist[worklist.flag.isin(chosen)]
    owners = sorted(worklist.partner_manager.fillna("(none)").unique())
    owner = right.multiselect("Owner (partner manager)", owners, key="worklist_owner")
    if owner:
        worklist = worklist[worklist.partner_manager.fillna("(none)").isin(owner)]
    at_stake = worklist.amount_usd.sum()
    st.metric("Money at stake", f"${at_stake:,.0f}", f"{len(worklist)} flags", delta_color="off")
    st.dataframe(worklist, hide_index=True, key="worklist")
    st.download_button(
        "Download CSV",
        to_people_csv(pl.from_pandas(worklist)).encode(),
        file_name=f"partner_worklist_{as_of}.csv",
        mime="text/csv",
    )
