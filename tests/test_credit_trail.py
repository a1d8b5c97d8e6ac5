"""Explaining every credit (METRICS.md section 10) on a tiny hand-built landing folder,
tests/fixtures/credit_trail/landing, as of D = 2026-06-30. Every expected figure is worked out by
hand below, never read back from the pipeline.

Partners Q1..Q4 are signed 2026-01-01. The lines (all closed won):
  O-TD   1,000.00 EUR at 1.10 = 1,100.00 USD, close 06-30; co_sell Q2 06-10 (d = 20), Q1 06-20
         (d = 10). Time decay weights 2^(-20/30), 2^(-10/30): Q2 = 1 / (1 + 2^(1/3)) = 0.44249...,
         Q1 = 2^(1/3) / (1 + 2^(1/3)) = 0.55750...; 110,000 cents x 0.44249... = 48,674.27 and
         61,325.73: floors 48,674 + 61,325 leave 1 cent for the larger remainder (Q1): 486.74 and
         613.26.
  O-PB   100.00 USD, five co_sell touches Q1, Q2, Q3, Q2, Q1 (monthly from 02-01). Position based:
         0.4 / 0.2/3 x 3 / 0.4, so Q1 0.8 = 80.00, Q2 0.1333 = 1,333.33 cents, Q3 0.0667 = 666.67
         cents: floors 8,000 + 1,333 + 666 leave 1 cent for Q3 (.67 > .33): 13.33 and 6.67. The
         trail splits Q1's 80.00 over its two touches (40.00 each) and Q2's 13.33 over two equal
         shares: 666.5 cents each, the tie goes to the earlier touch: 6.67 (T-PB-2), 6.66 (T-PB-4).
  O-3W   100.00 USD, co_sell Q1 10:00, Q2 11:00, Q3 12:00 on 06-01 (close 06-20): linear thirds,
         3,333.33 cents each, the cent left goes to the smallest partner id: Q1 33.34, Q2 33.33,
         Q3 33.33. Also a second Q1 touch that day (T-3W-1b, same_day_duplicate) and a Q3 touch on
         06-25, after the close (outside_window).
  O-SRC  500.00 USD, close 06-25, sourced by Q1's registration DR-S of 2025-03-05 (within 14 days
         of the 2025-03-01 creation), which is outside the window (before 2025-06-25): no touch in
         the window, so every model credits Q1 1 through the sourcing event DR-S (no position).
         Q2's two co_sell touches of 2024-12-01 are outside_window and (the larger id)
         same_day_duplicate.
  O-LAP  800.00 USD, created 2026-05-10 08:00 UTC. Q4's DR-L1 (registered 03-01, approved, then
         expired 2026-05-10 01:30 +02:00 = 05-09 23:30 UTC) lapsed before the opportunity existed:
         it neither sources nor touches it (registration_lapsed). Q3's DR-L2 (registered 03-02)
         expired 2026-05-10 00:30 UTC, the creation date itself: not lapsed, so it sources O-LAP
         and is its one window touch. Q4 still counts DR-L1 toward its tier: with DR-A1..A4 that
         is 5 approved registrations in the trailing year, so Q4 is silver (referrals >= 5).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from marts import MODELS, query

from dagster_project.checks.reconciliation import RECONCILIATIONS, reconcile

LANDING = Path(__file__).parent / "fixtures" / "credit_trail" / "landing"
AS_OF = "2026-06-30"
CUBE_ROOT_2 = 2 ** (1 / 3)
CHECK = {r.name: r for r in RECONCILIATIONS}


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, AS_OF)


def _trail(con, line: str, model: str) -> list[tuple]:
    return [
        (
            r["partner_id"],
            r["touch_id"],
            r["touch_kind"],
            r["touch_position"],
            r["share"],
            r["credited_revenue_usd"],
        )
        for r in query(
            con,
            "select * from marts.fct_credit_trail where opportunity_id = ? and model = ?"
            " order by touched_at, touch_id",
            [line, model],
        )
    ]


def _close(rows: list[tuple], expected: list[tuple]) -> bool:
    """Rows equal, the share (5th field) within 1e-12."""
    return len(rows) == len(expected) and all(
        row[:4] == want[:4] and abs(row[4] - want[4]) < 1e-12 and row[5] == want[5]
        for row, want in zip(rows, expected, strict=True)
    )


def test_time_decay_shares_are_irrational_and_the_cents_add_up(con):
    q2 = 1 / (1 + CUBE_ROOT_2)
    expected = [
        ("Q2", "T-TD-1", "co_sell", 1, q2, Decimal("486.74")),
        ("Q1", "T-TD-2", "co_sell", 2, 1 - q2, Decimal("613.26")),
    ]
    assert _close(_trail(con, "O-TD", "time_decay"), expected), _trail(con, "O-TD", "time_decay")


def test_position_based_over_five_touches_splits_each_partners_cents_ties_to_the_earlier(con):
    middle = 0.2 / 3
    expected = [
        ("Q1", "T-PB-1", "co_sell", 1, 0.4, Decimal("40.00")),
        ("Q2", "T-PB-2", "co_sell", 2, middle, Decimal("6.67")),
        ("Q3", "T-PB-3", "co_sell", 3, middle, Decimal("6.67")),
        ("Q2", "T-PB-4", "co_sell", 4, middle, Decimal("6.66")),
        ("Q1", "T-PB-5", "co_sell", 5, 0.4, Decimal("40.00")),
    ]
    for model in ("position_based", "program"):  # unsourced: the program follows position_based
        assert _close(_trail(con, "O-PB", model), expected), (model, _trail(con, "O-PB", model))
    credits = query(
        con,
        "select partner_id, credited_revenue_usd from marts.fct_partner_attribution"
        " where opportunity_id = 'O-PB' and model = 'position_based' order by partner_id",
    )
    assert [(c["partner_id"], c["credited_revenue_usd"]) for c in credits] == [
        ("Q1", Decimal("80.00")),
        ("Q2", Decimal("13.33")),
        ("Q3", Decimal("6.67")),
    ]


def test_a_three_way_split_gives_the_left_over_cent_to_the_smallest_partner_id(con):
    third = 1 / 3
    expected = [
        ("Q1", "T-3W-1", "co_sell", 1, third, Decimal("33.34")),
        ("Q2", "T-3W-2", "co_sell", 2, third, Decimal("33.33")),
        ("Q3", "T-3W-3", "co_sell", 3, third, Decimal("33.33")),
    ]
    assert _close(_trail(con, "O-3W", "linear"), expected), _trail(con, "O-3W", "linear")


@pytest.mark.parametrize("model", MODELS)
def test_a_sourced_line_without_a_window_touch_credits_its_sourcing_event(con, model):
    expected = [("Q1", "DR-S", "deal_registration", None, 1.0, Decimal("500.00"))]
    assert _close(_trail(con, "O-SRC", model), expected), _trail(con, "O-SRC", model)


def test_a_lapsed_registration_neither_sources_nor_touches_but_counts_toward_the_tier(con):
    line = query(
        con,
        "select sourcing_partner_id, source_rule, sourcing_event_id, touching_partner_count"
        " from marts.fct_opportunity_partner where opportunity_id = 'O-LAP'",
    )
    assert line == [
        {
            "sourcing_partner_id": "Q3",
            "source_rule": "deal_registration",
            "sourcing_event_id": "DR-L2",
            "touching_partner_count": 1,
        }
    ]
    for model in ("sourced", "program"):  # the sourcing event, here also window touch 1
        expected = [("Q3", "DR-L2", "deal_registration", 1, 1.0, Decimal("800.00"))]
        assert _close(_trail(con, "O-LAP", model), expected), _trail(con, "O-LAP", model)
    assert query(
        con, "select count(*) as n from marts.fct_partner_attribution where partner_id = 'Q4'"
    ) == [{"n": 0}]
    q4 = query(con, "select tier, referrals_t12m from marts.dim_partners where partner_id = 'Q4'")
    assert q4 == [{"tier": "silver", "referrals_t12m": 5}]


def test_every_linked_touch_is_listed_counted_or_why_not(con):
    rows = {
        (r["opportunity_id"], r["touch_id"]): (
            r["partner_id"],
            r["is_counted"],
            r["excluded_reason"],
        )
        for r in query(con, "select * from marts.fct_line_touches")
    }
    assert rows == {
        ("O-TD", "T-TD-1"): ("Q2", True, None),
        ("O-TD", "T-TD-2"): ("Q1", True, None),
        **{
            ("O-PB", f"T-PB-{i}"): (p, True, None)
            for i, p in enumerate(["Q1", "Q2", "Q3", "Q2", "Q1"], 1)
        },
        ("O-3W", "T-3W-1"): ("Q1", True, None),
        ("O-3W", "T-3W-1b"): ("Q1", False, "same_day_duplicate"),
        ("O-3W", "T-3W-2"): ("Q2", True, None),
        ("O-3W", "T-3W-3"): ("Q3", True, None),
        ("O-3W", "T-3W-4"): ("Q3", False, "outside_window"),
        ("O-SRC", "T-OLD-a"): ("Q2", False, "outside_window"),
        ("O-SRC", "T-OLD-b"): ("Q2", False, "same_day_duplicate"),
        ("O-SRC", "DR-S"): ("Q1", False, "outside_window"),
        ("O-LAP", "DR-L1"): ("Q4", False, "registration_lapsed"),
        ("O-LAP", "DR-L2"): ("Q3", True, None),
    }


def test_the_line_names_its_conversion(con):
    rows = query(
        con,
        "select amount, currency, fx_rate, valued_on, amount_usd from marts.fct_opportunity_partner"
        " where opportunity_id = 'O-TD'",
    )
    assert [tuple(r.values()) for r in rows] == [
        (Decimal("1000"), "EUR", Decimal("1.1"), dt.date(2026, 6, 30), Decimal("1100.00"))
    ]


def test_the_reconciliations_pass_on_the_fixture(build_warehouse):
    warehouse = build_warehouse(LANDING, AS_OF)
    for reconciliation in RECONCILIATIONS:
        assert reconcile(warehouse, reconciliation) == (True, []), reconciliation.name


@pytest.fixture
def broken_copy(build_warehouse, tmp_path):
    """A copy of the fixture's warehouse to break on purpose."""
    copy = tmp_path / "broken.duckdb"
    shutil.copyfile(build_warehouse(LANDING, AS_OF), copy)

    def run(sql: str) -> Path:
        with duckdb.connect(str(copy)) as con:
            con.execute(sql)
        return copy

    return run


