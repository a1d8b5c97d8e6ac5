"""An independent model of the marts, worked out in plain Python straight from the CSV exports.

Everything here follows METRICS.md, LANDING.md and docs/decisions.md, and shares no code with the
pipeline (only the project root). The warehouse the real nightly job built for the bundled sample
is then compared field by field: revenue lines, attribution credits, partners and the KPIs of D.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest

from dagster_project.settings import PROJECT_ROOT

LANDING = PROJECT_ROOT / "data" / "landing"
D = dt.date(2026, 11, 27)
CENT = Decimal("0.01")

# Defaults of dbt_project.yml vars and seeds (METRICS.md).
GRACE_DAYS = 14
LOOKBACK_DAYS = 90
WINDOW_DAYS = 365
FIRST_WEIGHT = LAST_WEIGHT = 0.4
HALF_LIFE = 30
REVENUE_DAYS = 365
ACTIVITY_DAYS = 90
FIRST_DEAL_TARGET = 90
NPS_DAYS = 365
TIER_DAYS = 365
TIERS = (  # (tier, min revenue, min referrals) highest first
    ("platinum", Decimal(200_000), None),
    ("gold", Decimal(50_000), 20),
    ("silver", Decimal(10_000), 5),
)
FREE_MAIL = set(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.com",
        "zoho.com",
    ]
)
MODELS = ("sourced", "first_touch", "last_touch", "linear", "position_based", "time_decay")


# ---------------------------------------------------------------------------------------------
# Reading the exports


def _records(entity: str, key: tuple[str, ...]) -> list[dict]:
    """Latest version per key from exports dated on or before D (later export date, then later
    updated_at, then later line); deleted records dropped."""
    source, name = entity.split("/")
    latest: dict[tuple, tuple] = {}
    for folder in sorted((LANDING / source).iterdir()):
        if dt.date.fromisoformat(folder.name) > D or not (folder / f"{name}.csv").exists():
            continue
        with open(folder / f"{name}.csv", newline="", encoding="utf-8-sig") as handle:
            for line, row in enumerate(csv.DictReader(handle)):
                rank = (folder.name, _ts(row.get("updated_at")) or dt.datetime.min, line)
                record_key = tuple(row[k] for k in key)
                if record_key not in latest or rank > latest[record_key][0]:
                    latest[record_key] = (rank, row)
    return [
        row
        for _, row in latest.values()
        if (row.get("is_deleted") or "").strip().lower() not in ("true", "1", "t", "yes")
    ]


def _ts(value: str | None) -> dt.datetime | None:
    """An ISO timestamp (or date) as a naive UTC datetime."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _date(value: str | None) -> dt.date | None:
    parsed = _ts(value)
    return parsed.date() if parsed else None


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "t", "yes")


def _domain(value: str | None) -> str | None:
    """Normalised domain: lower case, no scheme, port, path or www.; e-mail -> after @."""
    if not value or not value.strip():
        return None
    text = value.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0]
    if text.startswith("www."):
        text = text[4:]
    text = text.strip(".")
    return text or None


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# The model


@dataclass
class Touch:
    partner: str
    kind: str
    at: dt.datetime
    touch_id: str

    @property
    def day(self) -> dt.date:
        return self.at.date()


@dataclass
class Line:
    line_id: str
    kind: str
    account_id: str | None
    created: dt.date
    close_date: dt.date | None
    is_closed: bool
    is_won: bool
    amount_usd: Decimal | None
    revenue_usd: Decimal | None
    window_end: dt.date
    sourcing_partner: str | None = None
    source_rule: str | None = None
    touches: list[Touch] = field(default_factory=list)  # deduplicated, in window, ordered
    linked: list[Touch] = field(default_factory=list)  # every linked touch, counted or not
    lapsed: list[Touch] = field(default_factory=list)  # registrations lapsed before creation
    source_event: Touch | None = None  # the event that sourced it (kind = the source rule)

    @property
    def influenced(self) -> bool:
        return self.sourcing_partner is not None or bool(self.touches)

    @property
    def touching_partner_count(self) -> int:
        if self.kind == "marketplace_only":
            return 1
        return len({t.partner for t in self.touches})


