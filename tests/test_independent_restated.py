"""History restated (METRICS.md section 0), checked independently: a past day X inside the marts of
D applies the rules at X to everything dated on or before X, as the exports known at D show them.

So the figure of X is what the independent model of tests/test_independent_model.py gives when
run at X with the exports known at D: its records are read as of D (latest versions, deletions),
and its events are cut at X (records created after X do not exist yet, an opportunity closing
after X is open, windows end at X). That model shares no code with the pipeline; this module only
reuses it. Compared for a handful of days: the program_kpis row and each partner's tier (with its
tier revenue and referrals) on that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import test_independent_model as independent

RUN_DATE = independent.D
SERIES_DAYS = 365
# every 30th day of the KPI series back from D, and two days the review worked by hand: 2026-01-30
# (an open opportunity's window holds a referral the window of its close does not) and 2025-04-12
# (a line won 04-10 is sourced only by a transaction of 04-14; before the series, tiers only)
SERIES_CHECK_DAYS = sorted(
    {RUN_DATE - dt.timedelta(days=days) for days in range(0, SERIES_DAYS, 30)}
    | {dt.date(2026, 1, 30)}
)
# and the past quarter-ends of the partner scorecard, whose tier is the tier history's on that day
QUARTER_ENDS = [dt.date(2025, 3, 31), dt.date(2025, 6, 30), dt.date(2025, 9, 30)]
QUARTER_ENDS += [dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30)]
QUARTER_ENDS += [dt.date(2026, 9, 30)]
TIER_CHECK_DAYS = sorted(
    {*SERIES_CHECK_DAYS, dt.date(2025, 4, 12), dt.date(2025, 4, 14), *QUARTER_ENDS}
)


@contextmanager
def events_cut_at(day: dt.date) -> Iterator[None]:
    """The independent model's as-of date is `day` for events while every export is still read
    as of the run date: its `_records` reads the module's D, so D is the run date while it reads."""
    read_records = independent._records

    def records_known_at_run_date(entity: str, key: tuple[str, ...]) -> list[dict]:
        independent.D = RUN_DATE
        try:
            return read_records(entity, key)
        finally:
            independent.D = day

    independent.D, independent._records = day, records_known_at_run_date
    try:
        yield
    finally:
        independent.D, independent._records = RUN_DATE, read_records


@pytest.fixture(scope="module")
def models() -> dict[dt.date, independent.Model]:
    built = {}
    for day in TIER_CHECK_DAYS:
        with events_cut_at(day):
            built[day] = independent.build_model()
    return built


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(independent.LANDING, RUN_DATE.isoformat())


def test_the_check_days_are_inside_the_series_and_the_cut_moves_the_model(models):
    series_start = RUN_DATE - dt.timedelta(days=SERIES_DAYS - 1)
    assert all(series_start <= day <= RUN_DATE for day in SERIES_CHECK_DAYS)
    # the cut is real: fewer lines exist a year back than on the run date
    assert len(models[SERIES_CHECK_DAYS[0]].lines) < len(models[RUN_DATE].lines)


@pytest.mark.parametrize("day", SERIES_CHECK_DAYS, ids=str)
def test_program_kpis_of_a_past_day_are_the_model_run_at_that_day(models, con, day):
    cursor = con.execute("select * from marts.program_kpis where as_of_date = ?", [day])
    names = [column[0] for column in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    mine = models[day].kpis
    independent._compare(f"program_kpis as of {day}", mine, {k: row[k] for k in mine})


@pytest.mark.parametrize("day", TIER_CHECK_DAYS, ids=str)
def test_each_partners_tier_on_a_past_day_is_the_model_run_at_that_day(models, con, day):
    history = dict(
        con.execute(
            "select partner_id, tier from marts.partner_tier_history"
            " where valid_from <= ? and (valid_to > ? or valid_to is null)",
            [day, day],
        ).fetchall()
    )
    # tier revenue and referrals of the day: the latest change day on or before it
    sums = {
        partner: (revenue, referrals)
        for partner, revenue, referrals in con.execute(
            "select partner_id, tier_revenue_usd, referrals from intermediate.int_partner_tier_days"
            " where date_day <= ?"
            " qualify row_number() over (partition by partner_id order by date_day desc) = 1",
            [day],
        ).fetchall()
    }
    partners = models[day].partners
    independent._compare(
        f"tier on {day}",
        {p: row["tier"] for p, row in partners.items() if row["tier"]},
        history,
    )
    independent._compare(
        f"tier revenue and referrals on {day}",
        {
            p: (row["tier_revenue_usd"], row["referrals_t12m"])
            for p, row in partners.items()
            if p in sums
        },
        sums,
    )
