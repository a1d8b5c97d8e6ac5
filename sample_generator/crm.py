"""crm/accounts, crm/campaigns and crm/opportunities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_generator.clock import (
    DAY,
    HOUR,
    Clock,
    existing,
    null,
    optional,
    pick,
    round_cents,
    times_on,
)
from sample_generator.partners import Partners, Picker
from sample_generator.words import MARKETPLACE_SHARES, MARKETPLACES, WORDS_A, WORDS_B, word_list
from sample_generator.writer import delete_some

INDUSTRIES = word_list(
    "Analytics Health Logistics Energy Foods Capital Retail Media Robotics Bio Insurance Mobility "
    "Security Education Travel Realty Telecom Pharma Finance Manufacturing"
)
LEGAL = (" Inc.", ", Inc.", " GmbH", " Ltd", " LLC", " SA", " Corp.", "")

PRODUCTS = (
    "Platform",
    "Analytics add-on",
    "Enterprise renewal",
    "Expansion",
    "Pilot",
    "Security bundle",
    "Data connector",
    "Premium support",
)
CAMPAIGN_FORMATS = (
    "Webinar",
    "Roadshow",
    "Trade show",
    "Email nurture",
    "Workshop",
    "Executive dinner",
    "Hackathon",
)
CAMPAIGN_THEMES = (
    "Cloud security",
    "Data platform",
    "AI readiness",
    "Cost optimisation",
    "Migration",
    "Compliance",
    "Customer 360",
    "Edge analytics",
)


@dataclass
class Accounts:
    created_t: np.ndarray  # ascending; account number = index + 1
    domain: pl.Series  # normalised domain or null
    domain_raw: pl.Series  # as the CRM holds it (www., https://, capitals) or null
    name: pl.Series


def make_accounts(
    rng: np.random.Generator,
    clock: Clock,
    n: int,
    owners: Picker,
    domains_taken: dict[str, int] | None = None,
) -> tuple[Accounts, pl.DataFrame]:
    """`domains_taken`: domain stem -> accounts an earlier shard gave it; the numbering that keeps
    domains apart goes on from there, and the counts are updated."""
    start, end = clock.start_day, clock.end_day
    before = int(n * 0.4)  # customers from before the two years
    created_day = np.concatenate(
        [rng.integers(start - 3 * 365, start, before), rng.integers(start, end + 1, n - before)]
    )
    created_t = np.sort(times_on(rng, created_day))
    a = np.array(WORDS_A)[rng.integers(0, len(WORDS_A), n)]
    b = np.array(WORDS_B)[rng.integers(0, len(WORDS_B), n)]
    industry = np.where(
        rng.random(n) < 0.4, np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)], ""
    )
    tld = pick(rng, (".com", ".io", ".de", ".co.uk", ".net", ".fr"), (70, 10, 6, 6, 4, 4), n)
    frame = pl.DataFrame(
        {
            "stem": np.char.add(a, b),
            "industry": industry,
            "legal": np.array(LEGAL)[rng.integers(0, len(LEGAL), n)],
            "tld": tld,
        }
    ).with_columns(slug=(pl.col("stem") + pl.col("industry")).str.to_lowercase())
    frame = frame.with_columns(nth=pl.col("slug").cum_count().over("slug") - 1)
    if domains_taken:
        taken = pl.DataFrame(
            {"slug": list(domains_taken), "taken": list(domains_taken.values())},
            schema={"slug": pl.String, "taken": pl.Int64},
        )
        frame = frame.join(taken, on="slug", how="left", maintain_order="left")
        frame = frame.with_columns(nth=pl.col("nth") + pl.col("taken").fill_null(0))
    if domains_taken is not None:
        counts = frame.group_by("slug").agg(pl.col("nth").max() + 1)
        domains_taken.update(zip(counts["slug"], counts["nth"], strict=True))
    frame = frame.with_columns(
        name=pl.concat_str(
            [
                pl.col("stem"),
                pl.when(pl.col("industry") != "").then(pl.lit(" ")).otherwise(pl.lit("")),
                pl.col("industry"),
                pl.col("legal"),
            ]
        ),
        domain=pl.col("slug")
        + pl.when(pl.col("nth") > 0).then(pl.col("nth").cast(pl.String)).otherwise(pl.lit(""))
        + pl.col("tld"),
    )
    name = frame["name"].to_numpy().astype(object)
    domain = frame["domain"].to_numpy().astype(object)
    # A few subsidiaries share their parent's domain (an earlier account).
    shared = np.flatnonzero(rng.random(n) < 0.012)
    shared = shared[shared > 0]
    parent = np.floor(rng.random(len(shared)) * shared).astype(np.int64)
    domain[shared] = domain[parent]
    region_suffix = np.array((" EMEA", " Germany", " Holdings", " UK", " Japan"))
    name[shared] = frame["stem"].to_numpy()[parent].astype(object) + region_suffix[
        rng.integers(0, 5, len(shared))
    ].astype(object)
    variant = pick(
        rng, ("plain", "www", "https", "https_www", "upper", "none"), (84, 4, 2, 1, 1, 8), n
    )
    raw = domain.copy()
    raw[variant == "www"] = "www." + domain[variant == "www"]
    raw[variant == "https"] = "https://" + domain[variant == "https"]
    raw[variant == "https_www"] = "https://www." + domain[variant == "https_www"] + "/"
    upper = variant == "upper"
    raw[upper] = np.char.capitalize(domain[upper].astype(str))
    has_domain = variant != "none"
    accounts = Accounts(
        created_t=created_t,
        domain=optional(pl.Series(domain, dtype=pl.String), has_domain),
        domain_raw=optional(pl.Series(raw, dtype=pl.String), has_domain),
        name=pl.Series(name, dtype=pl.String),
    )

    # Some accounts get a partner owner, at creation or later (a version of their own).
    owned_later = rng.random(n) < 0.06
    owner_t = created_t + rng.integers(10, 400, n) * DAY
    owner_later = np.where(owned_later, owners(rng, np.where(owned_later, owner_t, 0)), -1)
    owned_first = rng.random(n) < 0.03
    owner_first = np.where(owned_first, owners(rng, np.where(owned_first, created_t, 0)), -1)
    base = pl.DataFrame(
        {
            "account_id": np.arange(1, n + 1),
            "account_name": accounts.name,
            "domain": accounts.domain_raw,
            "created_at": created_t,
            "owner_first": optional(owner_first, owner_first >= 0),
            "owner_later": optional(owner_later, owner_later >= 0),
            "owner_t": owner_t,
        }
    )
    common = ["account_id", "account_name", "domain", "created_at"]
    versions = pl.concat(
        [
            base.select(*common, partner_owner_id="owner_first", _t="created_at"),
            base.filter(pl.col("owner_later").is_not_null()).select(
                *common, partner_owner_id="owner_later", _t="owner_t"
            ),
        ],
        how="diagonal_relaxed",
    )
    return accounts, versions


@dataclass
class Campaigns:
    start_t: np.ndarray  # ascending; campaign number = index + 1
    partner: np.ndarray  # -1: the vendor's own campaign
    end_t: np.ndarray


def make_campaigns(
    rng: np.random.Generator, clock: Clock, n: int, picker: Picker, partners: Partners
) -> tuple[Campaigns, pl.DataFrame]:
    start_t = np.sort(times_on(rng, rng.integers(clock.start_day - 60, clock.end_day - 5, n)))
    end_t = times_on(rng, start_t // DAY + rng.integers(14, 120, n))
    partner_run = rng.random(n) < 0.4
    partner = np.where(partner_run, picker(rng, np.where(partner_run, start_t, 0)), -1)
    fmt = np.array(CAMPAIGN_FORMATS)[rng.integers(0, len(CAMPAIGN_FORMATS), n)]
    theme = np.array(CAMPAIGN_THEMES)[rng.integers(0, len(CAMPAIGN_THEMES), n)]
    with_partner = np.where(
        partner >= 0, np.char.add(" with ", partners.name[np.maximum(partner, 0)]), ""
    )
    day = pl.from_epoch(pl.col("day"), time_unit="d")
    name = pl.DataFrame(
        {"day": start_t // DAY, "fmt": fmt, "theme": theme, "with": with_partner}
    ).select(
        pl.format(
            "FY{} Q{} {}: {}{}", day.dt.year() % 100, day.dt.quarter(), "fmt", "theme", "with"
        )
    )
    base = pl.DataFrame(
        {
            "campaign_id": np.arange(1, n + 1),
            "campaign_name": name.to_series(),
            "partner_id": optional(partner, partner >= 0),
            "start_t": start_t,
            "end_t": end_t,
        }
    )
    common = ["campaign_id", "campaign_name", "partner_id"]
    versions = pl.concat(
        [
            base.select(*common, start_date=pl.col("start_t") // DAY, _t="start_t"),
            base.select(
                *common,
                start_date=pl.col("start_t") // DAY,
                end_date=pl.col("end_t") // DAY,
                _t="end_t",
            ),
        ],
        how="diagonal_relaxed",
    )
    return Campaigns(start_t=start_t, partner=partner, end_t=end_t), versions


@dataclass
class Opportunities:
    created_t: np.ndarray  # ascending; opportunity number = index + 1
    close_t: np.ndarray  # when it closes (after the end date: still open)
    won: np.ndarray
    account: np.ndarray  # account index
    amount: np.ndarray  # cents, final
    currency: np.ndarray
    campaign: np.ndarray  # campaign index or -1
    offer: pl.Series  # marketplace_offer_id or null
    marketplace: np.ndarray  # the marketplace of its offer / transactions
    registered: np.ndarray  # stories: how partners take part
    referred: np.ndarray
    via_marketplace: np.ndarray
    co_sold: np.ndarray


def make_opportunities(
    rng: np.random.Generator,
    clock: Clock,
    n: int,
    accounts: Accounts,
    campaigns: Campaigns,
    offer_base: int = 0,
) -> tuple[Opportunities, pl.DataFrame]:
    """`offer_base` is added to the marketplace offer numbers (each shard has its own block)."""
    span = clock.end_day - clock.start_day
    created_day = clock.start_day + np.floor(span * rng.random(n) ** 0.85).astype(np.int64)
    created_t = np.sort(times_on(rng, created_day))
    account = existing(rng, accounts.created_t, created_t)
    account = np.where(account < 0, 0, account)
    cycle = np.ceil(np.clip(rng.lognormal(np.log(45), 0.8, n), 3, 540)).astype(np.int64)
    stale = rng.random(n) < 0.03  # never closes
    close_t = times_on(rng, created_t // DAY + cycle)
    close_t = np.where(stale, (clock.end_day + 10_000) * DAY, close_t)
    closed = close_t <= clock.end_t

    registered = rng.random(n) < 0.20
    referred = rng.random(n) < 0.045
    via_marketplace = rng.random(n) < 0.06
    co_sold = rng.random(n) < 0.20
    partnered = registered | referred | via_marketplace | co_sold
    won = closed & (rng.random(n) < np.where(partnered, 0.45, 0.27))

    # Affiliates refer small deals; co-sold deals with an alliance are the big ones.
    size = np.where(referred & ~registered & ~co_sold, 0.15, 1.0) * np.where(co_sold, 1.6, 1.0)
    dollars = np.clip(rng.lognormal(np.log(22_000), 0.95, n) * size, 1_500, 900_000)
    dollars = np.where(rng.random(n) < 0.7, np.round(dollars, -2), np.round(dollars, 2))
    amount = round_cents(dollars * 100)
    reshaped = rng.random(n) < 0.3
    amount0 = np.where(
        reshaped, round_cents(np.round(dollars * rng.uniform(0.7, 1.3, n), -2) * 100), amount
    )
    currency = pick(rng, ("USD", "EUR", "GBP", "CAD", "AUD"), (75, 12, 8, 4.7, 0.3), n)

    # A campaign that started within 150 days before the opportunity.
    lo = np.searchsorted(campaigns.start_t, created_t - 150 * DAY, side="left")
    hi = np.searchsorted(campaigns.start_t, created_t, side="right")
    in_campaign = (rng.random(n) < 0.15) & (hi > lo)
    campaign = np.where(in_campaign, lo + np.floor(rng.random(n) * (hi - lo)), -1).astype(np.int64)

    marketplace = pick(rng, MARKETPLACES, MARKETPLACE_SHARES, n)
    has_offer = (via_marketplace & (rng.random(n) < 0.6)) | (rng.random(n) < 0.02)
    offer_no = np.cumsum(has_offer) + offer_base
    offer = optional(
        pl.select(
            pl.Series(marketplace)
            + pl.lit("-offer-")
            + pl.Series(offer_no).cast(pl.String).str.zfill(6)
        ).to_series(),
        has_offer,
    )
    mid = (cycle > 20) & (rng.random(n) < 0.6)
    mid_t = times_on(rng, created_t // DAY + np.floor(cycle * rng.uniform(0.3, 0.7, n)))
    mid_t = np.maximum(mid_t, created_t + HOUR)
    mid = mid & (mid_t < close_t)

    base = pl.DataFrame(
        {
            "opportunity_id": np.arange(1, n + 1),
            "account_id": account + 1,
            "opportunity_name": accounts.name.gather(account)
            + " - "
            + pl.Series(np.array(PRODUCTS)[rng.integers(0, len(PRODUCTS), n)]),
            "created_at": created_t,
            "currency": currency,
            "campaign_id": optional(campaign + 1, campaign >= 0),
            "marketplace_offer_id": offer,
            "amount0": amount0,
            "amount": amount,
            "stage0": pick(rng, ("Prospecting", "Qualification"), (6, 4), n),
            "stage_mid": pick(rng, ("Proposal", "Negotiation"), (6, 4), n),
            "mid": mid,
            "mid_t": mid_t,
            "closed": closed,
            "won": won,
            "close_t": close_t,
        }
    )
    common = [
        "opportunity_id",
        "account_id",
        "opportunity_name",
        "created_at",
        "currency",
        "campaign_id",
        "marketplace_offer_id",
    ]
    open_state = {"is_closed": pl.lit(False), "is_won": pl.lit(False), "close_date": null()}
    versions = pl.concat(
        [
            base.select(*common, stage="stage0", amount="amount0", **open_state, _t="created_at"),
            base.filter("mid").select(
                *common, stage="stage_mid", amount="amount", **open_state, _t="mid_t"
            ),
            base.filter("closed").select(
                *common,
                stage=pl.when("won").then(pl.lit("Closed Won")).otherwise(pl.lit("Closed Lost")),
                amount="amount",
                is_closed=pl.lit(True),
                is_won="won",
                close_date=pl.col("close_t") // DAY,
                _t="close_t",
            ),
        ],
        how="diagonal_relaxed",
    )
    versions = delete_some(rng, clock, versions, "opportunity_id", round(0.005 * n))
    opps = Opportunities(
        created_t=created_t,
        close_t=close_t,
        won=won,
        account=account,
        amount=amount,
        currency=currency,
        campaign=campaign,
        offer=offer,
        marketplace=marketplace,
        registered=registered,
        referred=referred,
        via_marketplace=via_marketplace,
        co_sold=co_sold,
    )
    return opps, versions