@dataclass
class Model:
    lines: dict[str, Line]
    credits: dict[tuple[str, str, str], float]  # (line, partner, model) -> credit
    credited: dict[tuple[str, str, str], Decimal | None]
    partners: dict[str, dict]
    kpis: dict[str, object]


def _fx_rates() -> dict[str, list[tuple[dt.date, Decimal]]]:
    rates: dict[str, list] = defaultdict(list)
    for row in _records("reference/fx_rates", ("rate_date", "currency")):
        day = _date(row["rate_date"])
        if day <= D:
            rates[row["currency"].strip().upper()].append((day, Decimal(row["usd_per_unit"])))
    for series in rates.values():
        series.sort()
    return rates


def _to_usd(amount: Decimal, currency: str, on: dt.date, rates) -> Decimal | None:
    currency = (currency or "USD").strip().upper()
    if currency == "USD":
        return _half_up(amount)
    best = None
    for day, rate in rates.get(currency, []):
        if day > on:
            break
        best = rate
    return None if best is None else _half_up(amount * best)


def _split(weights: list[tuple[str, float]]) -> dict[str, float]:
    total = sum(w for _, w in weights)
    out: dict[str, float] = defaultdict(float)
    for partner, weight in weights:
        out[partner] += weight / total
    return dict(out)


def _allocate_cents(revenue: Decimal, credits: dict[str, float]) -> dict[str, Decimal]:
    """Whole cents adding up to the revenue: largest remainder, ties to the smaller partner id."""
    cents = int(revenue * 100)
    sign = -1 if cents < 0 else 1
    ideal = {p: abs(cents) * c for p, c in credits.items()}
    base = {p: math.floor(v + 1e-9) for p, v in ideal.items()}
    left = abs(cents) - sum(base.values())
    order = sorted(ideal, key=lambda p: (-(round(ideal[p] - base[p], 9)), p))
    for p in order[:left]:
        base[p] += 1
    return {p: Decimal(sign * v) / 100 for p, v in base.items()}


