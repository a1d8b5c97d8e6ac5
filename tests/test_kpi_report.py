"""The KPI block `partner run` and `partner kpis` print: headline, one line per partner type, one
line per warning that fired. Read from tiny marts written here, figures worked by hand."""

import duckdb

from dagster_project.kpi_report import kpi_report


def _marts() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.program_kpis as select * from (values
            (date '2026-11-26', 100.0, 20.0, 40.0, 0.2, 0.4, 4, 2, 0.5, 45.0, 0.5, 1, 25.0),
            (date '2026-11-27', 1000.0, 250.0, 450.0, 0.25, 0.45, 5, 3, 0.6, 60.5, 0.75, 2, -10.0)
        ) as t(as_of_date, total_revenue_usd, partner_sourced_revenue_usd,
               partner_influenced_revenue_usd, sourced_share, influenced_share, signed_partners,
               active_partners, activation_rate, median_days_to_first_deal,
               share_first_deal_under_90d, partners_waiting_past_90d, partner_nps)
        """
    )
    con.execute(
        """
        create table marts.partner_type_kpis as select * from (values
            ('technology', 'active_integrations', 7.0, 3, 1, 90, 180),
            ('reseller', 'partner_sourced_arr', 1234.5, 2, 0, 180, 360)
        ) as t(partner_type, key_metric, key_metric_total, signed_partners, overdue,
               time_to_value_min_days, time_to_value_max_days)
        """
    )
    con.execute(
        """
        create table marts.fct_mdf_roi as select * from (values
            ('R1', true, 100.0), ('R2', true, 50.5), ('R3', false, 999.0)
        ) as t(request_id, is_flagged, spent_usd)
        """
    )
    con.execute(
        """
        create table marts.fct_partner_flags as select * from (values
            ('P1', 'channel_conflict', 10.0), ('P2', 'channel_conflict', 0.0),
            ('P1', 'partner_detractor', null)
        ) as t(partner_id, flag, amount_usd)
        """
    )
    return con


def test_the_report_says_the_headline_each_type_and_each_warning():
    lines = kpi_report(_marts())
    assert lines[0] == "Partner program as of 2026-11-27 (trailing 365 days, reporting currency)"
    text = "\n".join(lines)
    assert "share 25.0% (target 20-30%)" in text
    assert "3 of 5 signed active (target >= 60%)" in text
    assert "60.5 days" in text and "75.0% under 90 days, 2 waiting past 90 days" in text
    # types in name order; a count metric has no cents, a money metric has
    assert [line.split()[0] for line in lines if "signed overdue" in line] == [
        "reseller",
        "technology",
    ]
    assert "1,234.50   0 of 2 signed overdue" in text
    assert "active_integrations                  7   1 of 3 signed overdue" in text
    assert "MDF without ROI: 2 fund requests, 150.50 spent" in text
    assert "channel_conflict: 2 partners, amount 10.00" in text
    assert "partner_detractor: 1 partner (" in text


def test_no_warning_fired():
    con = _marts()
    con.execute("delete from marts.fct_mdf_roi where is_flagged")
    con.execute("delete from marts.fct_partner_flags")
    assert kpi_report(con)[-1] == "Warnings: none"


def test_an_empty_series_has_no_report():
    con = _marts()
    con.execute("delete from marts.program_kpis")
    assert kpi_report(con) is None
