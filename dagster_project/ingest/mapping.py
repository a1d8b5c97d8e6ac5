"""Which canonical entity a file holds, and which of its columns feeds each canonical column.

A file named after a canonical entity of its source, with that entity's required columns, is
used as it is. Any other file is tried against the known export formats (export_formats.py); the
first that recognises its header maps it: one text column per canonical column, built with
vectorised Polars expressions from the mapping's sources, constants and transforms, so the mapped
file then goes through the same typing, validation and quarantine as a canonical one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from polars.exceptions import PanicException

from dagster_project.ingest import export_formats
from dagster_project.ingest.entities import Entity
from dagster_project.ingest.export_formats import (
    ColumnRule,
    DistinctPairs,
    ExportFormat,
    SkipRule,
)
from dagster_project.ingest.joining import JoinFailed, join_parts, text
from dagster_project.ingest.landing import (
    LandingFile,
    RejectedFile,
    canonical_entity,
    engine_error,
    shortened,
    unknown_entity,
)
from dagster_project.ingest.locales import parse_date, parse_datetime, parse_number
from dagster_project.ingest.parsing import LINE_NUMBER, Table, cell, normalise_name
from dagster_project.ingest.salesforce_ids import to_18

# A multi-file export: its format and the tables of its other files, by their `files` name.
Export = tuple[ExportFormat, dict[str, Table]]

# Columns a mapped body gains beside the file's cells: the reason a row is skipped by a skip_rows
# rule, and the values a transform could not convert (both null when all is well).
SKIP_REASON = "_skip_reason"
MAP_ERROR = "_map_error"

_WHOLE = r"^[+-]?\d+$"
_MAX_NAMES = 30  # header names a reason lists at most
# What a column name looks like: a letter, then letters, digits, spaces, _ . ( ) # -
_NAME_LIKE = re.compile(r"^[^\W\d][\w .()#-]*$")
_ANY = "*"  # map key for every other non-empty value


class MappingFailed(ValueError):
    """A recognised file the mapping cannot use as a whole (e.g. a required source is absent)."""


@dataclass
class Mapped:
    """A file's table ready for validation."""

    entity: Entity
    table: Table  # for an export format: the body gains one text column per mapped column
    columns: dict[str, str]  # canonical column -> body column
    unknown: list[str]  # header names no canonical column comes from (as written)
    export_format: str | None  # the export format's name; None for a canonical file


def map_file(f: LandingFile, table: Table, export: Export | None = None) -> Mapped:
    """The file's entity and columns; RejectedFile when it is neither canonical nor recognised.

    `export` is the multi-file format the file is the main file of, with its other files'
    tables (the loader finds them in the same export folder)."""
    rel = f.relative_path
    if export is not None:
        fmt, others = export
        return _mapped(f, fmt, table, others)
    canonical = canonical_entity(f)
    not_canonical: RejectedFile | None = None
    if canonical is not None:
        try:
            columns, unknown = _match_header(rel, canonical, table.header)
            return Mapped(canonical, table, columns, unknown, None)
        except RejectedFile as rejected:
            not_canonical = rejected
    fmt = export_formats.recognise(table.header)
    if fmt is None:
        raise _unrecognised(f, canonical, table.header, not_canonical)
    return _mapped(f, fmt, table, {})


def _mapped(f: LandingFile, fmt: ExportFormat, table: Table, others: dict[str, Table]) -> Mapped:
    rel = f.relative_path
    ent = fmt.entity
    if ent.source != f.source:
        # Rejected rather than loaded into the other source's raw table: each source is loaded by
        # its own Dagster asset, which declares (and checks) only its own raw tables and loads its
        # files in export-date order; a file of another source's entity would bypass both.
        raise RejectedFile(
            rel,
            f"is a {fmt.name} export, which holds {ent.qualified_name}, not an entity of "
            f"'{f.source}'; move it to "
            f"{ent.source}/{f.date_folder}/{f.path.name}",
        )
    if fmt.ends_at_blank_line:
        table = _without_footer(table)
    try:
        body, columns = _map_body(fmt, table, others)
    except (MappingFailed, JoinFailed) as err:
        raise RejectedFile(
            rel, f"is recognised as a {fmt.name} export ({ent.qualified_name}) but {err}"
        ) from err
    except (Exception, PanicException) as err:  # odd data fails this file, not the run
        raise RejectedFile(
            rel, f"could not be mapped as a {fmt.name} export: {engine_error(err)}"
        ) from err
    used = fmt.used_columns
    unknown = [
        shortened(name) or f"(unnamed column {i + 1})"
        for i, name in enumerate(table.header)
        if normalise_name(name) not in used
    ]
    mapped = Table(table.header, body, table.raw_records, table.skip_blank_rows)
    return Mapped(ent, mapped, columns, unknown, fmt.name)


