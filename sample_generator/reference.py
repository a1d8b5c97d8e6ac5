"""surveys/partner_nps and reference/fx_rates."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_generator.clock import DAY, Clock, times_on
from sample_generator.partners import Partners

FX_START = (("EUR", 1.08), ("GBP", 1.27), ("CAD", 0.73), ("JPY", 0.0067))


def make_nps(
    rng: np.random.Generator, clock: Clock, partners: Partners, versions: pl.DataFrame
) -> pl.DataFrame:
    """Quarterly survey waves answered by about half of the partners signed and not ended."""
    n = len(partners.type_code)
    ended = (
        versions.filter(
            pl.col("terminated_at").is_not_null() | pl.col("is_deleted").fill_null(False)
        )
        .group_by("partner_id")
        .agg(pl.col("_t").min())
        .sort("partner_id")
    )
    ended_t = np.full(n, np.iinfo(np.int64).max)
    ended_t[ended["partner_id"].to_numpy()] = ended["_t"].to_numpy()
    mood = rng.normal(8.1, 1.4, n)
    active = partners.weight > np.median(partners.weight)
    frames = []
    wave_day = clock.start_day + 30
    while wave_day <= clock.end_day:
        wave_t = wave_day * DAY
        answers = rng.random(n) < np.where(active, 0.6, 0.3)
        responded_t = times_on(rng, wave_day + rng.integers(0, 15, n))
        who = np.flatnonzero(
            answers
            & (partners.signed_t >= 0)
            & (partners.signed_t < wave_t)
            & (responded_t < ended_t)
            & ~partners.is_marketplace
        )
        score = np.clip(np.round(mood[who] + rng.normal(0, 1.3, len(who))), 0, 10).astype(np.int64)
        frames.append(
            pl.DataFrame({"partner_id": who, "responded_at": responded_t[who], "score": score})
        )
        wave_day += 91
    nps = pl.concat(frames).filter(pl.col("responded_at") <= clock.end_t)
    nps = nps.sort(["responded_at", "partner_id"], maintain_order=True)
    return nps.with_columns(response_id=pl.int_range(1, pl.len() + 1), _t=pl.col("responded_at"))


def make_fx(rng: np.random.Generator, clock: Clock) -> pl.DataFrame:
    """Weekday rates (usd_per_unit) from 240 days before the history starts: a mean-reverting
    random walk around a plausible level."""
    days = np.arange(clock.start_day - 240, clock.end_day + 1)
    days = days[(days + 3) % 7 < 5]  # 1970-01-01 was a Thursday
    frames = []
    for currency, level in FX_START:
        x = np.empty(len(days))
        drift = 0.0
        shocks = rng.normal(0, 0.004, len(days))
        for i, shock in enumerate(shocks):
            drift = 0.995 * drift + shock
            x[i] = drift
        micro = np.round(level * np.exp(x) * 1_000_000).astype(np.int64)
        frames.append(
            pl.DataFrame(
                {"rate_date": days, "currency": currency, "usd_per_unit": micro, "_t": days * DAY}
            )
        )
    return pl.concat(frames)
