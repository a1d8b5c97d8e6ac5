"""crm/partners: the partners of the five types, and drawing the partner behind an activity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from dagster_project.ingest.entities import PARTNER_TYPES
from sample_generator.clock import DAY, HOUR, Clock, null, optional, pick, times_on
from sample_generator.words import WORDS_A, WORDS_B
from sample_generator.writer import delete_some

# partner_type -> share of partners (PARTNER_TYPES order: technology, affiliate, reseller,
# strategic_alliance, oem).
TYPE_SHARES = (0.30, 0.25, 0.25, 0.10, 0.10)

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
# Per type (PARTNER_TYPES order): the mean strategic_value_score in hundredths -- technology and
# strategic alliances mostly at or above the program's 1.15, the others mostly below -- and the
# share of partners that went quiet (a long tail of idle affiliates; few idle alliances).
SCORE_MEANS = (130, 96, 98, 130, 100)
DORMANT_SHARES = (0.25, 0.40, 0.08, 0.08, 0.15)
# Signed partners that only take: they get MDF and do nothing else (weight 0 in every picker).
TAKER_SHARE = 0.02
TAKER_TYPES = ("reseller", "strategic_alliance", "technology", "oem")


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


@dataclass
class Partners:
    ids: pl.Series  # partner_id by index
    type_code: np.ndarray  # index into PARTNER_TYPES
    created_t: np.ndarray
    signed_t: np.ndarray  # -1: a prospect, never signed
    weight: np.ndarray  # how active the partner is (0: a taker, drawn by no picker)
    taker: np.ndarray  # only takes: MDF, nothing given (mdf.py)
    score: np.ndarray  # strategic_value_score in hundredths; -1: none
    name: np.ndarray
    region: np.ndarray
    manager: np.ndarray
    is_marketplace: np.ndarray  # the CRM's own record of a marketplace (aws)
    last_activity: np.ndarray  # latest event time seen so far (filled while generating)

    def note(self, partner: np.ndarray, times: np.ndarray) -> None:
        mask = partner >= 0
        np.maximum.at(self.last_activity, partner[mask], times[mask])


class Picker:
    """Draws partners, weighted by activity and type affinity, among those signed at a time.
    `focus` above 1 favours the most active partners more (the program invests in its best)."""

    def __init__(self, partners: Partners, affinity: dict[str, float], focus: float = 1.0):
        per_type = np.array([affinity.get(t, 0.0) for t in PARTNER_TYPES])
        weight = partners.weight**focus * per_type[partners.type_code]
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


def make_partners(rng: np.random.Generator, clock: Clock, n: int, first_id: int = 1) -> Partners:
    """`n` partners numbered from `first_id` (a later shard continues the numbering), and the
    CRM's record of the AWS marketplace."""
    start, end = clock.start_day, clock.end_day
    type_code = rng.permutation(np.repeat(np.arange(len(PARTNER_TYPES)), _quotas(n, TYPE_SHARES)))
    u = rng.random(n)
    prospect = u < 0.07
    early = (u >= 0.07) & (u < 0.60)  # signed before the two years began (a mature program)
    signed_day = np.where(
        early, rng.integers(start - 540, start, n), rng.integers(start, end - 3, n)
    )
    signed_t = np.where(prospect, -1, times_on(rng, signed_day))
    created_day = np.where(
        prospect, rng.integers(start - 200, end, n), signed_day - rng.integers(10, 150, n)
    )
    created_t = times_on(rng, created_day)
    dormant = rng.random(n) < np.asarray(DORMANT_SHARES)[type_code]
    weight = rng.lognormal(0.0, 0.6, n) * np.where(dormant, 0.03, 1.0)
    taker_type = np.isin(type_code, [PARTNER_TYPES.index(t) for t in TAKER_TYPES])
    long_signed = ~prospect & (signed_day < end - 300)
    candidates = np.flatnonzero(taker_type & long_signed)
    n_takers = min(len(candidates), max(1, round(TAKER_SHARE * n)))
    taker = np.zeros(n, dtype=bool)
    taker[rng.choice(candidates, size=n_takers, replace=False)] = True
    weight[taker] = 0.0
    mean = np.asarray(SCORE_MEANS)[type_code]
    score = np.clip(np.round(rng.normal(mean, 10, n)), 80, 150).astype(np.int64)
    r = rng.random(n)
    score[r < 0.005] = 60  # outside 0.8-1.5: clamped where used
    score[(r >= 0.005) & (r < 0.01)] = 175
    score[r > 0.95] = -1
    suffixes = np.array(TYPE_SUFFIXES)[type_code, rng.integers(0, 4, n)]
    name = (
        np.array(WORDS_A)[rng.integers(0, len(WORDS_A), n)]
        + np.char.lower(np.array(WORDS_B)[rng.integers(0, len(WORDS_B), n)])
        + " "
        + suffixes
        + np.where(rng.random(n) < 0.08, ", Inc.", "")
    )
    region = pick(rng, REGIONS, (0.45, 0.30, 0.18, 0.07), n)
    manager = np.array(MANAGERS)[rng.integers(0, len(MANAGERS), n)]
    ids = [f"P{i + first_id:05d}" for i in range(n)]

    # The CRM also has a record for the AWS marketplace (the other marketplaces it lacks).
    ids.append("aws")
    return Partners(
        ids=pl.Series("partner_id", ids),
        type_code=np.append(type_code, PARTNER_TYPES.index("reseller")),
        created_t=np.append(created_t, (start - 400) * DAY + 10 * HOUR),
        signed_t=np.append(signed_t, (start - 365) * DAY + 10 * HOUR),
        weight=np.append(weight, 0.0),
        taker=np.append(taker, False),
        score=np.append(score, 100),
        name=np.append(name, "AWS Marketplace"),
        region=np.append(region, "NA"),
        manager=np.append(manager, MANAGERS[0]),
        is_marketplace=np.append(np.zeros(n, dtype=bool), True),
        last_activity=np.full(n + 1, -1, dtype=np.int64),
    )


