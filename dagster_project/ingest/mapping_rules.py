"""How a format's declared columns, row filters and transforms become Polars expressions.

One text column per canonical column, built from the mapping's sources (after its joins),
constants and transforms (value maps, epochs, minor units, local dates and numbers, Salesforce
ids, ...), plus the reason a row is set aside (`skip_rows`, `distinct_pairs`) and the values a
transform could not convert. Vectorised throughout: no per-row Python. mapping.py decides which
format a file is and calls map_body.
"""

from __future__ import annotations

import polars as pl

from dagster_project.ingest.export_formats import (
    ColumnRule,
    DistinctPairs,
    ExportFormat,
    SkipRule,
)
from dagster_project.ingest.joining import join_parts, text
from dagster_project.ingest.locales import parse_date, parse_datetime, parse_number
from dagster_project.ingest.parsing import Table, normalise_name
from dagster_project.ingest.salesforce_ids import to_18

# Columns a mapped body gains beside the file's cells: the reason a row is skipped by a skip_rows
# rule, and the values a transform could not convert (both null when all is well).
SKIP_REASON = "_skip_reason"
MAP_ERROR = "_map_error"

_WHOLE = r"^[+-]?\d+$"
_ANY = "*"  # map key for every other non-empty value


class MappingFailed(ValueError):
    """A recognised file the mapping cannot use as a whole (e.g. a required source is absent)."""


def _maps(fmt: ExportFormat, name: str | None, source) -> bool:
    """Whether the format maps canonical column `name` from a column the file has."""
    rules = [r for r in fmt.columns if r.target == name]
    return any(r.value is not None or any(source(s) is not None for s in r.sources) for r in rules)


def map_body(
    fmt: ExportFormat, table: Table, others: dict[str, Table]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The body plus one text column per mapped canonical column, SKIP_REASON and MAP_ERROR.

    Returns the new body and the canonical column -> body column map to validate. Raises
    MappingFailed when a required canonical column has none of its source columns in the file
    (or in the files joined to it).
    """
    header = table.header
    body, lookup, errors = join_parts(fmt, table, others)

    def source(name: str) -> pl.Expr | None:
        column = lookup.get(normalise_name(name))
        if column is None:
            return None
        twice = [j + 1 for j, h in enumerate(header) if normalise_name(h) == normalise_name(name)]
        if len(twice) > 1:
            raise MappingFailed(
                f"column '{name}' appears twice in the header (columns "
                f"{', '.join(map(str, twice))}); keep one"
            )
        return text(column)

    values: list[pl.Expr] = []
    columns: dict[str, str] = {}
    for rule in fmt.columns:
        if rule.value is not None:
            value, error = pl.lit(rule.value, dtype=pl.String), None
        else:
            present = [e for e in (source(s) for s in rule.sources) if e is not None]
            if not present and rule.default is None:
                target = fmt.entity.column(rule.target)
                if target.required and not _maps(fmt, target.unless, source):
                    raise MappingFailed(
                        f"the file has no column {' or '.join(rule.sources)}, "
                        f"which {rule.target} comes from"
                    )
                continue  # an optional column the export does not carry
            if not present:
                text_ = pl.lit(None, dtype=pl.String)
            elif rule.concat is not None:  # null when a part is empty: no half-made id
                text_ = pl.concat_str(present, separator=rule.concat)
            else:
                text_ = pl.coalesce(present)
            value, error = _transform(rule, text_)
            if rule.empty_if_same_as is not None:
                other = source(rule.empty_if_same_as)
                if other is not None:
                    value = (
                        pl.when(value != other)
                        .then(value)
                        .otherwise(pl.when(other.is_null()).then(value))
                    )
        name = f"_m_{rule.target}"
        values.append(value.alias(name))
        if error is not None:
            errors.append(error)
        columns[rule.target] = name

    skips = [_skip(rule, source(rule.column)) for rule in fmt.skip_rows]
    if fmt.distinct_pairs is not None:
        pairs = fmt.distinct_pairs
        skips.append(_reverse_pair(pairs, [source(c) for c in pairs.pair + pairs.within]))
    skips = [s for s in skips if s is not None]
    skip = pl.coalesce(skips) if skips else pl.lit(None, dtype=pl.String)
    error = pl.concat_str(errors, separator="; ", ignore_nulls=True) if errors else pl.lit("")
    mapped = body.with_columns(
        *values,
        skip.alias(SKIP_REASON),
        pl.when(error != "").then(error).alias(MAP_ERROR),
    )
    return mapped, columns


def _skip(rule: SkipRule, text: pl.Expr | None) -> pl.Expr | None:
    if text is None:
        return None  # the export does not carry the column: no row is skipped by it
    hit = text.str.to_lowercase().is_in(list(rule.values)) if rule.values else pl.lit(False)
    if rule.empty:
        hit = hit | text.is_null()
    if rule.not_empty:
        hit = hit | text.is_not_null()
    return pl.when(hit.fill_null(False)).then(pl.lit(rule.reason))


def _reverse_pair(pairs: DistinctPairs, sources: list[pl.Expr | None]) -> pl.Expr | None:
    """The reason for a row whose pair (in either order) and `within` values an earlier row of
    the file already has; rows missing a value of the pair are never duplicates."""
    if any(s is None for s in sources):
        return None  # the export does not carry the columns: nothing to de-duplicate
    a, b, *within = sources
    low = pl.when(a <= b).then(a).otherwise(b)
    high = pl.when(a <= b).then(b).otherwise(a)
    keys = [low.alias("_pair_low"), high.alias("_pair_high")] + [
        w.fill_null("").alias(f"_pair_within{i}") for i, w in enumerate(within)
    ]
    later = pl.int_range(pl.len()).over(keys) > 0  # rows in file order: the first is kept
    return pl.when(a.is_not_null() & b.is_not_null() & later).then(pl.lit(pairs.reason))


def _transform(rule: ColumnRule, text: pl.Expr) -> tuple[pl.Expr, pl.Expr | None]:
    """(canonical text, error text or null) for one rule. A value a transform cannot convert
    keeps its original text and gets an error, so the row is quarantined with a clear reason."""
    if rule.first_of is not None:
        first = text.str.split(rule.first_of).list.first().str.strip_chars()
        text = pl.when(first != "").then(first)
    if rule.value_map:
        table = dict(rule.value_map)
        other = table.pop(_ANY, None)
        fallback = text if other is None else pl.lit(other, dtype=pl.String)
        mapped = text.str.to_lowercase().replace_strict(
            table, default=fallback, return_dtype=pl.String
        )
        text = pl.when(text.is_not_null()).then(mapped)

    converted, problem = None, None
    if rule.epoch is not None:
        whole = text.str.contains(_WHOLE)
        stamp = pl.from_epoch(text.cast(pl.Int64, strict=False), time_unit=rule.epoch)
        converted = pl.when(whole).then(stamp.dt.to_string("%Y-%m-%dT%H:%M:%S%.3f"))
        word = "milliseconds" if rule.epoch == "ms" else "seconds"
        problem = f"is not a whole number of {word} since 1970-01-01 (epoch)"
    elif rule.minor_units is not None:
        n = rule.minor_units
        signed = text.str.contains(r"^[+-]")
        padded = pl.when(signed).then(text.str.zfill(n + 2)).otherwise(text.str.zfill(n + 1))
        decimal = padded.str.replace(rf"(\d{{{n}}})$", ".${1}")
        converted = pl.when(text.str.contains(_WHOLE)).then(decimal)
        problem = f"is not a whole number of minor units (1/{10**n} of the currency unit)"
    elif rule.formats:
        local = pl.coalesce(text.str.to_datetime(f, strict=False) for f in rule.formats)
        utc = local.dt.replace_time_zone(
            rule.time_zone, ambiguous="earliest", non_existent="null"
        ).dt.convert_time_zone("UTC")
        converted = utc.dt.to_string("%Y-%m-%dT%H:%M:%S%.6f")
        shapes = " or ".join(f"'{f}'" for f in rule.formats)
        problem = f"is not a date-time {shapes} in {rule.time_zone} (or not a valid local time)"
    elif rule.salesforce_id:
        converted, wrong = to_18(text)
        converted = pl.when(~wrong).then(converted)
        problem = "is not a Salesforce id (15 or 18 letters and digits)"
    elif rule.parse == "number":
        converted = parse_number(text, rule.locale)
        problem = f"is not a number as written in {rule.locale_name}"
    elif rule.parse == "date":
        converted = parse_date(text, rule.locale)
        problem = f"is not a date {rule.locale.date_shape()} ({rule.locale_name})"
    elif rule.parse == "datetime":
        local = parse_datetime(text, rule.locale)
        utc = local.dt.replace_time_zone(
            rule.time_zone, ambiguous="earliest", non_existent="null"
        ).dt.convert_time_zone("UTC")
        converted = utc.dt.to_string("%Y-%m-%dT%H:%M:%S%.6f")
        shape = rule.locale.date_shape()
        problem = f"is not a date {shape} (with an optional time) in {rule.time_zone}"

    error = None
    if converted is not None:
        failed = text.is_not_null() & converted.is_null()
        error = pl.when(failed).then(
            pl.concat_str(pl.lit(f"{rule.target}: '"), text, pl.lit(f"' {problem}"))
        )
        text = pl.coalesce(converted, text)
    if rule.negate:
        plain = text.str.strip_prefix("+")
        text = (
            pl.when(plain.str.starts_with("-"))
            .then(plain.str.slice(1))
            .otherwise(pl.concat_str(pl.lit("-"), plain))
        )
    if rule.default is not None:
        text = text.fill_null(pl.lit(rule.default, dtype=pl.String))
    return text, error
