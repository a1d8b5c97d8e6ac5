"""Hand-worked acceptance test of the marts on a tiny landing folder.

Every expected value below was worked out by hand from the product definitions
(/work/shared/spec/METRICS.md and LANDING.md), never from the pipeline's code. The fixture is
tests/fixtures/handmade/landing; each opportunity in it exists to hit one rule (see the comments
next to the expected rows). One test function per rule, so a failure points at the rule.

As-of date D = 2026-06-30.
  trailing 365 days = (2025-06-30, 2026-06-30]   (KPIs, NPS)
  trailing  90 days = (2026-04-01, 2026-06-30]   (activity)
Conventions chosen by the lead where the spec is silent (used here): amounts convert at the latest
rate on or before the date and round to cents half away from zero; credited revenue is split with
the largest-remainder method so one line's credited revenue under one model sums to its revenue;
a marketplace with no CRM partner becomes a never-signed pseudo-partner; dates are UTC dates;
program_kpis has one row per day for the 365 days ending at D.

Fixture map (partners, signed = agreement date):
  P01 reseller            signed 2026-02-02
  P02 strategic_alliance  signed 2025-12-01
  P03 technology          signed 2026-01-01
  P04 reseller -> oem     signed 2025-06-01 (type changed by the 2026-06-20 export)
  P05 affiliate           signed 2026-02-01
  P06 affiliate           signed 2026-04-20
  P07 reseller            signed 2026-04-01
  P08 technology          signed 2025-09-01, every touch of it is out of window / deleted / after D
  P09 affiliate           prospect (the 2026-07-05 export, after D, would sign it on 2026-06-15)
  P10 reseller            signed 2025-02-01, terminated 2026-03-31
  P11 technology          signed 2026-05-01
  P12 oem                 signed 2026-06-01, no activity
  aws                     marketplace pseudo-partner (no CRM row)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from marts import MODELS, query

LANDING = Path(__file__).parent / "fixtures" / "handmade" / "landing"
AS_OF = "2026-06-30"
D = dt.date(2026, 6, 30)

UNSOURCED_MODELS = MODELS[1:]

# Marker: do not check this value (the spec leaves it open; see the comment where it is used).
SKIP = object()


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def usd(s: str) -> Decimal:
    return Decimal(s)


# --------------------------------------------------------------------------------------------
# Expected revenue lines (marts.fct_opportunity_partner)
# --------------------------------------------------------------------------------------------


def _line(
    account_id,
    is_won,
    close_date,
    amount_usd,
    revenue_usd,
    currency,
    sourcing_partner_id,
    source_rule,
    is_partner_influenced,
    touching_partner_count,
    *,
    line_kind="opportunity",
    is_unconverted=False,
):
    return {
        "line_kind": line_kind,
        "account_id": account_id,
        "is_won": is_won,
        "close_date": d(close_date),
        "amount_usd": None if amount_usd is None else usd(amount_usd),
        "revenue_usd": None if revenue_usd is None else usd(revenue_usd),
        "currency": currency,
        "is_unconverted": is_unconverted,
        "sourcing_partner_id": sourcing_partner_id,
        "source_rule": source_rule,
        "is_partner_influenced": is_partner_influenced,
        "touching_partner_count": touching_partner_count,
    }


LINES = {
    # O01: DR-01 (P01, approved) registered 2025-03-01, before creation 2025-04-01 -> sources
    # (no lower bound; its expires_at 2025-06-01 does not matter once the opportunity exists).
    # Window [2025-05-15, 2026-05-15]: DR-01 is outside, no other touch -> 0 touching partners.
    "O01": _line(
        "A03", True, "2026-05-15", "1000.00", "1000.00", "USD", "P01", "deal_registration", True, 0
    ),
    # O02: created 2026-01-10T09:00Z; DR-02 registered 2026-01-25T01:30+02:00 = 2026-01-24T23:30Z,
    # UTC date 2026-01-24 = creation + 14 days exactly -> sources (grace is inclusive).
    "O02": _line(
        "A03", True, "2026-03-20", "2000.00", "2000.00", "USD", "P02", "deal_registration", True, 1
    ),
    # O03: created 2026-01-25; DR-03 (P03) registered 2026-02-09 = creation + 15 days -> does not
    # source. DR-03 is still a deal_registration touch; T-0301 is P04's co_sell. 2 partners.
    "O03": _line("A04", True, "2026-04-10", "900.00", "900.00", "USD", None, None, True, 2),
    # O04 (account A01 acme.com): RF-01 (P05), customer_email Jane.Doe@Acme.COM -> acme.com
    # (case), converted 2025-12-01 = creation 2026-03-01 - 90 days exactly -> sources.
    "O04": _line(
        "A01", True, "2026-04-20", "1500.00", "1500.00", "USD", "P05", "referral", True, 1
    ),
    # O05 (A02 globex.io): RF-02 (P06) customer_domain www.Globex.io -> globex.io, converted
    # 2025-12-09 = creation 2026-03-10 - 91 days -> does not source, but it is a referral touch
    # in the window [2025-04-15, 2026-04-15]. DR-05 (P07) is rejected -> neither sources nor
    # touches. Not sourced, influenced by P06 alone.
    "O05": _line("A02", True, "2026-04-15", "1200.00", "1200.00", "USD", None, None, True, 1),
    # O06 (A01 acme.com): both rules apply -- RF-01 (P05) converted 2025-12-01, 55 days before
    # creation 2026-01-25, and DR-06 (P01, approved) registered 2026-01-30 (creation + 5 days).
    # Registration comes first in the precedence -> P01. Touches: RF-01 (P05), DR-06 (P01).
    "O06": _line(
        "A01", True, "2026-05-30", "2000.00", "2000.00", "USD", "P01", "deal_registration", True, 2
    ),
    # O07: DR-07A (P02) and DR-07B (P07) both approved, both registered 2026-03-05T10:00:00Z
    # (creation + 4 days): same event time -> smallest id DR-07A -> P02. (DR-07B is listed first
    # in the file, and P07 > P02 is not what decides: the id is.)
    "O07": _line(
        "A04", True, "2026-04-25", "3000.00", "3000.00", "USD", "P02", "deal_registration", True, 2
    ),
    # O08: window [2025-06-10, 2026-06-10]. T-0801 (P08, 2025-06-09, 366 days) out, T-0802 (P04,
    # 2025-06-10, 365 days) in, T-0803/T-0804 (P03, same date, same kind) one touch, T-0805 (P07)
    # and T-0806 (P06) tie at 2026-05-11T09:00Z, T-0807 (P08, 2026-06-11, after close) out.
    # Partners in window: P04, P03, P07, P06 = 4. No registration/referral/marketplace.
    "O08": _line("A07", True, "2026-06-10", "1600.00", "1600.00", "USD", None, None, True, 4),
    # O09: 1,200 EUR x 1.10 (rate of 2026-04-30, the latest on or before close 2026-05-03; the
    # 1.20 rate of 2026-05-05 is after the close) = 1,320.00. TX-1001 (aws, reseller P01) names
    # O09 by opportunity_id -> sourced by P01 through the marketplace rule; its one touch.
    "O09": _line(
        "A05", True, "2026-05-03", "1320.00", "1320.00", "EUR", "P01", "marketplace", True, 1
    ),
    # O10: 500 CHF, no CHF rate at all -> unconverted: kept, flagged, no USD amount (reading:
    # amount_usd and revenue_usd are NULL). DR-10 (P02) registered 2026-03-10, before creation
    # 2026-03-15 -> sourced by P02; DR-10 is in the window -> 1 touching partner.
    "O10": _line(
        "A05",
        True,
        "2026-05-20",
        None,
        None,
        "CHF",
        "P02",
        "deal_registration",
        True,
        1,
        is_unconverted=True,
    ),
    # O12: the 2026-06-01 export has it open (800, close 2026-06-25); the 2026-06-20 export
    # closes it won at 900 on 2026-06-15 -> the later export wins. (The 2026-07-05 export, after
    # D, says 5,000 -> ignored.) T-1201 (P11) co_sell 2026-06-01 -> influenced, not sourced.
    "O12": _line("A07", True, "2026-06-15", "900.00", "900.00", "USD", None, None, True, 1),
    # O14: close date 2026-07-31 is after D -> open as of D, not won, revenue 0. Amount at D's rate:
    # 700 EUR x 1.20 (2026-05-05, latest on or before D; the 1.40 rate dated 2026-06-29 only comes
    # in the 2026-07-05 export, after D) = 840.00. Window ends at D: [2025-06-30, 2026-06-30], so
    # T-1401 (P05, 2025-07-20) counts -- it would not with a window ending at the close date
    # ([2025-07-31, ...]) -- and T-1402 (P08, 2026-07-02, after D) does not.
    # close_date: reading = the CRM's (expected) close date, 2026-07-31.
    "O14": _line("A06", False, "2026-07-31", "840.00", "0.00", "EUR", None, None, True, 1),
    # O15: lost. 1,000.15 EUR x 1.10 (2026-04-30, latest on or before close 2026-05-02)
    # = 1,100.165 -> 1,100.17 (half away from zero; half-even would give 1,100.16). Revenue 0.
    # T-1501 (P07) co_sell 2026-04-01 in the window -> influenced (credits of 0).
    "O15": _line("A06", False, "2026-05-02", "1100.17", "0.00", "EUR", None, None, True, 1),
    # O16: TX-1002 (aws, no reseller) names no opportunity; offer_id OFFER-77 = O16's
    # marketplace_offer_id -> linked, sourced by the marketplace 'aws'. Closed 2025-06-30 = D - 365
    # -> outside the KPI window (D - 365, D].
    "O16": _line(
        "A06", True, "2025-06-30", "600.00", "600.00", "USD", "aws", "marketplace", True, 1
    ),
    # O17 (A09, domain gmail.com): RF-03 (P05) customer_email bob@GMAIL.com converted 2025-06-01,
    # 14 days before creation -- but gmail.com is free mail and never matches, so nothing sources
    # or touches O17: a direct line. Closed 2025-07-01 = D - 364 -> inside the KPI window.
    "O17": _line("A09", True, "2025-07-01", "400.00", "400.00", "USD", None, None, False, 0),
    # TX-1003: names O11, which the 2026-06-20 export deletes, and no offer -> marketplace-only,
    # gross 2,500 USD on 2026-05-25, sourced by its reseller P01; its one touch is itself.
    # Reading: a marketplace-only line is won (is_won true), close_date = transaction date,
    # account_id = customer_account_id.
    "marketplace:TX-1003": _line(
        "A08",
        True,
        "2026-05-25",
        "2500.00",
        "2500.00",
        "USD",
        "P01",
        "marketplace",
        True,
        1,
        line_kind="marketplace_only",
    ),
    # TX-1004: refund, gross -300 USD on 2026-06-05, names nothing -> marketplace-only line with
    # negative revenue, sourced by reseller P01.
    "marketplace:TX-1004": _line(
        "A08",
        True,
        "2026-06-05",
        "-300.00",
        "-300.00",
        "USD",
        "P01",
        "marketplace",
        True,
        1,
        line_kind="marketplace_only",
    ),
}


# --------------------------------------------------------------------------------------------
# Expected attribution (marts.fct_partner_attribution): line -> model -> partner -> (credit,
# credited revenue). Only influenced lines, only partners with credit > 0.
# --------------------------------------------------------------------------------------------


def _solo(partner: str, credited, *, sourced: bool) -> dict:
    """One partner, credit 1 under every model (the sourced model only for sourced lines)."""
    models = MODELS if sourced else UNSOURCED_MODELS
    return {m: {partner: (1.0, credited)} for m in models}


ATTRIBUTION = {
    # Sourced, no touch in the window -> credit 1 to P01 under every model.
    "O01": _solo("P01", usd("1000.00"), sourced=True),
    # One touch (DR-02, P02) and sourced by P02.
    "O02": _solo("P02", usd("2000.00"), sourced=True),
    # Two touches: DR-03 (P03) 2026-02-09, T-0301 (P04) 2026-03-11. Close 2026-04-10.
    # time_decay: d = 60 and 30 days -> weights 2^-2 = 0.25 and 2^-1 = 0.5 -> 1/3 and 2/3 ->
    # 900 x 1/3 = 300.00, 900 x 2/3 = 600.00. Not sourced -> program = position_based (n=2).
    "O03": {
        "first_touch": {"P03": (1.0, usd("900.00"))},
        "last_touch": {"P04": (1.0, usd("900.00"))},
        "linear": {"P03": (0.5, usd("450.00")), "P04": (0.5, usd("450.00"))},
        "position_based": {"P03": (0.5, usd("450.00")), "P04": (0.5, usd("450.00"))},
        "time_decay": {"P03": (1 / 3, usd("300.00")), "P04": (2 / 3, usd("600.00"))},
        "program": {"P03": (0.5, usd("450.00")), "P04": (0.5, usd("450.00"))},
    },
    # One touch (RF-01, P05), sourced by P05 (referral).
    "O04": _solo("P05", usd("1500.00"), sourced=True),
    # One touch (RF-02, P06), not sourced.
    "O05": _solo("P06", usd("1200.00"), sourced=False),
    # Two touches: RF-01 (P05) 2025-12-01, DR-06 (P01) 2026-01-30. Close 2026-05-30.
    # time_decay: d = 180 and 120 -> weights 2^-6 and 2^-4 -> 1:4 -> 0.2 / 0.8 -> 400.00 / 1,600.00.
    # Sourced by P01 -> sourced and program give P01 1.
    "O06": {
        "sourced": {"P01": (1.0, usd("2000.00"))},
        "first_touch": {"P05": (1.0, usd("2000.00"))},
        "last_touch": {"P01": (1.0, usd("2000.00"))},
        "linear": {"P05": (0.5, usd("1000.00")), "P01": (0.5, usd("1000.00"))},
        "position_based": {"P05": (0.5, usd("1000.00")), "P01": (0.5, usd("1000.00"))},
        "time_decay": {"P05": (0.2, usd("400.00")), "P01": (0.8, usd("1600.00"))},
        "program": {"P01": (1.0, usd("2000.00"))},
    },
    # Two touches at the same timestamp 2026-03-05T10:00Z: ordered by touch id DR-07A (P02) then
    # DR-07B (P07) -> first P02, last P07. Same date -> equal time_decay weights. Sourced by P02.
    "O07": {
        "sourced": {"P02": (1.0, usd("3000.00"))},
        "first_touch": {"P02": (1.0, usd("3000.00"))},
        "last_touch": {"P07": (1.0, usd("3000.00"))},
        "linear": {"P02": (0.5, usd("1500.00")), "P07": (0.5, usd("1500.00"))},
        "position_based": {"P02": (0.5, usd("1500.00")), "P07": (0.5, usd("1500.00"))},
        "time_decay": {"P02": (0.5, usd("1500.00")), "P07": (0.5, usd("1500.00"))},
        "program": {"P02": (1.0, usd("3000.00"))},
    },
    # Four touches in order: T-0802 (P04, 2025-06-10), T-0803 (P03, 2026-01-11; T-0804 is its
    # same-day duplicate and is dropped), T-0805 (P07, 2026-05-11T09:00Z), T-0806 (P06, same
    # timestamp, larger id -> last). Revenue 1,600.00.
    # linear: 1/4 each = 400.00. position_based: 0.4 / 0.1 / 0.1 / 0.4 = 640 / 160 / 160 / 640.
    # time_decay: d = 365, 150, 30, 30 -> weights 2^(-365/30) = 0.000217504570, 2^-5 = 0.03125,
    # 0.5, 0.5; sum 1.031467504570 -> credits 0.000210869047, 0.030296640332, 0.484746245310,
    # 0.484746245310 -> x 1,600 = 0.33739, 48.47462, 775.59399, 775.59399 -> floors 0.33 + 48.47
    # + 775.59 + 775.59 = 1,599.98; the 2 cents left go to the largest remainders (P04 .739,
    # P03 .462; the tied P07/P06 .399 get none) -> 0.34, 48.48, 775.59, 775.59.
    # Not sourced -> program = position_based.
    "O08": {
        "first_touch": {"P04": (1.0, usd("1600.00"))},
        "last_touch": {"P06": (1.0, usd("1600.00"))},
        "linear": {
            "P04": (0.25, usd("400.00")),
            "P03": (0.25, usd("400.00")),
            "P07": (0.25, usd("400.00")),
            "P06": (0.25, usd("400.00")),
        },
        "position_based": {
            "P04": (0.4, usd("640.00")),
            "P03": (0.1, usd("160.00")),
            "P07": (0.1, usd("160.00")),
            "P06": (0.4, usd("640.00")),
        },
        "time_decay": {
            "P04": (0.000210869047, usd("0.34")),
            "P03": (0.030296640332, usd("48.48")),
            "P07": (0.484746245310, usd("775.59")),
            "P06": (0.484746245310, usd("775.59")),
        },
        "program": {
            "P04": (0.4, usd("640.00")),
            "P03": (0.1, usd("160.00")),
            "P07": (0.1, usd("160.00")),
            "P06": (0.4, usd("640.00")),
        },
    },
    # One touch (TX-1001, P01), sourced by P01 (marketplace). 1,320.00 USD.
    "O09": _solo("P01", usd("1320.00"), sourced=True),
    # Unconverted: credit 1 to P02 everywhere; the credited USD amount is not defined by the spec
    # (NULL or 0) -> not checked.
    "O10": _solo("P02", SKIP, sourced=True),
    # One touch (T-1201, P11), not sourced.
    "O12": _solo("P11", usd("900.00"), sourced=False),
    # Open: one touch in window (T-1401, P05) -> credit 1, credited revenue 0.
    "O14": _solo("P05", usd("0.00"), sourced=False),
    # Lost: one touch (T-1501, P07) -> credit 1, credited revenue 0.
    "O15": _solo("P07", usd("0.00"), sourced=False),
    # Offer-linked marketplace deal sourced by the pseudo-partner aws (its one touch).
    "O16": _solo("aws", usd("600.00"), sourced=True),
    # Marketplace-only lines: credit 1 to the reseller P01 under every model.
    "marketplace:TX-1003": _solo("P01", usd("2500.00"), sourced=True),
    "marketplace:TX-1004": _solo("P01", usd("-300.00"), sourced=True),
}


# --------------------------------------------------------------------------------------------
# Expected partners (marts.dim_partners)
# --------------------------------------------------------------------------------------------
# First deal = first date on or after the agreement date on which a won revenue line the partner
# sourced or touched (touch in the line's window) closed; refunds never count.
PARTNERS = {
    # P01: won lines O09 2026-05-03, O01 05-15, TX-1003 05-25, O06 05-30 -> 2026-05-03;
    # 2026-02-02 -> 2026-05-03 = 90 days. NPS: 10 on 2026-03-01, 6 on 2026-05-01 -> latest 6.
    "P01": ("reseller", True, True, "2026-05-03", 90, 6),
    # P02: O02 2026-03-20 (then O07, O10); 2025-12-01 -> 2026-03-20 = 109 days. NPS 9.
    "P02": ("strategic_alliance", True, True, "2026-03-20", 109, 9),
    # P03: O03 2026-04-10; 2026-01-01 -> 2026-04-10 = 99 days. NPS 8.
    "P03": ("technology", True, True, "2026-04-10", 99, 8),
    # P04: type 'oem' from the 2026-06-20 export. O03 2026-04-10 (via T-0301);
    # 2025-06-01 -> 2026-04-10 = 313 days. Its only NPS response (2025-06-15) is older than the
    # trailing 365 days -> NULL.
    "P04": ("oem", True, True, "2026-04-10", 313, None),
    # P05: O04 2026-04-20; 2026-02-01 -> 2026-04-20 = 78 days. NPS 10.
    "P05": ("affiliate", True, True, "2026-04-20", 78, 10),
    # P06: O05 closed 2026-04-15, before its agreement 2026-04-20 -> does not count; O08
    # 2026-06-10 -> 51 days.
    "P06": ("affiliate", True, True, "2026-06-10", 51, None),
    # P07: O07 2026-04-25; 2026-04-01 -> 2026-04-25 = 24 days.
    "P07": ("reseller", True, True, "2026-04-25", 24, None),
    # P08: signed 2025-09-01 (> 90 days before D); its touches are out of window (T-0801, T-0807),
    # on a deleted opportunity (T-1101), after D (T-1402) or in an export after D (T-1301) ->
    # no deal, no activity.
    "P08": ("technology", True, False, None, None, None),
    # P09: no agreement as of D (the after-D export is ignored) -> prospect.
    "P09": ("affiliate", False, False, None, None, None),
    # P10: terminated 2026-03-31, on or before D -> not signed.
    "P10": ("reseller", False, False, None, None, None),
    # P11: O12 2026-06-15 (as updated by the 2026-06-20 export); 2026-05-01 -> 45 days.
    "P11": ("technology", True, True, "2026-06-15", 45, None),
    # P12: signed 2026-06-01, nothing else.
    "P12": ("oem", True, False, None, None, None),
    # aws: added for the marketplace, type reseller, no agreement -> never signed, never active.
    # First deal with no agreement date is not defined by the spec -> not checked.
    "aws": ("reseller", False, False, SKIP, SKIP, None),
}


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, AS_OF)


def line_row(con, line_id: str) -> dict:
    rows = query(
        con, "select * from marts.fct_opportunity_partner where opportunity_id = ?", [line_id]
    )
    assert len(rows) == 1, f"{line_id}: expected one row in fct_opportunity_partner, got {rows}"
    return rows[0]


def assert_money(actual, expected: Decimal | None, what: str) -> None:
    if expected is None:
        assert actual is None, f"{what}: expected NULL, got {actual!r}"
    elif isinstance(actual, Decimal):
        assert actual == expected, f"{what}: expected {expected}, got {actual}"
    else:
        assert actual == pytest.approx(float(expected), abs=0.005), (
            f"{what}: expected {expected}, got {actual!r}"
        )


def check_line(con, line_id: str) -> None:
    actual = line_row(con, line_id)
    for col, want in LINES[line_id].items():
        got = actual[col]
        if col in ("amount_usd", "revenue_usd"):
            if want is not None:
                assert isinstance(got, Decimal), f"{line_id}.{col} should be DECIMAL: {got!r}"
            assert_money(got, want, f"{line_id}.{col}")
        else:
            assert got == want, f"{line_id}.{col}: expected {want!r}, got {got!r}"


def attribution_of(con, line_id: str) -> dict:
    rows = query(
        con,
        "select * from marts.fct_partner_attribution where opportunity_id = ?",
        [line_id],
    )
    out: dict = {}
    for r in rows:
        key = (r["model"], r["partner_id"])
        assert key not in out, f"{line_id}: duplicate attribution row {key}"
        out[key] = r
    return out


def check_attribution(con, line_id: str, models=None) -> None:
    expected = ATTRIBUTION[line_id]
    actual = attribution_of(con, line_id)
    models = models or tuple(expected)
    want_keys = {(m, p) for m in models for p in expected.get(m, {})}
    got_keys = {k for k in actual if k[0] in models}
    assert got_keys == want_keys, f"{line_id}: attribution rows differ"
    line = LINES[line_id]
    for m, p in want_keys:
        credit, credited = expected[m][p]
        row = actual[(m, p)]
        assert row["credit"] == pytest.approx(credit, rel=1e-6, abs=1e-9), (
            f"{line_id} {m} {p}: credit {row['credit']} != {credit}"
        )
        if credited is not SKIP:
            assert isinstance(row["credited_revenue_usd"], Decimal), (
                f"{line_id} {m} {p}: credited_revenue_usd should be DECIMAL"
            )
            assert row["credited_revenue_usd"] == credited, (
                f"{line_id} {m} {p}: credited {row['credited_revenue_usd']} != {credited}"
            )
        assert row["close_date"] == line["close_date"], f"{line_id} {m} {p}: close_date"
        assert row["is_won"] == line["is_won"], f"{line_id} {m} {p}: is_won"


def kpi_row(con, as_of: dt.date) -> dict:
    rows = query(con, "select * from marts.program_kpis where as_of_date = ?", [as_of])
    assert len(rows) == 1, f"program_kpis: expected one row for {as_of}, got {len(rows)}"
    return rows[0]


def partner_row(con, partner_id: str) -> dict:
    rows = query(con, "select * from marts.dim_partners where partner_id = ?", [partner_id])
    assert len(rows) == 1, f"{partner_id}: expected one row in dim_partners, got {rows}"
    return rows[0]


# --------------------------------------------------------------------------------------------
# Landing: versions, deletions, exports after D
# --------------------------------------------------------------------------------------------


def test_revenue_lines_are_exactly_the_expected_ones(con):
    # Every opportunity as of D and every marketplace-only transaction: O11 deleted, O13 only in
    # an export after D; TX-1001/TX-1002 link to O09/O16 and are no lines of their own.
    ids = {
        r["opportunity_id"]
        for r in query(con, "select opportunity_id from marts.fct_opportunity_partner")
    }
    assert ids == set(LINES)


def test_export_after_as_of_is_ignored(con):
    # crm/2026-07-05 (after D) would: set O12 to 5,000, add won O13 (7,000, touched by P08 via
    # T-1301), sign P09 on 2026-06-15; reference/2026-07-05 would add EUR 1.40 on 2026-06-29.
    assert not query(con, "select 1 from marts.fct_opportunity_partner where opportunity_id='O13'")
    assert not query(con, "select 1 from marts.fct_partner_attribution where opportunity_id='O13'")
    check_line(con, "O12")  # 900.00, not 5,000
    check_line(con, "O14")  # 700 EUR x 1.20 = 840.00, not x 1.40
    assert partner_row(con, "P09")["is_signed"] is False
    assert partner_row(con, "P08")["is_active"] is False


def test_deleted_opportunity_and_its_touches_are_gone(con):
    # O11 is deleted by crm/2026-06-20: no line, no attribution, and its touch T-1101 (P08) gives
    # P08 nothing. TX-1003 named O11 -> it is a marketplace-only line now.
    assert not query(con, "select 1 from marts.fct_opportunity_partner where opportunity_id='O11'")
    assert not query(con, "select 1 from marts.fct_partner_attribution where opportunity_id='O11'")
    assert not query(con, "select 1 from marts.fct_partner_attribution where partner_id='P08'")
    check_line(con, "marketplace:TX-1003")


def test_later_export_wins(con):
    # O12: open 800 (2026-06-01 export) -> won 900 on 2026-06-15 (2026-06-20 export).
    check_line(con, "O12")
    check_attribution(con, "O12")
    # P04: reseller (2026-06-01) -> oem (2026-06-20).
    assert partner_row(con, "P04")["partner_type"] == "oem"


# --------------------------------------------------------------------------------------------
# Sourcing
# --------------------------------------------------------------------------------------------


def test_sourcing_deal_registration_window(con):
    check_line(con, "O01")  # registered before creation -> sources
    # O02: exactly creation + 14 days (UTC date of an offset timestamp) -> sources
    check_line(con, "O02")
    check_line(con, "O03")  # creation + 15 days -> does not source (still a touch)
    for line_id in ("O01", "O02", "O03"):
        check_attribution(con, line_id, models=("sourced",))


def test_sourcing_referral_lookback(con):
    check_line(con, "O04")  # converted exactly 90 days before creation -> sources
    check_line(con, "O05")  # 91 days -> does not (a touch only); rejected DR-05 ignored
    check_attribution(con, "O04", models=("sourced",))
    check_attribution(con, "O05", models=("sourced",))


def test_account_matching_by_domain_and_free_mail(con):
    # RF-01 by e-mail Jane.Doe@Acme.COM matches A01 (acme.com): sources O04, touches O06.
    assert ("first_touch", "P05") in attribution_of(con, "O06")
    check_line(con, "O04")
    # RF-02 by domain www.Globex.io matches A02 (globex.io): touches O05.
    check_attribution(con, "O05")
    # RF-03 bob@GMAIL.com is free mail: never matches A09 (domain gmail.com) -> O17 is direct.
    check_line(con, "O17")
    assert not attribution_of(con, "O17")


def test_sourcing_marketplace_links(con):
    check_line(con, "O09")  # TX-1001 by opportunity_id, reseller P01
    check_line(con, "O16")  # TX-1002 by offer_id, no reseller -> the marketplace aws
    check_attribution(con, "O09")
    check_attribution(con, "O16")


def test_marketplace_only_lines_and_refund(con):
    check_line(con, "marketplace:TX-1003")
    check_line(con, "marketplace:TX-1004")
    check_attribution(con, "marketplace:TX-1003")
    check_attribution(con, "marketplace:TX-1004")


def test_sourcing_precedence_registration_over_referral(con):
    check_line(con, "O06")
    check_attribution(con, "O06", models=("sourced", "program"))


def test_sourcing_tie_within_one_rule(con):
    check_line(con, "O07")
    check_attribution(con, "O07", models=("sourced", "program"))


# --------------------------------------------------------------------------------------------
# Influence window and touches
# --------------------------------------------------------------------------------------------


def test_influence_window_boundaries(con):
    # O08: 365 days before close counts (P04), 366 (P08) and after close (P08) do not.
    check_line(con, "O08")
    partners = {p for (_m, p) in attribution_of(con, "O08")}
    assert partners == {"P04", "P03", "P07", "P06"}


def test_influence_window_of_open_opportunity_ends_at_as_of(con):
    check_line(con, "O14")
    check_attribution(con, "O14")


def test_duplicate_touches_same_partner_kind_date_count_once(con):
    # T-0803 and T-0804 (P03, co_sell, 2026-01-11): one touch -> n = 4, P03 linear 1/4
    # (with both counted: n = 5 and P03 2/5).
    check_attribution(con, "O08", models=("linear",))


# --------------------------------------------------------------------------------------------
# Attribution models
# --------------------------------------------------------------------------------------------


def test_attribution_one_touch(con):
    check_attribution(con, "O05")  # won, not sourced
    check_attribution(con, "O15")  # lost -> credit 1, credited revenue 0
    check_attribution(con, "O02")  # won, sourced by the touching partner


def test_attribution_two_touches(con):
    check_attribution(con, "O03")  # not sourced: program = position_based 0.5 / 0.5
    check_attribution(con, "O06")  # sourced: program = sourcing partner


def test_attribution_three_or_more_touches(con):
    check_attribution(con, "O08")


def test_attribution_tie_on_same_timestamp_ordered_by_touch_id(con):
    check_attribution(con, "O08", models=("last_touch",))  # T-0806 (P06) after T-0805 (P07)
    check_attribution(con, "O07", models=("first_touch", "last_touch"))  # DR-07A, then DR-07B


def test_attribution_sourced_line_without_touch_in_window(con):
    check_attribution(con, "O01")


def test_attribution_rows_are_exactly_the_expected_ones(con):
    got = {
        (r["opportunity_id"], r["model"], r["partner_id"])
        for r in query(
            con, "select opportunity_id, model, partner_id from marts.fct_partner_attribution"
        )
    }
    want = {
        (line_id, m, p)
        for line_id, models in ATTRIBUTION.items()
        for m, partners in models.items()
        for p in partners
    }
    assert got == want
    for line_id in ATTRIBUTION:
        check_attribution(con, line_id)


def test_credits_sum_to_one_per_line_and_model(con):
    rows = query(
        con,
        """
        select opportunity_id, model, sum(credit) as total, count(*) as n
        from marts.fct_partner_attribution
        group by 1, 2
        """,
    )
    assert rows
    for r in rows:
        assert r["total"] == pytest.approx(1.0, abs=1e-9), r
    # And credited revenue adds up to the line's revenue (cents allocated), where it is in USD.
    sums = query(
        con,
        """
        select a.opportunity_id, a.model, sum(a.credited_revenue_usd) as credited,
               any_value(l.revenue_usd) as revenue
        from marts.fct_partner_attribution a
        join marts.fct_opportunity_partner l using (opportunity_id)
        where not l.is_unconverted
        group by 1, 2
        """,
    )
    for r in sums:
        assert r["credited"] == r["revenue"], r


def test_program_credit_sums_to_influenced_revenue(con):
    # Program-credited revenue over lines won in (D - 365, D] = partner-influenced revenue
    # 17,620.00 (see test_program_kpis_as_of); over every line it is 17,620.00 + O16's 600.00.
    in_window = query(
        con,
        """
        select sum(credited_revenue_usd) as s from marts.fct_partner_attribution
        where model = 'program' and is_won and close_date > date '2025-06-30'
          and close_date <= date '2026-06-30'
        """,
    )[0]["s"]
    assert_money(in_window, usd("17620.00"), "program credit in window")
    kpi = kpi_row(con, D)["partner_influenced_revenue_usd"]
    assert_money(kpi, usd("17620.00"), "partner_influenced_revenue_usd")
    assert in_window == kpi or float(in_window) == pytest.approx(float(kpi), abs=0.005)
    everything = query(
        con,
        "select sum(credited_revenue_usd) as s from marts.fct_partner_attribution "
        "where model = 'program'",
    )[0]["s"]
    assert_money(everything, usd("18220.00"), "program credit over all lines")


# --------------------------------------------------------------------------------------------
# Currency
# --------------------------------------------------------------------------------------------


def test_currency_converts_at_latest_rate_on_or_before_date(con):
    check_line(con, "O09")  # 1,200 EUR x 1.10 (2026-04-30, not 1.20 of 2026-05-05) = 1,320.00
    check_line(con, "O14")  # open: D's rate 1.20 -> 840.00
    check_line(con, "O15")  # 1,000.15 x 1.10 = 1,100.165 -> 1,100.17 (half away from zero)


def test_currency_without_rate_is_unconverted(con):
    check_line(con, "O10")
    check_attribution(con, "O10")
    # Left out of every USD total: see test_program_kpis_as_of (O10 would add to all three).


# --------------------------------------------------------------------------------------------
# Program KPIs
# --------------------------------------------------------------------------------------------


def test_program_kpis_as_of(con):
    k = kpi_row(con, D)
    # Lines won in (2025-06-30, 2026-06-30]:
    #   sourced:      O01 1,000 + O02 2,000 + O04 1,500 + O06 2,000 + O07 3,000 + O09 1,320
    #                 + TX-1003 2,500 + TX-1004 -300                                 = 13,020.00
    #   influenced:   sourced + O03 900 + O05 1,200 + O08 1,600 + O12 900           = 17,620.00
    #   total:        influenced + O17 400 (direct, closed 2025-07-01)              = 18,020.00
    #   left out: O16 (closed 2025-06-30 = D - 365), O10 (CHF, unconverted), O14 (open),
    #             O15 (lost), O11 (deleted), O13 (export after D).
    assert_money(k["total_revenue_usd"], usd("18020.00"), "total_revenue_usd")
    assert_money(k["partner_sourced_revenue_usd"], usd("13020.00"), "partner_sourced_revenue_usd")
    assert_money(
        k["partner_influenced_revenue_usd"], usd("17620.00"), "partner_influenced_revenue_usd"
    )
    assert float(k["sourced_share"]) == pytest.approx(13020 / 18020)  # 0.72253...
    assert float(k["influenced_share"]) == pytest.approx(17620 / 18020)  # 0.97780...
    # Signed as of D: P01-P08, P11, P12 = 10 (P09 prospect, P10 terminated, aws never).
    assert k["signed_partners"] == 10
    # Active: P01 (O01 won 05-15), P02 (O07 won 04-25), P03 (O03 won 04-10), P04 (O03),
    # P05 (O04 won 04-20), P06 (O08 won 06-10), P07 (O07), P11 (O12 created 04-05, won 06-15)
    # = 8. Not active: P08 (nothing valid), P12 (nothing).
    assert k["active_partners"] == 8
    assert float(k["activation_rate"]) == pytest.approx(0.8)  # 8 / 10
    # Days to first deal over signed partners with one:
    #   P07 24, P11 45, P06 51, P05 78, P01 90, P03 99, P02 109, P04 313 (8 values)
    #   median = (78 + 90) / 2 = 84.0; under 90 (strictly): 24, 45, 51, 78 -> 4 / 8 = 0.5
    #   (P01's 90 is not under 90).
    assert float(k["median_days_to_first_deal"]) == pytest.approx(84.0)
    assert float(k["share_first_deal_under_90d"]) == pytest.approx(0.5)
    # Signed, no first deal, agreement more than 90 days before D: P08 (302 days); P12 (29) no.
    assert k["partners_waiting_past_90d"] == 1
    # NPS in (2025-06-30, 2026-06-30], latest per partner: P01 6 (detractor; its earlier 10 is
    # superseded), P02 9, P03 8 (passive), P05 10; P04's 3 of 2025-06-15 is too old.
    # 100 x (2 promoters - 1 detractor) / 4 responding = 25.0
    assert float(k["partner_nps"]) == pytest.approx(25.0)
    # Program-credited revenue of lines in the window (= influenced, 17,620.00, all of it credited
    # to active partners) / 8 active partners = 2,202.50.
    assert_money(
        k["revenue_per_active_partner_usd"], usd("2202.50"), "revenue_per_active_partner_usd"
    )


def test_program_kpis_daily_series_covers_365_days(con):
    r = query(
        con,
        "select count(distinct as_of_date) as n, min(as_of_date) as lo, max(as_of_date) as hi, "
        "count(*) as n_rows from marts.program_kpis",
    )[0]
    assert (r["n"], r["n_rows"], r["lo"], r["hi"]) == (365, 365, d("2025-07-01"), D)


def test_program_kpis_restated_history(con):
    # As of X = 2025-07-01, window (2024-07-01, 2025-07-01]: won lines O16 (2025-06-30, 600,
    # sourced by aws through TX-1002 of 2025-06-01) and O17 (2025-07-01, 400, direct).
    k = kpi_row(con, d("2025-07-01"))
    assert_money(k["total_revenue_usd"], usd("1000.00"), "X total_revenue_usd")
    assert_money(k["partner_sourced_revenue_usd"], usd("600.00"), "X sourced")
    assert_money(k["partner_influenced_revenue_usd"], usd("600.00"), "X influenced")
    # Signed on X: P04 (2025-06-01) and P10 (2025-02-01, terminated only on 2026-03-31).
    assert k["signed_partners"] == 2
    # NPS on X: only P04's 3 of 2025-06-15 -> 100 x (0 - 1) / 1 = -100.
    assert float(k["partner_nps"]) == pytest.approx(-100.0)


# --------------------------------------------------------------------------------------------
# Partners
# --------------------------------------------------------------------------------------------


def test_dim_partners_are_crm_partners_plus_marketplace(con):
    ids = {r["partner_id"] for r in query(con, "select partner_id from marts.dim_partners")}
    assert ids == set(PARTNERS)


def test_dim_partners_signing_and_activity(con):
    for pid, (ptype, signed, active, *_rest) in PARTNERS.items():
        r = partner_row(con, pid)
        assert r["partner_type"] == ptype, pid
        assert r["is_signed"] is signed, pid
        assert r["is_active"] is active, pid


def test_dim_partners_first_deal(con):
    for pid, (_t, _s, _a, first, days, _nps) in PARTNERS.items():
        r = partner_row(con, pid)
        if first is not SKIP:
            want = None if first is None else d(first)
            assert r["first_deal_closed_at"] == want, pid
        if days is not SKIP:
            assert r["days_to_first_deal"] == days, pid


def test_dim_partners_latest_nps(con):
    for pid, (*_rest, nps) in PARTNERS.items():
        assert partner_row(con, pid)["latest_nps_score"] == nps, pid


def test_program_tier_kpis_by_tier(con):
    # Every signed partner is registered (none reaches 10,000 of program credit or 5 referrals);
    # 10 signed, 8 active (see test_program_kpis_as_of); their program credit in the window is
    # the influenced revenue 17,620.00, so 17,620.00 / 8 = 2,202.50 per active partner.
    rows = {
        row["tier"]: row
        for row in query(con, "select * from marts.program_tier_kpis order by tier_rank")
    }
    assert list(rows) == ["registered", "silver", "gold", "platinum"]
    registered = rows["registered"]
    assert (registered["partners"], registered["active_partners"]) == (10, 8)
    assert registered["tier_revenue_usd"] == Decimal("17620.00")
    assert registered["revenue_per_active_partner_usd"] == Decimal("2202.50")
    assert registered["comarketing_budget_usd"] == Decimal("0.00")  # registered base budget 0
    for tier in ("silver", "gold", "platinum"):
        assert rows[tier]["partners"] == 0
        assert rows[tier]["revenue_per_active_partner_usd"] is None
