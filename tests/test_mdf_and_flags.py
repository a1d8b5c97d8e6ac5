"""Hand-worked acceptance test of MDF ROI (marts.fct_mdf_roi) and the anti-pattern flags
(marts.fct_partner_flags) on a tiny landing folder.

Every expected value below was worked out by hand from the product definitions
(/work/shared/spec/METRICS.md sections 0, 2, 5, 6, 7 and LANDING.md) and the lead's choices in
docs/decisions.md, never from the pipeline's SQL. Fixture: tests/fixtures/mdf_flags/landing (one
export date, 2026-06-30, for every source). One test function per rule.

As-of date D = 2026-06-30.
  D - 89 = 2026-04-02, D - 90 = 2026-04-01, D - 91 = 2026-03-31, D - 101 = 2026-03-21
  trailing  90 days = (2026-04-01, 2026-06-30]   (activity)
  trailing 365 days = (2025-06-30, 2026-06-30]   (tiers, commission)
FX (usd_per_unit, the latest rate on or before a date applies):
  EUR 2025-01-01 1.10 | 2026-02-01 1.20 | 2026-03-01 1.30 | 2026-05-01 1.25 | 2026-06-01 1.50 (D)
  GBP 2025-01-01 1.25 | 2026-02-01 1.35 | 2026-06-01 1.45 (D)
  CHF: no rate at all.

Fixture map (partners; every one is an affiliate with no strategic score unless said otherwise,
so its value quadrant is affiliate/affiliate and no quadrant flag arises):
  PM1-PM6  unsigned (no agreement): own the fund requests -> never inactive, never quadrant-flagged
  CC1-CC4  signed 2026-05-01 (60 days): channel-conflict cases
  IN1      signed 2026-03-31 (91 days), last activity 2026-03-21 (101 days)  -> inactive
  IN2      signed 2026-04-01 (90 days), no activity                           -> not flagged
  IN3      signed 2025-10-01, last activity 2026-04-01 (90 days: outside (D-90, D]) -> inactive
  IN4      signed 2025-10-01, last activity 2026-04-02 (89 days)               -> active
  CM1-CM4  signed 2026-04-15, one referral each (commission thresholds, USD)
  CM5      unsigned (no tier -> registered rate), one EUR referral
  CMS      signed 2026-01-01, five referrals: silver from the fifth one on
  Q1-Q4    signed 2026-05-01: technology 1.0, technology 1.15, reseller 1.14, affiliate 1.15
Every referral names a customer domain that matches no account, so referrals create no touches
and no revenue lines; they only count as activity, tier referrals and commission.
Activity check for signed partners signed more than 90 days before D: IN1, IN3 (inactive),
IN4 (referral 2026-04-02) and CMS (referral 2026-05-05) -> only IN1 and IN3 are flagged inactive.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from marts import query

LANDING = Path(__file__).parent / "fixtures" / "mdf_flags" / "landing"
AS_OF = "2026-06-30"
D = dt.date(2026, 6, 30)


def usd(s: str | None) -> Decimal | None:
    return None if s is None else Decimal(s)


# --------------------------------------------------------------------------------------------
# Expected MDF rows (marts.fct_mdf_roi)
# --------------------------------------------------------------------------------------------
# Campaigns:
#   CMP-A start 2025-06-15, end 2025-12-31; window 2025-06-15 .. 2026-06-15 (start + 365).
#     OA1 won 2026-06-15 (day 365) 8,000      -> revenue and pipeline
#     OA2 won 2026-06-16 (day 366) 1,000      -> neither
#     OA3 open at D (expected close 2026-09-30) 2,000 -> pipeline
#     OA4 lost 2026-01-10 1,000               -> pipeline (closed in the period), no revenue
#     OA5 won 2025-06-14 (before start) 16,000 -> neither
#     attributed = 8,000.00; pipeline = 8,000 + 2,000 + 1,000 = 11,000.00
#     funders: R-A1 3,000 USD, R-A2 1,000 USD, R-U1 500 CHF (no rate -> weighs 0) -> 75% / 25% / 0
#     It ended 181 days before D but its pipeline is not 0 -> no no_results.
#   CMP-B start 2026-01-01, no end: OB1 won 2026-03-01 3,000; OB2 open 1,000
#     attributed 3,000.00, pipeline 4,000.00; R-B1 and R-B2 spent 0 -> equal halves.
#   CMP-C start 2026-01-01, no end, no opportunities -> every funder gets 0 / 0, ROI -1.
#   CMP-D ended 2026-03-31 (D - 91), no opportunities -> pipeline 0 -> no_results.
#   CMP-E ended 2026-04-01 (D - 90), no opportunities -> not "more than 90 days" -> no flag.
#   CMP-ZZ is named by requests but does not exist -> no_campaign.

# request -> (partner, campaign, spent_usd, pipeline_usd, attributed_usd, roi, reasons)
# SKIP marks a value the spec leaves open (see the comment on the row).
SKIP = object()

MDF = {
    # 3,000 USD (USD converts at 1). Share 3,000 / (3,000 + 1,000 + 0) = 75%:
    # attributed 0.75 x 8,000 = 6,000.00; pipeline 0.75 x 11,000 = 8,250.00;
    # ROI (6,000 - 3,000) / 3,000 = 1.0. Claimed with proof -> no reason.
    "R-A1": ("PM1", "CMP-A", "3000.00", "8250.00", "6000.00", 1.0, None),
    # 25%: attributed 2,000.00, pipeline 2,750.00, ROI (2,000 - 1,000) / 1,000 = 1.0.
    "R-A2": ("PM2", "CMP-A", "1000.00", "2750.00", "2000.00", 1.0, None),
    # 500 CHF, no CHF rate -> spent_usd NULL, weighs 0 -> share 0 -> 0.00 / 0.00; ROI NULL
    # (no USD spent to divide by); flagged unconverted_currency.
    "R-U1": ("PM5", "CMP-A", None, "0.00", "0.00", None, "unconverted_currency"),
    # Spent 0 on both CMP-B requests -> equal shares: 3,000 / 2 = 1,500.00, 4,000 / 2 = 2,000.00;
    # ROI NULL (spent 0); never flagged (R-B2 is claimed without proof, still not flagged).
    "R-B1": ("PM3", "CMP-B", "0.00", "2000.00", "1500.00", None, None),
    "R-B2": ("PM4", "CMP-B", "0.00", "2000.00", "1500.00", None, None),
    # 1,000 EUR, claimed 2026-03-15 -> claim date's rate 1.30 (approval 1.20, request 1.10,
    # D 1.50) = 1,300.00; CMP-C has no results -> 0 / 0; ROI (0 - 1,300) / 1,300 = -1.0.
    "R-C1": ("PM6", "CMP-C", "1300.00", "0.00", "0.00", -1.0, None),
    # 1,000 GBP, not claimed, approved 2026-02-15 -> 1.35 (request 1.25, D 1.45) = 1,350.00.
    "R-C2": ("PM6", "CMP-C", "1350.00", "0.00", "0.00", -1.0, None),
    # 1,000 GBP, neither claimed nor approved, requested 2026-01-15 -> 1.25 = 1,250.00.
    "R-C3": ("PM6", "CMP-C", "1250.00", "0.00", "0.00", -1.0, None),
    # 100 USD claimed, proof false -> no_proof_of_performance.
    "R-P1": ("PM6", "CMP-C", "100.00", "0.00", "0.00", -1.0, "no_proof_of_performance"),
    # 100 USD claimed, proof empty -> no_proof_of_performance.
    "R-P2": ("PM6", "CMP-C", "100.00", "0.00", "0.00", -1.0, "no_proof_of_performance"),
    # 100 USD claimed, proof true -> no reason.
    "R-P3": ("PM6", "CMP-C", "100.00", "0.00", "0.00", -1.0, None),
    # 100 USD, proof false but never claimed (no claim date) -> no reason.
    "R-P4": ("PM6", "CMP-C", "100.00", "0.00", "0.00", -1.0, None),
    # CMP-D ended D - 91 with pipeline 0 -> no_results. ROI (0 - 100) / 100 = -1.0.
    "R-D1": ("PM6", "CMP-D", "100.00", "0.00", "0.00", -1.0, "no_results"),
    # Same campaign, 100 CHF (no rate), claimed with proof false -> three reasons in spec order.
    "R-D2": (
        "PM6",
        "CMP-D",
        None,
        "0.00",
        "0.00",
        None,
        "no_proof_of_performance, no_results, unconverted_currency",
    ),
    # CMP-E ended exactly D - 90 -> not more than 90 days -> no reason.
    "R-E1": ("PM6", "CMP-E", "100.00", "0.00", "0.00", -1.0, None),
    # No campaign named. Attributed/pipeline/ROI of a request without a (known) campaign are not
    # fixed by the spec (0 or NULL) -> not checked.
    "R-N1": ("PM6", None, "200.00", SKIP, SKIP, SKIP, "no_campaign"),
    # Unknown campaign CMP-ZZ, claimed with proof false.
    "R-N2": ("PM6", "CMP-ZZ", "200.00", SKIP, SKIP, SKIP, "no_campaign, no_proof_of_performance"),
    # Unknown campaign, 200 CHF, claimed with empty proof.
    "R-N3": (
        "PM6",
        "CMP-ZZ",
        None,
        SKIP,
        SKIP,
        SKIP,
        "no_campaign, no_proof_of_performance, unconverted_currency",
    ),
    # Spent 0, no campaign, claimed without proof -> never flagged; ROI NULL.
    "R-Z0": ("PM6", None, "0.00", SKIP, SKIP, None, None),
}


# --------------------------------------------------------------------------------------------
# Expected flags (marts.fct_partner_flags): (partner, flag) -> amount_usd (None = NULL)
# --------------------------------------------------------------------------------------------
FLAGS = {
    # DR-C1 (approved, registered 2026-03-01, no expires_at -> holds AC1 through 2026-03-01 + 90
    # = 2026-05-30). OC1A (direct, created 2026-05-30) conflicts; OC1B (2026-05-31) does not.
    # OC1A is 1,000 EUR, open -> D's rate 1.50 = 1,500.00.
    ("CC1", "channel_conflict"): "1500.00",
    # DR-C2 (approved, registered 2026-05-01T10:00Z, expires 2026-06-10) holds AC2 from
    # 2026-05-01 to 2026-06-10: OC2E (created 2026-05-01T08:00Z, same date) 2,500 + OC2A (created
    # 2026-06-10, the expiry date) 1,000 = 3,500.00. Not: OC2C (2026-04-30, before), OC2B
    # (2026-06-11, after expiry), OC2D (influenced by CC2's co_sell touch).
    ("CC2", "channel_conflict"): "3500.00",
    # AC3's partner_owner_id is CC3: OC3 (direct) 700.00. OC3I is influenced (T-3I) -> not.
    ("CC3", "channel_conflict"): "700.00",
    # CC4's registration DR-C4 is only submitted -> holds nothing -> OC4 is no conflict.
    # Signed 2026-03-31 = D - 91 (> 90), last activity RF-IN1 converted 2026-03-21 (101 days).
    ("IN1", "inactive_partner"): None,
    # Signed 2025-10-01, last activity RF-IN3 2026-04-01 = D - 90, outside (D - 90, D].
    ("IN3", "inactive_partner"): None,
    # Owed 10,000 x 10% = 1,000.00; tolerance 1% of owed = 10.00.
    # CM1 reported 1,009.99 (|9.99| < 10) and CM2 1,010.00 (|10.00| = 10, not more) -> no flag.
    # CM3 reported 1,010.01 -> |10.01| > 10 -> amount = reported - owed = 10.01.
    ("CM3", "commission_mismatch"): "10.01",
    # CM4 reported 989.99 -> amount 989.99 - 1,000.00 = -10.01.
    ("CM4", "commission_mismatch"): "-10.01",
    # CM5 (no tier -> registered 10%): 8,000 EUR and 808.80 EUR converted 2026-05-10 at 1.25 ->
    # revenue 10,000.00, owed 1,000.00, reported 1,011.00 -> amount 11.00 (at D's 1.50: 13.20).
    ("CM5", "commission_mismatch"): "11.00",
    # CMS: RF-S1..S4 (2026-02-01..04) at registered 10% = 4 x 100; RF-S5 (2026-05-05) is the 5th
    # referral in (2025-05-05, 2026-05-05] -> silver that day -> 12% x 1,000 = 120.
    # Owed 520.00, reported 5 x 100 = 500.00 -> |-20| > 5.20 -> amount -20.00.
    ("CMS", "commission_mismatch"): "-20.00",
    # Quadrants (tier revenue 0 -> revenue low; strategic value high from 1.15):
    # Q1 technology, 1.0 -> affiliate quadrant, belongs in technology.
    ("Q1", "quadrant_mismatch"): None,
    # Q2 technology, 1.15 -> technology quadrant -> no flag.
    # Q3 reseller, 1.14 -> affiliate quadrant, belongs in channel.
    ("Q3", "quadrant_mismatch"): None,
    # Q4 affiliate, 1.15 -> technology quadrant, belongs in affiliate.
    ("Q4", "quadrant_mismatch"): None,
    # set_and_forget: signed more than 180 days before D (before 2026-01-01) are IN3 and IN4
    # (2025-10-01); no campaign of theirs (every campaign has no partner), no fund request (all
    # are PM1-PM6's), no NPS response, no co_sell touch (those are CC2's and CC3's) -> flagged.
    # CMS, signed 2026-01-01 = exactly D - 180, is not "more than 180 days" -> not flagged.
    ("IN3", "set_and_forget"): None,
    ("IN4", "set_and_forget"): None,
    # No one_sided_value (the partners with MDF are unsigned; no signed partner has 50,000 of
    # credited revenue) and no partner_detractor (no NPS response at all).
}


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, AS_OF)


def mdf_row(con, request_id: str) -> dict:
    rows = query(con, "select * from marts.fct_mdf_roi where request_id = ?", [request_id])
    assert len(rows) == 1, f"{request_id}: expected one row in fct_mdf_roi, got {rows}"
    return rows[0]


def flag_rows(con, flag: str) -> dict[str, dict]:
    rows = query(con, "select * from marts.fct_partner_flags where flag = ?", [flag])
    out: dict[str, dict] = {}
    for r in rows:
        assert r["partner_id"] not in out, f"{flag}: two rows for {r['partner_id']}"
        out[r["partner_id"]] = r
    return out


def assert_money(actual, expected: Decimal | None, what: str) -> None:
    if expected is None:
        assert actual is None, f"{what}: expected NULL, got {actual!r}"
    else:
        assert isinstance(actual, Decimal), f"{what}: expected DECIMAL, got {actual!r}"
        assert actual == expected, f"{what}: expected {expected}, got {actual}"


def check_mdf(con, request_id: str, columns: tuple[str, ...]) -> None:
    partner, campaign, spent, pipeline, attributed, roi, reasons = MDF[request_id]
    r = mdf_row(con, request_id)
    want = {
        "partner_id": partner,
        "campaign_id": campaign,
        "spent_usd": spent,
        "pipeline_usd": pipeline,
        "attributed_revenue_usd": attributed,
        "roi": roi,
        "reasons": reasons,
    }
    for col in columns:
        w = want[col]
        if w is SKIP:
            continue
        if col in ("spent_usd", "pipeline_usd", "attributed_revenue_usd"):
            assert_money(r[col], usd(w), f"{request_id}.{col}")
        elif col == "roi":
            if w is None:
                assert r["roi"] is None, f"{request_id}.roi: expected NULL, got {r['roi']!r}"
            else:
                assert r["roi"] == pytest.approx(w), f"{request_id}.roi: {r['roi']!r} != {w}"
        elif col == "reasons":
            if w is None:
                assert r["is_flagged"] is False, f"{request_id}: should not be flagged {r}"
                # Unflagged: no reasons (NULL or empty; the spec does not say which).
                assert r["flag_reasons"] in (None, ""), f"{request_id}: {r['flag_reasons']!r}"
            else:
                assert r["is_flagged"] is True, f"{request_id}: should be flagged ({w}) {r}"
                assert r["flag_reasons"] == w, f"{request_id}: {r['flag_reasons']!r} != {w!r}"
        else:
            assert r[col] == w, f"{request_id}.{col}: expected {w!r}, got {r[col]!r}"


# --------------------------------------------------------------------------------------------
# MDF ROI
# --------------------------------------------------------------------------------------------


def test_mdf_rows_are_exactly_the_requests(con):
    got = {r["request_id"] for r in query(con, "select request_id from marts.fct_mdf_roi")}
    assert got == set(MDF)
    for rid in MDF:
        check_mdf(con, rid, ("partner_id", "campaign_id"))


@pytest.mark.parametrize(
    "request_id",
    [
        "R-C1",  # EUR: claim date's rate 1.30 -> 1,300.00
        "R-C2",  # GBP: approval date's rate 1.35 -> 1,350.00
        "R-C3",  # GBP: request date's rate 1.25 -> 1,250.00
        "R-A1",  # USD at 1 -> 3,000.00
        "R-B1",  # spent 0 -> 0.00
        "R-U1",  # CHF, no rate -> NULL
        "R-D2",  # CHF, no rate -> NULL
        "R-N3",  # CHF, no rate -> NULL
    ],
)
def test_mdf_spent_converts_at_claim_else_approval_else_request_rate(con, request_id):
    check_mdf(con, request_id, ("spent_usd",))


def test_mdf_attributed_revenue_and_pipeline_window(con):
    # CMP-A: revenue counts OA1 (day 365) only: not OA2 (day 366, would give 9,000 in total),
    # not OA5 (before the start). Pipeline: OA1 + OA3 (open) + OA4 (lost in the period) = 11,000;
    # R-A1 + R-A2 hold 100% of it (R-U1 weighs 0).
    for rid in ("R-A1", "R-A2"):
        check_mdf(con, rid, ("attributed_revenue_usd", "pipeline_usd"))
    total = query(
        con,
        "select sum(attributed_revenue_usd) as a, sum(pipeline_usd) as p "
        "from marts.fct_mdf_roi where campaign_id = 'CMP-A'",
    )[0]
    assert_money(total["a"], Decimal("8000.00"), "CMP-A attributed")  # OA1 only
    assert_money(total["p"], Decimal("11000.00"), "CMP-A pipeline")  # 8,000 + 2,000 + 1,000


@pytest.mark.parametrize("request_id", ["R-A1", "R-A2", "R-U1"])
def test_mdf_shares_proportional_to_spent(con, request_id):
    # 3,000 : 1,000 : 0 (unconverted CHF weighs 0) -> 75% / 25% / 0%.
    check_mdf(con, request_id, ("attributed_revenue_usd", "pipeline_usd"))


@pytest.mark.parametrize("request_id", ["R-B1", "R-B2"])
def test_mdf_equal_shares_when_none_spent(con, request_id):
    # CMP-B: 3,000 revenue and 4,000 pipeline, two requests with spent 0 -> halves.
    check_mdf(con, request_id, ("spent_usd", "attributed_revenue_usd", "pipeline_usd", "roi"))


@pytest.mark.parametrize("request_id", sorted(MDF))
def test_mdf_roi(con, request_id):
    # ROI = (attributed - spent) / spent; NULL when spent is 0 (or has no USD value).
    check_mdf(con, request_id, ("roi",))


@pytest.mark.parametrize("request_id", sorted(MDF))
def test_mdf_without_roi_flags(con, request_id):
    # is_flagged and flag_reasons ("a, b" in the order no_campaign, no_proof_of_performance,
    # no_results, unconverted_currency); spent 0 is never flagged.
    check_mdf(con, request_id, ("reasons",))


# --------------------------------------------------------------------------------------------
# Anti-pattern flags
# --------------------------------------------------------------------------------------------


def _expected(flag: str) -> dict[str, Decimal | None]:
    return {p: usd(a) for (p, f), a in FLAGS.items() if f == flag}


def test_partner_flags_are_exactly_the_expected_ones(con):
    got = {
        (r["partner_id"], r["flag"])
        for r in query(con, "select partner_id, flag from marts.fct_partner_flags")
    }
    assert got == set(FLAGS)


def test_channel_conflict(con):
    rows = flag_rows(con, "channel_conflict")
    want = _expected("channel_conflict")
    assert set(rows) == set(want)  # CC1, CC2, CC3 (not CC4: submitted registration)
    for pid, amount in want.items():
        assert_money(rows[pid]["amount_usd"], amount, f"{pid} channel_conflict amount")
    # Detail lists the conflicting opportunity ids, and only those.
    detail_ids = {
        "CC1": ({"OC1A"}, {"OC1B"}),  # day 90 of the default hold in, day 91 out
        "CC2": ({"OC2A", "OC2E"}, {"OC2B", "OC2C", "OC2D"}),  # expiry date in, after/before out
        "CC3": ({"OC3"}, {"OC3I"}),  # owner's direct deal in, influenced deal out
    }
    for pid, (inside, outside) in detail_ids.items():
        detail = rows[pid]["detail"] or ""
        for oid in inside:
            assert oid in detail, f"{pid}: {oid} missing from detail {detail!r}"
        for oid in outside:
            assert oid not in detail, f"{pid}: {oid} should not be in detail {detail!r}"


def test_inactive_partner(con):
    rows = flag_rows(con, "inactive_partner")
    # IN1 (91 days since signing, inactive) and IN3 (activity exactly 90 days ago) are flagged;
    # IN2 (90 days since signing), IN4 (activity 89 days ago), CMS (activity 2026-05-05) are not.
    assert set(rows) == set(_expected("inactive_partner"))
    for pid in rows:
        assert rows[pid]["amount_usd"] is None, f"{pid}: inactive_partner has no amount"
    # Detail: days since the last activity: IN1 2026-03-21 -> 101 days.
    assert "101" in (rows["IN1"]["detail"] or ""), rows["IN1"]["detail"]


@pytest.mark.parametrize(
    ("partner_id", "amount"),
    [
        ("CM1", None),  # |1,009.99 - 1,000| = 9.99 < 10.00 -> no flag
        ("CM2", None),  # |1,010.00 - 1,000| = 10.00, not more than 1% -> no flag
        ("CM3", "10.01"),  # 10.01 > 10.00 -> reported - owed = 10.01
        ("CM4", "-10.01"),  # 989.99 - 1,000.00 = -10.01
        ("CM5", "11.00"),  # EUR at the conversion date's 1.25: 1,011.00 - 1,000.00
        ("CMS", "-20.00"),  # 500.00 - (4 x 100 + 12% x 1,000 at silver) = -20.00
        ("IN1", None),  # 100 reported = 10% of 1,000 owed (referral before signing: no tier)
        ("IN4", None),  # 100 = 10% of 1,000 (registered)
    ],
)
def test_commission_mismatch(con, partner_id, amount):
    rows = flag_rows(con, "commission_mismatch")
    if amount is None:
        assert partner_id not in rows, f"{partner_id} should not be flagged: {rows.get(partner_id)}"
    else:
        assert partner_id in rows, f"{partner_id} should be flagged commission_mismatch"
        assert_money(rows[partner_id]["amount_usd"], usd(amount), f"{partner_id} amount")


@pytest.mark.parametrize(
    ("partner_id", "quadrant", "expected_quadrant"),
    [
        ("Q1", "affiliate", "technology"),  # technology, score 1.0 < 1.15, revenue 0
        ("Q2", "technology", "technology"),  # technology, score 1.15 (threshold counts) -> fits
        ("Q3", "affiliate", "channel"),  # reseller, score 1.14 -> low/low
        ("Q4", "technology", "affiliate"),  # affiliate, score 1.15 -> high/low
        ("CM1", "affiliate", "affiliate"),  # affiliate, no score (1.0) -> fits
    ],
)
def test_quadrant_mismatch(con, partner_id, quadrant, expected_quadrant):
    rows = flag_rows(con, "quadrant_mismatch")
    if quadrant == expected_quadrant:
        assert partner_id not in rows, f"{partner_id} should not be flagged: {rows.get(partner_id)}"
        return
    assert partner_id in rows, f"{partner_id} should be flagged quadrant_mismatch"
    r = rows[partner_id]
    assert r["amount_usd"] is None
    detail = (r["detail"] or "").lower()
    assert quadrant in detail and expected_quadrant in detail, detail
    dim = query(
        con,
        "select value_quadrant, expected_quadrant, quadrant_mismatch from marts.dim_partners "
        "where partner_id = ?",
        [partner_id],
    )[0]
    assert (dim["value_quadrant"], dim["expected_quadrant"], dim["quadrant_mismatch"]) == (
        quadrant,
        expected_quadrant,
        True,
    )
