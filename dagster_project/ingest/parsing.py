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

from dagster_project.ingest.landing import RejectedFile

BOM = b"\xef\xbb\xbf"
LINE_NUMBER = "_line_number"
# A CSV record with more fields than the header: the reason, else null.
PARSE_ERROR = "_parse_error"


def read_table(rel: str, extension: str, data: bytes) -> Table:
    """The file's bytes as a Table; RejectedFile when they are not readable CSV or Parquet."""
    return _csv_table(rel, data) if extension == ".csv" else _parquet_table(rel, data)


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


def cell(i: int) -> str:
    return f"c{i}"


def _csv_table(rel: str, data: bytes) -> Table:
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


def _csv_fast(data: bytes, text: str) -> Table | None:
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
    body.columns = [cell(i) for i in range(body.width)]
    body = body.with_columns(pl.int_range(2, body.height + 2, dtype=pl.Int64).alias(LINE_NUMBER))

    def raw_records(rows: pl.DataFrame) -> list[str]:
        lines = text.split("\n")
        return [lines[n - 1].removesuffix("\r") for n in rows[LINE_NUMBER].to_list()]

    return Table(header, body, raw_records)


def _csv_slow(rel: str, text: str) -> Table:
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
        {cell(i): [r[i] for r in cells] for i in range(len(header))},
        schema={cell(i): pl.String for i in range(len(header))},
    ).with_columns(
        pl.Series(LINE_NUMBER, starts, dtype=pl.Int64),
        pl.Series(PARSE_ERROR, errors, dtype=pl.String),
        pl.Series("_raw", raws, dtype=pl.String),
    )

    def raw_records(rows: pl.DataFrame) -> list[str]:
        return rows["_raw"].to_list()

    return Table(header, body, raw_records)


def _parquet_table(rel: str, data: bytes) -> Table:
    try:
        df = pl.read_parquet(io.BytesIO(data))
    except (Exception, PanicException) as err:
        raise RejectedFile(rel, f"is not a readable Parquet file ({err})") from err
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