def build_model() -> Model:
    rates = _fx_rates()
    day_lo_window = dt.timedelta(days=WINDOW_DAYS)

    # partners -------------------------------------------------------------------------------
    partners = {p["partner_id"]: p for p in _records("crm/partners", ("partner_id",))}

    # accounts and domain matching -------------------------------------------------------------
    accounts = {
        a["account_id"]: a
        for a in _records("crm/accounts", ("account_id",))
        if not a.get("created_at") or _date(a["created_at"]) <= D
    }
    by_domain: dict[str, str] = {}
    for account_id, account in accounts.items():
        domain = _domain(account.get("domain"))
        if domain and domain not in FREE_MAIL and account_id < by_domain.get(domain, "~"):
            by_domain[domain] = account_id

    def match(*values: str | None) -> str | None:
        for value in values:
            domain = _domain(value)
            if domain:
                return None if domain in FREE_MAIL else by_domain.get(domain)
        return None

    # opportunities ----------------------------------------------------------------------------
    opportunities: dict[str, Line] = {}
    raw_opps: dict[str, dict] = {}
    for o in _records("crm/opportunities", ("opportunity_id",)):
        created_at = _ts(o["created_at"])
        if created_at.date() > D:
            continue
        close = _date(o["close_date"])
        closed_flag = _flag(o["is_closed"])
        if closed_flag and close is None:
            close = _date(o["updated_at"])
        is_closed = closed_flag and close is not None and close <= D
        is_won = is_closed and _flag(o["is_won"])
        value_day = close if is_closed else D
        amount_usd = _to_usd(Decimal(o["amount"]), o["currency"], value_day, rates)
        revenue = (
            (amount_usd if is_won else Decimal(0)) if amount_usd is not None or not is_won else None
        )
        # METRICS.md section 2: revenue is 0 when not won, whatever the rate
        o["_created_at"] = created_at
        raw_opps[o["opportunity_id"]] = o
        opportunities[o["opportunity_id"]] = Line(
            line_id=o["opportunity_id"],
            kind="opportunity",
            account_id=o["account_id"] or None,
            created=created_at.date(),
            close_date=close,
            is_closed=is_closed,
            is_won=is_won,
            amount_usd=amount_usd,
            revenue_usd=revenue,
            window_end=value_day,
        )
    offers: dict[str, str] = {}
    for opp_id, o in raw_opps.items():
        offer = (o.get("marketplace_offer_id") or "").strip()
        if offer and (offer not in offers or opp_id < offers[offer]):
            offers[offer] = opp_id
    opps_by_account: dict[str, list[str]] = defaultdict(list)
    for opp_id, line in opportunities.items():
        if line.account_id:
            opps_by_account[line.account_id].append(opp_id)

    raw_touches: dict[str, list[Touch]] = defaultdict(list)

    def alive(partner_id: str | None) -> bool:
        return bool(partner_id) and partner_id in partners

    # CRM touches
    for t in _records("crm/partner_touches", ("touch_id",)):
        at = _ts(t["touched_at"])
        if at.date() > D or t["opportunity_id"] not in opportunities:
            continue
        if not alive(t["partner_id"]):
            continue
        raw_touches[t["opportunity_id"]].append(
            Touch(t["partner_id"], t["touch_kind"].strip().lower(), at, t["touch_id"])
        )

    # deal registrations
    registrations = []
    for r in _records("crm/deal_registrations", ("registration_id",)):
        at = _ts(r["registered_at"])
        if at.date() > D or not alive(r["partner_id"]):
            continue
        status = r["status"].strip().lower()
        r["_approved"] = status == "approved" or (status == "expired" and bool(r["approved_at"]))
        r["_at"] = at
        registrations.append(r)
    dr_sources: dict[str, list] = defaultdict(list)
    for r in registrations:
        if r["_approved"] and r["opportunity_id"] in opportunities:
            opp = opportunities[r["opportunity_id"]]
            touch = Touch(r["partner_id"], "deal_registration", r["_at"], r["registration_id"])
            expires = _date(r.get("expires_at"))
            if expires and expires < opp.created:  # lapsed before the opportunity existed
                opp.lapsed.append(touch)
                continue
            raw_touches[opp.line_id].append(touch)
            if r["_at"].date() <= opp.created + dt.timedelta(days=GRACE_DAYS):
                dr_sources[opp.line_id].append((r["_at"], r["registration_id"], r["partner_id"]))

    # referrals
    referrals = []
    ref_sources: dict[str, list] = defaultdict(list)
    for r in _records("affiliate/referrals", ("referral_id",)):
        if not alive(r["partner_id"]):
            continue
        converted_at = _ts(r.get("converted_at"))
        if (
            r["status"].strip().lower() != "converted"
            or not converted_at
            or converted_at.date() > D
        ):
            continue
        r["_at"] = converted_at
        referrals.append(r)
        account = match(r.get("customer_email"), r.get("customer_domain"))
        for opp_id in opps_by_account.get(account, []) if account else []:
            opp = opportunities[opp_id]
            raw_touches[opp_id].append(
                Touch(r["partner_id"], "referral", converted_at, r["referral_id"])
            )
            if opp.created - dt.timedelta(days=LOOKBACK_DAYS) <= converted_at.date() <= opp.created:
                ref_sources[opp_id].append((converted_at, r["referral_id"], r["partner_id"]))

    # marketplace transactions
    mp_sources: dict[str, list] = defaultdict(list)
    lines: dict[str, Line] = dict(opportunities)
    marketplace_codes = set()
    for tx in _records("marketplace/transactions", ("transaction_id",)):
        at = _ts(tx["transaction_at"])
        if at.date() > D:
            continue
        code = tx["marketplace"].strip().lower()
        marketplace_codes.add(code)
        reseller = tx.get("reseller_partner_id") or None
        partner = reseller if alive(reseller) else code
        named = tx.get("opportunity_id") or None
        offer = (tx.get("offer_id") or "").strip()
        linked = named if named in opportunities else offers.get(offer) if offer else None
        if linked:
            raw_touches[linked].append(Touch(partner, "marketplace", at, tx["transaction_id"]))
            mp_sources[linked].append((at, tx["transaction_id"], partner))
            continue
        amount_usd = _to_usd(Decimal(tx["gross_amount"]), tx["currency"], at.date(), rates)
        line_id = f"marketplace:{tx['transaction_id']}"
        lines[line_id] = Line(
            line_id=line_id,
            kind="marketplace_only",
            account_id=tx.get("customer_account_id") or match(tx.get("customer_domain")),
            created=at.date(),
            close_date=at.date(),
            is_closed=True,
            is_won=True,
            amount_usd=amount_usd,
            revenue_usd=amount_usd,
            window_end=at.date(),
            sourcing_partner=partner,
            source_rule="marketplace",
            source_event=Touch(partner, "marketplace", at, tx["transaction_id"]),
        )
    for code in marketplace_codes - set(partners):
        partners[code] = {
            "partner_id": code,
            "partner_type": "reseller",
            "agreement_signed_at": "",
            "terminated_at": "",
        }

    # integration installs
    installs = []
    for i in _records("marketplace/integration_installs", ("install_id",)):
        at = _ts(i["installed_at"])
        if at.date() > D or not alive(i["partner_id"]):
            continue
        i["_at"] = at
        installs.append(i)
        account = i.get("account_id") or match(i.get("customer_domain"))
        uninstalled = _date(i.get("uninstalled_at"))
        for opp_id in opps_by_account.get(account, []) if account else []:
            end = opportunities[opp_id].window_end
            if at.date() <= end and not (uninstalled and uninstalled <= end):
                raw_touches[opp_id].append(
                    Touch(i["partner_id"], "integration", at, i["install_id"])
                )

    # MDF campaign touches
    funders: dict[str, set[str]] = defaultdict(set)
    for f in _records("mdf/fund_requests", ("request_id",)):
        if f["status"].strip().lower() in ("rejected", "cancelled") or not alive(f["partner_id"]):
            continue
        if _date(f["requested_at"]) > D or not f.get("campaign_id"):
            continue
        funders[f["campaign_id"]].add(f["partner_id"])
    for opp_id, o in raw_opps.items():
        for partner in funders.get(o.get("campaign_id") or "", ()):
            raw_touches[opp_id].append(
                Touch(
                    partner, "mdf_campaign", o["_created_at"], f"mdf:{o['campaign_id']}:{partner}"
                )
            )

    # dedupe, window, sourcing -----------------------------------------------------------------
    for opp_id, line in opportunities.items():
        kept: dict[tuple, Touch] = {}
        line.linked = raw_touches.get(opp_id, [])
        for touch in raw_touches.get(opp_id, []):
            key = (touch.partner, touch.kind, touch.day)
            if key not in kept or touch.touch_id < kept[key].touch_id:
                kept[key] = touch
        start = line.window_end - day_lo_window
        line.touches = sorted(
            (t for t in kept.values() if start <= t.day <= line.window_end),
            key=lambda t: (t.at, t.touch_id),
        )
        for rule, candidates in (
            ("deal_registration", dr_sources),
            ("referral", ref_sources),
            ("marketplace", mp_sources),
        ):
            if candidates.get(opp_id):
                at, event_id, partner = min(candidates[opp_id])
                line.sourcing_partner, line.source_rule = partner, rule
                line.source_event = Touch(partner, rule, at, event_id)
                break

    # attribution ------------------------------------------------------------------------------
    credits: dict[tuple[str, str, str], float] = {}
    credited: dict[tuple[str, str, str], Decimal | None] = {}
    for line in lines.values():
        if not line.influenced:
            continue
        per_model: dict[str, dict[str, float]] = {}
        touches = line.touches
        if not touches:
            for model in (*MODELS, "program"):
                per_model[model] = {line.sourcing_partner: 1.0}
        else:
            n = len(touches)
            if line.sourcing_partner:
                per_model["sourced"] = {line.sourcing_partner: 1.0}
            per_model["first_touch"] = {touches[0].partner: 1.0}
            per_model["last_touch"] = {touches[-1].partner: 1.0}
            per_model["linear"] = _split([(t.partner, 1.0) for t in touches])
            if n == 1:
                weights = [1.0]
            elif n == 2:
                weights = [0.5, 0.5]
            else:
                middle = (1 - FIRST_WEIGHT - LAST_WEIGHT) / (n - 2)
                weights = [FIRST_WEIGHT] + [middle] * (n - 2) + [LAST_WEIGHT]
            per_model["position_based"] = _split(
                [(t.partner, w) for t, w in zip(touches, weights, strict=True)]
            )
            per_model["time_decay"] = _split(
                [(t.partner, 2 ** (-(line.window_end - t.day).days / HALF_LIFE)) for t in touches]
            )
            per_model["program"] = (
                {line.sourcing_partner: 1.0}
                if line.sourcing_partner
                else per_model["position_based"]
            )
        for model, split in per_model.items():
            split = {p: c for p, c in split.items() if c > 0}
            cents = (
                _allocate_cents(line.revenue_usd, split) if line.revenue_usd is not None else None
            )
            for partner, credit in split.items():
                credits[(line.line_id, partner, model)] = credit
                credited[(line.line_id, partner, model)] = cents[partner] if cents else None

    # partners ---------------------------------------------------------------------------------
    activity_start = D - dt.timedelta(days=ACTIVITY_DAYS)  # exclusive
    tier_start = D - dt.timedelta(days=TIER_DAYS)  # exclusive
    partner_lines: dict[str, set[str]] = defaultdict(set)
    for line in lines.values():
        if line.sourcing_partner:
            partner_lines[line.sourcing_partner].add(line.line_id)
        for touch in line.touches:
            partner_lines[touch.partner].add(line.line_id)
    active_days: dict[str, list[dt.date]] = defaultdict(list)
    for partner, ids in partner_lines.items():
        for line_id in ids:
            line = lines[line_id]
            if line.kind == "marketplace_only":
                if line.amount_usd is None or line.amount_usd >= 0:
                    active_days[partner].append(line.created)
                continue
            active_days[partner].append(line.created)
            if line.is_won:
                active_days[partner].append(line.close_date)
    for r in referrals:
        active_days[r["partner_id"]].append(r["_at"].date())
    for i in installs:
        active_days[i["partner_id"]].append(i["_at"].date())

    tier_revenue: dict[str, Decimal] = defaultdict(Decimal)
    for (line_id, partner, model), cents in credited.items():
        line = lines[line_id]
        won = line.is_won and tier_start < line.close_date <= D
        if model == "program" and cents is not None and won:
            tier_revenue[partner] += cents
    referral_counts: dict[str, int] = defaultdict(int)
    for r in registrations:
        if r["_approved"] and tier_start < r["_at"].date() <= D:
            referral_counts[r["partner_id"]] += 1
    for r in referrals:
        if tier_start < r["_at"].date() <= D:
            referral_counts[r["partner_id"]] += 1

    nps_latest: dict[str, tuple] = {}
    for n in _records("surveys/partner_nps", ("response_id",)):
        at = _ts(n["responded_at"])
        if not alive(n["partner_id"]) or not (D - dt.timedelta(days=NPS_DAYS) < at.date() <= D):
            continue
        rank = (at, n["response_id"])
        if n["partner_id"] not in nps_latest or rank > nps_latest[n["partner_id"]][0]:
            nps_latest[n["partner_id"]] = (rank, int(n["score"]))

    dim: dict[str, dict] = {}
    for partner_id, p in partners.items():
        agreement = _date(p.get("agreement_signed_at"))
        terminated = _date(p.get("terminated_at"))
        signed = bool(agreement and agreement <= D and not (terminated and terminated <= D))
        deals = [
            lines[i].close_date
            for i in partner_lines.get(partner_id, ())
            if lines[i].is_won
            and (lines[i].revenue_usd is None or lines[i].revenue_usd >= 0)
            and agreement
            and lines[i].close_date >= agreement
        ]
        revenue = tier_revenue.get(partner_id, Decimal(0))
        refs = referral_counts.get(partner_id, 0)
        tier = None
        if signed:
            tier = "registered"
            for name, min_revenue, min_refs in TIERS:
                if revenue >= min_revenue or (min_refs is not None and refs >= min_refs):
                    tier = name
                    break
        dim[partner_id] = {
            "is_signed": signed,
            "is_active": signed
            and any(activity_start < day <= D for day in active_days.get(partner_id, ())),
            "agreement": agreement,
            "first_deal_closed_at": min(deals) if deals else None,
            "tier_revenue_usd": revenue,
            "referrals_t12m": refs,
            "tier": tier,
            "latest_nps_score": nps_latest[partner_id][1] if partner_id in nps_latest else None,
        }

    # KPIs of D --------------------------------------------------------------------------------
    revenue_start = D - dt.timedelta(days=REVENUE_DAYS)
    in_window = [
        line
        for line in lines.values()
        if line.is_won and line.revenue_usd is not None and revenue_start < line.close_date <= D
    ]
    total = sum((line.revenue_usd for line in in_window), Decimal(0))
    sourced = sum((line.revenue_usd for line in in_window if line.sourcing_partner), Decimal(0))
    influenced = sum((line.revenue_usd for line in in_window if line.influenced), Decimal(0))
    signed_ids = [p for p, row in dim.items() if row["is_signed"]]
    active = sum(1 for p in signed_ids if dim[p]["is_active"])
    days_to_deal = sorted(
        (dim[p]["first_deal_closed_at"] - dim[p]["agreement"]).days
        for p in signed_ids
        if dim[p]["first_deal_closed_at"]
    )
    median = None
    if days_to_deal:
        mid = len(days_to_deal) // 2
        median = (
            float(days_to_deal[mid])
            if len(days_to_deal) % 2
            else (days_to_deal[mid - 1] + days_to_deal[mid]) / 2
        )
    scores = [s for _, s in nps_latest.values()]
    kpis = {
        "total_revenue_usd": total,
        "partner_sourced_revenue_usd": sourced,
        "partner_influenced_revenue_usd": influenced,
        "sourced_share": float(sourced / total) if total else None,
        "influenced_share": float(influenced / total) if total else None,
        "signed_partners": len(signed_ids),
        "active_partners": active,
        "activation_rate": active / len(signed_ids) if signed_ids else None,
        "median_days_to_first_deal": median,
        "share_first_deal_under_90d": (
            sum(1 for d in days_to_deal if d < FIRST_DEAL_TARGET) / len(days_to_deal)
            if days_to_deal
            else None
        ),
        "partners_waiting_past_90d": sum(
            1
            for p in signed_ids
            if dim[p]["first_deal_closed_at"] is None
            and (D - dim[p]["agreement"]).days > FIRST_DEAL_TARGET
        ),
        "partner_nps": (
            100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
            if scores
            else None
        ),
        "revenue_per_active_partner_usd": _half_up(influenced / active) if active else None,
    }
    return Model(lines=lines, credits=credits, credited=credited, partners=dim, kpis=kpis)


