"""affiliate/referrals."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_generator.clock import DAY, Clock, pick, round_cents, times_on
from sample_generator.crm import Accounts, Opportunities
from sample_generator.partners import Picker
from sample_generator.words import WORDS_A, WORDS_B, word_list

FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de")

FIRST_NAMES = word_list(
    "anna ben carla david emma felix grace henry iris jonas kate liam maria noah olivia paul "
    "rosa sam tina umar vera will xenia yusuf zoe"
)
LAST_NAMES = word_list(
    "smith mueller garcia rossi dubois novak tanaka okafor larsen silva kim brown weber costa "
    "meyer nguyen walsh horvat jensen moreau"
)


def make_referrals(
    rng: np.random.Generator,
    clock: Clock,
    n_other: int,
    opps: Opportunities,
    accounts: Accounts,
    picker: Picker,
) -> pl.DataFrame:
    # Referrals that source an opportunity: converted within 90 days before it (a few earlier).
    o = np.flatnonzero(opps.referred)
    before = np.where(
        rng.random(len(o)) < 0.85, rng.integers(1, 86, len(o)), rng.integers(95, 200, len(o))
    )
    converted_t = times_on(rng, opps.created_t[o] // DAY - before)
    referred_t = times_on(rng, converted_t // DAY - rng.integers(2, 40, len(o)))
    sourcing = pl.DataFrame(
        {
            "referred_t": referred_t,
            "outcome_t": converted_t,
            "status": np.full(len(o), "converted"),
            "domain": accounts.domain.gather(opps.account[o]),
            "domain_raw": accounts.domain_raw.gather(opps.account[o]),
        }
    )
    # Other referrals: existing customers, new prospects and free-mail addresses.
    m = n_other
    referred_t = times_on(rng, rng.integers(clock.start_day - 60, clock.end_day + 1, m))
    who = pick(rng, ("account", "prospect", "free_mail"), (30, 45, 25), m)
    acct = rng.integers(0, len(accounts.created_t), m)
    prospect = pl.Series(
        np.char.lower(np.array(WORDS_A)[rng.integers(0, len(WORDS_A), m)])
        + np.array(WORDS_B)[rng.integers(0, len(WORDS_B), m)]
        + np.array(("-hq.com", "-group.com", ".app"))[rng.integers(0, 3, m)]
    )
    free = pl.Series(np.array(FREE_MAIL)[rng.integers(0, len(FREE_MAIL), m)])
    known = pl.Series(who == "account")
    domain = pl.select(
        pl.when(known)
        .then(accounts.domain.gather(acct))
        .when(pl.Series(who == "prospect"))
        .then(prospect)
        .otherwise(free)
    ).to_series()
    domain_raw = pl.select(
        pl.when(known).then(accounts.domain_raw.gather(acct)).otherwise(domain)
    ).to_series()
    # Referring an existing customer rarely converts.
    status = np.where(
        who == "account",
        pick(rng, ("converted", "rejected", "pending"), (12, 38, 50), m),
        pick(rng, ("converted", "rejected", "pending"), (35, 20, 45), m),
    )
    outcome_t = times_on(
        rng,
        referred_t // DAY
        + np.where(status == "converted", rng.integers(3, 60, m), rng.integers(5, 30, m)),
    )
    other = pl.DataFrame(
        {
            "referred_t": referred_t,
            "outcome_t": outcome_t,
            "status": status,
            "domain": domain,
            "domain_raw": domain_raw,
        }
    )
    quick = _quick_starts(rng, clock, opps, accounts, picker)
    refs = pl.concat([sourcing, other, quick], how="diagonal_relaxed").filter(
        pl.col("domain").is_not_null()
    )
    k = refs.height
    partner = picker(rng, refs["referred_t"].to_numpy())
    fixed = refs["partner"].fill_null(-1).to_numpy()
    partner = np.where(fixed >= 0, fixed, partner)
    by_email = rng.random(k) < 0.8
    local = (
        np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), k)]
        + "."
        + np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), k)]
    )
    revenue = round_cents(
        np.round(np.clip(rng.lognormal(np.log(6_000), 0.9, k), 200, 80_000), 2) * 100
    )
    rate = pick(rng, (0.10, 0.12, 0.15, 0.20, -1.0), (75, 10, 7, 3, 5), k)
    rate = np.where(rate < 0, rng.uniform(0.02, 0.35, k), rate)  # commission mismatches
    refs = refs.with_columns(
        partner_id=pl.Series(partner),
        email=pl.when(pl.Series(by_email)).then(pl.Series(local) + "@" + pl.col("domain")),
        customer_domain=pl.when(~pl.Series(by_email)).then(pl.col("domain_raw")),
        revenue=pl.Series(revenue),
        commission=pl.Series(round_cents(revenue * rate)),
        currency=pl.Series(pick(rng, ("USD", "EUR", "GBP"), (85, 10, 5), k)),
    ).filter(pl.col("partner_id") >= 0)
    refs = refs.sort(["referred_t", "partner_id"], maintain_order=True).with_columns(
        referral_id=pl.int_range(1, pl.len() + 1)
    )
    common = ["referral_id", "partner_id", "customer_domain", "currency"]
    converted = pl.col("status") == "converted"
    versions = pl.concat(
        [
            refs.select(
                *common,
                referred_at="referred_t",
                customer_email="email",
                status=pl.lit("pending"),
                _t="referred_t",
            ),
            refs.filter(pl.col("status") != "pending").select(
                *common,
                referred_at="referred_t",
                customer_email="email",
                status="status",
                converted_at=pl.when(converted).then(pl.col("outcome_t")),
                revenue=pl.when(converted).then(pl.col("revenue")),
                commission=pl.when(converted).then(pl.col("commission")),
                _t="outcome_t",
            ),
        ],
        how="diagonal_relaxed",
    )
    # Currency is known once the referral converts.
    return versions.with_columns(
        currency=pl.when(pl.col("status") == "converted").then(pl.col("currency"))
    )


def _quick_starts(
    rng: np.random.Generator,
    clock: Clock,
    opps: Opportunities,
    accounts: Accounts,
    picker: Picker,
) -> pl.DataFrame:
    """Half of the partners signed during the history refer, days after signing, a customer
    whose deal then closes won within 15-80 days: their first deal comes early."""
    won = np.flatnonzero(opps.won)
    won = won[np.argsort(opps.close_t[won], kind="stable")]
    close_t = opps.close_t[won]
    new = (picker.signed_t >= clock.start_day * DAY) & (rng.random(len(picker.idx)) < 0.5)
    partner, signed_t = picker.idx[new], picker.signed_t[new]
    lo = np.searchsorted(close_t, signed_t + 15 * DAY)
    hi = np.searchsorted(close_t, signed_t + 80 * DAY)
    has = hi > lo
    partner, signed_t, lo, hi = partner[has], signed_t[has], lo[has], hi[has]
    opp = won[lo + np.floor(rng.random(len(lo)) * (hi - lo)).astype(np.int64)]
    referred_t = times_on(rng, signed_t // DAY + rng.integers(1, 4, len(opp)))
    converted_t = times_on(rng, referred_t // DAY + rng.integers(2, 6, len(opp)))
    return pl.DataFrame(
        {
            "referred_t": referred_t,
            "outcome_t": converted_t,
            "status": np.full(len(opp), "converted"),
            "domain": accounts.domain.gather(opps.account[opp]),
            "domain_raw": accounts.domain_raw.gather(opps.account[opp]),
            "partner": partner,
        }
    )
