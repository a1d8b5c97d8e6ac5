"""The calendar of the exports, deterministic random draws and small typed helpers."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

DAY = 86_400
HOUR = 3_600
EPOCH = date(1970, 1, 1)


def section_rng(seed: int, section: str, shard: int = 0) -> np.random.Generator:
    """One generator per section, so the draws of one section never shift another's; and per
    shard of a big program (the first shard draws as a program in one piece does)."""
    entropy = [seed, zlib.crc32(section.encode())]
    return np.random.default_rng(entropy + [shard] if shard else entropy)


def times_on(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A business-hours timestamp (seconds since epoch, whole minutes) on each given day."""
    days = np.asarray(days, dtype=np.int64)
    minutes = rng.integers(8 * 60, 18 * 60, size=days.shape)
    return days * DAY + minutes * 60


def pick(rng: np.random.Generator, options, shares, size: int) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(np.asarray(options), size=size, p=p / p.sum())


def existing(rng: np.random.Generator, created_t: np.ndarray, times: np.ndarray) -> np.ndarray:
    """A random record (index into the ascending `created_t`) that exists at each time; -1: none."""
    k = np.searchsorted(created_t, times, side="right")
    j = np.floor(rng.random(len(times)) * k).astype(np.int64)
    return np.where(k > 0, j, -1)


def optional(values: np.ndarray, present: np.ndarray) -> pl.Series:
    """A nullable Series: values where present, null elsewhere."""
    frame = pl.DataFrame({"v": values, "m": present})
    return frame.select(pl.when(pl.col("m")).then(pl.col("v"))).to_series()


def round_cents(cents: np.ndarray | float) -> np.ndarray:
    return np.round(np.asarray(cents, dtype=float)).astype(np.int64)


def null(dtype: pl.DataType = pl.Int64) -> pl.Expr:
    return pl.lit(None, dtype=dtype)


@dataclass(frozen=True)
class Clock:
    start_day: int
    end_day: int
    export_days: np.ndarray  # ascending; the last is end_day

    @property
    def end_t(self) -> int:
        """The last second of the end date."""
        return (self.end_day + 1) * DAY - 1

    def export_of(self, days: np.ndarray) -> np.ndarray:
        """Index of the export that carries an event of each day; len(export_days) = none yet."""
        return np.searchsorted(self.export_days, days, side="left")


def make_clock(end_date: date, years: float, *, last_day_export: bool = False) -> Clock:
    """Exports spread over `years` up to `end_date`. With `last_day_export`, they end the day
    before and one more export on `end_date` carries that single day of changes: what an
    incremental night loads."""
    end_day = (end_date - EPOCH).days
    span = max(30, round(years * 365.25))
    n_exports = min(8, max(3, round(years * 2.5)))
    last = end_day - 1 if last_day_export else end_day
    offsets = [round(span * (n_exports - 1 - k) / n_exports) for k in range(n_exports)]
    days = [last - off for off in offsets] + ([end_day] if last_day_export else [])
    export_days = np.array(days, dtype=np.int64)
    return Clock(start_day=end_day - span, end_day=end_day, export_days=export_days)
