"""How partners take part in CRM deals: crm/partner_touches and crm/deal_registrations."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_generator.clock import DAY, HOUR, Clock, existing, null, optional, pick, times_on
from sample_generator.crm import Accounts, Opportunities
from sample_generator.partners import Picker
from sample_generator.words import WORDS_A, WORDS_B
from sample_generator.writer import delete_some

TOUCH_KINDS = ("co_sell", "integration", "referral")


def make_touches(
    rng: np.random.Generator, clock: Clock, opps: Opportunities, picker: Picker
) -> pl.DataFrame:
    o = np.flatnonzero(opps.co_sold)
    slot_opp = np.repeat(o, np.where(rng.random(len(o)) < 0.3, 2, 1))
    slot_partner = picker(rng, opps.created_t[slot_opp])
    keep = slot_partner >= 0
    slot_opp, slot_partner = slot_opp[keep], slot_partner[keep]
    per_slot = rng.integers(1, 4, len(slot_opp))
    opp = np.repeat(slot_opp, per_slot)
    partner = np.repeat(slot_partner, per_slot)
    lo = opps.created_t[opp]
    hi = np.minimum(opps.close_t[opp], clock.end_t)
    touched = lo + (rng.random(len(opp)) * (hi - lo)).astype(np.int64)
    early = rng.random(len(opp)) < 0.1  # logged before the opportunity existed
    touched = np.where(early, lo - rng.integers(1, 30, len(opp)) * DAY, touched)
    touched = np.minimum(times_on(rng, touched // DAY), clock.end_t)
    kind = pick(rng, TOUCH_KINDS, (84, 9, 7), len(opp))
    # A few touches logged twice on the same day (the pipeline counts them once).
    twice = np.flatnonzero(rng.random(len(opp)) < 0.02)
    opp = np.concatenate([opp, opp[twice]])
    partner = np.concatenate([partner, partner[twice]])
    kind = np.concatenate([kind, kind[twice]])
    touched = np.concatenate([touched, touched[twice] + HOUR])
    made_t = np.maximum(touched, opps.created_t[opp] + 600)
    order = np.lexsort((partner, opp, made_t))
    opp, partner, kind, touched, made_t = (x[order] for x in (opp, partner, kind, touched, made_t))
    versions = pl.DataFrame(
        {
            "touch_id": np.arange(1, len(opp) + 1),
            "opportunity_id": opp + 1,
            "partner_id": partner,
            "touch_kind": kind,
            "touched_at": touched,
            "_t": made_t,
        }
    )
    return delete_some(rng, clock, versions, "touch_id", round(0.01 * len(opp)))


def make_registrations(
    rng: np.random.Generator,
    clock: Clock,
    n_without: int,
    opps: Opportunities,
    accounts: Accounts,
    picker: Picker,
) -> pl.DataFrame:
    # Registrations behind opportunities: mostly shortly before or after creation, some late,
    # a few so early that their protection lapsed before the opportunity existed.
    o = np.flatnonzero(opps.registered)
    r = rng.random(len(o))
    offset = np.where(
        r < 0.67,
        rng.uniform(-20, 3, len(o)),
        np.where(r < 0.87, rng.uniform(3, 14, len(o)), rng.uniform(15, 60, len(o))),
    )
    stale = r >= 0.97
    offset = np.where(stale, rng.uniform(-240, -110, len(o)), offset)
    reg_day = np.floor((opps.created_t[o] + offset * DAY) / DAY).astype(np.int64)
    reg_t = times_on(rng, reg_day)
    acct = opps.account[o]
    by_id = (rng.random(len(o)) < 0.7) & (accounts.created_t[acct] <= reg_t)
    sourced = pl.DataFrame(
        {
            "reg_t": reg_t,
            "opp": pl.Series(o, dtype=pl.Int64),
            "opp_t": opps.created_t[o],
            "account_id": optional(acct + 1, by_id),
            "customer_domain": optional(accounts.domain_raw.gather(acct), ~by_id),
            "outcome": np.where(
                stale,
                "approved",
                pick(rng, ("approved", "rejected", "expired"), (85, 10, 5), len(o)),
            ),
            "expires": (rng.random(len(o)) < 0.3) | stale,
            # The CRM marks some lapsed registrations expired even when they named a deal.
            "marked_expired": rng.random(len(o)) < 0.5,
        }
    )
    # Registrations naming only a customer: an account (by id or domain) or a new prospect.
    m = n_without
    reg_t = times_on(rng, rng.integers(clock.start_day, clock.end_day + 1, m))
    acct = existing(rng, accounts.created_t, reg_t)
    known = (rng.random(m) < 0.6) & (acct >= 0)
    by_id = known & (rng.random(m) < 0.5)
    prospect_domain = pl.Series(
        np.array(("get", "join", "try"))[rng.integers(0, 3, m)]
        + np.char.lower(np.array(WORDS_A)[rng.integers(0, len(WORDS_A), m)])
        + np.array(WORDS_B)[rng.integers(0, len(WORDS_B), m)]
        + ".com"
    )
    domain = pl.select(
        pl.when(pl.Series(known))
        .then(accounts.domain_raw.gather(np.maximum(acct, 0)))
        .otherwise(prospect_domain)
    ).to_series()
    by_id = by_id | (known & domain.is_null().to_numpy())
    without = pl.DataFrame(
        {
            "reg_t": reg_t,
            "opp": pl.Series([None] * m, dtype=pl.Int64),
            "opp_t": np.zeros(m, dtype=np.int64),
            "account_id": optional(acct + 1, by_id),
            "customer_domain": optional(domain, ~by_id),
            "outcome": pick(rng, ("approved", "rejected", "expired"), (60, 20, 20), m),
            "expires": rng.random(m) < 0.6,
            "marked_expired": np.ones(m, dtype=bool),
        }
    )
    regs = pl.concat([sourced, without], how="diagonal_relaxed")
    k = regs.height
    partner = picker(rng, regs["reg_t"].to_numpy())
    regs = regs.with_columns(
        partner_id=pl.Series(partner),
        decided_t=pl.col("reg_t") + pl.Series(rng.integers(2 * 60, 6 * 24 * 60, k) * 60),
    ).filter(pl.col("partner_id") >= 0)
    regs = regs.sort(["reg_t", "partner_id"], maintain_order=True).with_columns(
        registration_id=pl.int_range(1, pl.len() + 1),
        # The opportunity is named once it exists (a registration may come first).
        link_t=pl.when(pl.col("opp").is_null())
        .then(null())
        .when(pl.col("reg_t") < pl.col("opp_t"))
        .then(pl.col("opp_t") + 1800)
        .otherwise(pl.col("reg_t")),
    )
    regs = regs.with_columns(
        approved=pl.col("outcome") == "approved",
        # Undecided registrations expire 60 days on; approved ones lapse 90 days after approval.
        expiry_t=pl.when(pl.col("outcome") == "expired")
        .then(pl.col("reg_t") + 60 * DAY)
        .otherwise(pl.col("decided_t") + 90 * DAY),
    )

    def state(status: pl.Expr, at: pl.Expr, expired: bool = False) -> list[pl.Expr]:
        return [
            pl.col("registration_id"),
            pl.col("partner_id"),
            status.alias("status"),
            pl.col("reg_t").alias("registered_at"),
            pl.when(pl.col("approved") & (pl.col("decided_t") <= at))
            .then(pl.col("decided_t"))
            .alias("approved_at"),
            (pl.col("expiry_t") if expired else null()).alias("expires_at"),
            pl.col("account_id"),
            pl.col("customer_domain"),
            pl.when(pl.col("link_t") <= at).then(pl.col("opp") + 1).alias("opportunity_id"),
            at.alias("_t"),
        ]

    decided = pl.col("outcome") != "expired"
    lapsing = pl.col("expires") & (pl.col("approved") | (pl.col("outcome") == "expired"))
    versions = pl.concat(
        [
            regs.select(state(pl.lit("submitted"), pl.col("reg_t"))),
            regs.filter(decided).select(state(pl.col("outcome"), pl.col("decided_t"))),
            regs.filter(pl.col("approved") & (pl.col("link_t") > pl.col("decided_t"))).select(
                state(pl.lit("approved"), pl.col("link_t"))
            ),
            regs.filter(lapsing).select(
                state(
                    # Approved and linked to a deal: the protection lapses, the approval stays;
                    # the status reads approved or expired (approved_at kept either way).
                    pl.when(pl.col("approved") & ~pl.col("marked_expired"))
                    .then(pl.lit("approved"))
                    .otherwise(pl.lit("expired")),
                    pl.max_horizontal("expiry_t", "link_t"),
                    expired=True,
                )
            ),
        ],
        how="diagonal_relaxed",
    )
    return versions
