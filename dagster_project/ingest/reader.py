"""Find the export files under the landing folder and read one into a typed, validated frame.

The rules are LANDING.md's "Bad input" section: a file that cannot be used raises `RejectedFile`;
a row that cannot be used goes to the quarantine frame with its line number and every reason.
Every value is read as text first and typed here with vectorised Polars expressions, so one bad
value never makes the whole file fail and millions of rows stay fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl
from polars.exceptions import PanicException

from dagster_project.ingest import formats
from dagster_project.ingest.entities import (
    BOOLEAN,
    DATE,
    INTEGER,
    MONEY,
    NUMBER,
    RATE,
    STRING,
    TIMESTAMP,
    Column,
    Entity,
    entities_of,
)

EXTENSIONS = (".csv", ".parquet")
BOM = b"\xef\xbb\xbf"
LINE_NUMBER = "_line_number"

_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# ISO-8601: a date, optionally a time ('T' or space) with optional seconds and fraction, and an
# optional 'Z' or +hh:mm / +hhmm / +hh offset.
_TIMESTAMP = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?(?:[Zz]|[+-]\d{2}(?::?\d{2})?))?)?$"
)
_DECIMAL = r"^[+-]?(?:\d+\.?\d*|\.\d+)$"
_WHOLE = r"^[+-]?\d+(?:\.0*)?$"

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}

# Digits allowed before the decimal point for each decimal kind: DECIMAL(20,4) and DECIMAL(24,10).
_DECIMAL_SCALE = {MONEY: 4, RATE: 10}
_DECIMAL_PRECISION = {MONEY: 20, RATE: 24}

POLARS_TYPES: dict[str, pl.DataType] = {
    STRING: pl.String(),
    TIMESTAMP: pl.Datetime("us"),
    DATE: pl.Date(),
    MONEY: pl.Decimal(20, 4),
    RATE: pl.Decimal(24, 10),
    NUMBER: pl.Float64(),
    INTEGER: pl.Int64(),
    BOOLEAN: pl.Boolean(),
}

_TYPE_WORDS = {
    TIMESTAMP: "an ISO-8601 timestamp",
    DATE: "an ISO-8601 date",
    MONEY: "a decimal number",
    RATE: "a decimal number",
    NUMBER: "a number",
    INTEGER: "a whole number",
    BOOLEAN: "a boolean (true/false, yes/no, 1/0)",
}


class RejectedFile(Exception):
    """A whole file that cannot be used; `reason` says why in words a user can act on."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class LandingFile:
    source: str  # first folder under the landing dir ("" for a file lying at its top)
    entity: str  # file name without extension, lower case
    export_date: dt.date | None  # None when the folder is missing or not a YYYY-MM-DD date
    path: Path
    relative_path: str  # POSIX path relative to the landing dir: what logs and audit show
    date_folder: str | None = None  # the <export date> folder name as found; None if misplaced

    @property
    def extension(self) -> str:
        return self.path.suffix.lower()


@dataclass
class ReadResult:
    file: LandingFile
    entity: Entity
    frame: pl.DataFrame  # canonical columns, typed, plus _line_number
    quarantine: pl.DataFrame  # line_number, reason, raw_record
    rows_read: int
    unknown_columns: list[str] = field(default_factory=list)
    export_format: str | None = None  # the known export format that mapped it; None if canonical

    @property
    def rows_loaded(self) -> int:
        return self.frame.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height


QUARANTINE_SCHEMA = {"line_number": pl.Int64, "reason": pl.String, "raw_record": pl.String}


# --------------------------------------------------------------------------------------------
# Discovery


