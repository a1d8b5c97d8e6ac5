"""An independent check of the playbook flags on the bundled sample (METRICS.md section 7):
channel_conflict, one_sided_value, set_and_forget and partner_detractor, worked out in plain
Python from the CSV exports and the independent model of tests/test_independent_model.py (its
loaders and revenue lines, imported, not copied), then compared with marts.fct_partner_flags:
which partners are flagged, the amount, the day the condition started and the ids involved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from test_independent_model import (
    FREE_MAIL,
    NPS_DAYS,
    D,
    Model,
    _compare,
    _date,
    _domain,
    _fx_rates,
    _records,
    _to_usd,
    build_model,
    con,  # noqa: F401  (the fixture: the sample warehouse as of D)
)

# Defaults of the dbt vars (dbt_project.yml)
CONFLICT_DAYS = 365
HOLD_DAYS = 90  # registration_default_hold_days
ONE_SIDED_DAYS = 365
GIVES_REVENUE = Decimal(50_000)
FORGET_DAYS = 180
DETRACTOR_MAX = 6


def _since(days: int) -> dt.date:
    """The first excluded day of the trailing window (D - days, D]."""
    return D - dt.timedelta(days=days)


def _approved(registration: dict) -> bool:
    status = registration["status"].strip().lower()
    return status == "approved" or (status == "expired" and bool(registration.get("approved_at")))


def independent_flags(model: Model) -> dict[tuple[str, str], tuple]:
    """(partner, flag) -> (amount_usd, condition_started_on, related_ids)."""
    partners = model.partners
    signed = {p: row for p, row in partners.items() if row["is_signed"]}
    accounts = {a["account_id"]: a for a in _records("crm/accounts", ("account_id",))}
    by_domain: dict[str, str] = {}
    for account_id, account in accounts.items():
        domain = _domain(account.get("domain"))
        if domain and domain not in FREE_MAIL and account_id < by_domain.get(domain, "~"):
            by_domain[domain] = account_id
    registrations = [
        r
        for r in _records("crm/deal_registrations", ("registration_id",))
        if _date(r["registered_at"]) <= D and r["partner_id"] in partners
    ]
    opportunities = {k: v for k, v in model.lines.items() if v.kind == "opportunity"}
    flags: dict[tuple[str, str], tuple] = {}

    # channel_conflict -------------------------------------------------------------------------
    direct = [
        line
        for line in opportunities.values()
        if not line.influenced and _since(CONFLICT_DAYS) < line.created <= D
    ]
    held: dict[str, set[str]] = defaultdict(set)
    for r in registrations:
        if not _approved(r):
            continue
        domain = _domain(r.get("customer_domain"))
        named = opportunities.get(r.get("opportunity_id") or "")
        account = (
            r.get("account_id")
            or (by_domain.get(domain) if domain and domain not in FREE_MAIL else None)
            or (named.account_id if named else None)
        )
        start = _date(r["registered_at"])
        end = _date(r.get("expires_at")) or start + dt.timedelta(days=HOLD_DAYS)
        for line in direct:
            if line.account_id == account and start <= line.created <= end:
                held[r["partner_id"]].add(line.line_id)
    for line in direct:
        owner = (accounts.get(line.account_id) or {}).get("partner_owner_id")
        if owner and owner in partners:
            held[owner].add(line.line_id)
    for partner, ids in held.items():
        lines = [opportunities[i] for i in ids]
        at_stake = sum(
            (x.amount_usd for x in lines if x.amount_usd is not None and not _lost(x)), Decimal(0)
        )
        flags[(partner, "channel_conflict")] = (
            at_stake,
            min(x.created for x in lines),
            sorted(ids),
        )

    # one_sided_value --------------------------------------------------------------------------
    start = _since(ONE_SIDED_DAYS)
    rates = _fx_rates()
    spent: dict[str, list] = defaultdict(list)
    for f in _records("mdf/fund_requests", ("request_id",)):
        requested = _date(f["requested_at"])
        if requested > D or f["partner_id"] not in partners:
            continue
        claimed, approved = _date(f.get("claimed_at")), _date(f.get("approved_at"))
        on = (
            claimed
            if claimed and claimed <= D
            else approved
            if approved and approved <= D
            else requested
        )
        amount = Decimal(f["spent_amount"]) if f.get("spent_amount") else Decimal(0)
        if amount > 0 and start < on:
            spent[f["partner_id"]].append(
                (on, f["request_id"], _to_usd(amount, f["currency"], on, rates))
            )
    gave = {
        r["partner_id"] for r in registrations if _approved(r) and start < _date(r["registered_at"])
    }
    for r in _records("affiliate/referrals", ("referral_id",)):
        converted = _date(r.get("converted_at"))
        if r["status"].strip().lower() == "converted" and converted and start < converted <= D:
            gave.add(r["partner_id"])
    for i in _records("marketplace/integration_installs", ("install_id",)):
        if start < _date(i["installed_at"]) <= D:
            gave.add(i["partner_id"])
    campaigns = _records("crm/campaigns", ("campaign_id",))
    got_campaign = {
        c["partner_id"]
        for c in campaigns
        if c.get("partner_id") and c.get("start_date") and start < _date(c["start_date"]) <= D
    }
    for partner, row in signed.items():
        revenue = row["tier_revenue_usd"]  # program-credited revenue of the trailing 365 days
        if spent.get(partner) and revenue <= 0 and partner not in gave:
            usd = [s for _, _, s in spent[partner] if s is not None]
            flags[(partner, "one_sided_value")] = (
                sum(usd, Decimal(0)) if usd else None,
                min(on for on, _, _ in spent[partner]),
                sorted(rid for _, rid, _ in spent[partner]),
            )
        elif revenue >= GIVES_REVENUE and not spent.get(partner) and partner not in got_campaign:
            flags[(partner, "one_sided_value")] = (revenue, None, None)

    # set_and_forget ---------------------------------------------------------------------------
    engaged: dict[str, dt.date] = {}

    def engage(partner: str | None, on: dt.date) -> None:
        if partner and on <= D:
            engaged[partner] = max(on, engaged.get(partner, on))

    for c in campaigns:
        if c.get("start_date") and _date(c["start_date"]) <= D:
            engage(c.get("partner_id"), min(_date(c.get("end_date")) or D, D))
    for f in _records("mdf/fund_requests", ("request_id",)):
        engage(f["partner_id"], _date(f["requested_at"]))
    responses = [n for n in _records("surveys/partner_nps", ("response_id",))]
    for n in responses:
        engage(n["partner_id"], _date(n["responded_at"]))
    for t in _records("crm/partner_touches", ("touch_id",)):
        if t["touch_kind"].strip().lower() == "co_sell" and t["opportunity_id"] in opportunities:
            engage(t["partner_id"], _date(t["touched_at"]))
    for partner, row in signed.items():
        agreement = row["agreement"]
        last = engaged.get(partner)
        if (D - agreement).days > FORGET_DAYS and (last is None or last <= _since(FORGET_DAYS)):
            begun = agreement + dt.timedelta(days=FORGET_DAYS + 1)
            if last is not None:
                begun = max(begun, last + dt.timedelta(days=FORGET_DAYS))
            flags[(partner, "set_and_forget")] = (None, begun, None)

    # partner_detractor ------------------------------------------------------------------------
    latest: dict[str, dict] = {}
    for n in responses:
        at = (n["responded_at"], n["response_id"])
        if _since(NPS_DAYS) < _date(n["responded_at"]) <= D and (
            n["partner_id"] not in latest
            or at
            > (latest[n["partner_id"]]["responded_at"], latest[n["partner_id"]]["response_id"])
        ):
            latest[n["partner_id"]] = n
    for partner, n in latest.items():
        if partner in signed and int(n["score"]) <= DETRACTOR_MAX:
            flags[(partner, "partner_detractor")] = (
                None,
                _date(n["responded_at"]),
                [n["response_id"]],
            )
    return flags


def _lost(line) -> bool:
    return line.is_closed and not line.is_won


@pytest.fixture(scope="module")
def mine() -> dict:
    return independent_flags(build_model())


@pytest.mark.parametrize(
    "flag", ["channel_conflict", "one_sided_value", "set_and_forget", "partner_detractor"]
)
def test_flags_match_the_independent_model(mine, con, flag):  # noqa: F811
    cursor = con.execute(
        "select partner_id, amount_usd, condition_started_on, related_ids"
        " from marts.fct_partner_flags where flag = ?",
        [flag],
    )
    theirs = {(p, flag): (a, s, ids) for p, a, s, ids in cursor.fetchall()}
    mine_of_flag = {k: v for k, v in mine.items() if k[1] == flag}
    assert mine_of_flag, f"the sample should show some {flag}"
    _compare(f"fct_partner_flags {flag}", mine_of_flag, theirs)


def test_the_sample_raises_every_flag(mine):
    # the independent model itself finds each flag on the sample (so the comparison has teeth)
    assert {flag for _, flag in mine} == {
        "channel_conflict",
        "one_sided_value",
        "set_and_forget",
        "partner_detractor",
    }
