"""The landing folder's layout: find the files at <source>/<export date>/<entity>.<csv|parquet>.

A file out of place is still found (so it can be rejected and recorded, never silently ignored);
`check_place` says what is wrong with its place. Symbolic links (to files or folders) are found
but never followed: `read_bytes` rejects them, so a link to a file outside the landing folder is
neither loaded nor quoted. `RejectedFile` is how every step of reading says
that a whole file cannot be used (LANDING.md, "Bad input").
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from dagster_project.ingest.entities import Entity, entities_of

EXTENSIONS = (".csv", ".parquet")

_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Reasons quote a file's header names and an engine's error words, never its contents at length.
MAX_NAME_CHARS = 40
MAX_ERROR_CHARS = 200


class RejectedFile(Exception):
    """A whole file that cannot be used; `reason` says why in words a user can act on."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def shortened(text: object, limit: int = MAX_NAME_CHARS) -> str:
    """The text stripped, cut to `limit` characters (and "…") for quoting in a reason."""
    text = str(text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def engine_error(err: Exception) -> str:
    """An engine's error message for a reason: its first line, shortened (it may quote data)."""
    lines = str(err).strip().splitlines()
    return shortened(lines[0] if lines else type(err).__name__, MAX_ERROR_CHARS)


@dataclass(frozen=True)
class LandingFile:
    source: str  # first folder under the landing dir ("" for a file lying at its top)
    entity: str  # file name without extension, lower case
    export_date: dt.date | None  # None when the folder is missing or not a YYYY-MM-DD date
    path: Path
    relative_path: str  # POSIX path relative to the landing dir: what logs and audit show
    date_folder: str | None = None  # the <export date> folder name as found; None if misplaced
    is_link: bool = False  # a symbolic link (to a file or a folder): rejected, never read
    # size and modification time when discovered, if the file had not been modified for
    # SETTLED_SECONDS by then (else None): the load log keeps them so that the next run can skip
    # an unchanged file without reading it (loader.py)
    size: int | None = None
    mtime_ns: int | None = None

    @property
    def extension(self) -> str:
        return self.path.suffix.lower()


def discover(landing_dir: Path) -> list[LandingFile]:
    """Every file under the landing dir, in load order: export date, source, entity, path.

    Files that are not at <source>/<date>/<file> are listed too (with export_date None), so they
    can be rejected and recorded rather than silently ignored; so are symbolic links, to files
    and to folders (not followed). Hidden files and folders (.DS_Store, partial uploads named
    .something) are skipped. The landing folder itself may be a link.
    """
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        return []
    found = []
    for folder, folders, files in os.walk(landing_dir):  # does not descend into linked folders
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        linked = [name for name in folders if Path(folder, name).is_symlink()]
        for name in linked + [name for name in files if not name.startswith(".")]:
            path = Path(folder, name)
            if path.is_symlink() or path.is_file():  # not a pipe or a device
                found.append(_landing_file(landing_dir, path))
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


def _landing_file(landing_dir: Path, path: Path) -> LandingFile:
    rel = path.relative_to(landing_dir)
    parts = rel.parts
    date_folder = parts[1] if len(parts) == 3 else None
    is_folder = path.is_dir()  # a linked folder: its first folder is its source, as for a file
    size, mtime_ns = _settled_stat(path)
    return LandingFile(
        source=parts[0] if len(parts) > 1 or is_folder else "",
        entity=path.stem.lower(),
        export_date=_folder_date(date_folder),
        path=path,
        relative_path=rel.as_posix(),
        date_folder=date_folder,
        is_link=path.is_symlink(),
        size=size,
        mtime_ns=mtime_ns,
    )


# A file modified less than this long before it is discovered may still be changing within the
# file system's clock tick (same size, same mtime, other content): its stat is not trusted (as
# git does with "racily clean" files), and the next run reads and hashes it again.
SETTLED_SECONDS = 2


def _settled_stat(path: Path) -> tuple[int | None, int | None]:
    """(size, mtime in ns) of a regular file that has not changed for SETTLED_SECONDS."""
    if path.is_symlink():
        return None, None
    try:
        found = path.stat()
    except OSError:
        return None, None
    if time.time_ns() - found.st_mtime_ns < SETTLED_SECONDS * 1_000_000_000:
        return None, None
    return found.st_size, found.st_mtime_ns


def read_bytes(landing_file: LandingFile) -> bytes:
    """The file's content; RejectedFile for a symbolic link (not followed) or an unreadable file."""
    f = landing_file
    if f.is_link:
        raise RejectedFile(
            f.relative_path,
            "is a symbolic link; links in the landing folder are not followed: copy the export "
            "itself into the folder",
        )
    try:
        return f.path.read_bytes()
    except OSError as err:
        raise RejectedFile(f.relative_path, f"cannot be read ({err.strerror or err})") from err


def _folder_date(name: str | None) -> dt.date | None:
    if name is None or not _DATE_FOLDER.match(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def check_place(landing_file: LandingFile) -> None:
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


def canonical_entity(f: LandingFile) -> Entity | None:
    """The canonical entity the file's name declares in its source folder, or None."""
    for ent in entities_of(f.source):
        if ent.name == f.entity:
            return ent
    return None


def unknown_entity(f: LandingFile) -> str:
    """The reason for a file whose name is no entity of its source."""
    names = ", ".join(e.name for e in entities_of(f.source)) or "none"
    return f"unknown entity '{f.entity}' for source '{f.source}'; known entities: {names}"
