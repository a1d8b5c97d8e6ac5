"""Type a file's cells by the landing contract and split its rows into good rows and quarantine.

The rules are LANDING.md's "Bad input": a row that cannot be used goes to the quarantine with its
line number and every reason. Values are typed with vectorised Polars expressions (the parsers of
kinds.py), and cheap boolean checks run over every row; the reason texts are built only for the
rows that fail, which keeps a clean file of millions of rows fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from dagster_project.ingest.entities import (
    BOOLEAN,
    DATE,
    IDENTIFIER,
    INTEGER,
    MONEY,
    NUMBER,
    RATE,
    STRING,
    TIMESTAMP,
    Column,
    Entity,
)
from dagster_project.ingest.kinds import FIRST_YEAR, LAST_YEAR, visible
from dagster_project.ingest.mapping_rules import MAP_ERROR, SKIP_REASON
from dagster_project.ingest.parsing import LINE_NUMBER, PARSE_ERROR, Table

QUARANTINE_SCHEMA = {"line_number": pl.Int64, "reason": pl.String, "raw_record": pl.String}
SET_ASIDE_SCHEMA = {"line_number": pl.Int64, "reason": pl.String}

# Reasons settled before typing: a CSV record with too many fields, a row a format's skip_rows
# rule skips (e.g. a test record), a value a format's transform cannot convert.
_EARLY_REASONS = (PARSE_ERROR, SKIP_REASON, MAP_ERROR)

# A value quoted in a reason is cut to this many characters (the raw record keeps it whole).
_MAX_QUOTED_CHARS = 100
_ASCII_SPACE = " \t\r\n\x0b\x0c"


@dataclass
class Validated:
    rows_read: int  # blank lines aside
    frame: pl.DataFrame  # the typed good rows, plus _line_number
    quarantine: pl.DataFrame  # line_number, reason, raw_record
    ids_cleaned: int  # id values of the good rows that lost invisible characters
    # rows a format's skip_rows rule leaves out on purpose (line_number, reason): not bad input
    set_aside: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SET_ASIDE_SCHEMA))


def type_and_validate(ent: Entity, table: Table, columns: dict[str, str]) -> Validated:
    """Rows read (blank lines aside), the typed good rows, the quarantine, and how many id values
    lost invisible characters.

    Cheap boolean checks run over every row; the reason texts are built only for the rows that
    fail, which keeps a clean file of millions of rows fast.
    """
    body = table.body
    if table.skip_blank_rows:
        body = body.filter(~_blank_row(body))
    staged = _stage_values(ent, body, columns)
    checks = _checks(ent, columns)
    flags = [flag for flag, _ in checks]
    early = [c for c in _EARLY_REASONS if c in staged.columns]
    flags += [pl.col(c).is_not_null() for c in early]
    # A skipped row neither wins nor loses a duplicate-key contest: it is not a record.
    candidates = staged
    if SKIP_REASON in staged.columns:
        candidates = staged.filter(pl.col(SKIP_REASON).is_null())
    superseded = _superseded(ent, candidates, columns)
    failed = pl.any_horizontal(flags) if flags else pl.lit(False)
    failed = failed | pl.col(LINE_NUMBER).is_in(superseded[LINE_NUMBER].implode())
    staged = staged.with_columns(failed.alias("_failed"))

    values = [
        pl.col(_value_name(c)).alias(c.name)
        if c.name in columns
        else pl.lit(None, dtype=c.kind.polars_type).alias(c.name)
        for c in ent.all_columns
    ]
    good = staged.filter(~pl.col("_failed"))
    good_rows = good.select(*values, pl.col(LINE_NUMBER))
    ids_cleaned = _ids_cleaned(ent, good, columns)

    bad = staged.filter(pl.col("_failed")).sort(LINE_NUMBER)
    set_aside = pl.DataFrame(schema=SET_ASIDE_SCHEMA)
    if SKIP_REASON in bad.columns:  # a skipped row is no record, and no bad input: set aside
        skipped = pl.col(SKIP_REASON).is_not_null()
        set_aside = bad.filter(skipped).select(
            pl.col(LINE_NUMBER).cast(pl.Int64).alias("line_number"),
            pl.col(SKIP_REASON).alias("reason"),
        )
        bad = bad.filter(~skipped)
    if bad.height == 0:
        return Validated(
            body.height,
            good_rows,
            pl.DataFrame(schema=QUARANTINE_SCHEMA),
            ids_cleaned,
            set_aside,
        )
    bad = bad.join(superseded, on=LINE_NUMBER, how="left")
    messages = [pl.col(c) for c in early if c != SKIP_REASON]
    messages += [pl.when(flag).then(message) for flag, message in checks]
    messages.append(pl.col("_superseded"))
    reason = pl.concat_str(messages, separator="; ", ignore_nulls=True)
    reasons = bad.select(reason).to_series()
    # Per-row Python only here: the quarantined rows need their original text.
    raw = table.raw_records(bad)
    quarantine = pl.DataFrame(
        {"line_number": bad[LINE_NUMBER], "reason": reasons, "raw_record": raw},
        schema=QUARANTINE_SCHEMA,
    )
    return Validated(body.height, good_rows, quarantine, ids_cleaned, set_aside)


def _ids_cleaned(ent: Entity, good: pl.DataFrame, columns: dict[str, str]) -> int:
    """Id text values that differ from their cell once ASCII spaces are stripped: they lost an
    invisible character or a non-ASCII space (NBSP) at an end."""
    changed = [
        (pl.col(columns[c.name]).str.strip_chars(_ASCII_SPACE) != pl.col(_text_name(c)))
        .fill_null(False)
        .cast(pl.Int64)
        .sum()
        for c in ent.all_columns
        if c.kind == IDENTIFIER and c.name in columns and good.schema[columns[c.name]] == pl.String
    ]
    if not changed or good.height == 0:
        return 0
    return int(good.select(pl.sum_horizontal(changed)).item())


def _blank_row(body: pl.DataFrame) -> pl.Expr:
    """A line with no value at all (blank, or only separators and spaces) is not a record."""
    cells = [c for c in body.columns if c.startswith("c") and c[1:].isdigit()]
    if not cells:
        return pl.lit(False)
    return pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells
    )


def _text_name(col: Column) -> str:
    return f"_t_{col.name}"


def _value_name(col: Column) -> str:
    return f"_v_{col.name}"


def _stage_values(ent: Entity, body: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Adds, for each canonical column present, its text (_t_) and its typed value (_v_).

    Two materialised stages, run lazily so Polars computes shared parts of a parse once.
    """
    present = [c for c in ent.all_columns if c.name in columns]
    dtype = {c.name: body.schema[columns[c.name]] for c in present}
    staged = body.lazy().with_columns(
        _text(c, pl.col(columns[c.name]), dtype[c.name]).alias(_text_name(c)) for c in present
    )
    staged = staged.collect().lazy()
    staged = staged.with_columns(
        _value(c, pl.col(columns[c.name]), dtype[c.name], pl.col(_text_name(c))).alias(
            _value_name(c)
        )
        for c in present
    )
    return staged.collect()