# ---------------------------------------------------------------------------------------------
# Comparison


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _compare(what: str, mine: dict, theirs: dict, show: int = 8) -> None:
    only_mine = sorted(set(mine) - set(theirs), key=str)
    only_theirs = sorted(set(theirs) - set(mine), key=str)
    differing = sorted(
        (k for k in set(mine) & set(theirs) if not _same(mine[k], theirs[k])), key=str
    )
    problems = []
    if only_mine:
        problems.append(
            f"{len(only_mine)} keys only in the independent model, e.g. "
            + "; ".join(f"{k}: {mine[k]!r}" for k in only_mine[:show])
        )
    if only_theirs:
        problems.append(
            f"{len(only_theirs)} keys only in the mart, e.g. "
            + "; ".join(f"{k}: {theirs[k]!r}" for k in only_theirs[:show])
        )
    if differing:
        problems.append(
            f"{len(differing)} of {len(mine)} differ (key: independent vs mart), e.g. "
            + "; ".join(f"{k}: {mine[k]!r} vs {theirs[k]!r}" for k in differing[:show])
        )
    assert not problems, f"{what}:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="module")
def con(open_marts):
    return open_marts(LANDING, D.isoformat())


@pytest.fixture(scope="module")
def model() -> Model:
    return build_model()


