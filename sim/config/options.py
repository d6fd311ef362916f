"""Values typed on the command line, checked as strictly as files: ``--set KEY=VALUE``, ``--seed``, ``--runs``,
``--workers``, ``--traced-runs``, ``--checkpoint``.

A flag that sets a scenario field is checked against that field of the schema, so ``--seed`` and
``seed:`` accept exactly the same values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.config.errors import InputError
from sim.config.limits import MAX_TRACED_RUNS, MAX_WORKERS
from sim.config.yamlio import load_yaml_value

__all__ = ["check_checkpoint", "check_count", "check_field", "check_traced_runs", "check_workers", "parse_set"]

_SET_HINT = "VALUE is read as YAML: numbers, true/false, names, or {min: 1, max: 2}"


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` options as ``{"dotted.key": value}``, each value read as one plain YAML value.

    Raises:
        InputError: If an option has no ``=`` or no key, its key path is malformed, or its value is not
            plain YAML (with the option named as the source).
    """
    from sim.config.scenario import SET, split_key_path

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(
                "bad --set option",
                file=SET.file,
                expected="KEY.PATH=VALUE, e.g. deterrence.horizon_years=30",
                found=item if len(item) <= 80 else item[:77] + "...",
                hint=_SET_HINT,
            )
        key = key.strip()
        split_key_path(key, SET)
        out[key] = load_yaml_value(value, str(SET.file), key_path=key)
    return out


def check_field(flag: str, value: Any, model: type[BaseModel], field: str) -> Any:
    """A command-line value for a schema field (``--seed`` for ``Scenario.seed``), checked as the field is.

    Returns:
        The value (None stays None: the flag was not given).

    Raises:
        InputError: If the field would reject it.
    """
    if value is None:
        return None
    info = model.model_fields[field]
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[info.annotation, *info.metadata])
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        expected = err["msg"].removeprefix("Input should be ").strip()
        raise InputError(
            "value not allowed",
            key_path=flag,
            expected=expected,
            found=_short(value),
            hint=info.description,
        ) from None


def check_count(flag: str, value: int | None, low: int, high: int, hint: str | None = None) -> int | None:
    """A whole-number flag between ``low`` and ``high`` (None stays None).

    Raises:
        InputError: Outside the range, with how to go beyond it in the hint.
    """
    if value is None:
        return None
    if not low <= value <= high:
        raise InputError(
            "value out of range",
            key_path=flag,
            expected=f"an integer from {low:,} to {high:,}",
            found=_short(value),
            hint=hint,
        )
    return value


def check_traced_runs(value: int) -> int:
    """``--traced-runs``: 0 to :data:`~sim.config.limits.MAX_TRACED_RUNS`."""
    return check_count(
        "--traced-runs",
        value,
        0,
        MAX_TRACED_RUNS,
        "traced runs are kept in memory until written; a few dozen show the trajectories well",
    )  # type: ignore[return-value]


def check_workers(value: int | None) -> int | None:
    """``--workers``: 1 to :data:`~sim.config.limits.MAX_WORKERS` local processes."""
    return check_count(
        "--workers",
        value,
        1,
        MAX_WORKERS,
        f"at most {MAX_WORKERS} local processes (more than there are chunks are never started); "
        "for more, run a dask cluster and use --backend dask --scheduler ADDRESS",
    )


def check_checkpoint(value: float) -> float:
    """``--checkpoint``: seconds > 0 (``inf``: only at the end)."""
    if math.isnan(value) or not value > 0:
        raise InputError(
            "value not allowed",
            key_path="--checkpoint",
            expected="seconds > 0 (inf: write only at the end)",
            found=_short(value),
        )
    return value


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
