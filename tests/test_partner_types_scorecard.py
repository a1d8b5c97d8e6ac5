"""Hand-worked acceptance test of partner types and the scorecard (METRICS.md sections 1, 5, 8, 9):
dim_partners' new columns, fct_opportunity_partner.marketplace, partner_type_kpis and
partner_scorecard.

Every expected value was worked out by hand from METRICS.md, LANDING.md and docs/decisions.md,
never from the pipeline's SQL. Fixture: tests/fixtures/partner_types/landing, one export dated D.

As-of date D = 2026-06-15 (a Monday mid-quarter, so the current quarter is "to date").
  trailing 365 days (key metrics, tiers)  = (2025-06-15, 2026-06-15]
  tier outlook: the part still in the window 90 days on = (D - 275, D] = (2025-09-13, 2026-06-15]
  activity: trailing 90 days = (2026-03-17, 2026-06-15]
  scorecard quarters: 2024-07-01, 2024-10-01, 2025-01-01, 2025-04-01, 2025-07-01, 2025-10-01,
  2026-01-01, 2026-04-01 (the last one to D)
A "deal" below is a marketplace-only transaction whose reseller is the partner (no opportunity):
a won line of its own, sourced by it, with program credit 1.

Partners (time to value from the seed: technology 90-180, affiliate 30-90, reseller 180-360,
strategic_alliance 180-540, oem 360-720 days):
  T_AHEAD/T_MIN/T_MAX/T_LATE technology signed 2025-01-01, one 100.00 deal on day 89 (2025-03-31)
        / 90 (2025-04-01) / 180 (2025-06-30) / 181 (2025-07-01) -> ahead / on_time / on_time / late
  T_WAIT technology signed 2025-12-17 = D - 180, no deal -> waiting (at most max days)
  T_OVER technology signed 2025-12-16T23:00Z = D - 181, no deal -> overdue
  T_PROS technology, never signed; installs I1 (2026-01-10, live), I2 (2026-01-10, uninstalled
        on D: not live), I3 (2023-01-01, live: installed long before the window still counts,
        docs/decisions.md) -> active_integrations 2. T_AHEAD's install I4 is dated after D -> 0.
  R_GOLD reseller signed 2024-01-01: deals 60,000.00 (2025-08-01) + 12,000.00 (2026-01-10)
        -> tier revenue 72,000 gold; outlook keeps only 12,000 -> silver (at risk of demotion).
        First deal 578 days after signing -> late. Key metric 72,000.00.
  R_EDGE reseller signed 2024-01-01: 10,000.00 on 2025-09-13 (= D - 275, out of the outlook)
        and 9,999.99 on 2025-09-14 (D - 274, in) -> tier 19,999.99 silver; outlook 9,999.99
        registered. First deal 621 days -> late. Key metric 19,999.99.
  aws, azure, gcp, appexchange: marketplaces added as never-signed resellers (their
        transactions only touch open opportunities) -> key metric 0.00, status empty.
  S1 affiliate signed 2026-02-01 (manager Ann Lee, region EMEA), the scorecard partner:
        deals 400.00 (2025-12-31T23:00Z, before signing), 1,000.00 (2026-03-31T23:59Z, a quarter's
        last day), 9,100.00 (2026-04-01T00:00Z, a quarter's first day), refund -500.00
        (2026-04-01), 700.00 on 2026-06-16 (after D: does not exist yet).
        First deal after signing: 2026-03-31 = day 58 -> on_time (30-90).
        Referrals converted 2025-06-15 (D-365, 50.00 USD), 2025-06-16 (200.00 EUR at 1.10 =
        220.00), 2026-06-15T23:00Z (D, 500.00 USD), 2026-06-20 (after D) -> referred_revenue
        220.00 + 500.00 = 720.00.
        Registrations: DR1 expired but approved, registered 2025-07-01; DR2 approved 2026-04-01;
        DR3 rejected 2026-04-02 (never counts).
        Tier on D: revenue 400 + 1,000 + 9,100 - 500 = 10,000.00 -> silver; outlook: the same
        10,000.00 (all after 2025-09-13) -> silver.
        MDF: M1 300.00 USD claimed 2026-04-02; M2 200.00 EUR approved 2026-01-10, never claimed
        -> 220.00 on 2026-01-10; M3 100.00 USD claimed 2026-06-20 (after D) so dated by its
        approval 2026-06-01.
        NPS: 9 (2026-01-05), 4 (2026-03-31), 10 (2026-04-01), 0 (2026-06-16, after D).
  S2 affiliate signed 2024-01-01, nothing at all -> overdue; eight quarters of zeros, registered.
  A_PROS affiliate signed 2026-07-01 (after D) -> a prospect: no status, no scorecard rows.
  SA1 strategic_alliance signed 2025-01-01, on account ACC1:
        O-CS1 won 2026-02-01 (5,000) with co_sell 2026-01-10 -> counts;
        O-CS2 won 2025-06-15 (D-365, out of the window) with co_sell 2025-05-10 -> not counted,
            but its first deal: 165 days after signing -> ahead (< 180);
        O-CS3 won 2026-03-01 (3,000) touched only by a 'webinar' -> not co-sold;
        O-CS4 open, created 2026-05-01, co_sell 2026-05-02 -> not won; makes SA1 active.
        -> co_sold_deals 1; tier revenue 8,000 -> registered, outlook registered.
  O1 oem signed 2024-06-01 (744 days before D), no deal -> overdue (> 720)
  O2 oem signed 2024-07-01 (714 days before D), no deal -> waiting (<= 720)
Marketplace column: O-MP has TX-2 (aws, 09:00) and TX-1 (azure, 11:00) the same day -> aws (the
first by time, though TX-1 has the smaller id); O-MP2 has TX-4 (gcp) and TX-3 (appexchange) at
the same time -> appexchange (the smaller id); a marketplace-only line has its own marketplace.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from marts import query

LANDING = Path(__file__).parent / "fixtures" / "partner_types" / "landing"
AS_OF = "2026-06-15"
QUARTERS = [
    dt.date(2024, 7, 1),
    dt.date(2024, 10, 1),
    dt.date(2025, 1, 1),
    dt.date(2025, 4, 1),
    dt.date(2025, 7, 1),
    dt.date(2025, 10, 1),
    dt.date(2026, 1, 1),
    dt.date(2026, 4, 1),
]
SIGNED = [
    "T_AHEAD",
    "T_MIN",
    "T_MAX",
    "T_LATE",
    "T_WAIT",
    "T_OVER",
    "R_GOLD",
    "R_EDGE",
    "S1",
    "S2",
    "SA1",
    "O1",
    "O2",
]


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, AS_OF)


@pytest.fixture(scope="module")
def partners(con) -> dict[str, dict]:
    return {row["partner_id"]: row for row in query(con, "select * from marts.dim_partners")}


DIM = {
    # partner: (tier, tier_outlook_90d, key_metric, key_metric_value, time_to_value_status)
    "T_AHEAD": ("registered", "registered", "active_integrations", "0.00", "ahead"),
    "T_MIN": ("registered", "registered", "active_integrations", "0.00", "on_time"),
    "T_MAX": ("registered", "registered", "active_integrations", "0.00", "on_time"),
    "T_LATE": ("registered", "registered", "active_integrations", "0.00", "late"),
    "T_WAIT": ("registered", "registered", "active_integrations", "0.00", "waiting"),
    "T_OVER": ("registered", "registered", "active_integrations", "0.00", "overdue"),
    "T_PROS": (None, None, "active_integrations", "2.00", None),
    "R_GOLD": ("gold", "silver", "partner_sourced_arr", "72000.00", "late"),
    "R_EDGE": ("silver", "registered", "partner_sourced_arr", "19999.99", "late"),
    "aws": (None, None, "partner_sourced_arr", "0.00", None),
    "azure": (None, None, "partner_sourced_arr", "0.00", None),
    "gcp": (None, None, "partner_sourced_arr", "0.00", None),
    "appexchange": (None, None, "partner_sourced_arr", "0.00", None),
    "S1": ("silver", "silver", "referred_revenue", "720.00", "on_time"),
    "S2": ("registered", "registered", "referred_revenue", "0.00", "overdue"),
    "A_PROS": (None, None, "referred_revenue", "0.00", None),
    "SA1": ("registered", "registered", "co_sold_deals", "1.00", "ahead"),
    "O1": ("registered", "registered", "embedded_revenue", "0.00", "overdue"),
    "O2": ("registered", "registered", "embedded_revenue", "0.00", "waiting"),
}
BENEFITS = {
    "registered": "logo use, basic portal access",
    "silver": "co-marketing funds, training",
    "gold": "dedicated partner manager, joint campaigns",
    None: None,
}


def test_every_partner_is_there(partners):
    assert set(partners) == set(DIM)


@pytest.mark.parametrize("partner_id", sorted(DIM))
def test_partner_type_columns(partners, partner_id):
    row = partners[partner_id]
    tier, outlook, metric, value, status = DIM[partner_id]
    actual = (
        row["tier"],
        row["tier_outlook_90d"],
        row["key_metric"],
        row["key_metric_value"],
        row["time_to_value_status"],
    )
    assert actual == (tier, outlook, metric, Decimal(value), status)
    assert row["tier_benefits"] == BENEFITS[tier]


def test_days_behind_the_time_to_value_edges(partners):
    days = {p: partners[p]["days_to_first_deal"] for p in ("T_AHEAD", "T_MIN", "T_MAX", "T_LATE")}
    assert days == {"T_AHEAD": 89, "T_MIN": 90, "T_MAX": 180, "T_LATE": 181}
    assert partners["S1"]["days_to_first_deal"] == 58
    assert partners["SA1"]["days_to_first_deal"] == 165


def test_manager_region_and_marketplaces(partners):
    assert (partners["S1"]["partner_manager"], partners["S1"]["region"]) == ("Ann Lee", "EMEA")
    assert partners["aws"]["partner_manager"] is None
    marketplaces = {p for p, row in partners.items() if row["is_marketplace"]}
    assert marketplaces == {"aws", "azure", "gcp", "appexchange"}


def test_marketplace_of_each_line(con):
    rows = dict(
        con.execute(
            "select opportunity_id, marketplace from marts.fct_opportunity_partner"
        ).fetchall()
    )
    assert rows["O-MP"] == "aws"
    assert rows["O-MP2"] == "appexchange"
    assert rows["marketplace:TX-S1A"] == "aws"
    assert rows["O-CS1"] is None
    assert "marketplace:TX-S1D" not in rows  # after D


TYPE_KPIS = {
    # type: (partners, signed, active, activation_rate, key_metric, total, median,
    #        min, max, ahead, on_time, late, waiting, overdue)
    "technology": (7, 6, 0, 0.0, "active_integrations", "2.00", 135.0, 90, 180, 1, 2, 1, 1, 1),
    "affiliate": (3, 2, 1, 0.5, "referred_revenue", "720.00", 58.0, 30, 90, 0, 1, 0, 0, 1),
    "reseller": (6, 2, 0, 0.0, "partner_sourced_arr", "91999.99", 599.5, 180, 360, 0, 0, 2, 0, 0),
    "strategic_alliance": (1, 1, 1, 1.0, "co_sold_deals", "1.00", 165.0, 180, 540, 1, 0, 0, 0, 0),
    "oem": (2, 2, 0, 0.0, "embedded_revenue", "0.00", None, 360, 720, 0, 0, 0, 1, 1),
}
TYPE_COLUMNS = [
    "partners",
    "signed_partners",
    "active_partners",
    "activation_rate",
    "key_metric",
    "key_metric_total",
    "median_days_to_first_deal",
    "time_to_value_min_days",
    "time_to_value_max_days",
    "ahead",
    "on_time",
    "late",
    "waiting",
    "overdue",
]


def test_partner_type_kpis(con):
    rows = {row["partner_type"]: row for row in query(con, "select * from marts.partner_type_kpis")}
    assert set(rows) == set(TYPE_KPIS)
    for partner_type, expected in TYPE_KPIS.items():
        actual = tuple(rows[partner_type][c] for c in TYPE_COLUMNS)
        expected = tuple(
            Decimal(v) if c == "key_metric_total" else v
            for c, v in zip(TYPE_COLUMNS, expected, strict=True)
        )
        assert actual == expected, partner_type


@pytest.fixture(scope="module")
def scorecard(con) -> dict[tuple[str, dt.date], dict]:
    rows = query(con, "select * from marts.partner_scorecard")
    return {(row["partner_id"], row["quarter_start"]): row for row in rows}


def test_scorecard_has_eight_quarters_of_every_signed_partner(scorecard):
    assert set(scorecard) == {(p, q) for p in SIGNED for q in QUARTERS}
    last_days = {q: scorecard[("S2", q)]["quarter_last_day"] for q in QUARTERS}
    assert last_days[dt.date(2024, 7, 1)] == dt.date(2024, 9, 30)
    assert last_days[dt.date(2026, 1, 1)] == dt.date(2026, 3, 31)
    assert last_days[dt.date(2026, 4, 1)] == dt.date(2026, 6, 15)  # the current quarter: D


SCORECARD_COLUMNS = [
    "sourced_revenue_usd",
    "credited_revenue_usd",
    "won_deals",
    "deal_registrations",
    "converted_referrals",
    "mdf_spent_usd",
    "nps_score",
    "tier",
    "is_active",
]
ZERO = ("0.00", "0.00", 0, 0, 0, "0.00", None)
S1 = {
    # quarter: (sourced, credited, won deals, registrations, referrals, mdf, nps, tier, active)
    dt.date(2024, 7, 1): (*ZERO, None, False),
    dt.date(2024, 10, 1): (*ZERO, None, False),
    dt.date(2025, 1, 1): (*ZERO, None, False),
    # referrals converted 2025-06-15 and 2025-06-16; not signed yet
    dt.date(2025, 4, 1): ("0.00", "0.00", 0, 0, 2, "0.00", None, None, False),
    # DR1 (expired after approval) registered 2025-07-01, the quarter's first day
    dt.date(2025, 7, 1): ("0.00", "0.00", 0, 1, 0, "0.00", None, None, False),
    # the 400.00 deal of 2025-12-31T23:00Z, the quarter's last day; before signing
    dt.date(2025, 10, 1): ("400.00", "400.00", 1, 0, 0, "0.00", None, None, False),
    # 1,000.00 on 2026-03-31; M2 220.00; latest NPS 4; tier on 03-31: 1,400 and 3 referrals
    dt.date(2026, 1, 1): ("1000.00", "1000.00", 1, 0, 0, "220.00", 4, "registered", True),
    # 9,100 - 500 (the refund is revenue, not a deal); DR2; RF3 on D; M1 + M3; NPS 10
    dt.date(2026, 4, 1): ("8600.00", "8600.00", 1, 1, 1, "400.00", 10, "silver", True),
}


@pytest.mark.parametrize("quarter", QUARTERS)
def test_scorecard_of_the_partner_with_everything(scorecard, quarter):
    actual = tuple(scorecard[("S1", quarter)][c] for c in SCORECARD_COLUMNS)
    expected = tuple(
        Decimal(v) if c.endswith("_usd") else v
        for c, v in zip(SCORECARD_COLUMNS, S1[quarter], strict=True)
    )
    assert actual == expected


def test_scorecard_of_a_partner_with_nothing(scorecard):
    for quarter in QUARTERS:
        actual = tuple(scorecard[("S2", quarter)][c] for c in SCORECARD_COLUMNS)
        assert actual == (
            *(Decimal(v) if isinstance(v, str) else v for v in ZERO),
            "registered",
            False,
        )


def test_scorecard_tier_follows_the_tier_history(scorecard):
    # R_GOLD: 60,000 on 2025-08-01 -> gold (>= 50,000) from then; registered before
    tiers = [scorecard[("R_GOLD", q)]["tier"] for q in QUARTERS]
    assert tiers == ["registered"] * 4 + ["gold"] * 4
    # SA1 is active on D (O-CS4 created 2026-05-01), and on 2026-03-31 (O-CS3 won 03-01)
    assert scorecard[("SA1", dt.date(2026, 4, 1))]["is_active"] is True
    assert scorecard[("SA1", dt.date(2026, 1, 1))]["is_active"] is True