def test_one_broken_credit_fails_the_checks_naming_its_line(broken_copy):
    warehouse = broken_copy(
        "update marts.fct_partner_attribution set credited_revenue_usd = 40.01"
        " where opportunity_id = 'O-PB' and partner_id = 'Q2' and model = 'linear'"  # was 40.00
    )
    passed, rows = reconcile(warehouse, CHECK["credits_add_up_to_line_revenue"])
    assert not passed
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("O-PB", "linear", Decimal("100.00"), Decimal("100.01"))
    ]
    passed, rows = reconcile(warehouse, CHECK["credit_trail_adds_up"])
    assert not passed and [r[:3] for r in rows] == [("O-PB", "linear", "Q2")]


def test_a_kpi_day_that_does_not_add_up_fails_naming_the_day(broken_copy):
    # on D the trailing year holds all five lines: 1,100 + 100 + 100 + 500 + 800 = 2,600.00
    warehouse = broken_copy(
        "update marts.program_kpis set total_revenue_usd = 2600.01 where as_of_date = '2026-06-30'"
    )
    passed, rows = reconcile(warehouse, CHECK["kpis_add_up_to_lines"])
    assert not passed
    assert [(str(r[0]), r[1], r[2]) for r in rows] == [
        ("2026-06-30", Decimal("2600.01"), Decimal("2600.00"))
    ]