def _superseded(ent: Entity, staged: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Rows whose key repeats in this file, except the one kept: the latest updated_at, ties
    going to the last line. Columns: _line_number, _superseded (the reason text)."""
    empty = pl.DataFrame(schema={LINE_NUMBER: pl.Int64, "_superseded": pl.String})
    if any(k not in columns for k in ent.key):
        return empty
    key = [pl.col(_value_name(ent.column(k))).alias(k) for k in ent.key]
    updated = (
        pl.col(_value_name(ent.column("updated_at")))
        if "updated_at" in columns
        else pl.lit(None, dtype=pl.Datetime("us"))
    )
    rows = staged.select(*key, updated.alias("_updated"), pl.col(LINE_NUMBER)).drop_nulls(
        list(ent.key)
    )
    rows = rows.filter(pl.struct(ent.key).is_duplicated())
    if rows.height == 0:
        return empty
    order = [pl.col("_updated").fill_null(dt.datetime.min), pl.col(LINE_NUMBER)]
    winner = pl.col(LINE_NUMBER).sort_by(order).last().over(ent.key)
    key_text = pl.concat_str(
        [pl.lit(f"{k}=") + pl.col(k).cast(pl.String) for k in ent.key], separator=", "
    )
    reason = pl.concat_str(
        pl.lit("duplicate key ("),
        key_text,
        pl.lit(") in this file; superseded by line "),
        winner.cast(pl.String),
    )
    rows = rows.with_columns(winner.alias("_winner"), reason.alias("_superseded"))
    return rows.filter(pl.col(LINE_NUMBER) != pl.col("_winner")).select(LINE_NUMBER, "_superseded")


def _quoted(name: str, text: pl.Expr, message: str) -> pl.Expr:
    cut = text.str.slice(0, _MAX_QUOTED_CHARS)
    shown = pl.when(text.str.len_chars() > _MAX_QUOTED_CHARS).then(cut + "…").otherwise(text)
    return pl.concat_str(pl.lit(f"{name}: '"), shown, pl.lit(f"' {message}"))


def _text(col: Column, cell: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The value as the user wrote it (stripped; empty -> null), for parsing and for messages.
    Ids also lose invisible characters: an id of nothing visible is a missing id."""
    if dtype == pl.String:
        text = visible(cell) if col.kind == IDENTIFIER else cell.str.strip_chars()
        return pl.when(text == "").then(None).otherwise(text)
    return cell.cast(pl.String)


def _value(col: Column, cell: pl.Expr, dtype: pl.DataType, text: pl.Expr) -> pl.Expr:
    value = col.kind.parse(text) if dtype == pl.String else _convert_native(col, cell, dtype)
    if col.kind == STRING and col.domain:
        value = value.str.to_lowercase()
    return value.cast(col.kind.polars_type)


def _checks(ent: Entity, columns: dict[str, str]) -> list[tuple[pl.Expr, pl.Expr]]:
    """Every row rule as (failed flag, reason text), over the staged _t_/_v_ columns."""
    checks = []
    # A deletion (is_deleted true) needs only its key: the record it removes is gone anyway.
    deleted = pl.col(_value_name(ent.column("is_deleted"))) if "is_deleted" in columns else None
    kept = pl.lit(True) if deleted is None else ~deleted.fill_null(False)
    for col in ent.all_columns:
        needed, alone = kept, ""
        if col.unless is not None and col.unless in columns:
            # e.g. partner_id or partner_name: a value in either will do
            needed = kept & pl.col(_text_name(ent.column(col.unless))).is_null()
            alone = f" (or {col.unless})"
        if col.name not in columns:
            if col.required:  # only a file of deletions may leave it out (mapping)
                message = (
                    f"{col.name}{alone}: required column missing (only deletions may leave it out)"
                )
                checks.append((needed, pl.lit(message)))
            continue
        text, value = pl.col(_text_name(col)), pl.col(_value_name(col))
        missing = text.is_null()
        if col.required:
            needed = needed if col.name not in ent.key else pl.lit(True)
            message = f"{col.name}{alone}: required value missing"
            checks.append((missing & needed, pl.lit(message)))
        invalid = f"is not {col.kind.expected}"
        checks.append((~missing & value.is_null(), _quoted(col.name, text, invalid)))
        if col.kind in (TIMESTAMP, DATE):
            outside = ~value.dt.year().is_between(FIRST_YEAR, LAST_YEAR)
            message = f"is out of range (dates from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31)"
            checks.append((outside, _quoted(col.name, text, message)))
        if col.domain:
            allowed = ", ".join(col.domain)
            outside = value.is_not_null() & ~value.is_in(list(col.domain))
            checks.append((outside, _quoted(col.name, text, f"is not one of {allowed}")))
        model = col.kind.model_decimal
        if model is not None:
            checks.append((~model.fits(value), _quoted(col.name, text, model.too_big)))
        if col.kind in (MONEY, RATE, NUMBER, INTEGER):
            number = value.cast(pl.Float64)
            if col.minimum is not None:
                message = f"is below the minimum {col.minimum:g}"
                checks.append((number < col.minimum, _quoted(col.name, text, message)))
            if col.maximum is not None:
                message = f"is above the maximum {col.maximum:g}"
                checks.append((number > col.maximum, _quoted(col.name, text, message)))
            if col.positive:
                message = "is not positive (must be > 0)"
                checks.append((number <= 0, _quoted(col.name, text, message)))
    # A null flag (comparison with a null value) means the rule did not fail.
    return [(flag.fill_null(False), message) for flag, message in checks]


def _convert_native(col: Column, cell: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Typed Parquet columns: use the native value where it fits the kind, else parse its text."""
    kind = col.kind
    if kind in (TIMESTAMP, DATE) and isinstance(dtype, pl.Datetime):
        stamp = cell
        if dtype.time_zone is not None:
            stamp = stamp.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        stamp = stamp.dt.cast_time_unit("us")
        return stamp if kind == TIMESTAMP else stamp.dt.date()
    if kind in (TIMESTAMP, DATE) and dtype == pl.Date:
        return cell.cast(pl.Datetime("us")) if kind == TIMESTAMP else cell
    if kind == BOOLEAN and dtype == pl.Boolean:
        return cell
    if dtype.is_float():
        finite = pl.when(cell.is_finite()).then(cell)
        if kind == NUMBER:
            return finite
        if kind.model_decimal is not None:
            rounded = finite.round(kind.scale, mode="half_away_from_zero")
            return rounded.cast(kind.polars_type, strict=False)
        if kind == INTEGER:
            return pl.when(finite == finite.floor()).then(finite.cast(pl.Int64, strict=False))
    if (kind == NUMBER and dtype.is_numeric()) or (kind == INTEGER and dtype.is_integer()):
        return cell.cast(kind.polars_type, strict=False)
    # Everything else (ints and decimals for money, numbers for text, ...) goes through its text.
    text = cell.cast(pl.String).str.strip_chars()
    return kind.parse(pl.when(text == "").then(None).otherwise(text))
