"""The whole program: every source generated in order and written as exports."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from dagster_project.ingest.entities import ENTITIES, Entity
from sample_generator.affiliate import make_referrals
from sample_generator.clock import make_clock, section_rng
from sample_generator.crm import make_accounts, make_campaigns, make_opportunities
from sample_generator.crm_deals import make_registrations, make_touches
from sample_generator.marketplace import make_installs, make_transactions
from sample_generator.mdf import make_fund_requests
from sample_generator.partners import Picker, make_partners, partner_versions
from sample_generator.reference import make_fx, make_nps
from sample_generator.writer import PARTNER_ID_COLUMNS, Writer

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
) -> dict[str, int]:
    """Write the sample exports under `out_dir`; returns rows written per entity ('crm/partners').
    With `last_day_export`, the last export of each source carries only the changes of
    `end_date` (new and changed records of one day: an incremental night's input).

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
    clock = make_clock(end_date, years, last_day_export=last_day_export)
    rows: dict[str, int] = {}
    partners = make_partners(section_rng(seed, "partners"), clock, _count("partners", scale, 10))
    writer = Writer(out_dir, clock, partners.ids)

    def write(qualified: str, versions: pl.DataFrame, **kw) -> None:
        # Partners are terminated only after their last activity: remember it.
        for name in PARTNER_ID_COLUMNS:
            if name in versions.columns and qualified != "crm/partners":
                seen = versions.filter(pl.col(name).is_not_null())
                partners.note(seen[name].to_numpy(), seen["_t"].to_numpy())
        rows[qualified] = writer.write(_entity(qualified), versions, **kw)
        say(f"{qualified}: {rows[qualified]:,} rows")

    def picker(kind: str) -> Picker:
        return Picker(partners, AFFINITY[kind], focus=FOCUS.get(kind, 1.0))

    accounts, versions = make_accounts(
        section_rng(seed, "accounts"), clock, _count("accounts", scale, 20), picker("account_owner")
    )
    write("crm/accounts", versions)
    campaigns, versions = make_campaigns(
        section_rng(seed, "campaigns"),
        clock,
        _count("campaigns", scale),
        picker("campaign"),
        partners,
    )
    write("crm/campaigns", versions)
    opps, versions = make_opportunities(
        section_rng(seed, "opportunities"),
        clock,
        _count("opportunities", scale, 20),
        accounts,
        campaigns,
    )
    write("crm/opportunities", versions)
    del versions
    write(
        "crm/partner_touches",
        make_touches(section_rng(seed, "touches"), clock, opps, picker("co_sell")),
    )
    write(
        "crm/deal_registrations",
        make_registrations(
            section_rng(seed, "registrations"),
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
            section_rng(seed, "referrals"),
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
            section_rng(seed, "transactions"),
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
        make_installs(
            section_rng(seed, "installs"),
            clock,
            _count("installs", scale),
            accounts,
            picker("install"),
        ),
    )
    write(
        "mdf/fund_requests",
        make_fund_requests(
            section_rng(seed, "fund_requests"),
            clock,
            _count("fund_requests", scale),
            campaigns,
            picker("mdf"),
            partners,
        ),
    )
    versions = partner_versions(section_rng(seed, "partner_versions"), clock, partners)
    write("crm/partners", versions)
    write(
        "surveys/partner_nps",
        make_nps(section_rng(seed, "nps"), clock, partners, versions),
        stamp_updated=False,
    )
    write("reference/fx_rates", make_fx(section_rng(seed, "fx"), clock), stamp_updated=False)
    # the sample has no partner crosswalk: its tools share the CRM's partner ids
    return {e.qualified_name: rows[e.qualified_name] for e in ENTITIES if e.qualified_name in rows}
