"""Load landing files into DuckDB: typed rows into `raw`, bad rows and file outcomes into `audit`.

Each file is loaded in one transaction (its raw rows, its quarantined rows and its load_log row),
so a crash never leaves half a file. load_log also makes the nightly run idempotent: a file whose
path and content were seen before is not loaded again, and identical content under a new path is
recorded once as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.ingest.entities import ENTITIES, LINEAGE_COLUMNS, SOURCES, Entity
from dagster_project.ingest.export_groups import ExportPlan, plan_exports
from dagster_project.ingest.landing import LandingFile, RejectedFile, discover, read_bytes
from dagster_project.ingest.load_log import (
    HELD,
    FileLoad,
    Transaction,
    already_seen,
    describe,
    first_row,
    insert_log,
    loaded_with_hash,
    next_seq,
    quoted,
    record_duplicate,
    record_load,
    record_rejection,
    remember_stat,
    unchanged_since_seen,
)
from dagster_project.ingest.reader import read_file

Log = Callable[[str], None]


# Tool-named folders are rejected, not read: a tool's exports feed several sources (Salesforce:
# crm and mdf), and each source is loaded by its own asset. The reason says where they go.
TOOL_FOLDERS = {
    "salesforce": "Salesforce exports in crm/ (PartnerFundRequest and PartnerFundClaim in mdf/)",
    "hubspot": "HubSpot exports in crm/",
    "partnerstack": "PartnerStack exports in affiliate/",
    "impact": "impact.com exports in affiliate/",
    "aws_marketplace": "AWS Marketplace seller data feeds in marketplace/",
    "aws": "AWS Marketplace seller data feeds in marketplace/",
}

# Days a held file waits for the rest of its export before it is rejected.
HOLD_DAYS_ENV = "PARTNER_HOLD_DAYS"
DEFAULT_HOLD_DAYS = 3


_LOAD_LOG = """
CREATE TABLE IF NOT EXISTS audit.load_log (
    load_seq BIGINT NOT NULL,
    source VARCHAR,
    entity VARCHAR,
    export_date DATE,
    file_path VARCHAR NOT NULL,
    content_hash VARCHAR,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    rows_read BIGINT,
    rows_loaded BIGINT,
    rows_quarantined BIGINT,
    unknown_columns VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    export_format VARCHAR,
    ids_cleaned BIGINT,
    rows_set_aside BIGINT,
    set_aside_rules VARCHAR,
    file_size BIGINT,
    file_mtime_ns BIGINT
)
"""

# Columns added to audit.load_log after it first shipped: added to an existing table as nulls.
_LOAD_LOG_ADDED = [
    ("export_format", "VARCHAR"),  # the known export format that mapped the file; null if canonical
    ("ids_cleaned", "BIGINT"),  # id values loaded without the invisible characters they had
    # rows a format leaves out on purpose (skip_rows), and its rules with their counts:
    # rows_read = rows_loaded + rows_quarantined + rows_set_aside
    ("rows_set_aside", "BIGINT"),
    ("set_aside_rules", "VARCHAR"),
    # the file's size and mtime when read, if settled (landing.py): an unchanged file is skipped
    # without reading it on later runs
    ("file_size", "BIGINT"),
    ("file_mtime_ns", "BIGINT"),
]

_QUARANTINE = """
CREATE TABLE IF NOT EXISTS audit.quarantine (
    load_seq BIGINT NOT NULL,
    source VARCHAR,
    entity VARCHAR,
    file_path VARCHAR NOT NULL,
    line_number BIGINT,
    reason VARCHAR,
    raw_record VARCHAR
)
"""

_REJECTED_FILES = """
CREATE OR REPLACE VIEW audit.rejected_files AS
SELECT load_seq, source, entity, export_date, file_path, content_hash, reason, loaded_at
FROM audit.load_log
WHERE status = 'rejected'
"""


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and audit schemas and tables if missing; add columns new to entities.py."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    for ent in ENTITIES:
        _ensure_raw_table(con, ent)
    con.execute(_LOAD_LOG)
    _add_missing_columns(con, "audit", "load_log", _LOAD_LOG_ADDED)
    con.execute(_QUARANTINE)
    con.execute(_REJECTED_FILES)


def _raw_columns(ent: Entity) -> list[tuple[str, str]]:
    return [(c.name, c.duckdb_type) for c in ent.all_columns] + list(LINEAGE_COLUMNS)


def _ensure_raw_table(con: duckdb.DuckDBPyConnection, ent: Entity) -> None:
    table = f"raw.{quoted(ent.raw_table)}"
    columns = _raw_columns(ent)
    body = ",\n    ".join(f"{quoted(name)} {kind}" for name, kind in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} (\n    {body}\n)")
    # A column added to entities.py later is added to the existing table (as nulls for old rows).
    _add_missing_columns(con, "raw", ent.raw_table, columns)


def _add_missing_columns(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[tuple[str, str]]
) -> None:
    present = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    for name, kind in columns:
        if name not in present:
            con.execute(
                f"ALTER TABLE {quoted(schema)}.{quoted(table)} ADD COLUMN {quoted(name)} {kind}"
            )


# --------------------------------------------------------------------------------------------


def load_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: str,
    log: Log = print,
    *,
    today: dt.date | None = None,
    hold_days: int | None = None,
    found: list[LandingFile] | None = None,
) -> list[FileLoad]:
    """Load every new file of one source, in export-date order; returns what happened to each.

    Files already recorded in audit.load_log with the same content are left alone and not
    returned. A file of a multi-file export missing its other files is held, and rejected once
    held `hold_days` (default: PARTNER_HOLD_DAYS, else 3) counted up to `today` (default: today).
    `found`: the landing folder's files if already discovered in this run (else discovered now).
    """
    ensure_schemas(con)
    if found is None:
        found = discover(Path(landing_dir))
    files = [f for f in found if f.source == source]
    hold = Hold(today or dt.datetime.now(dt.UTC).date(), _hold_days(hold_days))
    return _process(con, files, log, _load_one, hold)


@dataclass(frozen=True)
class Hold:
    today: dt.date
    days: int


def _hold_days(given: int | None) -> int:
    if given is not None:
        return given
    value = os.environ.get(HOLD_DAYS_ENV, "").strip()
    if not value:
        return DEFAULT_HOLD_DAYS
    if not value.isdigit():
        raise ValueError(f"{HOLD_DAYS_ENV}={value!r} is not a whole number of days")
    return int(value)


def reject_unknown(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    log: Log = print,
    found: list[LandingFile] | None = None,
) -> list[FileLoad]:
    """Record files outside any known source folder as rejected (once per content)."""
    ensure_schemas(con)
    if found is None:
        found = discover(Path(landing_dir))
    files = [f for f in found if f.source not in SOURCES]
    return _process(con, files, log, _reject_unknown_one)


def load_all(con: duckdb.DuckDBPyConnection, landing_dir: Path, log: Log = print) -> list[FileLoad]:
    """Every source in turn, then the files that belong to no known source."""
    loads = []
    for source in SOURCES:
        loads += load_source(con, landing_dir, source, log)
    loads += reject_unknown(con, landing_dir, log)
    return loads


def _process(con, files: list[LandingFile], log: Log, handle, hold: Hold | None = None):
    loads = []
    # files whose size and mtime match their load log row are not read at all; the others are
    # read and hashed, and so is every file of a folder holding one of them (a multi-file export
    # is planned from all its files)
    known = unchanged_since_seen(con, files)
    read = {f.relative_path: _read_bytes(f) for f in files if f.relative_path not in known}
    fresh = {
        (f.source, f.date_folder)
        for f in files
        if f.relative_path in read
        and not already_seen(con, f.relative_path, _digest(read[f.relative_path][0]))
    }
    for f in files:
        if (f.source, f.date_folder) in fresh and f.relative_path not in read:
            read[f.relative_path] = _read_bytes(f)
    unchanged = len(files) - len(read)
    if hold is None:
        plan = ExportPlan()
    else:
        # only folders with a file not loaded before are grouped (and their files parsed)
        in_fresh = [f for f in files if (f.source, f.date_folder) in fresh]
        plan = plan_exports(in_fresh, {r: d for r, (d, _) in read.items() if d is not None})
    for f in files:
        rel = f.relative_path
        if rel in plan.part_of or rel not in read:
            continue  # read with its export's main file, or known unchanged
        data, read_error = read[rel]
        digest = _digest(data)
        parts = plan.mains.get(rel)
        if already_seen(con, rel, digest):
            unchanged += 1
            remember_stat(con, f, digest)
            if parts is not None:  # partner files that came after their main file was loaded
                for part in _unseen(con, parts[1].values(), read):
                    reason = (
                        f"arrived after {rel} of its export was loaded: drop the whole export again"
                    )
                    loads.append(
                        record_rejection(con, part, _digest(read[part.relative_path][0]), reason)
                    )
                    log(describe(loads[-1]))
            continue
        if read_error is not None:
            load = record_rejection(con, f, digest, read_error)
        elif rel in plan.held:
            load = _hold(con, f, digest, plan.held[rel], hold)
            if load is None:
                log(f"{rel}: still held, {plan.held[rel]}")
                continue
        else:
            same_as = loaded_with_hash(con, digest)
            if same_as is not None:
                load = record_duplicate(con, f, digest, same_as)
            elif parts is not None:
                fmt, found = parts
                joined = [(name, p, _digest(read[p.relative_path][0])) for name, p in found.items()]
                load = _load_export(con, f, data, digest, fmt, joined, plan)
            else:
                load = handle(con, f, data, digest)
        log(describe(load))
        loads.append(load)
    if unchanged:
        noun = "file" if unchanged == 1 else "files"
        log(f"{unchanged:,} {noun} already in audit.load_log with the same content: not reloaded")
    return loads


def _digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _unseen(con, files, read) -> list[LandingFile]:
    return [
        p
        for p in files
        if not already_seen(con, p.relative_path, _digest(read[p.relative_path][0]))
    ]


def _read_bytes(f: LandingFile) -> tuple[bytes | None, str | None]:
    try:
        return read_bytes(f), None
    except RejectedFile as rejected:
        return None, rejected.reason


def _load_one(con, f: LandingFile, data: bytes, digest: str) -> FileLoad:
    try:
        result = read_file(f, data)
    except RejectedFile as rejected:
        return record_rejection(con, f, digest, rejected.reason)
    return record_load(con, result, digest)


def _load_export(con, f, data, digest, fmt, joined, plan) -> FileLoad:
    """The main file of a multi-file export, read with its partner files' tables; the partner
    files are recorded beside it, in the same transaction."""
    others = {name: plan.tables[p.relative_path] for name, p, _ in joined}
    try:
        result = read_file(f, data, export=(fmt, others))
    except RejectedFile as rejected:
        load = record_rejection(con, f, digest, rejected.reason)
        for name, part, part_digest in joined:
            if not already_seen(con, part.relative_path, part_digest):
                reason = f"is the {name} file of {f.relative_path}, which was rejected: see it"
                record_rejection(con, part, part_digest, reason)
        return load
    return record_load(con, result, digest, joined)


def _hold(con, f: LandingFile, digest, reason: str, hold: Hold) -> FileLoad | None:
    """Record a file as held the first time; None while it waits; rejected after the hold."""
    sql = (
        "SELECT min(loaded_at) FROM audit.load_log WHERE file_path = ? "
        "AND content_hash IS NOT DISTINCT FROM ? AND status = ?"
    )
    since = first_row(con, sql, [f.relative_path, digest, HELD])[0]
    if since is None:
        with Transaction(con):
            seq = next_seq(con)
            insert_log(con, seq, f, digest, HELD, reason=reason)
        return FileLoad(f.relative_path, HELD, reason=reason, load_seq=seq, entity=f.entity)
    if (hold.today - since.date()).days < hold.days:
        return None
    return record_rejection(
        con,
        f,
        digest,
        f"{reason}; held since {since.date()}, more than {hold.days} day(s): drop the missing "
        "file(s) in that folder and this file again under a new name (or in a new folder)",
    )


def _reject_unknown_one(con, f: LandingFile, data: bytes, digest: str) -> FileLoad:
    if f.source == "":
        reason = "lies at the top of the landing folder, not inside a <source> folder"
    else:
        reason = f"'{f.source}' is not a known source"
        where = TOOL_FOLDERS.get(f.source.lower())
        if where is not None:  # a folder named after the tool: say where its exports go
            reason += f" but a tool: put {where}, keeping the <export date> folder"
    known = ", ".join(SOURCES)
    return record_rejection(con, f, digest, f"{reason}; known sources: {known}")


# --------------------------------------------------------------------------------------------