def partner_versions(rng: np.random.Generator, clock: Clock, p: Partners) -> pl.DataFrame:
    """Created (a prospect), signed, sometimes re-scored, sometimes terminated, a few deleted."""
    n = len(p.type_code)
    signed = p.signed_t >= 0
    # Partners gone quiet are terminated after their last activity, so nothing happens later.
    earliest = np.maximum(p.signed_t // DAY + 180, p.last_activity // DAY + 30)
    eligible = np.flatnonzero(signed & ~p.is_marketplace & (earliest < clock.end_day - 60))
    n_term = min(len(eligible), max(1, round(0.04 * n)))
    chosen = np.sort(rng.choice(eligible, size=n_term, replace=False))
    terminated_t = np.full(n, -1, dtype=np.int64)
    terminated_t[chosen] = times_on(rng, rng.integers(earliest[chosen], clock.end_day - 30))

    rescored = signed & (rng.random(n) < 0.15)
    rescore_t = p.signed_t + rng.integers(30, 400, n) * DAY
    new_score = np.clip(p.score + rng.integers(-15, 16, n), 80, 150)
    new_score = np.where(p.score < 0, np.round(rng.normal(110, 15, n)), new_score).astype(np.int64)

    base = pl.DataFrame(
        {
            "partner_id": np.arange(n),
            "partner_name": p.name,
            "partner_type": np.array(PARTNER_TYPES)[p.type_code],
            "agreement_signed_at": optional(p.signed_t, signed),
            "strategic_value_score": optional(p.score, p.score >= 0),
            "partner_manager": p.manager,
            "region": p.region,
            "created_t": p.created_t,
            "terminated_t": optional(terminated_t, terminated_t >= 0),
            "rescored": rescored,
            "rescore_t": rescore_t,
            "new_score": new_score,
        }
    )
    common = ["partner_id", "partner_name", "partner_type", "partner_manager", "region"]
    created = base.select(
        *common,
        agreement_signed_at=null(),
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
    deletable = delete_some(rng, clock, deletable, "partner_id", max(1, round(0.007 * n)))
    versions = pl.concat([deletable, kept], how="diagonal_relaxed")
    for name, dtype in (("terminated_at", pl.Int64), ("is_deleted", pl.Boolean)):
        if name not in versions.columns:
            versions = versions.with_columns(null(dtype).alias(name))
    return versions
