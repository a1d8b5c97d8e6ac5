"""Load landing files into DuckDB: typed rows into `raw`, bad rows and file outcomes into `audit`.

Each file is loaded in one transaction (its raw rows, its quarantined rows and its load_log row),
so a crash never leaves half a file. load_log also makes the nightly run idempotent: a file whose
path and content were seen before is not loaded again, and identical content under a new path is
recorded once as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.ingest.entities import ENTITIES, LINEAGE_COLUMNS, SOURCES, Entity
from dagster_project.ingest.landing import LandingFile, RejectedFile, discover, read_bytes
from dagster_project.ingest.reader import ReadResult, read_file

Log = Callable[[str], None]

LOADED = "loaded"
SKIPPED_DUPLICATE = "skipped_duplicate"
REJECTED = "rejected"

_FRAME = "_ingest_frame"

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
    ids_cleaned BIGINT
)
"""

# Columns added to audit.load_log after it first shipped: added to an existing table as nulls.
_LOAD_LOG_ADDED = [
    ("export_format", "VARCHAR"),  # the known export format that mapped the file; null if canonical
    ("ids_cleaned", "BIGINT"),  # id values loaded without the invisible characters they had
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


@dataclass(frozen=True)
class FileLoad:
    file: str  # path relative to the landing dir
    status: str  # loaded, skipped_duplicate or rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    load_seq: int | None = None
    # the canonical entity the file loaded into (for a rejected file: its file name's stem)
    entity: str | None = None
    ids_cleaned: int = 0  # id values loaded without the invisible characters they had


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
    table = f"raw.{_ident(ent.raw_table)}"
    columns = _raw_columns(ent)
    body = ",\n    ".join(f"{_ident(name)} {kind}" for name, kind in columns)
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
                f"ALTER TABLE {_ident(schema)}.{_ident(table)} ADD COLUMN {_ident(name)} {kind}"
            )


# --------------------------------------------------------------------------------------------


def load_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: str, log: Log = print
) -> list[FileLoad]:
    """Load every new file of one source, in export-date order; returns what happened to each.

    Files already recorded in audit.load_log with the same content are left alone and not
    returned.
    """
    ensure_schemas(con)
    files = [f for f in discover(Path(landing_dir)) if f.source == source]
    return _process(con, files, log, _load_one)


def reject_unknown(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, log: Log = print
) -> list[FileLoad]:
    """Record files outside any known source folder as rejected (once per content)."""
    ensure_schemas(con)
    files = [f for f in discover(Path(landing_dir)) if f.source not in SOURCES]
    return _process(con, files, log, _reject_unknown_one)


def load_all(con: duckdb.DuckDBPyConnection, landing_dir: Path, log: Log = print) -> list[FileLoad]:
    """Every source in turn, then the files that belong to no known source."""
    loads = []
    for source in SOURCES:
        loads += load_source(con, landing_dir, source, log)
    loads += reject_unknown(con, landing_dir, log)
    return loads


def _process(con, files: list[LandingFile], log: Log, handle) -> list[FileLoad]:
    loads = []
    unchanged = 0
    for f in files:
        data, read_error = _read_bytes(f)
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        if _already_seen(con, f.relative_path, digest):
            unchanged += 1
            continue
        if read_error is not None:
            load = _record_rejection(con, f, digest, read_error)
        else:
            same_as = _loaded_with_hash(con, digest)
            if same_as is not None:
                load = _record_duplicate(con, f, digest, same_as)
            else:
                load = handle(con, f, data, digest)
        log(_describe(load))
        loads.append(load)
    if unchanged:
        noun = "file" if unchanged == 1 else "files"
        log(f"{unchanged:,} {noun} already in audit.load_log with the same content: not reloaded")
    return loads


def _read_bytes(f: LandingFile) -> tuple[bytes | None, str | None]:
    try:
        return read_bytes(f), None
    except RejectedFile as rejected:
        return None, rejected.reason


def _first(con, sql: str, params: list) -> tuple | None:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and then refuses register().
    rows = con.execute(sql, params).fetchall()
    return rows[0] if rows else None


def _already_seen(con, path: str, digest: str | None) -> bool:
    sql = (
        "SELECT 1 FROM audit.load_log WHERE file_path = ? AND content_hash IS NOT DISTINCT FROM ? "
        "LIMIT 1"
    )
    return _first(con, sql, [path, digest]) is not None


def _loaded_with_hash(con, digest: str | None) -> tuple[str, int] | None:
    if digest is None:
        return None
    sql = (
        "SELECT file_path, load_seq FROM audit.load_log WHERE content_hash = ? AND status = ? "
        "ORDER BY load_seq LIMIT 1"
    )
    return _first(con, sql, [digest, LOADED])


def _load_one(con, f: LandingFile, data: bytes, digest: str) -> FileLoad:
    try:
        result = read_file(f, data)
    except RejectedFile as rejected:
        return _record_rejection(con, f, digest, rejected.reason)
    return _record_load(con, result, digest)