def discover(landing_dir: Path) -> list[LandingFile]:
    """Every file under the landing dir, in load order: export date, source, entity, path.

    Files that are not at <source>/<date>/<file> are listed too (with export_date None), so they
    can be rejected and recorded rather than silently ignored. Hidden files (.DS_Store, partial
    uploads named .something) are skipped.
    """
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        return []
    found = []
    for path in landing_dir.rglob("*"):
        rel = path.relative_to(landing_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        parts = rel.parts
        date_folder = parts[1] if len(parts) == 3 else None
        found.append(
            LandingFile(
                source=parts[0] if len(parts) > 1 else "",
                entity=path.stem.lower(),
                export_date=_folder_date(date_folder),
                path=path,
                relative_path=rel.as_posix(),
                date_folder=date_folder,
            )
        )
    return sorted(
        found,
        key=lambda f: (
            f.export_date is None,
            f.export_date or dt.date.min,
            f.source,
            f.entity,
            f.relative_path,
        ),
    )


def _folder_date(name: str | None) -> dt.date | None:
    if name is None or not _DATE_FOLDER.match(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def check_layout(landing_file: LandingFile) -> Entity:
    """The entity a file declares by its place and name, or RejectedFile saying what is wrong."""
    _check_place(landing_file)
    ent = _canonical_entity(landing_file)
    if ent is None:
        raise RejectedFile(landing_file.relative_path, _unknown_entity(landing_file))
    return ent


def _check_place(landing_file: LandingFile) -> None:
    """RejectedFile unless the file lies in <source>/<export date>/ and is CSV or Parquet."""
    f = landing_file
    if f.date_folder is None:
        raise RejectedFile(
            f.relative_path,
            "is not in a <source>/<export date YYYY-MM-DD>/ folder; move it to e.g. "
            f"{f.source or '<source>'}/2025-06-01/{f.path.name}",
        )
    if f.export_date is None:
        raise RejectedFile(
            f.relative_path,
            f"export-date folder '{f.date_folder}' is not a date (expected YYYY-MM-DD)",
        )
    if f.extension not in EXTENSIONS:
        raise RejectedFile(
            f.relative_path,
            f"is not a CSV or Parquet file ('{f.path.suffix or 'no extension'}'); "
            "export it as .csv or .parquet",
        )


def _canonical_entity(f: LandingFile) -> Entity | None:
    """The canonical entity the file's name declares, or None."""
    for ent in entities_of(f.source):
        if ent.name == f.entity:
            return ent
    return None


def _unknown_entity(f: LandingFile) -> str:
    names = ", ".join(e.name for e in entities_of(f.source)) or "none"
    return f"unknown entity '{f.entity}' for source '{f.source}'; known entities: {names}"


# --------------------------------------------------------------------------------------------
# Reading one file


def read_file(landing_file: LandingFile, data: bytes | None = None) -> ReadResult:
    """Read, type and validate one file. `data` may pass the file's bytes if already read.

    A file whose name and header are not canonical is tried against the known export formats
    (formats/*.yml); the first that recognises its header maps it to its canonical entity, and
    the mapped columns are then typed and validated exactly like a canonical file's.
    """
    _check_place(landing_file)
    rel = landing_file.relative_path
    if data is None:
        try:
            data = landing_file.path.read_bytes()
        except OSError as err:
            raise RejectedFile(rel, f"cannot be read ({err.strerror or err})") from err
    if not data.strip():
        raise RejectedFile(rel, "is empty (no header, no rows)")

    read = _csv_table if landing_file.extension == ".csv" else _parquet_table
    table = read(rel, data)

    ent, table, columns, unknown, export_format = _columns(landing_file, table)
    try:
        rows_read, frame, quarantine = _type_and_validate(ent, table, columns)
    except (Exception, PanicException) as err:  # odd data fails this file, not the run
        raise RejectedFile(rel, f"could not be read: {err}") from err
    # The contract's invariant; a failure here is a bug in this module, not bad input.
    assert rows_read == frame.height + quarantine.height, (rel, rows_read)
    return ReadResult(
        file=landing_file,
        entity=ent,
        frame=frame,
        quarantine=quarantine,
        rows_read=rows_read,
        unknown_columns=unknown,
        export_format=export_format,
    )


def _columns(
    f: LandingFile, table: _Table
) -> tuple[Entity, _Table, dict[str, str], list[str], str | None]:
    """The entity, the (possibly mapped) table, canonical column -> body column, the ignored
    header names, and the export format's name (None for a canonical file)."""
    rel = f.relative_path
    canonical = _canonical_entity(f)
    not_canonical: RejectedFile | None = None
    if canonical is not None:
        try:
            columns, unknown = _match_header(rel, canonical, table.header)
            return canonical, table, columns, unknown, None
        except RejectedFile as rejected:
            not_canonical = rejected
    fmt = formats.recognise(table.header)
    if fmt is None:
        raise _unrecognised(f, canonical, table.header, not_canonical)
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
    try:
        body, columns = formats.map_body(fmt, table.header, table.body, _cell)
    except formats.MappingFailed as err:
        raise RejectedFile(
            rel, f"is recognised as a {fmt.name} export ({ent.qualified_name}) but {err}"
        ) from err
    except (Exception, PanicException) as err:  # odd data fails this file, not the run
        raise RejectedFile(rel, f"could not be mapped as a {fmt.name} export: {err}") from err
    used = fmt.used_columns
    unknown = [
        name.strip() or f"(unnamed column {i + 1})"
        for i, name in enumerate(table.header)
        if normalise_name(name) not in used
    ]
    mapped = _Table(table.header, body, table.raw_records, table.skip_blank_rows)
    return ent, mapped, columns, unknown, fmt.name


def _unrecognised(
    f: LandingFile, canonical: Entity | None, header: list[str], rejected: RejectedFile | None
) -> RejectedFile:
    """Why a file that is neither canonical nor a known export format cannot be used.

    A header that names canonical columns of its entity is a canonical file with a mistake: the
    canonical reason alone says what to fix. Otherwise the reason also lists the export formats
    known for the file's source, none of which matched.
    """
    names = {normalise_name(h) for h in header}
    if rejected is not None and canonical is not None:
        if names & {c.name for c in canonical.all_columns}:
            return rejected
        reason = rejected.reason
    else:
        reason = _unknown_entity(f)
    known = [x.name for x in formats.known_formats() if x.entity.source == f.source]
    listed = ", ".join(sorted(known)) or "none"
    return RejectedFile(
        f.relative_path,
        f"{reason}; and no known export format for '{f.source}' matched its header "
        f"(known formats: {listed})",
    )


@dataclass
class _Table:
    """A file as text cells: header names, body columns c0..cN plus _line_number (and, for CSV
    rows with too many fields, _parse_error), and a way back to each record's original text."""

    header: list[str]
    body: pl.DataFrame
    raw_records: Callable[[pl.DataFrame], list[str]]
    skip_blank_rows: bool = True


def _cell(i: int) -> str:
    return f"c{i}"


def _csv_table(rel: str, data: bytes) -> _Table:
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1].hex()
        raise RejectedFile(
            rel, f"is not UTF-8 text (byte 0x{bad} on line {line}); re-export it as UTF-8"
        ) from err
    table = _csv_fast(data, text)
    if table is None:
        table = _csv_slow(rel, text)
    if not table.header:
        raise RejectedFile(rel, "is empty (no header, no rows)")
    return table


def _csv_fast(data: bytes, text: str) -> _Table | None:
    """Polars' reader, valid only when each record is one physical line (line = row index + 2).

    Returns None when that does not hold (quoted newlines, stray quotes, rows with extra
    fields), so the caller falls back to Python's csv module.
    """
    try:
        df = pl.read_csv(
            data, has_header=False, infer_schema=False, quote_char='"', raise_if_empty=False
        )
    except (Exception, PanicException):  # malformed for Polars; the csv module copes exactly
        return None
    physical_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if df.height != physical_lines or df.height == 0:
        return None
    header = ["" if v is None else v for v in df.row(0)]
    if not any(header):  # a blank first line: let the csv module find the header
        return None
    body = df.slice(1)
    body.columns = [_cell(i) for i in range(body.width)]
    body = body.with_columns(pl.int_range(2, body.height + 2, dtype=pl.Int64).alias(LINE_NUMBER))

    def raw_records(rows: pl.DataFrame) -> list[str]:
        lines = text.split("\n")
        return [lines[n - 1].removesuffix("\r") for n in rows[LINE_NUMBER].to_list()]

    return _Table(header, body, raw_records)


def _csv_slow(rel: str, text: str) -> _Table:
    """Python's csv module, tracking where each record starts and its exact original text."""
    consumed: list[str] = []

    def lines():
        for line in io.StringIO(text, newline="\n"):
            consumed.append(line)
            yield line

    csv.field_size_limit(2**31 - 1)  # one long quoted note must not fail the file
    reader = csv.reader(lines(), strict=False)
    header: list[str] | None = None
    cells: list[list[str | None]] = []
    starts: list[int] = []
    raws: list[str] = []
    errors: list[str | None] = []
    line_before = 0
    while True:
        consumed.clear()
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise RejectedFile(rel, f"is not valid CSV near line {line_before + 1}: {err}") from err
        start = line_before + 1
        line_before = reader.line_num
        if not record:  # a blank line is not a record
            continue
        if header is None:
            header = record
            continue
        width = len(header)
        error = None
        if len(record) > width and any(v.strip() for v in record[width:]):
            error = f"the record has {len(record)} fields but the header has {width}"
        row: list[str | None] = list(record[:width]) + [None] * (width - len(record))
        cells.append(row)
        starts.append(start)
        raws.append("".join(consumed).removesuffix("\n").removesuffix("\r"))
        errors.append(error)

    header = header or []
    body = pl.DataFrame(
        {_cell(i): [r[i] for r in cells] for i in range(len(header))},
        schema={_cell(i): pl.String for i in range(len(header))},
    ).with_columns(
        pl.Series(LINE_NUMBER, starts, dtype=pl.Int64),
        pl.Series("_parse_error", errors, dtype=pl.String),
        pl.Series("_raw", raws, dtype=pl.String),
    )

    def raw_records(rows: pl.DataFrame) -> list[str]:
        return rows["_raw"].to_list()

    return _Table(header, body, raw_records)


def _parquet_table(rel: str, data: bytes) -> _Table:
    try:
        df = pl.read_parquet(io.BytesIO(data))
    except (Exception, PanicException) as err:
        raise RejectedFile(rel, f"is not a readable Parquet file ({err})") from err
    header = list(df.columns)
    originals = df
    body = df.rename({name: _cell(i) for i, name in enumerate(header)}).with_columns(
        pl.int_range(1, df.height + 1, dtype=pl.Int64).alias(LINE_NUMBER)
    )

    def raw_records(rows: pl.DataFrame) -> list[str]:
        # Parquet has no text lines: the record is its original values as JSON (row N = line N).
        return [
            json.dumps(originals.row(n - 1, named=True), default=str, ensure_ascii=False)
            for n in rows[LINE_NUMBER].to_list()
        ]

    return _Table(header, body, raw_records, skip_blank_rows=False)


def normalise_name(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


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
            columns[norm] = _cell(i)
            positions[norm] = i
        else:
            unknown.append(name.strip() or f"(unnamed column {i + 1})")
    missing = [c.name for c in ent.columns if c.required and c.name not in columns]
    if missing:
        found = ", ".join(name.strip() for name in header) or "nothing"
        raise RejectedFile(
            rel,
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)} "
            f"(the header has: {found})",
        )
    return columns, unknown