def _without_footer(table: Table) -> Table:
    """The table without its rows from the first blank line on: a report's footer (its title,
    copyright and generated-by lines) is no data, so neither loaded nor counted."""
    blank = _blank_rows(table.body)
    lines = table.body.filter(blank)[LINE_NUMBER].to_list() + list(table.blank_lines)
    if not lines:
        return table
    body = table.body.filter(pl.col(LINE_NUMBER) < min(lines))
    return Table(table.header, body, table.raw_records, table.skip_blank_rows)


def _blank_rows(body: pl.DataFrame) -> pl.Expr:
    cells = [c for c in body.columns if c.startswith("c") and c[1:].isdigit()]
    if not cells:
        return pl.lit(False)
    return pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).cast(pl.String).str.strip_chars() == "") for c in cells
    )


def _maps(fmt: ExportFormat, name: str | None, source) -> bool:
    """Whether the format maps canonical column `name` from a column the file has."""
    rules = [r for r in fmt.columns if r.target == name]
    return any(r.value is not None or any(source(s) is not None for s in r.sources) for r in rules)


def _unrecognised(
    f: LandingFile, canonical: Entity | None, header: list[str], rejected: RejectedFile | None
) -> RejectedFile:
    """Why a file that is neither canonical nor a known export format cannot be used.

    A header that names canonical columns of its entity is a canonical file with a mistake: the
    canonical reason alone says what to fix. Otherwise the reason also lists the export formats
    known for the file's source, none of which matched.
    """
    multi = export_formats.recognise(header, multi_file=True)
    if multi is not None:  # the loader holds it until its other files arrive (export_groups.py)
        wanted = ", ".join(p.name for p in multi.files)
        return RejectedFile(
            f.relative_path,
            f"is the main file of an export of format {multi.name} and needs its other "
            f"file(s) in the same folder: {wanted}",
        )
    names = {normalise_name(h) for h in header}
    if rejected is not None and canonical is not None:
        if names & {c.name for c in canonical.all_columns}:
            return rejected
        reason = rejected.reason
    else:
        reason = unknown_entity(f)
    known = [x.name for x in export_formats.known_formats() if x.entity.source == f.source]
    listed = ", ".join(sorted(known)) or "none"
    return RejectedFile(
        f.relative_path,
        f"{reason}; and no known export format for '{f.source}' matched its header "
        f"(known formats: {listed}){_near_miss(names)}",
    )


def _near_miss(names: set[str]) -> str:
    """The format whose recognition columns are all in the header but one (a column dropped
    from the export's query or report), named with what it lacks; else nothing."""
    for fmt in export_formats.known_formats():  # most specific first
        lacking = [r for r in fmt.recognise if normalise_name(r) not in names]
        if len(lacking) == 1 and len(fmt.recognise) >= 3:
            return (
                f"; closest: {fmt.name} ({fmt.entity.qualified_name}), which also needs "
                f"column {lacking[0]}: add it to the export"
            )
    return ""


def _match_header(rel: str, ent: Entity, header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Canonical column name -> body cell name, and the unknown header names (as written)."""
    known = {c.name for c in ent.all_columns}
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, name in enumerate(header):
        norm = normalise_name(name)
        if norm in known:
            if norm in columns:
                raise RejectedFile(
                    rel,
                    f"column '{norm}' appears twice in the header "
                    f"(columns {positions[norm] + 1} and {i + 1}); keep one",
                )
            columns[norm] = cell(i)
            positions[norm] = i
        else:
            unknown.append(shortened(name) or f"(unnamed column {i + 1})")
    missing = [
        c.name
        for c in ent.columns
        if c.required and c.name not in columns and c.unless not in columns
    ]
    if "is_deleted" in columns:
        # a file of deletions needs only the key: its other rows are quarantined (validation)
        missing = [name for name in missing if name in ent.key]
    if missing:
        raise RejectedFile(
            rel,
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)} "
            f"({_header_words(header)})",
        )
    return columns, unknown


def _header_words(header: list[str]) -> str:
    """What a reason says of a header that lacks required columns: its names, shortened, but only
    those that look like column names. A first line that is no header (a file linked or copied
    by mistake) may hold anything, so its text is counted, never quoted."""
    names = [shortened(name) for name in header if _NAME_LIKE.match(name.strip())]
    shown = names[:_MAX_NAMES]
    if len(names) > _MAX_NAMES:
        shown.append(f"{len(names) - _MAX_NAMES} more")
    hidden = len(header) - len(names)
    words = "the header has: " + ", ".join(shown) if shown else "the header has no column names"
    if hidden:
        words += f"; {hidden} value{'s' if hidden > 1 else ''} not shown"
    return words


def _map_body(
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
