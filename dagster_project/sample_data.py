"""A deterministic sample partner program, written as landing exports (LANDING.md).

`generate()` invents about two years of a B2B partner program -- partners of the five types, CRM
accounts, opportunities, co-sell touches, deal registrations and campaigns, affiliate referrals,
marketplace transactions and integration installs, MDF fund requests, NPS responses and fx rates --
and writes it as dated delta exports: `<out>/<source>/<export date>/<entity>.csv`, with exactly the
canonical columns of `ingest.entities`, in their declared order.

How history becomes exports. Every record is generated as a list of versions, each stamped with the
time it was made: an opportunity is created, later moves to proposal, later closes won or lost; a
deal registration is submitted, approved, linked to its opportunity, expires; an MDF request is
submitted, approved, claimed, paid. An export holds, for each record, its latest version made after
the previous export date and on or before its own date. So a record reappears in every export in
which it changed, a version only ever shows what was known when it was made, and nothing in an
export is dated after the export date (a deal still open has no close date; an expiry date appears
once it has passed). A few records end with a deleted version (`is_deleted` = true). Entities
without a lifecycle (transactions, NPS responses, fx rates) carry the rows dated in the window.

Determinism: all randomness comes from numpy generators seeded by (seed, section name), so the same
arguments give byte-identical files and one section's draws never shift another's. Counts,
partners included, scale linearly with `scale`, so per-partner volumes, tiers and activity look
alike at every scale; fx rates are one row per weekday and currency whatever the scale.

    python -m dagster_project.sample_data --out data/landing --scale 1 --seed 7
"""

from __future__ import annotations

import argparse
import shutil
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from dagster_project.ingest.entities import (
    BOOLEAN,
    DATE,
    ENTITIES,
    INTEGER,
    MONEY,
    NUMBER,
    PARTNER_TYPES,
    RATE,
    TIMESTAMP,
    Entity,
)

DAY = 86_400
HOUR = 3_600
EPOCH = date(1970, 1, 1)

# Rows at scale 1; every count is multiplied by `scale`.
BASE_COUNTS = {
    "partners": 300,
    "accounts": 3_000,
    "opportunities": 6_000,
    "campaigns": 120,
    "fund_requests": 150,
    "registrations_without_opportunity": 300,
    "referrals_not_sourcing": 1_200,
    "marketplace_only": 300,
    "installs": 500,
}

# partner_type -> share of partners (PARTNER_TYPES order: technology, affiliate, reseller,
# strategic_alliance, oem).
TYPE_SHARES = (0.30, 0.25, 0.25, 0.10, 0.10)

# Which partner types do what, and how much (multiplies each partner's activity weight).
AFFINITY = {
    "registration": {"reseller": 0.55, "oem": 0.15, "strategic_alliance": 0.15, "technology": 0.15},
    "co_sell": {"strategic_alliance": 0.35, "technology": 0.30, "reseller": 0.20, "oem": 0.15},
    "referral": {"affiliate": 0.90, "technology": 0.10},
    "install": {"technology": 1.0},
    "mdf": {"reseller": 0.40, "strategic_alliance": 0.25, "oem": 0.15, "technology": 0.20},
    "marketplace_reseller": {"reseller": 1.0},
    "account_owner": {"reseller": 0.6, "oem": 0.2, "strategic_alliance": 0.2},
    "campaign": {"reseller": 0.4, "strategic_alliance": 0.3, "oem": 0.1, "technology": 0.2},
}

# Record-number id columns: prefix and zero padding. Partner ids are looked up instead (the CRM
# also knows the marketplace partner "aws").
ID_FORMATS = {
    "account_id": ("A", 6),
    "customer_account_id": ("A", 6),
    "opportunity_id": ("O", 7),
    "touch_id": ("T", 7),
    "registration_id": ("DR", 6),
    "campaign_id": ("C", 5),
    "referral_id": ("REF", 6),
    "transaction_id": ("TX", 7),
    "install_id": ("INS", 6),
    "request_id": ("MDF", 5),
    "response_id": ("NPS", 6),
}
PARTNER_ID_COLUMNS = ("partner_id", "reseller_partner_id", "partner_owner_id")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MARKETPLACES = ("aws", "azure", "gcp", "appexchange")
MARKETPLACE_SHARES = (0.50, 0.25, 0.15, 0.10)
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de")
FX_START = (("EUR", 1.08), ("GBP", 1.27), ("CAD", 0.73), ("JPY", 0.0067))

WORDS_A = _words(
    "Bright Blue North Silver Iron Quantum Apex Cedar Summit Harbor Nova Vertex Crimson "
    "Atlas Pioneer Granite Falcon Maple Orbit Pacific Prairie Redwood Sterling Velvet Willow "
    "Zenith Aurora Beacon Cobalt Delta Ember Evergreen Fusion Golden Helix Horizon Indigo "
    "Juniper Keystone Lumen Meridian Nimbus Onyx Polar Radiant Sapphire Solar Spruce Titan "
    "Umber Vantage Vivid Westwind Alder Birch Clear Crest Echo Lake Stone"
)
WORDS_B = _words(
    "forge works line point bridge field stack wave gate path core logic scale sphere craft vale "
    "peak stream port mark shift loop bit grid hub nest yard base cast dyne ware well wood ridge "
    "light view tree rock ford mont"
)
INDUSTRIES = _words(
    "Analytics Health Logistics Energy Foods Capital Retail Media Robotics Bio Insurance Mobility "
    "Security Education Travel Realty Telecom Pharma Finance Manufacturing"
)
LEGAL = (" Inc.", ", Inc.", " GmbH", " Ltd", " LLC", " SA", " Corp.", "")
TYPE_SUFFIXES = (
    ("Software", "Labs", "Technologies", "Cloud"),  # technology
    ("Media", "Reviews", "Digital", "Marketing"),  # affiliate
    ("Solutions", "IT Services", "Distribution", "Systems"),  # reseller
    ("Global", "Consulting Group", "Partners", "Advisory"),  # strategic_alliance
    ("Devices", "Embedded", "Platforms", "Hardware"),  # oem
)
MANAGERS = (
    "Avery Chen",
    "Jordan Patel",
    "Morgan Schmidt",
    "Riley Novak",
    "Casey Okafor",
    "Taylor Rossi",
    "Jamie Laurent",
    "Quinn Becker",
    "Drew Tanaka",
    "Sam Lindqvist",
    "Alex Moreau",
    "Robin Kowalski",
)
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
FIRST_NAMES = _words(
    "anna ben carla david emma felix grace henry iris jonas kate liam maria noah olivia paul "
    "rosa sam tina umar vera will xenia yusuf zoe"
)
LAST_NAMES = _words(
    "smith mueller garcia rossi dubois novak tanaka okafor larsen silva kim brown weber costa "
    "meyer nguyen walsh horvat jensen moreau"
)
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
TOUCH_KINDS = ("co_sell", "integration", "referral")


