"""Atomic file writes: a reader, or a crash, never sees a half-written result file."""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def write_atomic(path: str | Path, data: bytes | str | Callable[[Path], None]) -> Path:
    """Write a file atomically: to a temporary file in the same folder, flushed to disk, then renamed.

    A reader (or a crash) never sees a half-written file: ``path`` holds either its old content or
    the complete new one.

    Args:
        path: The target file.
        data: The content (bytes, or text written as UTF-8), or a function that writes the content to
            the path it is given (e.g. ``lambda p: frame.to_parquet(p)``).

    Returns:
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)
    return target


def _file_mode(target: Path) -> int:
    """The mode of the file being replaced, or what a plain ``open(..., "w")`` would give (0o666 minus umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    mask = os.umask(0o022)  # there is no way to read the umask without setting it
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def plain(value: Any) -> Any:
    """numpy scalars to Python scalars (``np.True_`` to ``True``, ``np.float64`` to ``float``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str) else value


def _json_ready(value: Any) -> Any:
    """Data for ``json.dumps``: numpy scalars to Python, non-finite floats to None, tuples to lists."""
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {("null" if k is None else str(k)): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: str | Path, data: Any) -> Path:
    """Write data as indented JSON, atomically (NaN and infinity become null)."""
    text = json.dumps(_json_ready(data), indent=2, ensure_ascii=False, allow_nan=False)
    return write_atomic(path, text + "\n")
