"""The bundled two-year sample through the real nightly job: the marts' invariants hold on
thousands of generated opportunities, and headline figures agree with an independent computation
straight from the CSV exports (plain Python, no code of the pipeline)."""

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from marts import MARTS, MODELS

from dagster_project.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "landing"
AS_OF = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(SAMPLE, AS_OF.isoformat())


def _current_records(entity: str, key: tuple[str, ...]) -> list[dict]:
    """Latest version per key from the exports dated on or before AS_OF; deletions dropped."""
    source, name = entity.split("/")
    latest: dict[tuple, tuple] = {}
    for folder in sorted((SAMPLE / source).iterdir()):
        if dt.date.fromisoformat(folder.name) > AS_OF:
            continue
        with open(folder / f"{name}.csv", newline="", encoding="utf-8-sig") as handle:
            for line, row in enumerate(csv.DictReader(handle)):
                rank = (folder.name, row.get("updated_at") or "", line)
                record_key = tuple(row[k] for k in key)
                if record_key not in latest or rank > latest[record_key][0]:
                    latest[record_key] = (rank, row)
    return [row for _, row in latest.values() if row.get("is_deleted", "").lower() != "true"]


def _day(timestamp: str) -> dt.date:
    return dt.date.fromisoformat(timestamp[:10])


def _usd(amount: str, currency: str, on: dt.date, rates: dict[str, list]) -> Decimal | None:
    if currency.upper() == "USD":
        rate = Decimal(1)
    else:
        earlier = [r for d, r in rates.get(currency.upper(), []) if d <= on]
        if not earlier:
            return None
        rate = earlier[-1]
    return (Decimal(amount) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_total_revenue_matches_an_independent_computation_from_the_exports(con):
    rates: dict[str, list] = {}
    for row in sorted(
        _current_records("reference/fx_rates", ("rate_date", "currency")),
        key=lambda r: r["rate_date"],
    ):
        if dt.date.fromisoformat(row["rate_date"]) <= AS_OF:
            rates.setdefault(row["currency"].upper(), []).append(
                (dt.date.fromisoformat(row["rate_date"]), Decimal(row["usd_per_unit"]))
            )
    window_start = AS_OF - dt.timedelta(days=365)  # trailing 365 days: (D - 365, D]

    opportunities = [
        o
        for o in _current_records("crm/opportunities", ("opportunity_id",))
        if _day(o["created_at"]) <= AS_OF
    ]
    total = Decimal(0)
    for opp in opportunities:
        close = dt.date.fromisoformat(opp["close_date"]) if opp["close_date"] else None
        won = opp["is_closed"] == "true" and opp["is_won"] == "true"
        if won and close and window_start < close <= AS_OF:
            total += _usd(opp["amount"], opp["currency"], close, rates) or 0

    opportunity_ids = {o["opportunity_id"] for o in opportunities}
    offers = {o["marketplace_offer_id"] for o in opportunities if o["marketplace_offer_id"]}
    for tx in _current_records("marketplace/transactions", ("transaction_id",)):
        day = _day(tx["transaction_at"])
        linked = tx["opportunity_id"] in opportunity_ids or tx["offer_id"] in offers
        if not linked and window_start < day <= AS_OF:
            total += _usd(tx["gross_amount"], tx["currency"], day, rates) or 0

    (mart_total,) = con.execute(
        "select total_revenue_usd from marts.program_kpis where as_of_date = ?", [AS_OF]
    ).fetchone()
    assert total > 1_000_000  # the sample is a real program, not an empty one
    assert mart_total == total


def test_signed_partners_match_an_independent_count_from_the_exports(con):
    signed = 0
    for partner in _current_records("crm/partners", ("partner_id",)):
        agreement = partner["agreement_signed_at"]
        terminated = partner["terminated_at"]
        if agreement and _day(agreement) <= AS_OF and (not terminated or _day(terminated) > AS_OF):
            signed += 1
    (mart_signed,) = con.execute(
        "select signed_partners from marts.program_kpis where as_of_date = ?", [AS_OF]
    ).fetchone()
    assert mart_signed == signed


def test_every_model_splits_every_influenced_line_into_credits_that_sum_to_one(con):
    rows = con.execute(
        """
        select model, count(*) as lines, max(abs(total_credit - 1)) as worst
        from (
            select opportunity_id, model, sum(credit) as total_credit
            from marts.fct_partner_attribution group by opportunity_id, model
        ) group by model
        """
    ).fetchall()
    by_model = {model: (lines, worst) for model, lines, worst in rows}
    assert set(by_model) == set(MODELS)
    for model, (lines, worst) in by_model.items():
        assert lines > 100, model
        assert worst < 1e-9, model
    influenced = con.execute(
        "select count(*) from marts.fct_opportunity_partner where is_partner_influenced"
    ).fetchone()[0]
    # every influenced line has program credit, and only influenced lines have credit
    assert by_model["program"][0] == influenced


def test_credited_revenue_adds_up_to_the_line_revenue_to_the_cent(con):
    mismatches = con.execute(
        """
        select count(*) from (
            select attribution.opportunity_id, attribution.model
            from marts.fct_partner_attribution as attribution
            inner join marts.fct_opportunity_partner as lines using (opportunity_id)
            where lines.revenue_usd is not null
            group by attribution.opportunity_id, attribution.model
            having sum(attribution.credited_revenue_usd) != any_value(lines.revenue_usd)
        )
        """
    ).fetchone()[0]
    assert mismatches == 0


def test_program_credit_sums_to_partner_influenced_revenue_exactly(con):
    program, influenced = con.execute(
        """
        select
            (select sum(credited_revenue_usd) from marts.fct_partner_attribution
             where model = 'program' and is_won and close_date > ? and close_date <= ?),
            (select partner_influenced_revenue_usd from marts.program_kpis where as_of_date = ?)
        """,
        [AS_OF - dt.timedelta(days=365), AS_OF, AS_OF],
    ).fetchone()
    assert program == influenced


def test_the_sample_loads_without_loss(con):
    files, read, loaded, quarantined, rejected = con.execute(
        """
        select count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined),
               count(case when status = 'rejected' then 1 end)
        from audit.load_log
        """
    ).fetchone()
    assert files == len(list(SAMPLE.glob("*/*/*.csv")))
    assert read == loaded + quarantined
    assert rejected == 0


def test_dim_partners_and_program_kpis_agree_on_the_run_date(con):
    active, signed = con.execute(
        "select count(case when is_active then 1 end), count(case when is_signed then 1 end) "
        "from marts.dim_partners"
    ).fetchone()
    assert (active, signed) == con.execute(
        "select active_partners, signed_partners from marts.program_kpis where as_of_date = ?",
        [AS_OF],
    ).fetchone()


def test_the_daily_series_covers_the_last_365_days(con):
    first, last, days = con.execute(
        "select min(as_of_date), max(as_of_date), count(*) from marts.program_kpis"
    ).fetchone()
    assert (first, last, days) == (AS_OF - dt.timedelta(days=364), AS_OF, 365)


def test_every_mart_of_the_landing_contract_is_filled(con):
    for mart in MARTS:
        assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart
