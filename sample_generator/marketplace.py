"""marketplace/transactions and marketplace/integration_installs."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_generator.clock import DAY, Clock, existing, optional, pick, round_cents, times_on
from sample_generator.crm import Accounts, Opportunities
from sample_generator.partners import Picker
from sample_generator.words import MARKETPLACE_SHARES, MARKETPLACES, WORDS_A, WORDS_B


def make_transactions(
    rng: np.random.Generator,
    clock: Clock,
    n_only: int,
    opps: Opportunities,
    accounts: Accounts,
    resellers: Picker,
    offer_base: int = 0,
) -> pl.DataFrame:
    """`offer_base` is added to the private offers' numbers (each shard has its own block)."""
    # Transactions of won opportunities sold through a marketplace: billed after the close.
    o = np.flatnonzero(opps.via_marketplace & opps.won)
    installments = np.where(rng.random(len(o)) < 0.65, 1, rng.integers(2, 5, len(o)))
    reseller = np.where(rng.random(len(o)) < 0.5, resellers(rng, opps.close_t[o]), -1)
    has_offer = opps.offer.gather(o).is_not_null().to_numpy()
    link = np.where(
        has_offer,
        pick(rng, ("offer", "both", "opportunity"), (60, 25, 15), len(o)),
        "opportunity",
    )
    row_opp = np.repeat(o, installments)
    nth = np.arange(len(row_opp)) - np.repeat(np.cumsum(installments) - installments, installments)
    row_link = np.repeat(link, installments)
    at = times_on(rng, opps.close_t[row_opp] // DAY + rng.integers(0, 10, len(row_opp)) + 30 * nth)
    by_account = rng.random(len(row_opp)) < 0.6
    acct = opps.account[row_opp]
    opp_currency = opps.currency[row_opp]
    linked = pl.DataFrame(
        {
            "transaction_at": at,
            "marketplace": opps.marketplace[row_opp],
            "gross": round_cents(opps.amount[row_opp] / np.repeat(installments, installments)),
            "currency": np.where(opp_currency == "EUR", "EUR", "USD"),
            "reseller": np.repeat(reseller, installments),
            "opportunity_id": optional(row_opp + 1, row_link != "offer"),
            "offer_id": optional(opps.offer.gather(row_opp), row_link != "opportunity"),
            "customer_account_id": optional(acct + 1, by_account),
            "customer_domain": optional(accounts.domain_raw.gather(acct), ~by_account),
        }
    )
    # Marketplace-only revenue: private offers the CRM never saw.
    m = n_only
    at = times_on(rng, rng.integers(clock.start_day, clock.end_day + 1, m))
    marketplace = pick(rng, MARKETPLACES, MARKETPLACE_SHARES, m)
    reseller = np.where(rng.random(m) < 0.3, resellers(rng, at), -1)
    acct = existing(rng, accounts.created_t, at)
    who = pick(rng, ("account_id", "domain", "unknown"), (40, 35, 25), m)
    who = np.where(acct < 0, "unknown", who)
    unknown = _unknown_domains(rng, m, "-cloud.com")
    offer_no = np.arange(len(o) + 1, len(o) + m + 1) + 500_000 + offer_base
    only = pl.DataFrame(
        {
            "transaction_at": at,
            "marketplace": marketplace,
            "gross": round_cents(
                np.round(np.clip(rng.lognormal(np.log(8_000), 1.0, m), 100, 200_000), 2) * 100
            ),
            "currency": pick(rng, ("USD", "EUR"), (92, 8), m),
            "reseller": reseller,
            "opportunity_id": pl.Series([None] * m, dtype=pl.Int64),
            "offer_id": optional(
                pl.select(
                    pl.Series(marketplace) + "-offer-" + pl.Series(offer_no).cast(pl.String)
                ).to_series(),
                rng.random(m) < 0.7,
            ),
            "customer_account_id": optional(acct + 1, who == "account_id"),
            "customer_domain": _customer_domains(who, acct, accounts, unknown),
        }
    )
    tx = pl.concat([linked, only], how="diagonal_relaxed")
    # Refunds: a later negative transaction repeating the original's links.
    refunded = np.flatnonzero(rng.random(tx.height) < 0.04)
    share = np.where(rng.random(len(refunded)) < 0.6, 1.0, rng.uniform(0.1, 0.9, len(refunded)))
    refunds = tx[refunded].with_columns(
        transaction_at=pl.Series(
            times_on(
                rng,
                tx["transaction_at"].to_numpy()[refunded] // DAY
                + rng.integers(3, 60, len(refunded)),
            )
        ),
        gross=pl.Series(-round_cents(tx["gross"].to_numpy()[refunded] * share)),
    )
    tx = pl.concat([tx, refunds], how="diagonal_relaxed")
    k = tx.height
    fee_rate = np.where(
        tx["marketplace"].to_numpy() == "appexchange",
        0.15,
        pick(rng, (0.03, 0.05, 0.20), (60, 25, 15), k),
    )
    fee = round_cents(tx["gross"].to_numpy() * fee_rate)
    tx = tx.with_columns(
        marketplace_fee=optional(fee, rng.random(k) < 0.9),
        reseller_partner_id=optional(tx["reseller"].to_numpy(), tx["reseller"].to_numpy() >= 0),
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
    who: np.ndarray, acct: np.ndarray, accounts: Accounts, unknown: pl.Series
) -> pl.Series:
    """The customer domain column: the account's own domain, an unknown one, or empty."""
    return pl.select(
        pl.when(pl.Series(who == "domain"))
        .then(accounts.domain_raw.gather(np.maximum(acct, 0)))
        .when(pl.Series(who == "unknown"))
        .then(unknown)
    ).to_series()


def make_installs(
    rng: np.random.Generator, clock: Clock, n: int, accounts: Accounts, picker: Picker
) -> pl.DataFrame:
    installed_t = np.sort(times_on(rng, rng.integers(clock.start_day - 90, clock.end_day + 1, n)))
    partner = picker(rng, installed_t)
    acct = existing(rng, accounts.created_t, installed_t)
    # Many installers are not (yet) CRM customers.
    who = pick(rng, ("account_id", "domain", "unknown"), (50, 25, 25), n)
    who = np.where(acct < 0, "unknown", who)
    unknown = _unknown_domains(rng, n, "-labs.io")
    uninstalled = rng.random(n) < 0.2
    uninstalled_t = times_on(rng, installed_t // DAY + rng.integers(10, 400, n))
    base = pl.DataFrame(
        {
            "install_id": np.arange(1, n + 1),
            "partner_id": partner,
            "installed_at": installed_t,
            "account_id": optional(acct + 1, who == "account_id"),
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