def _cli(warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster_project.cli",
            "--warehouse",
            str(warehouse),
            "explain",
            *args,
        ],
        capture_output=True,
        text=True,
    )


def test_explain_tells_a_line_in_words_and_figures(build_warehouse):
    result = _cli(build_warehouse(LANDING, AS_OF), "O-TD")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert (
        "Amount 1,000.00 EUR x 1.1 (the latest rate on or before 2026-06-30) = 1,100.00 USD" in text
    )
    assert "Not partner-sourced" in text
    assert "2026-06-10 10:00 UTC  Q2  co_sell T-TD-1: counted, #1 of 2" in text
    q1 = next(line for line in text.splitlines() if line.strip().startswith("Q1 "))
    # first_touch Q2, last_touch Q1; linear, position based and program halves; time decay 613.26
    assert q1.split() == [
        "Q1", "-", "-", "1,100.00", "(100.0%)", "550.00", "(50.0%)", "550.00", "(50.0%)",
        "613.26", "(55.8%)", "550.00", "(50.0%)",
    ]  # fmt: skip


def test_explain_says_why_a_touch_did_not_count_and_filters_a_partner(build_warehouse):
    result = _cli(build_warehouse(LANDING, AS_OF), "O-LAP", "--partner", "Q4")
    assert result.returncode == 0, result.stderr
    assert (
        "DR-L1: not counted: the registration expired before the opportunity was created"
        in result.stdout
    )
    assert "Partner-sourced by Q3 through an approved deal registration (DR-L2)" in result.stdout


def test_explain_an_unknown_line_names_the_closest_ids(build_warehouse):
    result = _cli(build_warehouse(LANDING, AS_OF), "O-PBX")
    assert result.returncode == 1
    assert "no revenue line 'O-PBX'" in result.stderr
    assert "Closest ids: O-PB, O-LAP" in result.stderr
