"""The served warehouse, opened read-only and reopened when a run publishes a new one.

A run publishes by renaming a finished file onto PARTNER_WAREHOUSE, so the path keeps naming the
newest file while an open connection keeps reading the old one. Each query checks the file's
inode and mtime first and reopens when they changed: no restart needed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.readers import connect_marts
from dagster_project.settings import Settings

BUILD_HINT = (
    "Build one with `make run` (or `uv run partner run`), or point PARTNER_WAREHOUSE at a "
    "published warehouse file."
)


class WarehouseUnavailable(Exception):
    """No usable warehouse: the message says why and how to build one."""


@dataclass
class _Open:
    path: Path
    identity: tuple[int, int]
    connection: duckdb.DuckDBPyConnection


_lock = threading.Lock()
_open: _Open | None = None


def warehouse_path() -> Path:
    return Settings.from_env().warehouse


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the current warehouse file (one per caller: cursors are per thread)."""
    global _open
    settings = Settings.from_env()
    path = settings.warehouse
    try:
        identity = _identity(path)
    except FileNotFoundError:
        raise WarehouseUnavailable(f"There is no warehouse at {path}. {BUILD_HINT}") from None
    with _lock:
        if _open is None or _open.path != path or _open.identity != identity:
            # The old connection is dropped, not closed: a cursor another session holds keeps
            # it alive until that query is done.
            _open = None
            try:
                con = connect_marts(settings)  # read-only, reaching no other file
            except FileNotFoundError:
                raise WarehouseUnavailable(
                    f"There is no warehouse at {path}. {BUILD_HINT}"
                ) from None
            except duckdb.Error as err:
                raise WarehouseUnavailable(
                    f"The warehouse at {path} cannot be opened ({err}). {BUILD_HINT}"
                ) from None
            _open = _Open(path, identity, con)
        return _open.connection.cursor()


def query(sql: str, params: list | None = None) -> pd.DataFrame:
    cursor = connection()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


def scalar(sql: str, params: list | None = None):
    cursor = connection()
    try:
        row = cursor.execute(sql, params or []).fetchone()
    finally:
        cursor.close()
    return None if row is None else row[0]


def tables(schema: str) -> set[str]:
    frame = query(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    )
    return set(frame["table_name"])


def columns(schema: str, table: str) -> set[str]:
    frame = query(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    )
    return set(frame["column_name"])


def as_of_date():
    """The warehouse's as-of date: the last day of marts.program_kpis, which a run always fills
    (a full series of zeros when nothing was exported yet)."""
    if "program_kpis" not in tables("marts"):
        raise WarehouseUnavailable(
            f"The warehouse at {warehouse_path()} has no marts yet. {BUILD_HINT}"
        )
    as_of = scalar("select max(as_of_date) from marts.program_kpis")
    if as_of is None:
        raise WarehouseUnavailable(
            f"The warehouse at {warehouse_path()} has empty marts. {BUILD_HINT}"
        )
    return as_of
