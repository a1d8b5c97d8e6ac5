"""mdf/fund_requests: market development funds requested, approved, claimed and paid."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_generator.clock import DAY, Clock, optional, pick, round_cents, times_on
from sample_generator.crm import Campaigns
from sample_generator.partners import Partners, Picker


def make_fund_requests(
    rng: np.random.Generator,
    clock: Clock,
    n: int,
    campaigns: Campaigns,
    picker: Picker,
    partners: Partners,
) -> pl.DataFrame:
    # The takers' requests come last: one to three each in the past year, without a campaign,
    # approved and claimed (they spend the money and give nothing back).
    takers = np.repeat(np.flatnonzero(partners.taker), rng.integers(1, 4, partners.taker.sum()))
    m = len(takers)
    is_taker = np.arange(n + m) >= n
    n_campaigns = len(campaigns.start_t)
    with_campaign = (rng.random(n + m) < 0.8) & ~is_taker
    campaign = np.where(with_campaign, rng.integers(0, n_campaigns, n + m), -1)
    c = np.maximum(campaign, 0)
    requested_t = np.where(
        with_campaign,
        times_on(rng, campaigns.start_t[c] // DAY + rng.integers(0, 8, n + m)),
        times_on(
            rng,
            np.where(
                is_taker,
                rng.integers(clock.end_day - 330, clock.end_day - 100, n + m),
                rng.integers(clock.start_day, clock.end_day + 1, n + m),
            ),
        ),
    )
    drawn = picker(rng, requested_t)
    own = with_campaign & (campaigns.partner[c] >= 0)  # partner-run campaign: its partner asks
    partner = np.where(own, campaigns.partner[c], drawn)
    partner[n:] = takers
    n = n + m
    requested = round_cents(
        np.clip(np.round(rng.lognormal(np.log(12_000), 0.7, n), -2), 1_000, 100_000) * 100
    )
    approved_amount = np.where(
        rng.random(n) < 0.7,
        requested,
        round_cents(np.round(requested * rng.uniform(0.5, 0.95, n), -4)),
    )
    decided_t = requested_t + rng.integers(2, 20, n) * DAY
    outcome = np.where(
        is_taker, "approved", pick(rng, ("approved", "rejected", "pending"), (84, 12, 4), n)
    )
    after = np.where(with_campaign, np.maximum(campaigns.end_t[c], decided_t), decided_t + 30 * DAY)
    claimed_t = times_on(rng, after // DAY + rng.integers(5, 40, n))
    fate = np.where(
        is_taker, "claimed", pick(rng, ("claimed", "cancelled", "open"), (80, 8, 12), n)
    )
    base = pl.DataFrame(
        {
            "request_id": np.arange(1, n + 1),
            "partner_id": partner,
            "campaign_id": optional(campaign + 1, with_campaign),
            "requested_at": requested_t,
            "requested_amount": requested,
            "currency": pick(rng, ("USD", "EUR", "GBP", "AUD"), (72, 20, 6, 2), n),
            "outcome": outcome,
            "approved": outcome == "approved",
            "decided_t": decided_t,
            "approved_amount": approved_amount,
            "in_flight": rng.random(n) < 0.3,
            "progress_t": decided_t + rng.integers(10, 30, n) * DAY,
            "progress_spent": round_cents(approved_amount * rng.uniform(0.2, 0.6, n)),
            "fate": fate,
            "closed_t": np.where(
                fate == "cancelled", decided_t + rng.integers(5, 40, n) * DAY, claimed_t
            ),
            "spent": round_cents(approved_amount * rng.uniform(0.6, 1.0, n)),
            "proof": rng.random(n) < 0.75,
            "paid": rng.random(n) < 0.8,
            "paid_t": claimed_t + rng.integers(10, 45, n) * DAY,
        }
    ).filter(pl.col("partner_id") >= 0)
    base = base.sort(["requested_at", "request_id"], maintain_order=True).with_columns(
        request_id=pl.int_range(1, pl.len() + 1)
    )
    common = [
        "request_id",
        "partner_id",
        "campaign_id",
        "requested_at",
        "requested_amount",
        "currency",
    ]
    approved = pl.col("approved")
    approval = {"approved_amount": "approved_amount", "approved_at": "decided_t"}
    claimed = approved & (pl.col("fate") == "claimed")
    versions = pl.concat(
        [
            base.select(*common, status=pl.lit("submitted"), _t="requested_at"),
            base.filter(pl.col("outcome") != "pending").select(
                *common,
                status=pl.when(approved).then(pl.lit("approved")).otherwise(pl.lit("rejected")),
                approved_amount=pl.when(approved).then(pl.col("approved_amount")),
                approved_at=pl.when(approved).then(pl.col("decided_t")),
                _t="decided_t",
            ),
            base.filter(
                approved & pl.col("in_flight") & (pl.col("progress_t") < pl.col("closed_t"))
            ).select(
                *common,
                status=pl.lit("approved"),
                **approval,
                spent_amount="progress_spent",
                _t="progress_t",
            ),
            base.filter(approved & (pl.col("fate") == "cancelled")).select(
                *common,
                status=pl.lit("cancelled"),
                **approval,
                _t="closed_t",
            ),
            base.filter(claimed).select(
                *common,
                status=pl.lit("claimed"),
                **approval,
                spent_amount="spent",
                claimed_at="closed_t",
                proof_of_performance="proof",
                _t="closed_t",
            ),
            base.filter(claimed & pl.col("paid")).select(
                *common,
                status=pl.lit("paid"),
                **approval,
                spent_amount="spent",
                claimed_at="closed_t",
                proof_of_performance="proof",
                _t="paid_t",
            ),
        ],
        how="diagonal_relaxed",
    )
    return versions
