"""How people's tools read the served warehouse: the CLI, the notebooks, the dashboard.

`connect_marts` is the one way to open it. Read-only alone protects only the file opened: a
connection could still ATTACH another file (the served one included) read-write, COPY to any
path or read any file the user can. So the connection also has no access outside its own file
(`enable_external_access = false`) and cannot turn that back on (`lock_configuration`). Queries
of the marts need nothing more.

`to_people_csv` writes a frame as CSV for a person to open in a spreadsheet: text that would be
taken for a formula is written as text.
"""

from __future__ import annotations

import duckdb
import polars as pl
import polars.selectors as cs

from dagster_project.settings import Settings

READER_CONFIG = {"enable_external_access": False, "lock_configuration": True}

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = r"^[=+\-@\t\r]"


# the attribution models of METRICS.md section 3, as marts.fct_partner_attribution names them
ATTRIBUTION_MODELS = (
    "sourced",
    "first_touch",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
    "program",
)


def connect_marts(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the served warehouse that reaches no other file.

    Given at connect time, the settings hold from the first statement. DuckDB shares one database
    per file within a process, so a process that already holds this file open with other
    settings gets an error here instead of silently changing that connection."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse}: run `partner run` first")
    return duckdb.connect(str(settings.warehouse), read_only=True, config=READER_CONFIG)


def to_people_csv(frame: pl.DataFrame) -> str:
    """The frame as CSV text; a text value a spreadsheet would run (starting with = + - @, tab or
    carriage return) gets a leading single quote. Numbers and dates are written as they are."""
    text = cs.string(include_categorical=True)
    neutralised = frame.with_columns(text.cast(pl.String)).with_columns(
        pl.when(text.str.contains(FORMULA_START)).then("'" + text).otherwise(text).name.keep()
    )
    return neutralised.write_csv()
