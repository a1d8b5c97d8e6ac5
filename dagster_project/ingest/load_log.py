"""audit.load_log and audit.quarantine: what happened to each landing file, written in one
transaction per file with the file's raw rows (loader.py decides what happens)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dagster_project.ingest.entities import LINEAGE_COLUMNS
from dagster_project.ingest.landing import LandingFile
from dagster_project.ingest.reader import ReadResult

LOADED = "loaded"
SKIPPED_DUPLICATE = "skipped_duplicate"
REJECTED = "rejected"
HELD = "held"  # a file of a multi-file export waiting for its other files (export_groups.py)
JOINED = "joined"  # a partner file of a multi-file export, read into its main file's load

_FRAME = "_ingest_frame"


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
    # rows the file's format leaves out on purpose (taxes, test records): no problem
    rows_set_aside: int = 0
    set_aside_rules: str | None = None  # "<rule>: <rows>; ..." (ReadResult.set_aside_rules)


def quoted(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def first_row(con, sql: str, params: list) -> tuple | None:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and then refuses register().
    rows = con.execute(sql, params).fetchall()
    return rows[0] if rows else None


def already_seen(con, path: str, digest: str | None) -> bool:
    sql = (
        "SELECT 1 FROM audit.load_log WHERE file_path = ? AND content_hash IS NOT DISTINCT FROM ? "
        "AND status <> ? LIMIT 1"
    )
    return first_row(con, sql, [path, digest, HELD]) is not None


def unchanged_since_seen(con, files: list[LandingFile]) -> set[str]:
    """The relative paths of `files` whose size and modification time equal those recorded with a
    content hash for that path (not held): known without reading them. A file whose size or
    mtime differ is read and its content hash decides, as before."""
    sql = (
        "SELECT DISTINCT file_path, file_size, file_mtime_ns FROM audit.load_log "
        "WHERE file_size IS NOT NULL AND content_hash IS NOT NULL AND status <> ?"
    )
    recorded = set(con.execute(sql, [HELD]).fetchall())
    return {
        f.relative_path
        for f in files
        if f.size is not None and (f.relative_path, f.size, f.mtime_ns) in recorded
    }


def remember_stat(con, f: LandingFile, digest: str | None) -> None:
    """Record the size and mtime of a file read again and found seen (a file touched without a
    change, or logged before the load log kept them): the next run need not read it."""
    if f.size is None or digest is None:
        return
    con.execute(
        "UPDATE audit.load_log SET file_size = ?, file_mtime_ns = ? "
        "WHERE file_path = ? AND content_hash = ? AND status <> ?",
        [f.size, f.mtime_ns, f.relative_path, digest, HELD],
    )


def loaded_with_hash(con, digest: str | None) -> tuple[str, int] | None:
    if digest is None:
        return None
    sql = (
        "SELECT file_path, load_seq FROM audit.load_log WHERE content_hash = ? AND status = ? "
        "ORDER BY load_seq LIMIT 1"
    )
    return first_row(con, sql, [digest, LOADED])


# Writing: one transaction per file


def next_seq(con) -> int:
    return first_row(con, "SELECT coalesce(max(load_seq), 0) + 1 FROM audit.load_log", [])[0]


def insert_log(con, seq: int, f: LandingFile, digest: str | None, status: str, **kw) -> None:
    con.execute(
        "INSERT INTO audit.load_log (load_seq, source, entity, export_date, file_path, "
        "content_hash, status, reason, rows_read, rows_loaded, rows_quarantined, "
        "unknown_columns, loaded_at, export_format, ids_cleaned, rows_set_aside, "
        "set_aside_rules, file_size, file_mtime_ns) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            kw.get("rows_set_aside", 0),
            kw.get("set_aside_rules"),
            f.size,
            f.mtime_ns,
        ],
    )


class Transaction:
    def __init__(self, con):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


def record_rejection(con, f: LandingFile, digest: str | None, reason: str) -> FileLoad:
    with Transaction(con):
        seq = next_seq(con)
        insert_log(con, seq, f, digest, REJECTED, reason=reason)
    return FileLoad(f.relative_path, REJECTED, reason=reason, load_seq=seq, entity=f.entity)


def record_duplicate(con, f: LandingFile, digest: str, same_as: tuple[str, int]) -> FileLoad:
    path, seq_of = same_as
    reason = f"same content as {path} (load_seq {seq_of}), already loaded"
    with Transaction(con):
        seq = next_seq(con)
        insert_log(con, seq, f, digest, SKIPPED_DUPLICATE, reason=reason)
    return FileLoad(
        f.relative_path, SKIPPED_DUPLICATE, reason=reason, load_seq=seq, entity=f.entity
    )


def record_load(con, result: ReadResult, digest: str, joined=()) -> FileLoad:
    f, ent = result.file, result.entity
    names = [c.name for c in ent.all_columns]
    select = ", ".join(quoted(n) for n in names)
    lineage = ", ".join(quoted(name) for name, _ in LINEAGE_COLUMNS)
    unknown = ", ".join(result.unknown_columns) or None
    with Transaction(con):
        seq = next_seq(con)
        # DuckDB scans the Arrow data of the frame directly: no row-by-row inserts.
        con.register(_FRAME, result.frame.to_arrow())
        try:
            con.execute(
                f"INSERT INTO raw.{quoted(ent.raw_table)} ({select}, {lineage}) "
                f"SELECT {select}, CAST(? AS DATE), ?, _line_number, ?, ? FROM {_FRAME}",
                [f.export_date, f.relative_path, seq, result.tool],
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
        insert_log(
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
            rows_set_aside=result.rows_set_aside,
            set_aside_rules=result.set_aside_rules,
        )
        for name, part, part_digest in joined:  # the partner files, once per content
            if not already_seen(con, part.relative_path, part_digest):
                insert_log(
                    con,
                    next_seq(con),
                    part,
                    part_digest,
                    JOINED,
                    reason=f"read as the {name} file of {f.relative_path} (load_seq {seq})",
                    entity=ent.name,
                    export_format=result.export_format,
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
        rows_set_aside=result.rows_set_aside,
        set_aside_rules=result.set_aside_rules,
    )


def describe(load: FileLoad) -> str:
    if load.status == REJECTED:
        return (
            f"{load.file}: REJECTED, {load.reason}. Next step: fix or re-export the file and drop "
            "it in again (a changed file is picked up on the next run); all rejections are in "
            "audit.rejected_files"
        )
    if load.status == HELD:
        return f"{load.file}: HELD, {load.reason}"
    if load.status == SKIPPED_DUPLICATE:
        return f"{load.file}: skipped, {load.reason}"
    line = (
        f"{load.file}: {load.rows_read:,} read, {load.rows_loaded:,} loaded, "
        f"{load.rows_quarantined:,} quarantined"
    )
    if load.rows_quarantined:
        line += " (see audit.quarantine)"
    if load.rows_set_aside:
        line += f", {load.rows_set_aside:,} set aside by its format ({load.set_aside_rules})"
    if load.ids_cleaned:
        line += f"; invisible characters removed from {load.ids_cleaned:,} id value(s)"
    if load.reason:
        line += f"; {load.reason}"
    return line
