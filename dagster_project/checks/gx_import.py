"""Great Expectations, imported while dbt builds rather than when the first check runs.

Importing GX takes ~6 s on a quiet machine (pandas, scipy, sqlalchemy, altair...), and the first
GX check of a night paid it after dbt had finished: at scale 20 on a loaded machine that check
took 35 s against 0.4-2.6 s for the others. While dbt runs (its own process, for most of a
night) the Dagster process only reads dbt's events, so the dbt step starts the import in a
thread (`start_importing`) and the checks take the module from `great_expectations()`, which
waits for that thread. Imports are thread-safe in Python (one lock per module): the checks' own
import finds the module loaded, or finishes it.
"""

import contextlib
import os
import sys
import threading

_started: threading.Thread | None = None
_lock = threading.Lock()


def _import() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # a failure is not reported here: the checks import it again and report it
    with contextlib.suppress(Exception):
        import great_expectations  # noqa: F401


def start_importing() -> None:
    """Import GX in a background thread, once per process (nothing if it is loaded already)."""
    global _started
    with _lock:
        if _started is None and "great_expectations" not in sys.modules:
            _started = threading.Thread(target=_import, name="import-gx", daemon=True)
            _started.start()


def great_expectations():
    """The GX module, once the background import (if any) has finished."""
    with _lock:
        started = _started
    if started is not None:
        started.join()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx
