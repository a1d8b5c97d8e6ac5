"""Read one CSV or Parquet file into a table of text cells, each row with its line number.

Every value is kept as the file has it (CSV: text; Parquet: its native type) and typed later
(validation.py), so one bad value never makes the whole file fail. Each row keeps the physical
line where its record starts (header = line 1; Parquet row N = line N) and a way back to the
record's original text for the quarantine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from polars.exceptions import PanicException

from dagster_project.ingest.landing import RejectedFile, engine_error

BOM = b"\xef\xbb\xbf"
LINE_NUMBER = "_line_number"
# A CSV record with more fields than the header: the reason, else null.
PARSE_ERROR = "_parse_error"
# The longest value accepted, in bytes: longer ones reject the file (they are not exports, and a
# parser needs many times their size in memory).
MAX_FIELD_BYTES = 1024 * 1024


def read_table(rel: str, extension: str, data: bytes) -> Table:
    """The file's bytes as a Table; RejectedFile when they are not readable CSV or Parquet."""
    table = _csv_table(rel, data) if extension == ".csv" else _parquet_table(rel, data)
    _check_values(rel, table)
    return table


def normalise_name(name: str) -> str:
    """Header names match ignoring case, surrounding spaces and a byte-order mark."""
    return str(name).replace("\ufeff", "").strip().lower()


@dataclass
class Table:
    """A file as text cells: header names, body columns c0..cN plus _line_number (and, for CSV
    rows with too many fields, PARSE_ERROR), and a way back to each record's original text."""

    header: list[str]
    body: pl.DataFrame
    raw_records: Callable[[pl.DataFrame], list[str]]
    skip_blank_rows: bool = True
    # Blank lines between records the reader skipped (the fast reader keeps them as empty rows)
    blank_lines: tuple[int, ...] = ()


def cell(i: int) -> str:
    return f"c{i}"


def _csv_table(rel: str, data: bytes) -> Table:
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\r" in data and b"\n" not in data:  # CR-only line endings (Excel for Mac)
        data = data.replace(b"\r", b"\n")
    _check_long_values(rel, data)
    text, data = _decoded(rel, data)
    table = _csv_fast(data, text)
    if table is None:
        table = _csv_slow(rel, text)
    if not table.header:
        raise RejectedFile(rel, "is empty (no header, no rows)")
    return table


def _decoded(rel: str, data: bytes) -> tuple[str, bytes]:
    """The text of a CSV file and its bytes as UTF-8 (what the fast reader reads).

    UTF-8 when the bytes are valid UTF-8, else Windows-1252 (the superset of ISO-8859-1 that
    Salesforce reports and Excel on Windows write). Bytes that are neither (Windows-1252 leaves
    five undefined) reject the file."""
    try:
        return data.decode("utf-8"), data
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        return text, text.encode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1].hex()
        raise RejectedFile(
            rel,
            f"is neither UTF-8 nor Windows-1252 text (byte 0x{bad} on line {line}); "
            "re-export it as UTF-8",
        ) from err


def _too_long(rel: str, line: int, size: str) -> RejectedFile:
    return RejectedFile(
        rel,
        f"line {line} has a value of {size} bytes; a value may have at most "
        f"{MAX_FIELD_BYTES:,} bytes (1 MB): is this the right file?",
    )


def _check_long_values(rel: str, data: bytes) -> None:
    """RejectedFile for a line holding a value over MAX_FIELD_BYTES, found before any parser
    spends many times its size in memory on it.

    Lines are found by jumping MAX_FIELD_BYTES ahead and back to the last newline before it, so a
    file of short lines costs a few steps per megabyte. A long line is split at its commas: a
    piece over the limit lies inside one value (a value quoted across lines, or holding commas,
    is measured exactly once parsed: the csv module's limit, `_check_values`).
    """
    start = 0
    while start + MAX_FIELD_BYTES < len(data):
        last_newline = data.rfind(b"\n", start, start + MAX_FIELD_BYTES + 1)
        if last_newline >= 0:
            start = last_newline + 1
            continue
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        longest = max(len(piece) for piece in data[start:end].rstrip(b"\r").split(b","))
        if longest > MAX_FIELD_BYTES:
            raise _too_long(rel, data.count(b"\n", 0, start) + 1, f"{longest:,}")
        start = end + 1


def _check_values(rel: str, table: Table) -> None:
    """RejectedFile for a header name or value over MAX_FIELD_BYTES (its line named)."""
    for name in table.header:
        size = len(str(name).encode())
        if size > MAX_FIELD_BYTES:
            raise _too_long(rel, 1, f"{size:,}")
    texts = [
        c for c, dtype in table.body.schema.items() if c.startswith("c") and dtype == pl.String
    ]
    if not texts:
        return
    lengths = pl.max_horizontal(pl.col(c).str.len_bytes() for c in texts)
    over = table.body.select(lengths.alias("size"), pl.col(LINE_NUMBER)).filter(
        pl.col("size") > MAX_FIELD_BYTES
    )
    if over.height:
        raise _too_long(rel, over[LINE_NUMBER][0], f"{over['size'][0]:,}")


def _csv_fast(data: bytes, text: str) -> Table | None:
    """Polars' reader, valid only when each record is one physical line (line = row index + 2).

    Returns None when that does not hold (quoted newlines, stray or unclosed quotes, rows with
    extra fields), so the caller falls back to Python's csv module.
    """
    if text.count('"') % 2:  # a quote that may never close: the csv module tells exactly
        return None
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
    body.columns = [cell(i) for i in range(body.width)]
    body = body.with_columns(pl.int_range(2, body.height + 2, dtype=pl.Int64).alias(LINE_NUMBER))

    def raw_records(rows: pl.DataFrame) -> list[str]:
        lines = text.split("\n")
        return [lines[n - 1].removesuffix("\r") for n in rows[LINE_NUMBER].to_list()]

    return Table(header, body, raw_records)


# Appended after the text for the csv module: a record that swallows it opened a quote that
# never closes. (Private-use characters: no export has them at the start of a line.)
_END = "\ue000end of file\ue000"


def _csv_slow(rel: str, text: str) -> Table:
    """Python's csv module, tracking where each record starts and its exact original text."""
    consumed: list[str] = []

    def lines():
        for line in io.StringIO(text, newline="\n"):
            consumed.append(line)
            yield line
        yield "\n"
        yield _END

    # The limit counts characters; a value of more characters has more bytes still: rejected.
    csv.field_size_limit(MAX_FIELD_BYTES)
    reader = csv.reader(lines(), strict=False)
    header: list[str] | None = None
    cells: list[list[str | None]] = []
    starts: list[int] = []
    raws: list[str] = []
    errors: list[str | None] = []
    blank_lines: list[int] = []
    line_before = 0
    while True:
        consumed.clear()
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            if "field larger than field limit" in str(err):
                raise _too_long(rel, line_before + 1, f"more than {MAX_FIELD_BYTES:,}") from err
            raise RejectedFile(rel, f"is not valid CSV near line {line_before + 1}: {err}") from err
        start = line_before + 1
        line_before = reader.line_num
        if record == [_END]:
            break
        if any(_END in value for value in record):
            raise RejectedFile(
                rel,
                f"has an unterminated quote: a quoted value in the record on line {start} never "
                "closes, so every line after it would be read into that one value; close the "
                'quote (a quote inside a value is written twice: "") and export the file again',
            )
        if not record:  # a blank line is not a record
            if header is not None:
                blank_lines.append(start)
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
        {cell(i): [r[i] for r in cells] for i in range(len(header))},
        schema={cell(i): pl.String for i in range(len(header))},
    ).with_columns(
        pl.Series(LINE_NUMBER, starts, dtype=pl.Int64),
        pl.Series(PARSE_ERROR, errors, dtype=pl.String),
        pl.Series("_raw", raws, dtype=pl.String),
    )

    def raw_records(rows: pl.DataFrame) -> list[str]:
        return rows["_raw"].to_list()

    return Table(header, body, raw_records, blank_lines=tuple(blank_lines))


def _parquet_table(rel: str, data: bytes) -> Table:
    try:
        df = pl.read_parquet(io.BytesIO(data))
    except (Exception, PanicException) as err:
        raise RejectedFile(rel, f"is not a readable Parquet file ({engine_error(err)})") from err
    header = list(df.columns)
    originals = df
    body = df.rename({name: cell(i) for i, name in enumerate(header)}).with_columns(
        pl.int_range(1, df.height + 1, dtype=pl.Int64).alias(LINE_NUMBER)
    )

    def raw_records(rows: pl.DataFrame) -> list[str]:
        # Parquet has no text lines: the record is its original values as JSON (row N = line N).
        return [
            json.dumps(originals.row(n - 1, named=True), default=str, ensure_ascii=False)
            for n in rows[LINE_NUMBER].to_list()
        ]

    return Table(header, body, raw_records, skip_blank_rows=False)
