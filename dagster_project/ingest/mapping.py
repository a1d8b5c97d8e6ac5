"""Which canonical entity a file holds, and which of its columns feeds each canonical column.

A file named after a canonical entity of its source, with that entity's required columns, is
used as it is. Any other file is tried against the known export formats (export_formats.py); the
first that recognises its header maps it: one text column per canonical column, built with
vectorised Polars expressions from the mapping's sources, constants and transforms, so the mapped
file then goes through the same typing, validation and quarantine as a canonical one
(the expressions themselves: mapping_rules.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from polars.exceptions import PanicException

from dagster_project.ingest import export_formats
from dagster_project.ingest.entities import Entity
from dagster_project.ingest.export_formats import ExportFormat
from dagster_project.ingest.joining import JoinFailed
from dagster_project.ingest.landing import (
    LandingFile,
    RejectedFile,
    canonical_entity,
    engine_error,
    shortened,
    unknown_entity,
)
from dagster_project.ingest.mapping_rules import MappingFailed, map_body
from dagster_project.ingest.parsing import LINE_NUMBER, Table, cell, normalise_name

# A multi-file export: its format and the tables of its other files, by their `files` name.
Export = tuple[ExportFormat, dict[str, Table]]

_MAX_NAMES = 30  # header names a reason lists at most
# What a column name looks like: a letter, then letters, digits, spaces, _ . ( ) # -
_NAME_LIKE = re.compile(r"^[^\W\d][\w .()#-]*$")


@dataclass
class Mapped:
    """A file's table ready for validation."""

    entity: Entity
    table: Table  # for an export format: the body gains one text column per mapped column
    columns: dict[str, str]  # canonical column -> body column
    unknown: list[str]  # header names no canonical column comes from (as written)
    export_format: str | None  # the export format's name; None for a canonical file
    tool: str | None = None  # the tool its format declares (the partner crosswalk's `tool`)


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
        body, columns = map_body(fmt, table, others)
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
    return Mapped(ent, mapped, columns, unknown, fmt.name, fmt.tool)


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
