"""A program with no exports yet still gets a full daily KPI series (zeros, rates unknown)."""

import datetime as dt


def test_an_empty_landing_folder_gives_a_full_series_of_zero_kpis(open_marts, tmp_path):
    (tmp_path / "landing").mkdir()
    con = open_marts(tmp_path / "landing", "2026-06-30")
    days, first, last, revenue, signed, active, rate = con.execute(
        """
        select count(*), min(as_of_date), max(as_of_date), sum(total_revenue_usd),
               sum(signed_partners), sum(active_partners), max(activation_rate)
        from marts.program_kpis
        """
    ).fetchone()
    assert (days, first, last) == (365, dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert (revenue, signed, active, rate) == (0, 0, 0, None)
    for mart in ("dim_partners", "fct_opportunity_partner", "fct_partner_attribution"):
        assert con.execute(f"select count(*) from marts.{mart}").fetchone() == (0,)
