"""Data health: what the last runs loaded, rejected and quarantined; how their checks went; how
fresh each source is."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import warehouse
from dashboard.common import header


def render() -> None:
    as_of = header("Data health")
    if as_of is None:
        return
    if "load_log" not in warehouse.tables("audit"):
        st.info("This warehouse has no load log.")
        return
    fresh = warehouse.query(
        """
        select source, max(export_date) as last_export, ? - max(export_date) as days_since_export,
               count(*) as files
        from audit.load_log
        where status <> 'rejected'
        group by source
        order by days_since_export desc, source
        """,
        [as_of],
    )
    st.subheader("Freshness: days since each source's last export")
    if fresh.empty:
        st.caption("No export has been loaded yet.")
    else:
        bars = alt.Chart(fresh).encode(
            # the axis starts at 0 and spans at least a day, so an all-zero chart keeps its bars'
            # baseline at the left rather than centred on a lone "0.000000" tick
            x=alt.X(
                "days_since_export:Q",
                title="days since last export",
                scale=alt.Scale(domain=[0, max(int(fresh["days_since_export"].max()), 1)]),
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            y=alt.Y("source:N", sort="-x", title=None),
            tooltip=["source", "last_export:T", "days_since_export", "files"],
        )
        # the label keeps a source that delivered today visible: its bar has no length
        labels = bars.mark_text(align="left", dx=4).encode(text="days_since_export:Q")
        st.altair_chart(bars.mark_bar() + labels, width="stretch")
        st.dataframe(fresh, hide_index=True)

    st.subheader("Load log of the last runs")
    # rows the formats leave out on purpose (taxes, test records); older warehouses lack it
    set_aside = (
        ",\n               sum(rows_set_aside) as rows_set_aside"
        if "rows_set_aside" in warehouse.columns("audit", "load_log")
        else ""
    )
    runs = warehouse.query(
        f"""
        select date_trunc('minute', loaded_at) as run_at, status, count(*) as files,
               sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
               sum(rows_quarantined) as rows_quarantined{set_aside}
        from audit.load_log
        group by all
        order by run_at desc, status
        limit 30
        """
    )
    st.dataframe(runs, hide_index=True)
    with st.expander("Every file of the last runs"):
        st.dataframe(
            warehouse.query(
                "select * exclude (content_hash) from audit.load_log "
                "order by load_seq desc limit 500"
            ),
            hide_index=True,
        )

    _check_results()

    st.subheader("Rejected files")
    rejected = warehouse.query(
        "select file_path, export_date, reason, loaded_at from audit.load_log "
        "where status = 'rejected' order by loaded_at desc, file_path"
    )
    if rejected.empty:
        st.caption("No file was rejected.")
    else:
        st.dataframe(rejected, hide_index=True)

    st.subheader("Quarantined rows")
    quarantined = warehouse.query(
        "select file_path, line_number, reason from audit.quarantine "
        "order by load_seq desc, file_path, line_number limit 1000"
    )
    if quarantined.empty:
        st.caption("No row was quarantined.")
    else:
        st.caption(f"{len(quarantined)} rows (the latest 1,000 at most).")
        st.dataframe(quarantined, hide_index=True)


def _check_results() -> None:
    """Each published run's checks (audit.check_results, written at publish): a line per run,
    then the last run's checks with the failed ones first."""
    st.subheader("Check results of the last runs")
    if "check_results" not in warehouse.tables("audit"):
        st.caption("No check result recorded yet: the warehouse was published before checks were.")
        return
    runs = warehouse.query(
        """
        select run_id, as_of, max(evaluated_at) as checked_at, count(*) as checks,
               count(*) filter (where not passed and severity = 'ERROR') as failed,
               count(*) filter (where not passed and severity = 'WARN') as warnings
        from audit.check_results
        group by run_id, as_of
        order by checked_at desc
        limit 30
        """
    )
    st.dataframe(runs, hide_index=True)
    last = warehouse.query(
        """
        select asset, check_name, passed, severity, details
        from audit.check_results
        where run_id = (
            select run_id from audit.check_results order by evaluated_at desc limit 1
        )
        order by passed, severity, asset, check_name
        """
    )
    not_passed = int((~last["passed"]).sum())
    st.caption(
        f"The last run's {len(last)} checks: {len(last) - not_passed} passed, "
        f"{not_passed} did not (warnings; an ERROR would have stopped the publish)."
    )
    st.dataframe(last, hide_index=True)
