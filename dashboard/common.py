"""What every page shares: the header with the warehouse's as-of date, targets, CSV export."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import streamlit as st
import yaml

from dagster_project.settings import DBT_PROJECT_DIR
from dashboard import warehouse

# The program's targets (METRICS.md section 4): (low, high) bands, None where open-ended.
TARGETS = {
    "sourced_share": (0.20, 0.30),
    "influenced_share": (0.40, 0.50),
    "activation_rate": (0.60, None),
    "median_days_to_first_deal": (None, 90),  # strictly below 90
    "partner_nps": (50, None),
}


def header(title: str) -> dt.date | None:
    """The page title and the as-of date of the warehouse it reads; None (after a message
    saying how to build one) when there is no usable warehouse."""
    st.title(title)
    try:
        as_of = warehouse.as_of_date()
    except warehouse.WarehouseUnavailable as err:
        st.info(str(err))
        return None
    st.caption(f"Warehouse as of **{as_of}** · `{warehouse.warehouse_path()}` (read-only)")
    return as_of


def on_target(kpi: str, value) -> bool | None:
    """Whether a KPI's value meets its target; None when the value is unknown."""
    if value is None or pd.isna(value):
        return None
    low, high = TARGETS[kpi]
    if kpi == "median_days_to_first_deal":
        return value < high
    return (low is None or value >= low) and (high is None or value <= high)


@functools.cache
def dbt_vars() -> dict:
    """The program rules of dbt/dbt_project.yml (thresholds the charts draw)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return project.get("vars", {})


def empty_note(frame: pd.DataFrame, what: str) -> bool:
    """Says so when there is nothing to show; True when empty."""
    if frame.empty:
        st.info(f"No {what} in this warehouse as of its date.")
        return True
    return False
