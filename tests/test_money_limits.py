"""Totals cannot overflow (issue "nothing lost, nothing false", item 2): the reader accepts a line's
amount up to 16 integer digits, so a conversion or a sum of such lines must be typed wider than
DECIMAL(18,2). Two accepted opportunities of 9e15 (one in EUR at 2 USD per EUR) make lines of
9e15 and 1.8e16 and a program total of 2.7e16: each beyond DECIMAL(18,2), all published to the
cent. Worked by hand below."""

import datetime as dt
from decimal import Decimal

from marts import query

AS_OF = "2026-06-30"
BIG = Decimal("9000000000000000.00")  # 16 integer digits: the largest amount class ingest accepts
LANDING = {
    "crm/2026-06-01/partners.csv": """\
partner_id,partner_name,partner_type,agreement_signed_at,terminated_at,strategic_value_score,partner_manager,region,updated_at,is_deleted
P01,Big-Reseller,reseller,2026-01-01T00:00:00Z,,1.0,Ann-Lee,EMEA,2026-05-31T00:00:00Z,false
""",
    "crm/2026-06-01/opportunities.csv": f"""\
opportunity_id,account_id,opportunity_name,created_at,close_date,stage,is_closed,is_won,amount,currency,campaign_id,marketplace_offer_id,updated_at,is_deleted
O01,A01,Huge-deal,2026-02-01T10:00:00Z,2026-05-15,Closed-Won,true,true,{BIG},USD,,,2026-05-16T00:00:00Z,false
O02,A02,Huge-euro-deal,2026-02-01T10:00:00Z,2026-05-20,Closed-Won,true,true,{BIG},EUR,,,2026-05-21T00:00:00Z,false
""",
    "crm/2026-06-01/deal_registrations.csv": """\
registration_id,partner_id,status,registered_at,approved_at,expires_at,account_id,customer_domain,opportunity_id,updated_at
DR-01,P01,approved,2026-01-25T10:00:00Z,2026-01-26T10:00:00Z,,A01,,O01,2026-01-26T10:00:00Z
DR-02,P01,approved,2026-01-25T10:00:00Z,2026-01-26T10:00:00Z,,A02,,O02,2026-01-26T10:00:00Z
""",
    "reference/2026-06-01/fx_rates.csv": """\
rate_date,currency,usd_per_unit
2026-01-02,EUR,2.0
""",
}


def test_lines_and_totals_beyond_decimal_18_2_are_published_to_the_cent(open_marts, tmp_path):
    landing = tmp_path / "landing"
    for relative, text in LANDING.items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text(text)
    con = open_marts(landing, AS_OF)

    lines = query(
        con,
        "select opportunity_id, amount_usd from marts.fct_opportunity_partner order by 1",
    )
    assert [(line["opportunity_id"], line["amount_usd"]) for line in lines] == [
        ("O01", BIG),
        ("O02", 2 * BIG),  # 9e15 EUR at 2.0: a converted line beyond DECIMAL(18,2)
    ]
    total = 3 * BIG
    kpis = query(
        con,
        "select total_revenue_usd, partner_sourced_revenue_usd from marts.program_kpis"
        " where as_of_date = ?",
        [dt.date.fromisoformat(AS_OF)],
    )
    assert kpis == [{"total_revenue_usd": total, "partner_sourced_revenue_usd": total}]
    sourced = query(
        con,
        "select sum(credited_revenue_usd) as credited from marts.fct_partner_attribution"
        " where model = 'sourced' and partner_id = 'P01'",
    )
    assert sourced == [{"credited": total}]
    partner = query(con, "select tier, tier_revenue_usd from marts.dim_partners")
    assert partner == [{"tier": "platinum", "tier_revenue_usd": total}]
    by_tier = query(
        con, "select tier_revenue_usd from marts.program_tier_kpis where tier = 'platinum'"
    )
    assert by_tier == [{"tier_revenue_usd": total}]
    quarantined = con.execute("select count(*) from audit.quarantine").fetchone()
    assert quarantined == (0,)
