"""Read one landing file into a typed, validated frame and its quarantine.

The steps each have their module: landing.py (where the file lies), parsing.py (CSV or Parquet
into cells with line numbers), mapping.py (which entity and columns: canonical or a known export
format) and validation.py (typing and the row rules). A file that cannot be used raises
`RejectedFile`; a row that cannot be used goes to the quarantine with its line number and every
reason (LANDING.md, "Bad input"); a row its format leaves out on purpose (skip_rows: taxes, test
records) is set aside, counted with its rule, and is no problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from polars.exceptions import PanicException

from dagster_project.ingest.entities import Entity
from dagster_project.ingest.landing import (
    LandingFile,
    RejectedFile,
    check_place,
    engine_error,
    read_bytes,
)
from dagster_project.ingest.mapping import Export, map_file
from dagster_project.ingest.parsing import read_table
from dagster_project.ingest.validation import SET_ASIDE_SCHEMA, type_and_validate


@dataclass
class ReadResult:
    file: LandingFile
    entity: Entity
    frame: pl.DataFrame  # canonical columns, typed, plus _line_number
    quarantine: pl.DataFrame  # line_number, reason, raw_record
    rows_read: int
    unknown_columns: list[str] = field(default_factory=list)
    export_format: str | None = None  # the known export format that mapped it; None if canonical
    tool: str | None = None  # the tool that format declares; None if canonical or undeclared
    ids_cleaned: int = 0  # id values loaded without the invisible characters they had
    # rows the format's skip_rows rules leave out on purpose: line_number, reason
    set_aside: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SET_ASIDE_SCHEMA))

    @property
    def rows_loaded(self) -> int:
        return self.frame.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height

    @property
    def rows_set_aside(self) -> int:
        return self.set_aside.height

    @property
    def set_aside_rules(self) -> str | None:
        """The rules that set rows aside with their counts, in the order they first apply:
        `tax, kept out of revenue: 2; disbursement (...): 4`; None when none did."""
        if self.set_aside.height == 0:
            return None
        counts = (
            self.set_aside.group_by("reason", maintain_order=True)
            .agg(pl.len().alias("rows"))
            .iter_rows()
        )
        return "; ".join(f"{reason}: {rows:,}" for reason, rows in counts)


def read_file(
    landing_file: LandingFile, data: bytes | None = None, export: Export | None = None
) -> ReadResult:
    """Read, type and validate one file. `data` may pass the file's bytes if already read;
    `export` the multi-file format it is the main file of, with its other files' tables.

    A file whose name and header are not canonical is tried against the known export formats
    (formats/*.yml); the first that recognises its header maps it to its canonical entity, and
    the mapped columns are then typed and validated exactly like a canonical file's.
    """
    if data is None:
        data = read_bytes(landing_file)
    check_place(landing_file)
    rel = landing_file.relative_path
    if not data.strip():
        raise RejectedFile(rel, "is empty (no header, no rows)")

    table = read_table(rel, landing_file.extension, data)
    mapped = map_file(landing_file, table, export)
    try:
        validated = type_and_validate(mapped.entity, mapped.table, mapped.columns)
    except (Exception, PanicException) as err:  # odd data fails this file, not the run
        raise RejectedFile(rel, f"could not be read: {engine_error(err)}") from err
    # The contract's invariant; a failure here is a bug in this package, not bad input.
    v = validated
    assert v.rows_read == v.frame.height + v.quarantine.height + v.set_aside.height, rel
    return ReadResult(
        file=landing_file,
        entity=mapped.entity,
        frame=v.frame,
        quarantine=v.quarantine,
        rows_read=v.rows_read,
        unknown_columns=mapped.unknown,
        export_format=mapped.export_format,
        tool=mapped.tool,
        ids_cleaned=v.ids_cleaned,
        set_aside=v.set_aside,
    )