# --------------------------------------------------------------------------------------------
# Typing and validation


def _type_and_validate(
    ent: Entity, table: _Table, columns: dict[str, str]
) -> tuple[int, pl.DataFrame, pl.DataFrame]:
    """Rows read (blank lines aside), the typed good rows, and the quarantine.

    Cheap boolean checks run over every row; the reason texts are built only for the rows that
    fail, which keeps a clean file of millions of rows fast.
    """
    body = table.body
    if table.skip_blank_rows:
        body = body.filter(~_blank_row(body))
    staged = _stage_values(ent, body, columns)
    checks = _checks(ent, columns)
    flags = [flag for flag, _ in checks]
    # Reasons settled before typing: a CSV record with too many fields, a row a format's
    # skip_rows rule skips (e.g. a test record), a value a format's transform cannot convert.
    early = [c for c in _EARLY_REASONS if c in staged.columns]
    flags += [pl.col(c).is_not_null() for c in early]
    # A skipped row neither wins nor loses a duplicate-key contest: it is not a record.
    candidates = staged
    if formats.SKIP_REASON in staged.columns:
        candidates = staged.filter(pl.col(formats.SKIP_REASON).is_null())
    superseded = _superseded(ent, candidates, columns)
    failed = pl.any_horizontal(flags) if flags else pl.lit(False)
    failed = failed | pl.col(LINE_NUMBER).is_in(superseded[LINE_NUMBER].implode())
    staged = staged.with_columns(failed.alias("_failed"))

    values = [
        pl.col(_value_name(c)).alias(c.name)
        if c.name in columns
        else pl.lit(None, dtype=POLARS_TYPES[c.kind]).alias(c.name)
        for c in ent.all_columns
    ]
    good_rows = staged.filter(~pl.col("_failed")).select(*values, pl.col(LINE_NUMBER))

    bad = staged.filter(pl.col("_failed")).sort(LINE_NUMBER)
    if bad.height == 0:
        return body.height, good_rows, pl.DataFrame(schema=QUARANTINE_SCHEMA)
    bad = bad.join(superseded, on=LINE_NUMBER, how="left")
    messages = [pl.col(c) for c in early if c != formats.SKIP_REASON]
    messages += [pl.when(flag).then(message) for flag, message in checks]
    messages.append(pl.col("_superseded"))
    reason = pl.concat_str(messages, separator="; ", ignore_nulls=True)
    if formats.SKIP_REASON in bad.columns:  # a skipped row is no record: its one reason is why
        reason = pl.coalesce(pl.col(formats.SKIP_REASON), reason)
    reasons = bad.select(reason).to_series()
    # Per-row Python only here: the quarantined rows need their original text.
    raw = table.raw_records(bad)
    quarantine = pl.DataFrame(
        {"line_number": bad[LINE_NUMBER], "reason": reasons, "raw_record": raw},
        schema=QUARANTINE_SCHEMA,
    )
    return body.height, good_rows, quarantine


