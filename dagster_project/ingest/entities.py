"""The landing contract: every canonical entity, its key and its typed columns.

This is the one declaration of what an export may contain (LANDING.md). The reader validates
against it, the loader creates the `raw` tables from it, and the dbt sources are checked against it
by a test, so adding a column is one edit here (plus the staging model that uses it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from dagster_project.ingest.kinds import (
    BOOLEAN,
    DATE,
    IDENTIFIER,
    INTEGER,
    MONEY,
    NUMBER,
    RATE,
    STRING,
    TIMESTAMP,
    Kind,
)
from dagster_project.settings import DBT_PROJECT_DIR

PARTNER_TYPES_SEED = DBT_PROJECT_DIR / "seeds" / "partner_types.csv"


def _partner_types() -> tuple[str, ...]:
    """The program's partner types, in the seed's order: dbt/seeds/partner_types.csv is their one
    home (the dbt marts test against it; a 5-row file, cheap to read at import)."""
    with PARTNER_TYPES_SEED.open(newline="") as seed:
        return tuple(row["partner_type"] for row in csv.DictReader(seed))


PARTNER_TYPES = _partner_types()


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = STRING
    required: bool = False
    # Allowed values (compared in lower case; stored in lower case).
    domain: tuple[str, ...] | None = None
    # Lowest allowed value for numbers (inclusive), None when unbounded.
    minimum: float | None = None
    # Highest allowed value for numbers (inclusive), None when unbounded.
    maximum: float | None = None
    # Strictly positive (e.g. strategic_value_score).
    positive: bool = False
    # A required column may be left empty when this other column has a value (a touch may name
    # its partner by partner_name instead of partner_id: resolved in the warehouse).
    unless: str | None = None

    @property
    def duckdb_type(self) -> str:
        return self.kind.raw_type


@dataclass(frozen=True)
class Entity:
    source: str
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        names = {c.name for c in self.columns}
        common = tuple(c for c in COMMON_COLUMNS if c.name not in names)
        return self.columns + common

    @property
    def raw_table(self) -> str:
        """Name of the table in the `raw` schema: <source>__<entity>."""
        return f"{self.source}__{self.name}"

    @property
    def qualified_name(self) -> str:
        return f"{self.source}/{self.name}"

    def column(self, name: str) -> Column:
        for col in self.all_columns:
            if col.name == name:
                return col
        raise KeyError(name)


# Columns every entity may carry (LANDING.md: "Every entity may carry is_deleted").
COMMON_COLUMNS = (
    Column("updated_at", TIMESTAMP),
    Column("is_deleted", BOOLEAN),
)

# Lineage columns the loader adds to every raw table.
LINEAGE_COLUMNS = (
    ("_export_date", "DATE"),  # the <export date> folder the file came from
    ("_source_file", "VARCHAR"),  # path relative to the landing folder
    ("_line_number", "BIGINT"),  # physical line in the file where the record starts (header = 1)
    ("_load_seq", "BIGINT"),  # audit.load_log.load_seq of the load that brought it in (monotonic)
    # the tool its export format declares (null for a canonical file): which of the partner
    # crosswalk's rows apply to the partner ids on the row (macro partner_id_of)
    ("_tool", "VARCHAR"),
)


def _c(name: str, kind: Kind = STRING, **kw) -> Column:
    return Column(name, kind, **kw)


def _req(name: str, kind: Kind = STRING, **kw) -> Column:
    return Column(name, kind, required=True, **kw)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "crm",
        "partners",
        ("partner_id",),
        (
            _req("partner_id", IDENTIFIER),
            _req("partner_name"),
            _req("partner_type", domain=PARTNER_TYPES),
            _c("agreement_signed_at", TIMESTAMP),
            _c("terminated_at", TIMESTAMP),
            _c("strategic_value_score", NUMBER, positive=True),
            _c("partner_manager"),
            _c("region"),
            _req("updated_at", TIMESTAMP),
            _c("is_deleted", BOOLEAN),
        ),
    ),
    Entity(
        "crm",
        "accounts",
        ("account_id",),
        (
            _req("account_id", IDENTIFIER),
            _req("account_name"),
            _c("domain"),
            _c("partner_owner_id", IDENTIFIER),
            _c("created_at", TIMESTAMP),
            # a CRM account whose type marks it as a partner (seed account_type_partner_types)
            # or flagged is_partner (Salesforce IsPartner) is a partner: int_partners
            _c("account_type"),
            _c("is_partner", BOOLEAN),
            _req("updated_at", TIMESTAMP),
            _c("is_deleted", BOOLEAN),
        ),
    ),
    Entity(
        "crm",
        "opportunities",
        ("opportunity_id",),
        (
            _req("opportunity_id", IDENTIFIER),
            _req("account_id", IDENTIFIER),
            _c("opportunity_name"),
            _req("created_at", TIMESTAMP),
            _c("close_date", DATE),
            _req("stage"),
            _req("is_closed", BOOLEAN),
            _req("is_won", BOOLEAN),
            _req("amount", MONEY, minimum=0),
            _req("currency"),
            _c("campaign_id", IDENTIFIER),
            _c("marketplace_offer_id", IDENTIFIER),
            _req("updated_at", TIMESTAMP),
            _c("is_deleted", BOOLEAN),
        ),
    ),
    Entity(
        "crm",
        "partner_touches",
        ("touch_id",),
        (
            _req("touch_id", IDENTIFIER),
            _req("opportunity_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER, unless="partner_name"),
            _req("touch_kind"),
            # empty: the opportunity's creation time (a relationship row without a time of its
            # own; int_partner_touches_resolved)
            _c("touched_at", TIMESTAMP),
            _c("updated_at", TIMESTAMP),
            _c("is_deleted", BOOLEAN),
            _c("partner_name"),  # instead of partner_id: a report names the partner account
            # the partner's role on the relationship (Salesforce Role: VAR/Reseller...): the
            # type of a partner account whose account type leaves it open (int_partners)
            _c("partner_role"),
        ),
    ),
    Entity(
        "crm",
        "deal_registrations",
        ("registration_id",),
        (
            _req("registration_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER),
            _req("status", domain=("submitted", "approved", "rejected", "expired")),
            _req("registered_at", TIMESTAMP),
            _c("approved_at", TIMESTAMP),
            _c("expires_at", TIMESTAMP),
            _c("account_id", IDENTIFIER),
            _c("customer_domain"),
            _c("opportunity_id", IDENTIFIER),
            _req("updated_at", TIMESTAMP),
        ),
    ),
    Entity(
        "crm",
        "campaigns",
        ("campaign_id",),
        (
            _req("campaign_id", IDENTIFIER),
            _req("campaign_name"),
            _c("partner_id", IDENTIFIER),
            _c("start_date", DATE),
            _c("end_date", DATE),
            _req("updated_at", TIMESTAMP),
        ),
    ),
    Entity(
        "affiliate",
        "referrals",
        ("referral_id",),
        (
            _req("referral_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER),
            _req("referred_at", TIMESTAMP),
            _c("customer_email"),
            _c("customer_domain"),
            _req("status", domain=("pending", "converted", "rejected")),
            _c("converted_at", TIMESTAMP),
            _c("revenue", MONEY, minimum=0),
            _c("commission", MONEY, minimum=0),
            _c("currency"),
            _req("updated_at", TIMESTAMP),
        ),
    ),
    Entity(
        "marketplace",
        "transactions",
        ("transaction_id",),
        (
            _req("transaction_id", IDENTIFIER),
            _req("marketplace"),
            _req("transaction_at", TIMESTAMP),
            _req("gross_amount", MONEY),  # negative = refund
            _req("currency"),
            _c("marketplace_fee", MONEY),
            _c("reseller_partner_id", IDENTIFIER),
            _c("opportunity_id", IDENTIFIER),
            _c("customer_account_id", IDENTIFIER),
            _c("customer_domain"),
            _c("offer_id", IDENTIFIER),
        ),
    ),
    Entity(
        "marketplace",
        "integration_installs",
        ("install_id",),
        (
            _req("install_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER),
            _req("installed_at", TIMESTAMP),
            _c("uninstalled_at", TIMESTAMP),
            _c("account_id", IDENTIFIER),
            _c("customer_domain"),
        ),
    ),
    Entity(
        "mdf",
        "fund_requests",
        ("request_id",),
        (
            _req("request_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER),
            _c("campaign_id", IDENTIFIER),
            _req("requested_at", TIMESTAMP),
            _c("requested_amount", MONEY, minimum=0),
            _c("approved_amount", MONEY, minimum=0),
            _c("spent_amount", MONEY, minimum=0),
            _req("currency"),
            _c("approved_at", TIMESTAMP),
            _c("claimed_at", TIMESTAMP),
            _c("proof_of_performance", BOOLEAN),
            _req("status"),
            _req("updated_at", TIMESTAMP),
        ),
    ),
    Entity(
        "surveys",
        "partner_nps",
        ("response_id",),
        (
            _req("response_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER),
            _req("responded_at", TIMESTAMP),
            _req("score", INTEGER, minimum=0, maximum=10),
        ),
    ),
    Entity(
        "reference",
        "fx_rates",
        ("rate_date", "currency"),
        (
            _req("rate_date", DATE),
            _req("currency"),
            _req("usd_per_unit", RATE, positive=True),
        ),
    ),
    # One partner across tools: a tool's id of a partner (a PartnerStack partner key, an AWS
    # seller or reseller account id) and the partner_id it stands for (stg_reference__partner_
    # crosswalk; applied by the partner_id_of macro wherever a partner id enters).
    Entity(
        "reference",
        "partner_crosswalk",
        ("tool", "tool_partner_id"),
        (
            # the tool whose id this is (a format's `tool`); empty or "*": every tool. Optional,
            # so a crosswalk of just tool_partner_id,partner_id maps ids from any tool
            _c("tool"),
            _req("tool_partner_id", IDENTIFIER),
            _req("partner_id", IDENTIFIER),
        ),
    ),
)

SOURCES: tuple[str, ...] = tuple(dict.fromkeys(e.source for e in ENTITIES))


def entity(source: str, name: str) -> Entity:
    for ent in ENTITIES:
        if ent.source == source and ent.name == name:
            return ent
    known = ", ".join(e.qualified_name for e in ENTITIES)
    raise KeyError(f"unknown entity {source}/{name}; the landing contract knows: {known}")


def entities_of(source: str) -> tuple[Entity, ...]:
    return tuple(e for e in ENTITIES if e.source == source)
