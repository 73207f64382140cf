"""The log of a table or figure job: its messages go to the log file, and an error to the console as well."""

from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager

__all__ = ["job_log"]


@contextmanager
def job_log(path: str):
    """Send ``sys.stderr`` (warnings, progress) to ``path`` inside the block; on an error write its traceback to
    the log and its last line (type and message, which name the file or key at fault) to the console too, then
    re-raise so the job fails."""
    console = sys.stderr
    with open(path, "w") as fh:
        sys.stderr = fh
        try:
            yield
        except BaseException as err:
            traceback.print_exc(file=fh)
            print(f"error: {type(err).__name__}: {err}\n(full traceback: {path})", file=console, flush=True)
            raise SystemExit(1) from None
        finally:
            sys.stderr = console
