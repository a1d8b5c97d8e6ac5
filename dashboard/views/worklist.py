"""Worklist: every anti-pattern flag, by money at stake, to act on or download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import warehouse
from dashboard.common import empty_note, header, neutralise_for_csv


def flags() -> pd.DataFrame:
    owner = (
        "p.partner_manager,"
        if "partner_manager" in warehouse.columns("marts", "dim_partners")
        else ""
    )
    return warehouse.query(
        f"""
        select f.flag, f.partner_id, p.partner_name, p.partner_type, p.tier, {owner}
               f.amount_usd, f.detail
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
    if "partner_manager" in worklist:
        owners = sorted(worklist.partner_manager.fillna("(none)").unique())
        owner = right.multiselect("Owner (partner manager)", owners, key="worklist_owner")
        if owner:
            worklist = worklist[worklist.partner_manager.fillna("(none)").isin(owner)]
    at_stake = worklist.amount_usd.sum()
    st.metric("Money at stake", f"${at_stake:,.0f}", f"{len(worklist)} flags", delta_color="off")
    st.dataframe(worklist, hide_index=True, key="worklist")
    st.download_button(
        "Download CSV",
        neutralise_for_csv(worklist).to_csv(index=False).encode(),
        file_name=f"partner_worklist_{as_of}.csv",
        mime="text/csv",
    )
