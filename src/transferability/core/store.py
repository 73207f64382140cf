"""Cell files: ``.npz`` arrays plus a JSON record of the spec that made them, written atomically.

Every job writes one file. Readers check the recorded spec against the one they expect, so a cell made
under another config, or by other numerical code, is never mixed into results silently.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["save_cell", "load_cell", "CellFileError", "StaleCellError"]

_META = "__spec__"


class CellFileError(RuntimeError):
    """A cell file is missing, truncated or unreadable."""


class StaleCellError(RuntimeError):
    """A cell file was made with a different spec (config values or numerical-code version)."""


def _writer_tag() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _stale_temporaries(path: Path) -> list[Path]:
    """Temporary files of ``path`` left by a writer on this host that no longer runs (killed mid-write).

    Another live writer's temporary file is never touched, so two writers cannot break each other's rename.
    """
    host = socket.gethostname()
    out = []
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        tag = tmp.name[len(path.name) + 2:].split(".")[0]
        h, _, pid = tag.rpartition("-")
        if h != host or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            out.append(tmp)
        except PermissionError:
            pass
    return out


def save_cell(path: str | os.PathLike, spec: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` and ``spec`` to ``path`` atomically (temporary file, fsync, rename).

    The temporary file's name carries this writer's host and process id: it never collides with another writer's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {k: np.asarray(v) for k, v in arrays.items()}
    payload[_META] = np.array(json.dumps(spec, sort_keys=True))
    for stale in _stale_temporaries(path):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_writer_tag()}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; cell files are ordinary readable files
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _normalise(spec: dict) -> dict:
    return json.loads(json.dumps(spec, sort_keys=True))


def load_cell(path: str | os.PathLike, expect: dict | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a cell file; if ``expect`` is given, require the recorded spec to equal it.

    Raises:
        CellFileError: the file is missing, truncated or garbled (the message says how to recompute it).
        StaleCellError: the recorded spec differs from ``expect`` (the message lists the differing keys).
    """
    path = Path(path)
    hint = "delete it and run the same snakemake command again: it is rebuilt (every per-job file is a target)"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        spec = json.loads(str(arrays.pop(_META)))
    except FileNotFoundError:
        raise CellFileError(f"cell file {path} is missing; run the same snakemake command again to compute it") from None
    except Exception as err:  # numpy raises many types on damaged headers (ValueError, SyntaxError, ...)
        raise CellFileError(f"cell file {path} is truncated or corrupt ({err}); {hint}") from None
    if expect is not None:
        want = _normalise(expect)
        if spec != want:
            keys = sorted(k for k in set(spec) | set(want) if spec.get(k) != want.get(k))
            detail = ", ".join(f"{k}: file has {spec.get(k)!r}, config wants {want.get(k)!r}" for k in keys)
            raise StaleCellError(
                f"cell file {path} was made with a different configuration or code ({detail}); "
                f"it will not be mixed into these results: {hint}"
            )
    return spec, arrays
