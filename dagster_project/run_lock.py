"""One run at a time per warehouse: an exclusive lock on a file beside it, held for the whole run.

The lock is `flock` on `.<warehouse>.lock`: the kernel releases it when the holder's process
ends, however it ends, so a killed run never leaves a stale lock. The file records who holds it
(pid, start time, as-of date) so that a run that cannot get it can say which run it waits for.

PARTNER_LOCK_WAIT_SECONDS  how long a second run waits for the first before it refuses  [600]
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_WAIT_SECONDS = 600.0

# lock files this process holds: a run started by `run_nightly` takes the lock before Dagster
# starts, and the Dagster resource that takes it for runs launched elsewhere must not wait on it
_held: set[str] = set()


class RunRefused(Exception):
    """A run that must not start; the message says why and what to do, in one line."""


class WarehouseBusy(RunRefused):
    pass


class WarehouseHeldOpen(RunRefused):
    """Another program holds the served warehouse open for writing: worth one retry."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def wait_seconds(environ: dict[str, str] | None = None) -> float:
    value = (os.environ if environ is None else environ).get("PARTNER_LOCK_WAIT_SECONDS")
    if not value:
        return DEFAULT_WAIT_SECONDS
    try:
        return max(0.0, float(value))
    except ValueError as err:
        raise RunRefused(f"PARTNER_LOCK_WAIT_SECONDS={value!r} is not a number of seconds") from err


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another run"
    pid, started, as_of = info.get("pid"), info.get("started_at"), info.get("as_of")
    return f"the run of pid {pid} started {started} (as of {as_of})"


@contextmanager
def warehouse_lock(warehouse: Path, as_of: dt.date, wait: float, log=print) -> Iterator[Path]:
    """Hold the warehouse's run lock; wait up to `wait` seconds for another run to end, then
    refuse with WarehouseBusy naming it."""
    path = lock_path(warehouse)
    if str(path) in _held:
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"{warehouse} is being built by {_holder(path)}; not starting a second "
                        f"run (waited {wait:g}s, PARTNER_LOCK_WAIT_SECONDS): try again when it ends"
                    ) from None
                if not told:
                    log(f"waiting up to {wait:g}s for {_holder(path)} to finish with {warehouse}")
                    told = True
                time.sleep(0.2)
        holder = {
            "pid": os.getpid(),
            "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "as_of": as_of.isoformat(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        _held.add(str(path))
        try:
            yield path
        finally:
            _held.discard(str(path))
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
