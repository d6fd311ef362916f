"""The base of every schema model: what every value the model sees is guaranteed to be.

* Unknown keys are errors, instances are immutable (``extra="forbid"``, ``frozen``).
* No float is infinite or NaN, wherever it sits (a field, a list item, a dict value): a bound the
  schema does not state is still a bound (``allow_inf_nan=False``).
* ``-0.0`` is ``0.0``: it passes ``>= 0`` but carries a sign bit that numpy's samplers reject as a
  negative scale, and it would print as ``-0``.
* ``true``/``false`` (and YAML's unquoted ``yes``, ``no``, ``on``, ``off``) are not numbers: pydantic
  would read them as 1 and 0 without a word.

Model classes derive from :class:`Strict` rather than repeating the configuration, so that the
guarantees hold for any schema, including ones written later.
"""

from __future__ import annotations

import math
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

__all__ = ["Strict", "plain_zeros"]


def plain_zeros(value: Any) -> Any:
    """``value`` with every ``-0.0`` (in lists and mappings too) replaced by ``0.0``; other values untouched."""
    if isinstance(value, float):
        return 0.0 if value == 0.0 and math.copysign(1.0, value) < 0 else value
    if isinstance(value, dict):
        return {key: plain_zeros(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_zeros(item) for item in value]
    return value


def _has_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, dict):
        return any(_has_bool(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bool(v) for v in value)
    return False


def _admits_bool(annotation: Any) -> bool:
    """Whether a field's type could take a boolean somewhere (a bool, Any, or a model, which checks its own)."""
    if annotation is bool or annotation is Any or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return True
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType or get_args(annotation):
        return any(_admits_bool(arg) for arg in get_args(annotation) if not isinstance(arg, str | int | float))
    return False


class Strict(BaseModel):
    """Base of every schema model: unknown keys are errors, instances are immutable, floats are finite,
    and ``-0.0`` is read as ``0.0``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain_zeros(cls, data: Any) -> Any:
        return plain_zeros(data) if isinstance(data, dict) else data

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(str(info.field_name))
        if field is not None and _has_bool(value) and not _admits_bool(field.annotation):
            raise ValueError(
                "true/false where a number or text is expected "
                "(YAML reads unquoted yes, no, on, off, true and false as booleans: quote a word)"
            )
        return value