# ---------------------------------------------------------------------------------------------
# Small helpers


def _rng(seed: int, section: str) -> np.random.Generator:
    """One generator per section, so the draws of one section never shift another's."""
    return np.random.default_rng([seed, zlib.crc32(section.encode())])


def _count(name: str, scale: float, minimum: int = 2) -> int:
    return max(minimum, round(BASE_COUNTS[name] * scale))


def _at(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A business-hours timestamp (seconds since epoch, whole minutes) on each given day."""
    days = np.asarray(days, dtype=np.int64)
    minutes = rng.integers(8 * 60, 18 * 60, size=days.shape)
    return days * DAY + minutes * 60


def _pick(rng: np.random.Generator, options, shares, size: int) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(np.asarray(options), size=size, p=p / p.sum())


def _existing(rng: np.random.Generator, created_t: np.ndarray, times: np.ndarray) -> np.ndarray:
    """A random record (index into the ascending `created_t`) that exists at each time; -1: none."""
    k = np.searchsorted(created_t, times, side="right")
    j = np.floor(rng.random(len(times)) * k).astype(np.int64)
    return np.where(k > 0, j, -1)


def _quotas(n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Split n into counts proportional to shares, each at least one when n allows."""
    exact = np.asarray(shares) * n
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    for i in range(len(counts)):
        if counts[i] == 0 and n >= len(counts):
            counts[i] = 1
            counts[np.argmax(counts)] -= 1
    return counts


def _opt(values: np.ndarray, present: np.ndarray) -> pl.Series:
    """A nullable Series: values where present, null elsewhere."""
    frame = pl.DataFrame({"v": values, "m": present})
    return frame.select(pl.when(pl.col("m")).then(pl.col("v"))).to_series()


def _money(cents: np.ndarray | float) -> np.ndarray:
    return np.round(np.asarray(cents, dtype=float)).astype(np.int64)


def _null(dtype: pl.DataType = pl.Int64) -> pl.Expr:
    return pl.lit(None, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# The calendar and the writer


@dataclass(frozen=True)
class _Clock:
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


def _clock(end_date: date, years: float) -> _Clock:
    end_day = (end_date - EPOCH).days
    span = max(30, round(years * 365.25))
    n_exports = min(8, max(3, round(years * 2.5)))
    offsets = [round(span * (n_exports - 1 - k) / n_exports) for k in range(n_exports)]
    export_days = np.array([end_day - off for off in offsets], dtype=np.int64)
    return _Clock(start_day=end_day - span, end_day=end_day, export_days=export_days)


def _iso_day(day: int) -> str:
    return date.fromordinal(EPOCH.toordinal() + int(day)).isoformat()


class _Writer:
    """Turns the versions of one entity into per-export CSV files with the canonical columns."""

    def __init__(self, out_dir: Path, clock: _Clock, partner_ids: pl.Series | None = None):
        self.out_dir = out_dir
        self.clock = clock
        self.partner_ids = partner_ids

    def write(self, entity: Entity, versions: pl.DataFrame, *, stamp_updated: bool = True) -> int:
        """Write each record's latest version per export window; returns rows written.

        `versions` holds typed columns named after the entity's columns plus `_t`, the version
        time in seconds: timestamps as seconds, dates as days, money as cents, NUMBER as
        hundredths, RATE as millionths, ids as record numbers (partners as indices).
        """
        key = list(entity.key)
        clock = self.clock
        export = clock.export_of((versions["_t"] // DAY).to_numpy())
        total = 0
        for k, day in enumerate(clock.export_days):
            rows = versions.filter(pl.Series(export == k))
            if stamp_updated:
                rows = rows.with_columns(updated_at=pl.col("_t"))
            rows = rows.sort([*key, "_t"], maintain_order=True)
            rows = rows.unique(subset=key, keep="last", maintain_order=True)
            folder = self.out_dir / entity.source / _iso_day(day)
            folder.mkdir(parents=True, exist_ok=True)
            self._format(entity, rows).write_csv(folder / f"{entity.name}.csv")
            total += rows.height
        return total

    def _format(self, entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
        columns = []
        for col in entity.all_columns:
            name = col.name
            if name not in frame.columns:
                columns.append(_null(pl.String).alias(name))
                continue
            dtype = frame.schema[name]
            expr = pl.col(name)
            if name in PARTNER_ID_COLUMNS and dtype.is_integer():
                frame = frame.with_columns(self.partner_ids.gather(frame[name]).alias(name))
            elif name in ID_FORMATS and dtype.is_integer():
                prefix, width = ID_FORMATS[name]
                expr = pl.lit(prefix) + expr.cast(pl.String).str.zfill(width)
            elif col.kind == TIMESTAMP:
                expr = pl.from_epoch(expr, time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif col.kind == DATE:
                expr = pl.from_epoch(expr, time_unit="d").dt.strftime("%Y-%m-%d")
            elif col.kind in (MONEY, NUMBER):
                expr = _decimal(expr, 2)
            elif col.kind == RATE:
                expr = _decimal(expr, 6)
            elif col.kind == BOOLEAN:
                expr = pl.when(expr).then(pl.lit("true")).when(~expr).then(pl.lit("false"))
            elif col.kind == INTEGER:
                expr = expr.cast(pl.String)
            columns.append(expr.cast(pl.String).alias(name))
        return frame.select(columns)


def _decimal(units: pl.Expr, places: int) -> pl.Expr:
    """An integer count of 10**-places as a plain decimal string ('-12.50'); null stays null."""
    scale = 10**places
    whole = (units.abs() // scale).cast(pl.String)
    frac = (units.abs() % scale).cast(pl.String).str.zfill(places)
    sign = pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return sign + whole + pl.lit(".") + frac


def _delete_some(
    rng: np.random.Generator, clock: _Clock, versions: pl.DataFrame, key: str, count: int
) -> pl.DataFrame:
    """End `count` records with a deleted version, in a later export than the one that first
    carried them and after their last change; the deleted row repeats the last state."""
    if count <= 0:
        return versions
    live = versions.select(key, "_t").filter(pl.col("_t") // DAY <= clock.end_day)
    spans = live.group_by(key).agg(first=pl.col("_t").min(), last=pl.col("_t").max()).sort(key)
    first_day = (spans["first"] // DAY).to_numpy()
    last_day = (spans["last"] // DAY).to_numpy()
    first_export = clock.export_of(first_day)
    ok = first_export < len(clock.export_days) - 1
    lo = np.where(
        ok, clock.export_days[np.minimum(first_export, len(clock.export_days) - 1)] + 1, 0
    )
    lo = np.maximum(lo, last_day + 1)
    candidates = np.flatnonzero(ok & (lo <= clock.end_day))
    if len(candidates) == 0:
        return versions
    chosen = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
    deleted_t = _at(rng, rng.integers(lo[chosen], clock.end_day + 1))
    deletions = pl.DataFrame({key: spans[key].gather(chosen), "_del": deleted_t})
    doomed = pl.col(key).is_in(deletions[key].implode())
    before = (
        versions.filter(doomed)
        .join(deletions, on=key, how="left", maintain_order="left")
        .filter(pl.col("_t") < pl.col("_del"))
    )
    last_state = (
        before.sort([key, "_t"], maintain_order=True)
        .unique(subset=[key], keep="last", maintain_order=True)
        .with_columns(_t=pl.col("_del"), is_deleted=pl.lit(True))
    )
    return pl.concat(
        [versions.filter(~doomed), before.drop("_del"), last_state.drop("_del")],
        how="diagonal_relaxed",
    )


# ---------------------------------------------------------------------------------------------
# Partners


@dataclass
class _Partners:
    ids: pl.Series  # partner_id by index
    type_code: np.ndarray  # index into PARTNER_TYPES
    created_t: np.ndarray
    signed_t: np.ndarray  # -1: a prospect, never signed
    weight: np.ndarray  # how active the partner is
    score: np.ndarray  # strategic_value_score in hundredths; -1: none
    name: np.ndarray
    region: np.ndarray
    manager: np.ndarray
    is_marketplace: np.ndarray  # the CRM's own record of a marketplace (aws)
    last_activity: np.ndarray  # latest event time seen so far (filled while generating)

    def note(self, partner: np.ndarray, times: np.ndarray) -> None:
        mask = partner >= 0
        np.maximum.at(self.last_activity, partner[mask], times[mask])


class _Picker:
    """Draws partners, weighted by activity and type affinity, among those signed at a time."""

    def __init__(self, partners: _Partners, affinity: dict[str, float]):
        per_type = np.array([affinity.get(t, 0.0) for t in PARTNER_TYPES])
        weight = partners.weight * per_type[partners.type_code]
        ok = (weight > 0) & (partners.signed_t >= 0) & ~partners.is_marketplace
        idx = np.flatnonzero(ok)
        order = np.argsort(partners.signed_t[idx], kind="stable")
        self.idx = idx[order]
        self.signed_t = partners.signed_t[self.idx]
        self.cumulative = np.cumsum(weight[self.idx])

    def __call__(self, rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
        """A partner index per time (-1 where nobody is signed yet)."""
        times = np.asarray(times, dtype=np.int64)
        k = np.searchsorted(self.signed_t, times, side="right")
        u = rng.random(len(times))
        out = np.full(len(times), -1, dtype=np.int64)
        has = k > 0
        if has.any():
            top = self.cumulative[k[has] - 1]
            j = np.searchsorted(self.cumulative, u[has] * top, side="right")
            out[has] = self.idx[np.minimum(j, k[has] - 1)]
        return out


def _make_partners(rng: np.random.Generator, clock: _Clock, n: int) -> _Partners:
    start, end = clock.start_day, clock.end_day
    type_code = rng.permutation(np.repeat(np.arange(len(PARTNER_TYPES)), _quotas(n, TYPE_SHARES)))
    u = rng.random(n)
    prospect = u < 0.07
    early = (u >= 0.07) & (u < 0.37)  # signed before the two years began
    signed_day = np.where(
        early, rng.integers(start - 540, start, n), rng.integers(start, end - 3, n)
    )
    signed_t = np.where(prospect, -1, _at(rng, signed_day))
    created_day = np.where(
        prospect, rng.integers(start - 200, end, n), signed_day - rng.integers(10, 150, n)
    )
    created_t = _at(rng, created_day)
    weight = rng.lognormal(0.0, 1.1, n) * np.where(rng.random(n) < 0.25, 0.03, 1.0)
    score = np.clip(np.round(rng.normal(112, 17, n)), 80, 150).astype(np.int64)
    r = rng.random(n)
    score[r < 0.005] = 60  # outside 0.8-1.5: clamped where used
    score[(r >= 0.005) & (r < 0.01)] = 175
    score[r > 0.92] = -1
    suffixes = np.array(TYPE_SUFFIXES)[type_code, rng.integers(0, 4, n)]
    name = (
        np.array(WORDS_A)[rng.integers(0, len(WORDS_A), n)]
        + np.char.lower(np.array(WORDS_B)[rng.integers(0, len(WORDS_B), n)])
        + " "
        + suffixes
        + np.where(rng.random(n) < 0.08, ", Inc.", "")
    )
    region = _pick(rng, REGIONS, (0.45, 0.30, 0.18, 0.07), n)
    manager = np.array(MANAGERS)[rng.integers(0, len(MANAGERS), n)]
    ids = [f"P{i + 1:05d}" for i in range(n)]

    # The CRM also has a record for the AWS marketplace (the other marketplaces it lacks).
    ids.append("aws")
    return _Partners(
        ids=pl.Series("partner_id", ids),
        type_code=np.append(type_code, PARTNER_TYPES.index("reseller")),
        created_t=np.append(created_t, (start - 400) * DAY + 10 * HOUR),
        signed_t=np.append(signed_t, (start - 365) * DAY + 10 * HOUR),
        weight=np.append(weight, 0.0),
        score=np.append(score, 100),
        name=np.append(name, "AWS Marketplace"),
        region=np.append(region, "NA"),
        manager=np.append(manager, MANAGERS[0]),
        is_marketplace=np.append(np.zeros(n, dtype=bool), True),
        last_activity=np.full(n + 1, -1, dtype=np.int64),
    )


def _partner_versions(rng: np.random.Generator, clock: _Clock, p: _Partners) -> pl.DataFrame:
    """Created (a prospect), signed, sometimes re-scored, sometimes terminated, a few deleted."""
    n = len(p.type_code)
    signed = p.signed_t >= 0
    # Partners gone quiet are terminated after their last activity, so nothing happens later.
    earliest = np.maximum(p.signed_t // DAY + 180, p.last_activity // DAY + 30)
    eligible = np.flatnonzero(signed & ~p.is_marketplace & (earliest < clock.end_day - 60))
    n_term = min(len(eligible), max(1, round(0.04 * n)))
    chosen = np.sort(rng.choice(eligible, size=n_term, replace=False))
    terminated_t = np.full(n, -1, dtype=np.int64)
    terminated_t[chosen] = _at(rng, rng.integers(earliest[chosen], clock.end_day - 30))

    rescored = signed & (rng.random(n) < 0.15)
    rescore_t = p.signed_t + rng.integers(30, 400, n) * DAY
    new_score = np.clip(p.score + rng.integers(-15, 16, n), 80, 150)
    new_score = np.where(p.score < 0, np.round(rng.normal(110, 15, n)), new_score).astype(np.int64)

    base = pl.DataFrame(
        {
            "partner_id": np.arange(n),
            "partner_name": p.name,
            "partner_type": np.array(PARTNER_TYPES)[p.type_code],
            "agreement_signed_at": _opt(p.signed_t, signed),
            "strategic_value_score": _opt(p.score, p.score >= 0),
            "partner_manager": p.manager,
            "region": p.region,
            "created_t": p.created_t,
            "terminated_t": _opt(terminated_t, terminated_t >= 0),
            "rescored": rescored,
            "rescore_t": rescore_t,
            "new_score": new_score,
        }
    )
    common = ["partner_id", "partner_name", "partner_type", "partner_manager", "region"]
    created = base.select(
        *common,
        agreement_signed_at=_null(),
        strategic_value_score="strategic_value_score",
        _t="created_t",
    )
    signed_v = base.filter(pl.col("agreement_signed_at").is_not_null()).select(
        *common, "agreement_signed_at", "strategic_value_score", _t="agreement_signed_at"
    )
    rescored_v = base.filter("rescored").select(
        *common, "agreement_signed_at", strategic_value_score="new_score", _t="rescore_t"
    )
    final_score = (
        pl.when(pl.col("rescored") & (pl.col("rescore_t") < pl.col("terminated_t")))
        .then(pl.col("new_score"))
        .otherwise(pl.col("strategic_value_score"))
    )
    terminated_v = base.filter(pl.col("terminated_t").is_not_null()).select(
        *common,
        "agreement_signed_at",
        strategic_value_score=final_score,
        terminated_at="terminated_t",
        _t="terminated_t",
    )
    versions = pl.concat([created, signed_v, rescored_v, terminated_v], how="diagonal_relaxed")
    # A re-score never lands after a termination (the terminated row would lose terminated_at).
    versions = (
        versions.join(
            base.select("partner_id", "terminated_t"),
            on="partner_id",
            how="left",
            maintain_order="left",
        )
        .filter(pl.col("terminated_t").is_null() | (pl.col("_t") <= pl.col("terminated_t")))
        .drop("terminated_t")
    )
    deletable = versions.filter(pl.col("partner_id") < n - 1)  # keep the aws record
    kept = versions.filter(pl.col("partner_id") == n - 1)
    deletable = _delete_some(rng, clock, deletable, "partner_id", max(1, round(0.007 * n)))
    versions = pl.concat([deletable, kept], how="diagonal_relaxed")
    for name, dtype in (("terminated_at", pl.Int64), ("is_deleted", pl.Boolean)):
        if name not in versions.columns:
            versions = versions.with_columns(_null(dtype).alias(name))
    return versions


# ---------------------------------------------------------------------------------------------
# Accounts


@dataclass
class _Accounts:
    created_t: np.ndarray  # ascending; account number = index + 1
    domain: pl.Series  # normalised domain or null
    domain_raw: pl.Series  # as the CRM holds it (www., https://, capitals) or null
    name: pl.Series


def _make_accounts(
    rng: np.random.Generator, clock: _Clock, n: int, owners: _Picker
) -> tuple[_Accounts, pl.DataFrame]:
    start, end = clock.start_day, clock.end_day
    before = int(n * 0.4)  # customers from before the two years
    created_day = np.concatenate(
        [rng.integers(start - 3 * 365, start, before), rng.integers(start, end + 1, n - before)]
    )
    created_t = np.sort(_at(rng, created_day))
    a = np.array(WORDS_A)[rng.integers(0, len(WORDS_A), n)]
    b = np.array(WORDS_B)[rng.integers(0, len(WORDS_B), n)]
    industry = np.where(
        rng.random(n) < 0.4, np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)], ""
    )
    tld = _pick(rng, (".com", ".io", ".de", ".co.uk", ".net", ".fr"), (70, 10, 6, 6, 4, 4), n)
    frame = pl.DataFrame(
        {
            "stem": np.char.add(a, b),
            "industry": industry,
            "legal": np.array(LEGAL)[rng.integers(0, len(LEGAL), n)],
            "tld": tld,
        }
    ).with_columns(slug=(pl.col("stem") + pl.col("industry")).str.to_lowercase())
    frame = frame.with_columns(nth=pl.col("slug").cum_count().over("slug") - 1)
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
    variant = _pick(
        rng, ("plain", "www", "https", "https_www", "upper", "none"), (84, 4, 2, 1, 1, 8), n
    )
    raw = domain.copy()
    raw[variant == "www"] = "www." + domain[variant == "www"]
    raw[variant == "https"] = "https://" + domain[variant == "https"]
    raw[variant == "https_www"] = "https://www." + domain[variant == "https_www"] + "/"
    upper = variant == "upper"
    raw[upper] = np.char.capitalize(domain[upper].astype(str))
    has_domain = variant != "none"
    accounts = _Accounts(
        created_t=created_t,
        domain=_opt(pl.Series(domain, dtype=pl.String), has_domain),
        domain_raw=_opt(pl.Series(raw, dtype=pl.String), has_domain),
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
            "owner_first": _opt(owner_first, owner_first >= 0),
            "owner_later": _opt(owner_later, owner_later >= 0),
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


# ---------------------------------------------------------------------------------------------
# Campaigns


@dataclass
class _Campaigns:
    start_t: np.ndarray  # ascending; campaign number = index + 1
    partner: np.ndarray  # -1: the vendor's own campaign
    end_t: np.ndarray


def _make_campaigns(
    rng: np.random.Generator, clock: _Clock, n: int, picker: _Picker, partners: _Partners
) -> tuple[_Campaigns, pl.DataFrame]:
    start_t = np.sort(_at(rng, rng.integers(clock.start_day - 60, clock.end_day - 5, n)))
    end_t = _at(rng, start_t // DAY + rng.integers(14, 120, n))
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
            "partner_id": _opt(partner, partner >= 0),
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
    return _Campaigns(start_t=start_t, partner=partner, end_t=end_t), versions


# ---------------------------------------------------------------------------------------------
# Opportunities


@dataclass
class _Opportunities:
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


def _make_opportunities(
    rng: np.random.Generator, clock: _Clock, n: int, accounts: _Accounts, campaigns: _Campaigns
) -> tuple[_Opportunities, pl.DataFrame]:
    span = clock.end_day - clock.start_day
    created_day = clock.start_day + np.floor(span * rng.random(n) ** 0.85).astype(np.int64)
    created_t = np.sort(_at(rng, created_day))
    account = _existing(rng, accounts.created_t, created_t)
    account = np.where(account < 0, 0, account)
    cycle = np.ceil(np.clip(rng.lognormal(np.log(45), 0.8, n), 3, 540)).astype(np.int64)
    stale = rng.random(n) < 0.03  # never closes
    close_t = _at(rng, created_t // DAY + cycle)
    close_t = np.where(stale, (clock.end_day + 10_000) * DAY, close_t)
    closed = close_t <= clock.end_t

    registered = rng.random(n) < 0.15
    referred = rng.random(n) < 0.07
    via_marketplace = rng.random(n) < 0.06
    co_sold = rng.random(n) < 0.18
    partnered = registered | referred | via_marketplace | co_sold
    won = closed & (rng.random(n) < np.where(partnered, 0.45, 0.27))

    dollars = np.clip(rng.lognormal(np.log(22_000), 0.95, n), 1_500, 900_000)
    dollars = np.where(rng.random(n) < 0.7, np.round(dollars, -2), np.round(dollars, 2))
    amount = _money(dollars * 100)
    reshaped = rng.random(n) < 0.3
    amount0 = np.where(
        reshaped, _money(np.round(dollars * rng.uniform(0.7, 1.3, n), -2) * 100), amount
    )
    currency = _pick(rng, ("USD", "EUR", "GBP", "CAD", "AUD"), (75, 12, 8, 4.7, 0.3), n)

    # A campaign that started within 150 days before the opportunity.
    lo = np.searchsorted(campaigns.start_t, created_t - 150 * DAY, side="left")
    hi = np.searchsorted(campaigns.start_t, created_t, side="right")
    in_campaign = (rng.random(n) < 0.15) & (hi > lo)
    campaign = np.where(in_campaign, lo + np.floor(rng.random(n) * (hi - lo)), -1).astype(np.int64)

    marketplace = _pick(rng, MARKETPLACES, MARKETPLACE_SHARES, n)
    has_offer = (via_marketplace & (rng.random(n) < 0.6)) | (rng.random(n) < 0.02)
    offer_no = np.cumsum(has_offer)
    offer = _opt(
        pl.select(
            pl.Series(marketplace)
            + pl.lit("-offer-")
            + pl.Series(offer_no).cast(pl.String).str.zfill(6)
        ).to_series(),
        has_offer,
    )
    mid = (cycle > 20) & (rng.random(n) < 0.6)
    mid_t = _at(rng, created_t // DAY + np.floor(cycle * rng.uniform(0.3, 0.7, n)))
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
            "campaign_id": _opt(campaign + 1, campaign >= 0),
            "marketplace_offer_id": offer,
            "amount0": amount0,
            "amount": amount,
            "stage0": _pick(rng, ("Prospecting", "Qualification"), (6, 4), n),
            "stage_mid": _pick(rng, ("Proposal", "Negotiation"), (6, 4), n),
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
    open_state = {"is_closed": pl.lit(False), "is_won": pl.lit(False), "close_date": _null()}
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
    versions = _delete_some(rng, clock, versions, "opportunity_id", round(0.005 * n))
    opps = _Opportunities(
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


# ---------------------------------------------------------------------------------------------
# CRM touches and deal registrations


def _make_touches(
    rng: np.random.Generator, clock: _Clock, opps: _Opportunities, picker: _Picker
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
    touched = np.minimum(_at(rng, touched // DAY), clock.end_t)
    kind = _pick(rng, TOUCH_KINDS, (84, 9, 7), len(opp))
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
    return _delete_some(rng, clock, versions, "touch_id", round(0.01 * len(opp)))


def _make_registrations(
    rng: np.random.Generator,
    clock: _Clock,
    n_without: int,
    opps: _Opportunities,
    accounts: _Accounts,
    picker: _Picker,
) -> pl.DataFrame:
    # Registrations behind opportunities: mostly shortly before or after creation, some late.
    o = np.flatnonzero(opps.registered)
    r = rng.random(len(o))
    offset = np.where(
        r < 0.7,
        rng.uniform(-20, 3, len(o)),
        np.where(r < 0.9, rng.uniform(3, 14, len(o)), rng.uniform(15, 60, len(o))),
    )
    reg_day = np.floor((opps.created_t[o] + offset * DAY) / DAY).astype(np.int64)
    reg_t = _at(rng, reg_day)
    acct = opps.account[o]
    by_id = (rng.random(len(o)) < 0.7) & (accounts.created_t[acct] <= reg_t)
    sourced = pl.DataFrame(
        {
            "reg_t": reg_t,
            "opp": pl.Series(o, dtype=pl.Int64),
            "opp_t": opps.created_t[o],
            "account_id": _opt(acct + 1, by_id),
            "customer_domain": _opt(accounts.domain_raw.gather(acct), ~by_id),
            "outcome": _pick(rng, ("approved", "rejected", "expired"), (85, 10, 5), len(o)),
            "expires": rng.random(len(o)) < 0.3,
        }
    )
    # Registrations naming only a customer: an account (by id or domain) or a new prospect.
    m = n_without
    reg_t = _at(rng, rng.integers(clock.start_day, clock.end_day + 1, m))
    acct = _existing(rng, accounts.created_t, reg_t)
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
            "account_id": _opt(acct + 1, by_id),
            "customer_domain": _opt(domain, ~by_id),
            "outcome": _pick(rng, ("approved", "rejected", "expired"), (60, 20, 20), m),
            "expires": rng.random(m) < 0.6,
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
        .then(_null())
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
            (pl.col("expiry_t") if expired else _null()).alias("expires_at"),
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
                    # Approved and linked to a deal: the protection lapses, the approval stays.
                    pl.when(pl.col("approved") & pl.col("opp").is_not_null())
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


# ---------------------------------------------------------------------------------------------
# Affiliate referrals


def _make_referrals(
    rng: np.random.Generator,
    clock: _Clock,
    n_other: int,
    opps: _Opportunities,
    accounts: _Accounts,
    picker: _Picker,
) -> pl.DataFrame:
    # Referrals that source an opportunity: converted within 90 days before it (a few earlier).
    o = np.flatnonzero(opps.referred)
    before = np.where(
        rng.random(len(o)) < 0.85, rng.integers(1, 86, len(o)), rng.integers(95, 200, len(o))
    )
    converted_t = _at(rng, opps.created_t[o] // DAY - before)
    referred_t = _at(rng, converted_t // DAY - rng.integers(2, 40, len(o)))
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
    referred_t = _at(rng, rng.integers(clock.start_day - 60, clock.end_day + 1, m))
    who = _pick(rng, ("account", "prospect", "free_mail"), (45, 35, 20), m)
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
    status = _pick(rng, ("converted", "rejected", "pending"), (35, 20, 45), m)
    outcome_t = _at(
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
    refs = pl.concat([sourcing, other], how="diagonal_relaxed").filter(
        pl.col("domain").is_not_null()
    )
    k = refs.height
    partner = picker(rng, refs["referred_t"].to_numpy())
    by_email = rng.random(k) < 0.8
    local = (
        np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), k)]
        + "."
        + np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), k)]
    )
    revenue = _money(np.round(np.clip(rng.lognormal(np.log(6_000), 0.9, k), 200, 80_000), 2) * 100)
    rate = _pick(rng, (0.10, 0.12, 0.15, 0.20, -1.0), (75, 10, 7, 3, 5), k)
    rate = np.where(rate < 0, rng.uniform(0.02, 0.35, k), rate)  # commission mismatches
    refs = refs.with_columns(
        partner_id=pl.Series(partner),
        email=pl.when(pl.Series(by_email)).then(pl.Series(local) + "@" + pl.col("domain")),
        customer_domain=pl.when(~pl.Series(by_email)).then(pl.col("domain_raw")),
        revenue=pl.Series(revenue),
        commission=pl.Series(_money(revenue * rate)),
        currency=pl.Series(_pick(rng, ("USD", "EUR", "GBP"), (85, 10, 5), k)),
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


# ---------------------------------------------------------------------------------------------
# Marketplace


def _make_transactions(
    rng: np.random.Generator,
    clock: _Clock,
    n_only: int,
    opps: _Opportunities,
    accounts: _Accounts,
    resellers: _Picker,
) -> pl.DataFrame:
    # Transactions of won opportunities sold through a marketplace: billed after the close.
    o = np.flatnonzero(opps.via_marketplace & opps.won)
    installments = np.where(rng.random(len(o)) < 0.65, 1, rng.integers(2, 5, len(o)))
    reseller = np.where(rng.random(len(o)) < 0.3, resellers(rng, opps.close_t[o]), -1)
    has_offer = opps.offer.gather(o).is_not_null().to_numpy()
    link = np.where(
        has_offer,
        _pick(rng, ("offer", "both", "opportunity"), (60, 25, 15), len(o)),
        "opportunity",
    )
    row_opp = np.repeat(o, installments)
    nth = np.arange(len(row_opp)) - np.repeat(np.cumsum(installments) - installments, installments)
    row_link = np.repeat(link, installments)
    at = _at(rng, opps.close_t[row_opp] // DAY + rng.integers(0, 10, len(row_opp)) + 30 * nth)
    by_account = rng.random(len(row_opp)) < 0.6
    acct = opps.account[row_opp]
    opp_currency = opps.currency[row_opp]
    linked = pl.DataFrame(
        {
            "transaction_at": at,
            "marketplace": opps.marketplace[row_opp],
            "gross": _money(opps.amount[row_opp] / np.repeat(installments, installments)),
            "currency": np.where(opp_currency == "EUR", "EUR", "USD"),
            "reseller": np.repeat(reseller, installments),
            "opportunity_id": _opt(row_opp + 1, row_link != "offer"),
            "offer_id": _opt(opps.offer.gather(row_opp), row_link != "opportunity"),
            "customer_account_id": _opt(acct + 1, by_account),
            "customer_domain": _opt(accounts.domain_raw.gather(acct), ~by_account),
        }
    )
    # Marketplace-only revenue: private offers the CRM never saw.
    m = n_only
    at = _at(rng, rng.integers(clock.start_day, clock.end_day + 1, m))
    marketplace = _pick(rng, MARKETPLACES, MARKETPLACE_SHARES, m)
    reseller = np.where(rng.random(m) < 0.3, resellers(rng, at), -1)
    acct = _existing(rng, accounts.created_t, at)
    who = _pick(rng, ("account_id", "domain", "unknown"), (40, 35, 25), m)
    who = np.where(acct < 0, "unknown", who)
    unknown = _unknown_domains(rng, m, "-cloud.com")
    offer_no = np.arange(len(o) + 1, len(o) + m + 1) + 500_000
    only = pl.DataFrame(
        {
            "transaction_at": at,
            "marketplace": marketplace,
            "gross": _money(
                np.round(np.clip(rng.lognormal(np.log(8_000), 1.0, m), 100, 200_000), 2) * 100
            ),
            "currency": _pick(rng, ("USD", "EUR"), (92, 8), m),
            "reseller": reseller,
            "opportunity_id": pl.Series([None] * m, dtype=pl.Int64),
            "offer_id": _opt(
                pl.select(
                    pl.Series(marketplace) + "-offer-" + pl.Series(offer_no).cast(pl.String)
                ).to_series(),
                rng.random(m) < 0.7,
            ),
            "customer_account_id": _opt(acct + 1, who == "account_id"),
            "customer_domain": _customer_domains(who, acct, accounts, unknown),
        }
    )
    tx = pl.concat([linked, only], how="diagonal_relaxed")
    # Refunds: a later negative transaction repeating the original's links.
    refunded = np.flatnonzero(rng.random(tx.height) < 0.04)
    share = np.where(rng.random(len(refunded)) < 0.6, 1.0, rng.uniform(0.1, 0.9, len(refunded)))
    refunds = tx[refunded].with_columns(
        transaction_at=pl.Series(
            _at(
                rng,
                tx["transaction_at"].to_numpy()[refunded] // DAY
                + rng.integers(3, 60, len(refunded)),
            )
        ),
        gross=pl.Series(-_money(tx["gross"].to_numpy()[refunded] * share)),
    )
    tx = pl.concat([tx, refunds], how="diagonal_relaxed")
    k = tx.height
    fee_rate = np.where(
        tx["marketplace"].to_numpy() == "appexchange",
        0.15,
        _pick(rng, (0.03, 0.05, 0.20), (60, 25, 15), k),
    )
    fee = _money(tx["gross"].to_numpy() * fee_rate)
    tx = tx.with_columns(
        marketplace_fee=_opt(fee, rng.random(k) < 0.9),
        reseller_partner_id=_opt(tx["reseller"].to_numpy(), tx["reseller"].to_numpy() >= 0),
    ).filter(pl.col("transaction_at") <= clock.end_t)
    tx = tx.sort(["transaction_at", "gross"], maintain_order=True).with_columns(
        transaction_id=pl.int_range(1, pl.len() + 1)
    )
    return tx.select(
        "transaction_id",
        "marketplace",
        "transaction_at",
        gross_amount="gross",
        currency="currency",
        marketplace_fee="marketplace_fee",
        reseller_partner_id="reseller_partner_id",
        opportunity_id="opportunity_id",
        customer_account_id="customer_account_id",
        customer_domain="customer_domain",
        offer_id="offer_id",
        _t="transaction_at",
    )


def _unknown_domains(rng: np.random.Generator, n: int, suffix: str) -> pl.Series:
    """Customer domains no CRM account has (company-like names with the given suffix)."""
    return pl.Series(
        np.char.lower(np.array(WORDS_A)[rng.integers(0, len(WORDS_A), n)])
        + np.array(WORDS_B)[rng.integers(0, len(WORDS_B), n)]
        + suffix
    )


def _customer_domains(
    who: np.ndarray, acct: np.ndarray, accounts: _Accounts, unknown: pl.Series
) -> pl.Series:
    """The customer domain column: the account's own domain, an unknown one, or empty."""
    return pl.select(
        pl.when(pl.Series(who == "domain"))
        .then(accounts.domain_raw.gather(np.maximum(acct, 0)))
        .when(pl.Series(who == "unknown"))
        .then(unknown)
    ).to_series()


def _make_installs(
    rng: np.random.Generator, clock: _Clock, n: int, accounts: _Accounts, picker: _Picker
) -> pl.DataFrame:
    installed_t = np.sort(_at(rng, rng.integers(clock.start_day - 90, clock.end_day + 1, n)))
    partner = picker(rng, installed_t)
    acct = _existing(rng, accounts.created_t, installed_t)
    who = _pick(rng, ("account_id", "domain", "unknown"), (65, 28, 7), n)
    who = np.where(acct < 0, "unknown", who)
    unknown = _unknown_domains(rng, n, "-labs.io")
    uninstalled = rng.random(n) < 0.2
    uninstalled_t = _at(rng, installed_t // DAY + rng.integers(10, 400, n))
    base = pl.DataFrame(
        {
            "install_id": np.arange(1, n + 1),
            "partner_id": partner,
            "installed_at": installed_t,
            "account_id": _opt(acct + 1, who == "account_id"),
            "customer_domain": _customer_domains(who, acct, accounts, unknown),
            "uninstalled": uninstalled,
            "uninstalled_t": uninstalled_t,
        }
    ).filter(pl.col("partner_id") >= 0)
    common = ["install_id", "partner_id", "installed_at", "account_id", "customer_domain"]
    return pl.concat(
        [
            base.select(*common, _t="installed_at"),
            base.filter("uninstalled").select(
                *common, uninstalled_at="uninstalled_t", _t="uninstalled_t"
            ),
        ],
        how="diagonal_relaxed",
    )


# ---------------------------------------------------------------------------------------------
# MDF


def _make_fund_requests(
    rng: np.random.Generator,
    clock: _Clock,
    n: int,
    campaigns: _Campaigns,
    picker: _Picker,
) -> pl.DataFrame:
    n_campaigns = len(campaigns.start_t)
    with_campaign = rng.random(n) < 0.8
    campaign = np.where(with_campaign, rng.integers(0, n_campaigns, n), -1)
    c = np.maximum(campaign, 0)
    requested_t = np.where(
        with_campaign,
        _at(rng, campaigns.start_t[c] // DAY + rng.integers(0, 8, n)),
        _at(rng, rng.integers(clock.start_day, clock.end_day + 1, n)),
    )
    drawn = picker(rng, requested_t)
    own = with_campaign & (campaigns.partner[c] >= 0)  # partner-run campaign: its partner asks
    partner = np.where(own, campaigns.partner[c], drawn)
    requested = _money(
        np.clip(np.round(rng.lognormal(np.log(12_000), 0.7, n), -2), 1_000, 100_000) * 100
    )
    approved_amount = np.where(
        rng.random(n) < 0.7, requested, _money(np.round(requested * rng.uniform(0.5, 0.95, n), -4))
    )
    decided_t = requested_t + rng.integers(2, 20, n) * DAY
    outcome = _pick(rng, ("approved", "rejected", "pending"), (84, 12, 4), n)
    after = np.where(with_campaign, np.maximum(campaigns.end_t[c], decided_t), decided_t + 30 * DAY)
    claimed_t = _at(rng, after // DAY + rng.integers(5, 40, n))
    fate = _pick(rng, ("claimed", "cancelled", "open"), (80, 8, 12), n)
    base = pl.DataFrame(
        {
            "request_id": np.arange(1, n + 1),
            "partner_id": partner,
            "campaign_id": _opt(campaign + 1, with_campaign),
            "requested_at": requested_t,
            "requested_amount": requested,
            "currency": _pick(rng, ("USD", "EUR", "GBP", "AUD"), (72, 20, 6, 2), n),
            "outcome": outcome,
            "approved": outcome == "approved",
            "decided_t": decided_t,
            "approved_amount": approved_amount,
            "in_flight": rng.random(n) < 0.3,
            "progress_t": decided_t + rng.integers(10, 30, n) * DAY,
            "progress_spent": _money(approved_amount * rng.uniform(0.2, 0.6, n)),
            "fate": fate,
            "closed_t": np.where(
                fate == "cancelled", decided_t + rng.integers(5, 40, n) * DAY, claimed_t
            ),
            "spent": _money(approved_amount * rng.uniform(0.6, 1.0, n)),
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


# ---------------------------------------------------------------------------------------------
# Surveys and reference data


def _make_nps(
    rng: np.random.Generator, clock: _Clock, partners: _Partners, versions: pl.DataFrame
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
        responded_t = _at(rng, wave_day + rng.integers(0, 15, n))
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


def _make_fx(rng: np.random.Generator, clock: _Clock) -> pl.DataFrame:
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


# ---------------------------------------------------------------------------------------------
# The whole program


def _entity(qualified: str) -> Entity:
    source, name = qualified.split("/")
    for ent in ENTITIES:
        if ent.source == source and ent.name == name:
            return ent
    raise KeyError(qualified)


def generate(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 7,
    end_date: date = date(2026, 11, 27),
    years: float = 2.0,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Write the sample exports under `out_dir`; returns rows written per entity ('crm/partners').

    `out_dir` must hold no exports yet, unless `overwrite`, which first removes the source folders
    (crm, affiliate, ...) found in it.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    sources = list(dict.fromkeys(e.source for e in ENTITIES))
    present = [s for s in sources if (out_dir / s).exists()]
    if present and not overwrite:
        raise FileExistsError(
            f"{out_dir} already holds exports ({', '.join(present)}): pass overwrite=True "
            "(--overwrite) to replace them"
        )
    for source in present:
        shutil.rmtree(out_dir / source)
    say = progress or (lambda _msg: None)
    clock = _clock(end_date, years)
    rows: dict[str, int] = {}
    partners = _make_partners(_rng(seed, "partners"), clock, _count("partners", scale, 10))
    writer = _Writer(out_dir, clock, partners.ids)

    def write(qualified: str, versions: pl.DataFrame, **kw) -> None:
        # Partners are terminated only after their last activity: remember it.
        for name in PARTNER_ID_COLUMNS:
            if name in versions.columns and qualified != "crm/partners":
                seen = versions.filter(pl.col(name).is_not_null())
                partners.note(seen[name].to_numpy(), seen["_t"].to_numpy())
        rows[qualified] = writer.write(_entity(qualified), versions, **kw)
        say(f"{qualified}: {rows[qualified]:,} rows")

    def picker(kind: str) -> _Picker:
        return _Picker(partners, AFFINITY[kind])

    accounts, versions = _make_accounts(
        _rng(seed, "accounts"), clock, _count("accounts", scale, 20), picker("account_owner")
    )
    write("crm/accounts", versions)
    campaigns, versions = _make_campaigns(
        _rng(seed, "campaigns"), clock, _count("campaigns", scale), picker("campaign"), partners
    )
    write("crm/campaigns", versions)
    opps, versions = _make_opportunities(
        _rng(seed, "opportunities"), clock, _count("opportunities", scale, 20), accounts, campaigns
    )
    write("crm/opportunities", versions)
    del versions
    write(
        "crm/partner_touches", _make_touches(_rng(seed, "touches"), clock, opps, picker("co_sell"))
    )
    write(
        "crm/deal_registrations",
        _make_registrations(
            _rng(seed, "registrations"),
            clock,
            _count("registrations_without_opportunity", scale),
            opps,
            accounts,
            picker("registration"),
        ),
    )
    write(
        "affiliate/referrals",
        _make_referrals(
            _rng(seed, "referrals"),
            clock,
            _count("referrals_not_sourcing", scale),
            opps,
            accounts,
            picker("referral"),
        ),
    )
    write(
        "marketplace/transactions",
        _make_transactions(
            _rng(seed, "transactions"),
            clock,
            _count("marketplace_only", scale),
            opps,
            accounts,
            picker("marketplace_reseller"),
        ),
        stamp_updated=False,
    )
    write(
        "marketplace/integration_installs",
        _make_installs(
            _rng(seed, "installs"), clock, _count("installs", scale), accounts, picker("install")
        ),
    )
    write(
        "mdf/fund_requests",
        _make_fund_requests(
            _rng(seed, "fund_requests"),
            clock,
            _count("fund_requests", scale),
            campaigns,
            picker("mdf"),
        ),
    )
    versions = _partner_versions(_rng(seed, "partner_versions"), clock, partners)
    write("crm/partners", versions)
    write(
        "surveys/partner_nps",
        _make_nps(_rng(seed, "nps"), clock, partners, versions),
        stamp_updated=False,
    )
    write("reference/fx_rates", _make_fx(_rng(seed, "fx"), clock), stamp_updated=False)
    return {e.qualified_name: rows[e.qualified_name] for e in ENTITIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.sample_data",
        description="Write a deterministic sample partner program as landing exports.",
    )
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument("--scale", type=float, default=1.0, help="row-count multiplier [1]")
    parser.add_argument("--seed", type=int, default=7, help="random seed [7]")
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=date(2026, 11, 27),
        help="date of the last export, YYYY-MM-DD [2026-11-27]",
    )
    parser.add_argument("--years", type=float, default=2.0, help="length of the history [2]")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the exports already in --out"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        rows = generate(
            args.out,
            scale=args.scale,
            seed=args.seed,
            end_date=args.end_date,
            years=args.years,
            progress=print,
            overwrite=args.overwrite,
        )
    except FileExistsError as err:
        parser.error(str(err))
    elapsed = time.perf_counter() - started
    size = sum(f.stat().st_size for f in args.out.rglob("*.csv"))
    print(
        f"wrote {sum(rows.values()):,} rows in {len(rows)} entities to {args.out} "
        f"({size / 1e6:.1f} MB) in {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
