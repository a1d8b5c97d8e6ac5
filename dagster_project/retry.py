"""One more attempt for a step whose error may clear by itself.

A step wraps its work in `retry_once_if_transient`: a file another program holds locked, or a
full disk or quota, ends the attempt and asks Dagster to run the step once more after
PARTNER_RETRY_WAIT_SECONDS [60]. Any other error (bad data, a failed check or dbt test) fails the
step at once: retrying would change nothing. A run that still fails is told by the failure
sensor (failures.py).
"""

import contextlib
import errno
import os
from collections.abc import Iterator

import dagster as dg
import duckdb

from dagster_project.run_lock import RunRefused, WarehouseHeldOpen

# Errors that may clear by themselves: a file another program holds locked, a full disk or quota.
# Bad data, a failed check or a failed dbt test are not among them: retrying changes nothing.
TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.EBUSY}
RETRY_WAIT_ENV = "PARTNER_RETRY_WAIT_SECONDS"
DEFAULT_RETRY_WAIT_SECONDS = 60.0


def is_transient(err: BaseException) -> bool:
    if isinstance(err, WarehouseHeldOpen):
        return True
    if isinstance(err, OSError) and err.errno in TRANSIENT_ERRNOS:
        return True
    message = str(err).lower()
    return isinstance(err, duckdb.IOException) and (
        "could not set lock" in message or "no space left" in message
    )


def retry_wait_seconds() -> float:
    value = os.environ.get(RETRY_WAIT_ENV)
    try:
        return max(0.0, float(value)) if value else DEFAULT_RETRY_WAIT_SECONDS
    except ValueError as err:
        raise RunRefused(f"{RETRY_WAIT_ENV}={value!r} is not a number of seconds") from err


@contextlib.contextmanager
def retry_once_if_transient(context: dg.AssetExecutionContext) -> Iterator[None]:
    """A transient error ends this step's attempt and asks Dagster to run the step once more,
    after PARTNER_RETRY_WAIT_SECONDS [60]; any other error fails the step (and the run)."""
    try:
        yield
    except Exception as err:
        if not is_transient(err):
            raise
        wait = retry_wait_seconds()
        context.log.warning(f"{err} (may clear by itself: this step runs once more in {wait:g}s)")
        raise dg.RetryRequested(max_retries=1, seconds_to_wait=wait) from err
