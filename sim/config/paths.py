"""Paths the user names (scenario files, ``extends:``, a sweep's ``base:``, ``--out``): checked before use,
and every operating-system error on them turned into an :class:`~sim.config.errors.InputError`.

The checks catch what the operating system would report in ways users cannot read (or not at all): a
NUL byte, a character the file system cannot encode (a lone surrogate), a name too long, a symbolic
link loop, a FIFO or device where a file was meant (reading it would block, or never end), a file
above the size limit, a folder below a file, a folder that cannot be written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from sim.config.errors import InputError
from sim.config.limits import MAX_FILE_BYTES

__all__ = [
    "check_input_file",
    "check_output_folder",
    "check_path_text",
    "os_error",
    "printable",
    "output_errors",
    "read_input_file",
    "real_path",
]

_MAX_PATH_BYTES = 4096
_MAX_NAME_BYTES = 255

_HINTS = {
    errno.ENOENT: "check the spelling; relative paths start from the current directory",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose a path whose folders are folders",
    errno.EISDIR: "name a file, not a folder",
    errno.EACCES: "choose a place you may use, or change its permissions",
    errno.EPERM: "choose a place you may use, or change its permissions",
    errno.EROFS: "the file system is read-only: choose a folder on a writable disk",
    errno.ENOSPC: "free some space, or choose a folder on a disk with room",
    errno.EDQUOT: "your disk quota is used up: free some space, or choose a folder elsewhere",
    errno.ENAMETOOLONG: f"shorten the path: at most {_MAX_NAME_BYTES} bytes a name, {_MAX_PATH_BYTES} in all",
    errno.ELOOP: "a symbolic link points (through others) back to itself: fix or remove the link",
    errno.EEXIST: "choose another path, or remove what is there",
}


def os_error(
    exc: OSError,
    path: str | Path,
    message: str,
    *,
    file: str | Path | None = None,
    line: int | None = None,
    key_path: str | None = None,
    hint: str | None = None,
) -> InputError:
    """An input error for an operating-system error on a path the user named.

    Args:
        exc: The error.
        path: The path the user named (reported as ``found`` with the system's reason).
        message: What could not be done, e.g. ``cannot write the run directory``.
        file: Where the path was named (default: the path itself).
        line: The line in ``file``.
        key_path: The key or option that named it (``extends``, ``--out``).
        hint: How to fix it (default: by the kind of error).
    """
    reason = exc.strerror or type(exc).__name__
    where = exc.filename if exc.filename not in (None, "") else path
    return InputError(
        message,
        file=path if file is None else file,
        line=line,
        key_path=key_path,
        found=f"{reason}: {printable(where)}",
        hint=hint or _HINTS.get(exc.errno or 0, "check the path and its permissions"),
    )


def printable(path: object, limit: int = 160) -> str:
    """A path (or any text) as it can be printed: undecodable characters escaped, shortened to ``limit``."""
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_path_text(
    text: object,
    *,
    what: str = "path",
    file: str | Path | None = None,
    line: int | None = None,
    key_path: str | None = None,
) -> Path:
    """A path from user input, or an input error if no file system could hold it.

    Args:
        text: The path as given (a ``str`` or ``Path``).
        what: What the path names, for the message (``base scenario``, ``--out``).
        file: Where it was given.
        line: The line in ``file``.
        key_path: The key or option that gave it.

    Raises:
        InputError: If it is not text, is empty, holds a NUL byte or a character the file system cannot
            encode, or is too long.
    """
    where = {"file": file, "line": line, "key_path": key_path}
    if isinstance(text, Path):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{what} must be a path", **where, expected="a file or folder path", found=repr(text)[:80])
    if "\0" in text:
        raise InputError(
            f"{what} holds a NUL byte", **where, found=printable(text.replace("\0", "\\0")), hint="remove it"
        )
    try:
        raw = os.fsencode(text)
    except UnicodeError:
        raise InputError(
            f"{what} holds a character no file name can hold",
            **where,
            found=printable(text),
            hint="remove the character (a lone surrogate, e.g. from a \\ud800 escape)",
        ) from None
    longest = max((len(part) for part in raw.split(b"/")), default=0)
    if len(raw) > _MAX_PATH_BYTES or longest > _MAX_NAME_BYTES:
        raise InputError(
            f"{what} is too long",
            **where,
            expected=f"at most {_MAX_NAME_BYTES} bytes a name and {_MAX_PATH_BYTES} in all",
            found=f"{len(raw)} bytes, the longest name {longest}",
            hint=_HINTS[errno.ENAMETOOLONG],
        )
    return Path(text)


def real_path(path: Path) -> Path:
    """The path with symbolic links resolved, as far as they resolve (never raises)."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


def check_input_file(
    path: str | Path,
    *,
    limit: int = MAX_FILE_BYTES,
    file: str | Path | None = None,
    line: int | None = None,
    key_path: str | None = None,
    what: str = "file",
) -> Path:
    """Check that a path the user named is a regular file of at most ``limit`` bytes (nothing is read).

    Args:
        path: The file.
        limit: The largest size accepted.
        file: Where the path was named, if not on the command line (an ``extends:`` line).
        line: The line in ``file``.
        key_path: The key that named it.
        what: What the file is, for messages (``file``, ``base scenario``).

    Raises:
        InputError: If the path is not a regular file of at most ``limit`` bytes, or cannot be looked at.
    """
    path = check_path_text(path, what=f"the {what} name", file=file, line=line, key_path=key_path)
    where = {"file": path if file is None else file, "line": line, "key_path": key_path}
    named = "" if file is None else f": {printable(path)}"  # named in another file: say which file
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(
            f"{what} not found{named}",
            **where,
            hint=f"check the spelling; relative paths start from "
            f"{'the directory of ' + printable(Path(file).name) if file else 'the current directory'}"
            f" ({printable(Path(path).parent if file else Path.cwd())})",
        ) from None
    except OSError as exc:
        raise os_error(exc, path, f"cannot read {what}{named}", **where) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"is a directory, not a YAML file{named}", **where, hint="name a .yaml file inside it")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise InputError(
            f"not a regular file{named}",
            **where,
            expected="a YAML file",
            found=kind,
            hint="save the YAML to a file and name that file",
        )
    if info.st_size > limit:
        raise InputError(
            f"{what} too large{named}",
            **where,
            expected=f"at most {limit:,} bytes",
            found=f"{info.st_size:,} bytes",
            hint="a scenario or sweep file states only what differs from its base; split it, or check it is YAML",
        )
    return path


def read_input_file(
    path: str | Path,
    *,
    limit: int = MAX_FILE_BYTES,
    file: str | Path | None = None,
    line: int | None = None,
    key_path: str | None = None,
) -> bytes:
    """The bytes of a regular file the user named, at most ``limit`` of them (see :func:`check_input_file`).

    Never blocks on a FIFO and never reads a device: only regular files are opened.

    Raises:
        InputError: If the path is not a readable regular file of at most ``limit`` bytes.
    """
    path = check_input_file(path, limit=limit, file=file, line=line, key_path=key_path)
    where = {"file": path if file is None else file, "line": line, "key_path": key_path}
    named = "" if file is None else f": {printable(path)}"
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise os_error(exc, path, f"cannot read file{named}", **where) from None
    if len(data) > limit:  # it grew while we read it
        raise InputError(f"file too large{named}", **where, expected=f"at most {limit:,} bytes", found="more")
    return data


def check_output_folder(path: str | Path, *, key_path: str = "--out") -> Path:
    """A folder to write results to, checked before any work starts.

    Raises:
        InputError: If the path cannot be a folder (too long, a NUL byte, below a file, or a file
            itself), or the nearest existing folder above it cannot be written.
    """
    folder = check_path_text(path, what=key_path, key_path=key_path)
    probe = Path(os.path.abspath(folder))
    try:
        if probe.exists() and not probe.is_dir():
            raise InputError(
                "output path is a file, not a folder", file=folder, key_path=key_path, hint="choose another folder"
            )
        existing = probe
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise InputError(
                "the output folder would be below a file",
                file=folder,
                key_path=key_path,
                found=f"{printable(existing)} is a file",
                hint="choose a path whose folders are folders",
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            reason = "read-only file system" if _read_only(existing) else "permission denied"
            raise InputError(
                "cannot write the output folder",
                file=folder,
                key_path=key_path,
                found=f"{reason}: {printable(existing)}",
                hint=_HINTS[errno.EROFS if reason.startswith("read-only") else errno.EACCES],
            )
    except OSError as exc:
        raise os_error(exc, folder, "cannot use the output folder", key_path=key_path) from None
    return folder


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def output_errors(
    path: str | Path, message: str, *, key_path: str = "--out", hint: str | None = None
) -> Iterator[None]:
    """Turn operating-system errors while writing below ``path`` into input errors (exit code 2).

    Args:
        path: The output folder the user named.
        message: What could not be done.
        key_path: The option that named it.
        hint: Appended to the hint for the kind of error (e.g. what was kept).
    """
    try:
        yield
    except BrokenPipeError:
        raise  # the terminal or pipe went away, not the folder (the CLI handles it)
    except OSError as exc:
        base = _HINTS.get(exc.errno or 0, "check the folder and its permissions")
        raise os_error(exc, path, message, key_path=key_path, hint=f"{base}; {hint}" if hint else base) from exc
