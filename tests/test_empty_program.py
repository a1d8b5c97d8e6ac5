"""A program with no data yet still gets a full daily KPI series (zeros, rates unknown), as long
as the run could read its exports: a first run on exports that hold only their header row
publishes an empty program. (An empty landing folder publishes nothing: test_run_safety.py.)"""

import datetime as dt

HEADERS = {
    "crm/2026-06-01/partners.csv": (
        "partner_id,partner_name,partner_type,agreement_signed_at,terminated_at,"
        "strategic_value_score,partner_manager,region,updated_at,is_deleted"
    ),
    "crm/2026-06-01/opportunities.csv": None,  # header copied from the hand-made fixture
}


def test_exports_without_rows_give_a_full_series_of_zero_kpis(open_marts, tmp_path, fixtures_dir):
    landing = tmp_path / "landing"
    for relative, header in HEADERS.items():
        if header is None:
            fixture = fixtures_dir / "handmade/landing" / relative
            header = fixture.read_text().splitlines()[0]
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text(header + "\n")
    con = open_marts(landing, "2026-06-30")
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
    loaded = con.execute("select count(*) from audit.load_log where status = 'loaded'").fetchone()
    assert loaded == (2,)