LINE_FIELDS = (
    "line_kind",
    "is_won",
    "amount_usd",
    "revenue_usd",
    "sourcing_partner_id",
    "source_rule",
    "is_partner_influenced",
    "touching_partner_count",
)


def _line_value(line: Line, column: str):
    return {
        "line_kind": line.kind,
        "is_won": line.is_won,
        "amount_usd": line.amount_usd,
        "revenue_usd": line.revenue_usd,
        "sourcing_partner_id": line.sourcing_partner,
        "source_rule": line.source_rule,
        "is_partner_influenced": line.influenced,
        "touching_partner_count": line.touching_partner_count,
    }[column]


def test_the_sample_is_a_real_program(model):
    assert len(model.lines) > 5000
    assert sum(1 for line in model.lines.values() if line.kind == "marketplace_only") > 50
    assert sum(1 for line in model.lines.values() if line.source_rule == "referral") > 10


def test_revenue_lines_exist_exactly_as_modelled(model, con):
    theirs = dict(
        con.execute(
            "select opportunity_id, line_kind from marts.fct_opportunity_partner"
        ).fetchall()
    )
    _compare("revenue lines", {k: v.kind for k, v in model.lines.items()}, theirs)


@pytest.mark.parametrize("column", LINE_FIELDS)
def test_revenue_line_field_matches(model, con, column):
    theirs = dict(
        con.execute(
            f"select opportunity_id, {column} from marts.fct_opportunity_partner"
        ).fetchall()
    )
    mine = {k: _line_value(line, column) for k, line in model.lines.items() if k in theirs}
    _compare(f"fct_opportunity_partner.{column}", mine, theirs)


