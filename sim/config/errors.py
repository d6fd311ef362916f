"""Errors in user input (scenario files, command-line values) that the CLI reports without a traceback.

Every error says where (file, line, key path), what went wrong, what was expected, what was found,
and how to fix it. The CLI prints ``str(err)`` and exits with code 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["CheckFailed", "InputError", "InputErrors"]

_DETAILS = ("expected", "found", "hint")
_LABEL_WIDTH = 10  # "expected: " - keeps the detail values aligned
_KEY_LIMIT = 160  # a key path longer than this is shown shortened (a pasted blob as a key)


class InputError(Exception):
    """Bad user input. The CLI prints ``str(err)`` and exits with code 2, no traceback.

    ``str(err)`` renders, omitting whatever is ``None``::

        scenarios/x.yaml:12: deterrence.horizon_years: value out of range
          expected: an integer >= 1
          found:    -3
          hint:     the horizon is the number of years simulated after an agreement

    Args:
        message: What is wrong, in a few words.
        file: The file the input came from (``"<defaults>"`` and similar names are fine).
        line: The 1-based line in ``file``.
        key_path: The dotted key path of the value, e.g. ``package.territory.options[1]``.
        expected: What a valid value looks like.
        found: A short rendering of what was there instead.
        hint: How to fix it.

    Attributes:
        message: As given.
        file: As given.
        line: As given.
        key_path: As given.
        expected: As given.
        found: As given.
        hint: As given.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        key_path: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key_path = key_path
        self.expected = expected
        self.found = found
        self.hint = hint

    def location(self) -> str:
        """The ``file:line:`` prefix, as much of it as is known (``""`` when nothing is)."""
        if self.file is not None:
            return f"{self.file}:" + (f"{self.line}:" if self.line is not None else "")
        return f"line {self.line}:" if self.line is not None else ""

    def __str__(self) -> str:
        key_path = (
            self.key_path
            if not self.key_path or len(self.key_path) <= _KEY_LIMIT
            else self.key_path[:_KEY_LIMIT] + "..."
        )
        key = f"{key_path}:" if key_path else ""
        lines = [" ".join(part for part in (self.location(), key, self.message) if part)]
        for label in _DETAILS:
            value = getattr(self, label)
            if value is not None:
                text = str(value).replace("\n", "\n" + " " * (2 + _LABEL_WIDTH))
                lines.append(f"  {label + ':':<{_LABEL_WIDTH}}{text}")
        return "\n".join(lines)


class InputErrors(InputError):
    """Several input errors at once (all validation errors of one file are reported together).

    ``str(err)`` is each error's text, separated by blank lines, then an ``N errors`` summary line
    when there is more than one. Nested ``InputErrors`` are flattened.

    Args:
        errors: The errors, in the order to report them; at least one.

    Attributes:
        errors: The individual errors (never ``InputErrors`` themselves).
    """

    def __init__(self, errors: Sequence[InputError]) -> None:
        flat = tuple(e for err in errors for e in (err.errors if isinstance(err, InputErrors) else (err,)))
        if not flat:
            raise ValueError("InputErrors needs at least one error")
        first = flat[0]
        summary = f"{len(flat)} errors" if len(flat) > 1 else first.message
        super().__init__(summary, file=first.file, line=first.line, key_path=first.key_path)
        self.errors = flat

    def __str__(self) -> str:
        parts = [str(err) for err in self.errors]
        if len(parts) > 1:
            parts.append(f"{len(parts)} errors")
        return "\n\n".join(parts)


class CheckFailed(ValueError):
    """A schema check that failed, raised inside a pydantic validator; validation reports it at ``key``.

    A plain ``ValueError`` works too (it is reported at the first key of the mapping its message names);
    this one says exactly which key, and how to fix it.

    Args:
        message: What is wrong.
        key: The dotted key path, relative to the model being checked, of the value at fault.
        hint: How to fix it.
    """

    def __init__(self, message: str, *, key: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.hint = hint