_EARLY_REASONS = ("_parse_error", formats.SKIP_REASON, formats.MAP_ERROR)


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
        _text(pl.col(columns[c.name]), dtype[c.name]).alias(_text_name(c)) for c in present
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
    return pl.concat_str(pl.lit(f"{name}: '"), text, pl.lit(f"' {message}"))


def _text(cell: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The value as the user wrote it (stripped; empty -> null), for parsing and for messages."""
    if dtype == pl.String:
        text = cell.str.strip_chars()
        return pl.when(text == "").then(None).otherwise(text)
    return cell.cast(pl.String)


def _value(col: Column, cell: pl.Expr, dtype: pl.DataType, text: pl.Expr) -> pl.Expr:
    value = _parse_text(col, text) if dtype == pl.String else _convert_native(col, cell, dtype)
    if col.kind == STRING and col.domain:
        value = value.str.to_lowercase()
    return value.cast(POLARS_TYPES[col.kind])


def _checks(ent: Entity, columns: dict[str, str]) -> list[tuple[pl.Expr, pl.Expr]]:
    """Every row rule as (failed flag, reason text), over the staged _t_/_v_ columns."""
    checks = []
    for col in ent.all_columns:
        if col.name not in columns:
            continue  # a missing required column rejects the whole file before this
        text, value = pl.col(_text_name(col)), pl.col(_value_name(col))
        missing = text.is_null()
        if col.required:
            checks.append((missing, pl.lit(f"{col.name}: required value missing")))
        checks.append((~missing & value.is_null(), _quoted(col.name, text, _invalid(col))))
        if col.domain:
            allowed = ", ".join(col.domain)
            outside = value.is_not_null() & ~value.is_in(list(col.domain))
            checks.append((outside, _quoted(col.name, text, f"is not one of {allowed}")))
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


def _invalid(col: Column) -> str:
    if col.kind in (MONEY, RATE):
        digits = _DECIMAL_PRECISION[col.kind] - _DECIMAL_SCALE[col.kind]
        return f"is not a decimal number (at most {digits} digits before the point)"
    return f"is not {_TYPE_WORDS.get(col.kind, 'text')}"


def _parse_text(col: Column, text: pl.Expr) -> pl.Expr:
    kind = col.kind
    if kind == STRING:
        return text
    if kind == TIMESTAMP:
        return parse_timestamp(text)
    if kind == DATE:
        return parse_timestamp(text).dt.date()
    if kind in (MONEY, RATE):
        return parse_decimal(text, kind)
    if kind == NUMBER:
        number = text.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number)
    if kind == INTEGER:
        whole = text.str.contains(_WHOLE)
        digits = text.str.replace(r"\.0*$", "")
        return pl.when(whole).then(digits.cast(pl.Int64, strict=False))
    if kind == BOOLEAN:
        return text.str.to_lowercase().replace_strict(
            _BOOLEANS, default=None, return_dtype=pl.Boolean
        )
    raise ValueError(f"unknown column kind {kind!r} for {col.name}")


def parse_timestamp(text: pl.Expr) -> pl.Expr:
    """ISO-8601 text -> naive UTC Datetime(us); null where it does not parse.

    The shape is checked with one regex; the parsing itself is Polars' native parser over a
    few fixed formats (regex captures are ~40x slower on millions of rows).
    """
    shaped = text.str.contains(_TIMESTAMP)
    norm = (
        text.str.replace("T", " ", literal=True, n=1)
        .str.replace("t", " ", literal=True, n=1)
        .str.replace("Z", "+00:00", literal=True, n=1)
        .str.replace("z", "+00:00", literal=True, n=1)
        .str.replace(",", ".", literal=True, n=1)
        .str.replace(" +", "+", literal=True, n=1)
        .str.replace(" -", "-", literal=True, n=1)
    )

    def aware(fmt: str) -> pl.Expr:
        stamp = norm.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        return stamp.dt.replace_time_zone(None)

    def naive(fmt: str) -> pl.Expr:
        return norm.str.to_datetime(fmt, strict=False, time_unit="us")

    day = norm.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    stamp = pl.coalesce(
        naive("%Y-%m-%d %H:%M:%S%.f"),
        aware("%Y-%m-%d %H:%M:%S%.f%#z"),
        naive("%Y-%m-%d %H:%M"),
        aware("%Y-%m-%d %H:%M%#z"),
        pl.when(norm.str.len_bytes() == 10).then(day),
    )
    return pl.when(shaped).then(stamp)


def parse_decimal(text: pl.Expr, kind: str) -> pl.Expr:
    """Plain decimal text -> Decimal, rounded half away from zero to the kind's scale.

    Polars' own parser rounds half to even; the two differ only on an exact half (a 5 right
    after the kept digits, then only zeros), which is parsed one digit finer and pushed away
    from zero by that half, so the result stays exact (no float on the way).
    """
    scale = _DECIMAL_SCALE[kind]
    plain = pl.when(text.str.contains(_DECIMAL)).then(text)
    exact_half = plain.str.contains(rf"\.\d{{{scale}}}50*$")
    half = Decimal(5).scaleb(-(scale + 1))
    finer = plain.str.to_decimal(scale=scale + 1)
    away = pl.when(plain.str.starts_with("-")).then(finer - half).otherwise(finer + half)
    value = pl.when(exact_half).then(away).otherwise(plain.str.to_decimal(scale=scale))
    return value.cast(POLARS_TYPES[kind], strict=False)


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
        if kind in (MONEY, RATE):
            rounded = finite.round(_DECIMAL_SCALE[kind], mode="half_away_from_zero")
            return rounded.cast(POLARS_TYPES[kind], strict=False)
        if kind == INTEGER:
            return pl.when(finite == finite.floor()).then(finite.cast(pl.Int64, strict=False))
    if (kind == NUMBER and dtype.is_numeric()) or (kind == INTEGER and dtype.is_integer()):
        return cell.cast(POLARS_TYPES[kind], strict=False)
    # Everything else (ints and decimals for money, numbers for text, ...) goes through its text.
    text = cell.cast(pl.String).str.strip_chars()
    return _parse_text(col, pl.when(text == "").then(None).otherwise(text))
