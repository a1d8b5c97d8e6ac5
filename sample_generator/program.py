"""The whole program: every source generated in order and written as exports."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from dagster_project.ingest.entities import ENTITIES, Entity
from sample_generator.affiliate import make_referrals
from sample_generator.clock import Clock, make_clock, section_rng
from sample_generator.crm import make_accounts, make_campaigns, make_opportunities
from sample_generator.crm_deals import make_registrations, make_touches
from sample_generator.marketplace import make_installs, make_transactions
from sample_generator.mdf import make_fund_requests
from sample_generator.partners import Picker, make_partners, partner_versions
from sample_generator.reference import make_fx, make_nps
from sample_generator.writer import ID_FAMILY, ID_FORMATS, PARTNER_ID_COLUMNS, Writer

# Rows at scale 1; every count is multiplied by `scale`.
BASE_COUNTS = {
    "partners": 300,
    "accounts": 3_000,
    "opportunities": 6_000,
    "campaigns": 120,
    "fund_requests": 220,
    "registrations_without_opportunity": 300,
    "referrals_not_sourcing": 1_200,
    "marketplace_only": 300,
    "installs": 500,
}

# Which partner types do what, and how much (multiplies each partner's activity weight).
AFFINITY = {
    "registration": {"reseller": 0.58, "oem": 0.30, "strategic_alliance": 0.08, "technology": 0.04},
    "co_sell": {"strategic_alliance": 0.78, "technology": 0.04, "reseller": 0.12, "oem": 0.06},
    "referral": {"affiliate": 0.94, "technology": 0.06},
    "install": {"technology": 1.0},
    "mdf": {"reseller": 0.45, "strategic_alliance": 0.30, "oem": 0.15, "technology": 0.10},
    "marketplace_reseller": {"reseller": 1.0},
    "account_owner": {"reseller": 0.6, "oem": 0.2, "strategic_alliance": 0.2},
    "campaign": {"reseller": 0.45, "strategic_alliance": 0.3, "oem": 0.15, "technology": 0.1},
}

# The largest scale generated in one piece. A bigger program is generated and written in equal
# shards no bigger than this, each a program of its own appended to the same exports with its
# record numbers after the earlier shards', so memory stays bounded (one shard: ~0.4 GB) and time
# grows linearly. Scale 25 and below are one shard, drawn exactly as before sharding existed.
SHARD_SCALE = 25.0
OFFER_BLOCK = 1_000_000  # marketplace offer numbers of one shard (at most ~500,000 + 450 * scale)

# Funds and joint campaigns go mostly to the partners that bring the most (weight ** focus).
FOCUS = {"mdf": 2.0, "campaign": 2.0}


def _count(name: str, scale: float, minimum: int = 2) -> int:
    return max(minimum, round(BASE_COUNTS[name] * scale))


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
    last_day_export: bool = False,
    shard_scale: float = SHARD_SCALE,
) -> dict[str, int]:
    """Write the sample exports under `out_dir`; returns rows written per entity ('crm/partners').
    With `last_day_export`, the last export of each source carries only the changes of
    `end_date` (new and changed records of one day: an incremental night's input).

    `out_dir` must hold no exports yet, unless `overwrite`, which first removes the source folders
    (crm, affiliate, ...) found in it. Above `shard_scale` the program is written in shards
    (SHARD_SCALE).
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
    clock = make_clock(end_date, years, last_day_export=last_day_export)
    shards = max(1, math.ceil(scale / shard_scale - 1e-9))
    program = _Program()
    for shard in range(shards):
        before = sum(program.rows.values())
        _generate_shard(out_dir, clock, scale / shards, seed, shard, program, say, shards == 1)
        if shards > 1:
            say(f"shard {shard + 1}/{shards}: {sum(program.rows.values()) - before:,} rows")
    rows = program.rows
    # the sample has no partner crosswalk: its tools share the CRM's partner ids
    return {e.qualified_name: rows[e.qualified_name] for e in ENTITIES if e.qualified_name in rows}


@dataclass
class _Program:
    """What a shard needs from the earlier ones: how far record numbers and domains have gone."""

    rows: dict[str, int] = field(default_factory=dict)  # entity -> rows written so far
    offsets: dict[str, int] = field(default_factory=dict)  # id family -> records so far
    partners: int = 0
    domains_taken: dict[str, int] = field(default_factory=dict)


def _generate_shard(
    out_dir: Path,
    clock: Clock,
    scale: float,
    seed: int,
    shard: int,
    program: _Program,
    say: Callable[[str], None],
    per_entity: bool,
) -> None:
    """One program at `scale` (the whole program when it is the only shard), written after the
    earlier shards' rows. Shard 0 creates the files and alone writes what does not scale (the
    AWS partner record, fx rates)."""

    def rng(section: str):
        return section_rng(seed, section, shard)

    partners = make_partners(
        rng("partners"), clock, _count("partners", scale, 10), first_id=program.partners + 1
    )
    writer = Writer(out_dir, clock, partners.ids, offsets=dict(program.offsets), append=shard > 0)
    numbered: dict[str, int] = {}  # id family -> this shard's highest record number

    def write(qualified: str, versions: pl.DataFrame, **kw) -> None:
        # Partners are terminated only after their last activity: remember it.
        for name in PARTNER_ID_COLUMNS:
            if name in versions.columns and qualified != "crm/partners":
                seen = versions.filter(pl.col(name).is_not_null())
                partners.note(seen[name].to_numpy(), seen["_t"].to_numpy())
        for key in _entity(qualified).key:
            if key in ID_FORMATS and versions.height:
                family = ID_FAMILY.get(key, key)
                numbered[family] = max(numbered.get(family, 0), versions[key].max())
        written = writer.write(_entity(qualified), versions, **kw)
        program.rows[qualified] = program.rows.get(qualified, 0) + written
        if per_entity:
            say(f"{qualified}: {written:,} rows")

    def picker(kind: str) -> Picker:
        return Picker(partners, AFFINITY[kind], focus=FOCUS.get(kind, 1.0))

    accounts, versions = make_accounts(
        rng("accounts"),
        clock,
        _count("accounts", scale, 20),
        picker("account_owner"),
        program.domains_taken,
    )
    write("crm/accounts", versions)
    campaigns, versions = make_campaigns(
        rng("campaigns"), clock, _count("campaigns", scale), picker("campaign"), partners
    )
    write("crm/campaigns", versions)
    offer_base = shard * OFFER_BLOCK
    opps, versions = make_opportunities(
        rng("opportunities"),
        clock,
        _count("opportunities", scale, 20),
        accounts,
        campaigns,
        offer_base,
    )
    write("crm/opportunities", versions)
    del versions
    write("crm/partner_touches", make_touches(rng("touches"), clock, opps, picker("co_sell")))
    write(
        "crm/deal_registrations",
        make_registrations(
            rng("registrations"),
            clock,
            _count("registrations_without_opportunity", scale),
            opps,
            accounts,
            picker("registration"),
        ),
    )
    write(
        "affiliate/referrals",
        make_referrals(
            rng("referrals"),
            clock,
            _count("referrals_not_sourcing", scale),
            opps,
            accounts,
            picker("referral"),
        ),
    )
    write(
        "marketplace/transactions",
        make_transactions(
            rng("transactions"),
            clock,
            _count("marketplace_only", scale),
            opps,
            accounts,
            picker("marketplace_reseller"),
            offer_base,
        ),
        stamp_updated=False,
    )
    write(
        "marketplace/integration_installs",
        make_installs(
            rng("installs"), clock, _count("installs", scale), accounts, picker("install")
        ),
    )
    write(
        "mdf/fund_requests",
        make_fund_requests(
            rng("fund_requests"),
            clock,
            _count("fund_requests", scale),
            campaigns,
            picker("mdf"),
            partners,
        ),
    )
    versions = partner_versions(rng("partner_versions"), clock, partners)
    aws = len(partners.ids) - 1  # the CRM's marketplace record: written once
    write("crm/partners", versions if shard == 0 else versions.filter(pl.col("partner_id") != aws))
    write(
        "surveys/partner_nps",
        make_nps(rng("nps"), clock, partners, versions),
        stamp_updated=False,
    )
    if shard == 0:  # one row per weekday and currency, whatever the scale
        write("reference/fx_rates", make_fx(rng("fx"), clock), stamp_updated=False)
    program.partners += aws
    for family, highest in numbered.items():
        program.offsets[family] = program.offsets.get(family, 0) + highest