@pytest.mark.parametrize("model_name", (*MODELS, "program"))
def test_attribution_credits_match(model, con, model_name):
    theirs = {
        (line, partner): credit
        for line, partner, credit in con.execute(
            "select opportunity_id, partner_id, credit from marts.fct_partner_attribution "
            "where model = ?",
            [model_name],
        ).fetchall()
    }
    mine = {(k[0], k[1]): v for k, v in model.credits.items() if k[2] == model_name}
    _compare(f"fct_partner_attribution credit ({model_name})", mine, theirs)


def test_credited_revenue_adds_up_to_each_line_revenue(model, con):
    theirs: dict[tuple, Decimal | None] = {}
    for line, model_name, total in con.execute(
        "select opportunity_id, model, sum(credited_revenue_usd) "
        "from marts.fct_partner_attribution group by all"
    ).fetchall():
        theirs[(line, model_name)] = total
    mine = {
        key: model.lines[key[0]].revenue_usd
        for key in {(k[0], k[2]) for k in model.credits}
        if key in theirs
    }
    _compare("sum of credited_revenue_usd per line and model vs the line's revenue", mine, theirs)


def test_credited_revenue_is_the_cent_split(model, con):
    theirs = {
        (line, partner, model_name): value
        for line, partner, model_name, value in con.execute(
            "select opportunity_id, partner_id, model, credited_revenue_usd "
            "from marts.fct_partner_attribution"
        ).fetchall()
    }
    mine = {k: v for k, v in model.credited.items() if k in theirs}
    _compare("credited_revenue_usd (largest remainder in cents)", mine, theirs)


DIM_FIELDS = (
    "is_signed",
    "is_active",
    "first_deal_closed_at",
    "tier_revenue_usd",
    "referrals_t12m",
    "tier",
    "latest_nps_score",
)


def test_partners_exist_exactly_as_modelled(model, con):
    theirs = dict(con.execute("select partner_id, is_signed from marts.dim_partners").fetchall())
    _compare("dim_partners rows", {k: v["is_signed"] for k, v in model.partners.items()}, theirs)


@pytest.mark.parametrize("column", DIM_FIELDS)
def test_partner_field_matches(model, con, column):
    theirs = dict(con.execute(f"select partner_id, {column} from marts.dim_partners").fetchall())
    mine = {k: v[column] for k, v in model.partners.items() if k in theirs}
    _compare(f"dim_partners.{column}", mine, theirs)


def test_program_kpis_of_the_run_date_match(model, con):
    cursor = con.execute("select * from marts.program_kpis where as_of_date = ?", [D])
    names = [c[0] for c in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    theirs = {k: row[k] for k in model.kpis}
    _compare("program_kpis as of D", model.kpis, theirs)
