"""Hand-worked edges of the playbook flags (METRICS.md section 7 as amended): channel_conflict,
one_sided_value, set_and_forget, partner_detractor, the worklist columns (condition_started_on,
related_ids), and two MDF fixes (no_results sees a campaign's pipeline even when no request funds
it; commission_mismatch names the referrals it leaves out).

Every expected value is worked out by hand below from METRICS.md and docs/decisions.md, never read
back from the pipeline. Fixture: tests/fixtures/flags_playbook/landing (one export, 2026-06-30).

As-of date D = 2026-06-30 (2026 is not a leap year).
  D - 364 = 2025-07-01, D - 365 = 2025-06-30  (trailing 365 days = (2025-06-30, 2026-06-30])
  D - 179 = 2026-01-02, D - 180 = 2026-01-01, D - 181 = 2025-12-31
                                              (trailing 180 days = (2026-01-01, 2026-06-30])
  2025-01-01 + 181 days = 2025-07-01; 2026-01-01 + 180 days = 2026-06-30
Every partner is an affiliate with no strategic score unless said otherwise; all money is USD.
Only the flags named above are checked here (inactive_partner and quadrant_mismatch have their
hand-worked test in test_mdf_and_flags.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from marts import query

LANDING = Path(__file__).parent / "fixtures" / "flags_playbook" / "landing"
AS_OF = "2026-06-30"
CHECKED = ("channel_conflict", "one_sided_value", "set_and_forget", "partner_detractor")


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# (partner, flag) -> (amount_usd, condition_started_on, related_ids); None = NULL
EXPECTED = {
    # --- channel_conflict: accounts A-CF1 / A-CF2 are owned (partner_owner_id) by CF1 / CF2 ---
    # O-CF-364 created D - 364 (inside (D - 365, D]), open 1,000 -> at stake.
    # O-CF-365 created D - 365 -> outside the half-open window: not a conflict.
    # O-CF-LOST created 2026-03-01, closed lost 4,000 -> a conflict, left out of the amount.
    # O-CF-WON created 2026-02-01, won 500 -> taken direct: in the amount.
    # amount 1,000 + 500 = 1,500.00; started on the earliest creation 2025-07-01.
    ("CF1", "channel_conflict"): (
        "1500.00",
        day("2025-07-01"),
        ["O-CF-364", "O-CF-LOST", "O-CF-WON"],
    ),
    # Only a lost one (300): the conflict stands with 0 at stake.
    ("CF2", "channel_conflict"): ("0.00", day("2026-02-01"), ["O-CF2-LOST"]),
    # --- one_sided_value, takes without giving (signed 2026-01-01, nothing given) ---
    # R-T1: 500 spent, claimed 2026-03-01 (the spend date) -> amount 500.00.
    ("OT1", "one_sided_value"): ("500.00", day("2026-03-01"), ["R-T1"]),
    # R-T2: claimed D - 365 -> outside the window -> no flag.
    # R-T3: 300 spent, but OT3's approved registration DR-T3 (2026-04-01) gave -> no flag.
    # R-T4: spent 0 -> received nothing -> no flag.
    # R-T5: requested 2025-06-01 (outside) but claimed D - 364: dated by the claim -> 800.00.
    ("OT5", "one_sided_value"): ("800.00", day("2025-07-01"), ["R-T5"]),
    # --- one_sided_value, gives without getting (resellers, sourced by approved registrations) ---
    # OG1: O-G1 won 2026-03-01 50,000.00, program credit 1 -> exactly the threshold -> flagged.
    ("OG1", "one_sided_value"): ("50000.00", None, None),
    # OG2: 49,999.99 < 50,000 -> no flag. OG3: 60,000 but campaign CMP-G3 of its own started
    # 2026-02-01 -> the program gave -> no flag.
    # --- set_and_forget (no campaign running, MDF request, NPS response, co_sell touch in
    #     (2026-01-01, 2026-06-30]) ---
    # SF180 signed 2026-01-01 = exactly 180 days -> not "more than 180" -> no flag.
    # SF181 signed 2025-12-31 (181 days), never engaged: started 2025-12-31 + 181 = 2026-06-30.
    ("SF181", "set_and_forget"): (None, day("2026-06-30"), None),
    # SFE: campaign CMP-SFE ended 2026-01-01 (= D - 180: ended before the window), rejected request
    # 2025-12-31, NPS 2025-12-30 -> last engagement 2026-01-01; started 2026-01-01 + 180 = D.
    ("SFE", "set_and_forget"): (None, day("2026-06-30"), None),
    # SFC: campaign ended 2026-01-02 (inside) -> running in the window -> no flag.
    # SFM: cancelled request 2026-01-02 (any status counts) -> no flag.
    # SFN: NPS response 2026-01-02 -> no flag.
    # SFT: co_sell touch 2026-02-01 on O-T -> no flag.
    # SFX: its only co_sell touch names O-GHOST, which does not exist -> never engaged;
    #      started 2025-01-01 + 181 = 2025-07-01.
    ("SFX", "set_and_forget"): (None, day("2025-07-01"), None),
    # SFS: its campaign has no start date -> not running -> never engaged.
    ("SFS", "set_and_forget"): (None, day("2025-07-01"), None),
    # --- partner_detractor (signed 2026-05-01; latest response in (2025-06-30, 2026-06-30]) ---
    # ND6: 9 on 2026-05-15, then 6 on 2026-06-01 -> latest 6 -> detractor.
    ("ND6", "partner_detractor"): (None, day("2026-06-01"), ["NPS-6B"]),
    # ND7: 2 then 7 -> latest 7 -> no flag. NDO: its only response (3) is on D - 365 -> none in
    # the window -> no flag. PMR scored 2 but is not signed -> no flag.
    # ND0: 0 on D - 364 -> detractor.
    ("ND0", "partner_detractor"): (None, day("2025-07-01"), ["NPS-0"]),
}


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, AS_OF)


@pytest.fixture(scope="module")
def flags(con) -> dict[tuple[str, str], dict]:
    rows = query(
        con,
        "select * from marts.fct_partner_flags where flag in (?, ?, ?, ?)",
        list(CHECKED),
    )
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["partner_id"], r["flag"])
        # one_sided_value may fire in one direction only per partner
        assert key not in out, f"two rows for {key}"
        out[key] = r
    return out


def test_exactly_the_expected_flags(flags):
    assert set(flags) == set(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]}")
def test_amount_start_and_ids(flags, key):
    amount, started, ids = EXPECTED[key]
    row = flags[key]
    if amount is None:
        assert row["amount_usd"] is None, row
    else:
        assert row["amount_usd"] == Decimal(amount), row
    assert row["condition_started_on"] == started, row
    assert row["related_ids"] == ids, row


def test_details_are_words_with_the_figures(flags):
    assert "O-CF-364" in flags[("CF1", "channel_conflict")]["detail"]
    assert "O-CF-365" not in flags[("CF1", "channel_conflict")]["detail"]
    assert "1 closed lost" in flags[("CF1", "channel_conflict")]["detail"]
    assert flags[("OT1", "one_sided_value")]["detail"].startswith("takes without giving")
    assert "500.00" in flags[("OT1", "one_sided_value")]["detail"]
    assert flags[("OG1", "one_sided_value")]["detail"].startswith("gives without getting")
    assert "50000.00" in flags[("OG1", "one_sided_value")]["detail"]
    assert flags[("SF181", "set_and_forget")]["detail"].endswith("never")
    assert flags[("SFE", "set_and_forget")]["detail"].endswith("2026-01-01")
    detail = flags[("ND6", "partner_detractor")]["detail"]
    assert "6" in detail and "2026-06-01" in detail


def test_no_results_sees_the_pipeline_of_a_campaign_no_request_funds(con):
    # CMP-R ended 2026-01-31 (more than 90 days before D); its only request R-R1 was rejected
    # (funds nothing: share 0 -> 0.00 / 0.00) but O-R, open at D, names it with 10,000 of
    # pipeline -> not no_results. Spent 500, claimed with proof, campaign known -> not flagged.
    row = query(con, "select * from marts.fct_mdf_roi where request_id = 'R-R1'")[0]
    assert row["spent_usd"] == Decimal("500.00")
    assert row["pipeline_usd"] == Decimal("0.00")
    assert row["attributed_revenue_usd"] == Decimal("0.00")
    assert row["roi"] == pytest.approx(-1.0)  # (0 - 500) / 500
    assert row["is_flagged"] is False, row


def test_commission_mismatch_names_referrals_left_out(con):
    # CMU (unsigned -> registered 10%): RF-U1 1,000 USD revenue, 120 reported, 100 owed ->
    # |20| > 1 -> amount 120 - 100 = 20.00. RF-U2 is in CHF (no rate): left out of both sums,
    # named in the detail and among the ids.
    row = query(
        con,
        "select * from marts.fct_partner_flags"
        " where partner_id = 'CMU' and flag = 'commission_mismatch'",
    )[0]
    assert row["amount_usd"] == Decimal("20.00")
    assert "1 referral left out: no fx rate" in row["detail"]
    assert "on 1 referral converted" in row["detail"]
    assert row["related_ids"] == ["RF-U1", "RF-U2"]
    assert row["condition_started_on"] == day("2026-05-01")