def _reject_unknown_one(con, f: LandingFile, data: bytes, digest: str) -> FileLoad:
    if f.source == "":
        reason = "lies at the top of the landing folder, not inside a <source> folder"
    else:
        reason = f"'{f.source}' is not a known source"
    known = ", ".join(SOURCES)
    return _record_rejection(con, f, digest, f"{reason}; known sources: {known}")


# --------------------------------------------------------------------------------------------
# Writing: one transaction per file


def _next_seq(con) -> int:
    return _first(con, "SELECT coalesce(max(load_seq), 0) + 1 FROM audit.load_log", [])[0]


def _insert_log(con, seq: int, f: LandingFile, digest: str | None, status: str, **kw) -> None:
    con.execute(
        "INSERT INTO audit.load_log (load_seq, source, entity, export_date, file_path, "
        "content_hash, status, reason, rows_read, rows_loaded, rows_quarantined, "
        "unknown_columns, loaded_at, export_format, ids_cleaned) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            seq,
            f.source,
            kw.get("entity", f.entity),
            f.export_date,
            f.relative_path,
            digest,
            status,
            kw.get("reason"),
            kw.get("rows_read", 0),
            kw.get("rows_loaded", 0),
            kw.get("rows_quarantined", 0),
            kw.get("unknown_columns"),
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            kw.get("export_format"),
            kw.get("ids_cleaned", 0),
        ],
    )


class _Transaction:
    def __init__(self, con):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


def _record_rejection(con, f: LandingFile, digest: str | None, reason: str) -> FileLoad:
    with _Transaction(con):
        seq = _next_seq(con)
        _insert_log(con, seq, f, digest, REJECTED, reason=reason)
    return FileLoad(f.relative_path, REJECTED, reason=reason, load_seq=seq, entity=f.entity)


def _record_duplicate(con, f: LandingFile, digest: str, same_as: tuple[str, int]) -> FileLoad:
    path, seq_of = same_as
    reason = f"same content as {path} (load_seq {seq_of}), already loaded"
    with _Transaction(con):
        seq = _next_seq(con)
        _insert_log(con, seq, f, digest, SKIPPED_DUPLICATE, reason=reason)
    return FileLoad(
        f.relative_path, SKIPPED_DUPLICATE, reason=reason, load_seq=seq, entity=f.entity
    )


def _record_load(con, result: ReadResult, digest: str) -> FileLoad:
    f, ent = result.file, result.entity
    names = [c.name for c in ent.all_columns]
    select = ", ".join(_ident(n) for n in names)
    lineage = ", ".join(_ident(name) for name, _ in LINEAGE_COLUMNS)
    unknown = ", ".join(result.unknown_columns) or None
    with _Transaction(con):
        seq = _next_seq(con)
        # DuckDB scans the Arrow data of the frame directly: no row-by-row inserts.
        con.register(_FRAME, result.frame.to_arrow())
        try:
            con.execute(
                f"INSERT INTO raw.{_ident(ent.raw_table)} ({select}, {lineage}) "
                f"SELECT {select}, CAST(? AS DATE), ?, _line_number, ? FROM {_FRAME}",
                [f.export_date, f.relative_path, seq],
            )
        finally:
            con.unregister(_FRAME)
        if result.rows_quarantined:
            con.register(_FRAME, result.quarantine.to_arrow())
            try:
                con.execute(
                    "INSERT INTO audit.quarantine (load_seq, source, entity, file_path, "
                    f"line_number, reason, raw_record) SELECT ?, ?, ?, ?, line_number, reason, "
                    f"raw_record FROM {_FRAME}",
                    [seq, f.source, ent.name, f.relative_path],
                )
            finally:
                con.unregister(_FRAME)
        _insert_log(
            con,
            seq,
            f,
            digest,
            LOADED,
            rows_read=result.rows_read,
            rows_loaded=result.rows_loaded,
            rows_quarantined=result.rows_quarantined,
            unknown_columns=unknown,
            # a mapped export keeps its tool's file name: log the canonical entity it loaded into
            entity=ent.name,
            export_format=result.export_format,
            ids_cleaned=result.ids_cleaned,
        )
    return FileLoad(
        f.relative_path,
        LOADED,
        rows_read=result.rows_read,
        rows_loaded=result.rows_loaded,
        rows_quarantined=result.rows_quarantined,
        reason=f"unknown columns ignored: {unknown}" if unknown else None,
        load_seq=seq,
        entity=ent.name,
        ids_cleaned=result.ids_cleaned,
    )


def _describe(load: FileLoad) -> str:
    if load.status == REJECTED:
        return (
            f"{load.file}: REJECTED, {load.reason}. Next step: fix or re-export the file and drop "
            "it in again (a changed file is picked up on the next run); all rejections are in "
            "audit.rejected_files"
        )
    if load.status == SKIPPED_DUPLICATE:
        return f"{load.file}: skipped, {load.reason}"
    line = (
        f"{load.file}: {load.rows_read:,} read, {load.rows_loaded:,} loaded, "
        f"{load.rows_quarantined:,} quarantined"
    )
    if load.rows_quarantined:
        line += " (see audit.quarantine)"
    if load.ids_cleaned:
        line += f"; invisible characters removed from {load.ids_cleaned:,} id value(s)"
    if load.reason:
        line += f"; {load.reason}"
    return line
