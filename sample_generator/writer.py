"""Versions of records become dated CSV exports with the canonical columns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from dagster_project.ingest.entities import (
    BOOLEAN,
    DATE,
    INTEGER,
    MONEY,
    NUMBER,
    RATE,
    TIMESTAMP,
    Entity,
)
from sample_generator.clock import DAY, EPOCH, Clock, null, times_on

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
# Columns numbered with another column's records (for the id offsets of a later shard).
ID_FAMILY = {"customer_account_id": "account_id"}


def _iso_day(day: int) -> str:
    return date.fromordinal(EPOCH.toordinal() + int(day)).isoformat()


class Writer:
    """Turns the versions of one entity into per-export CSV files with the canonical columns.

    A later shard of a program (`program.generate`) appends its rows to the files the first shard
    wrote (`append`), its record numbers shifted past the earlier shards' (`offsets`: id column
    family, see ID_FAMILY -> the number added)."""

    def __init__(
        self,
        out_dir: Path,
        clock: Clock,
        partner_ids: pl.Series | None = None,
        *,
        offsets: dict[str, int] | None = None,
        append: bool = False,
    ):
        self.out_dir = out_dir
        self.clock = clock
        self.partner_ids = partner_ids
        self.offsets = offsets or {}
        self.append = append

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
            total += rows.height
            if self.append:
                if rows.height:
                    with open(folder / f"{entity.name}.csv", "ab") as handle:
                        self._format(entity, rows).write_csv(handle, include_header=False)
                continue
            folder.mkdir(parents=True, exist_ok=True)
            self._format(entity, rows).write_csv(folder / f"{entity.name}.csv")
        return total

    def _format(self, entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
        columns = []
        for col in entity.all_columns:
            name = col.name
            if name not in frame.columns:
                columns.append(null(pl.String).alias(name))
                continue
            dtype = frame.schema[name]
            expr = pl.col(name)
            if name in PARTNER_ID_COLUMNS and dtype.is_integer():
                frame = frame.with_columns(self.partner_ids.gather(frame[name]).alias(name))
            elif name in ID_FORMATS and dtype.is_integer():
                prefix, width = ID_FORMATS[name]
                offset = self.offsets.get(ID_FAMILY.get(name, name), 0)
                if offset:
                    expr = expr + offset
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


def delete_some(
    rng: np.random.Generator, clock: Clock, versions: pl.DataFrame, key: str, count: int
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
    deleted_t = times_on(rng, rng.integers(lo[chosen], clock.end_day + 1))
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
