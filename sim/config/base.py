"""The base of every schema model: what every value the model sees is guaranteed to be.

* Unknown keys are errors, instances are immutable (``extra="forbid"``, ``frozen``).
* No float is infinite or NaN, wherever it sits (a field, a list item, a dict value): a bound the
  schema does not state is still a bound (``allow_inf_nan=False``).
* ``-0.0`` is ``0.0``: it passes ``>= 0`` but carries a sign bit that numpy's samplers reject as a
  negative scale, and it would print as ``-0``.

Model classes derive from :class:`Strict` rather than repeating the configuration, so that the
guarantees hold for any schema, including ones written later.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

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


class Strict(BaseModel):
    """Base of every schema model: unknown keys are errors, instances are immutable, floats are finite,
    and ``-0.0`` is read as ``0.0``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain_zeros(cls, data: Any) -> Any:
        return plain_zeros(data) if isinstance(data, dict) else data
