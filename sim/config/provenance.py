"""Where every default parameter comes from: a citation of the source registry, or a stated assumption.

``sim/data/provenance.yaml`` maps dotted key paths of ``sim/data/defaults.yaml`` to their provenance::

    deterrence.credibility.article5_like:
      cite: [berkemeier-fuhrmann-2018/alliances-honoured-less]
      assumption: "Why this value, what it does in the model, what would change it."

An entry covers its path and every leaf beneath it; list items are addressed by index
(``actors.russia.red_lines.0``). :func:`check_provenance` lists what is wrong: a parameter with no
entry, an entry for a path the defaults do not have, a citation that does not resolve, an empty
rationale. The run settings (``name``, ``description``, ``sources``, ``mode``, ``runs``, ``seed``)
are not model parameters and need no entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from sim.config.sources import DanglingCitationError, Registry
from sim.config.yamlio import load_yaml_text

RUN_SETTINGS: frozenset[str] = frozenset({"name", "description", "sources", "mode", "runs", "seed"})
"""Top-level keys of a scenario that are run settings, not model parameters: they need no provenance."""

NAMES: frozenset[str] = frozenset({"label", "lapse_cause"})
"""Keys (at any depth) that name something for tables and figures, not model parameters: they need no provenance."""

_FIELDS = frozenset({"cite", "assumption", "note"})


@dataclass(frozen=True)
class Provenance:
    """Where one parameter (or a group of parameters under a path) comes from.

    Attributes:
        cite: Citations of the source registry (``"<source-key>"`` or ``"<source-key>/<claim-slug>"``).
        assumption: The rationale, when the value is (also) a modelling assumption.
        note: How the cited claims translate into the value.
    """

    cite: tuple[str, ...] = ()
    assumption: str | None = None
    note: str | None = None

    @property
    def kind(self) -> str:
        """``cited``, ``assumption`` or ``both``."""
        if self.cite and self.assumption:
            return "both"
        return "cited" if self.cite else "assumption"


def load_provenance(path: Path | str | None = None) -> dict[str, Provenance]:
    """Load a provenance file.

    Args:
        path: A provenance YAML file; by default the packaged ``sim/data/provenance.yaml``.

    Returns:
        Provenance by dotted key path, in file order.

    Raises:
        ValueError: An entry has an unknown field, a field of the wrong type, or neither ``cite``
            nor ``assumption``; the message names the file, line and key path.
        sim.config.errors.InputError: The file is not valid YAML, has a duplicate key, or is empty.
    """
    if path is None:
        origin = "sim/data/provenance.yaml"
        text = (files("sim") / "data" / "provenance.yaml").read_text(encoding="utf-8")
    else:
        origin = str(path)
        text = Path(path).read_text(encoding="utf-8")
    loaded = load_yaml_text(text, origin)
    return {
        key: _parse_entry(key, raw, f"{origin}:{loaded.lines.get((key,), '?')}: {key}")
        for key, raw in loaded.data.items()
    }


def _parse_entry(key: str, raw: Any, where: str) -> Provenance:
    if not key or any(not part for part in key.split(".")):
        raise ValueError(f"{where}: not a dotted key path like 'deterrence.hazard_max'")
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping with 'cite' and/or 'assumption', got {raw!r}")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    if "cite" not in raw and "assumption" not in raw:
        raise ValueError(f"{where}: neither 'cite' nor 'assumption': cite a source or state the assumption")
    cite = raw.get("cite", [])
    if "cite" in raw and (
        not isinstance(cite, list) or not cite or not all(isinstance(c, str) and c.strip() for c in cite)
    ):
        raise ValueError(f"{where}: 'cite' must be a non-empty list of citations, got {cite!r}")
    texts: dict[str, str | None] = {}
    for fld in ("assumption", "note"):
        value = raw.get(fld)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{where}: '{fld}' must be a non-empty text, got {value!r}")
        texts[fld] = value.strip() if isinstance(value, str) else None
    return Provenance(cite=tuple(c.strip() for c in cite), assumption=texts["assumption"], note=texts["note"])


def _leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted path, value)`` of every leaf; list items by index; empty containers are leaves."""
    if isinstance(data, Mapping) and data:
        items: Any = data.items()
    elif isinstance(data, list) and data:
        items = enumerate(data)
    else:
        yield prefix, data
        return
    for key, value in items:
        if (not prefix and key in RUN_SETTINGS) or key in NAMES:
            continue
        yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))


def parameter_paths(data: Mapping[str, Any]) -> list[str]:
    """Dotted paths of every model parameter of a scenario mapping, in document order.

    Args:
        data: A scenario as plain data (e.g. :func:`sim.config.scenario.defaults`).

    Returns:
        The path of every leaf (``"war.drift"``), list items by index (``"package.territory.options.0"``,
        ``"actors.russia.red_lines.1.penalty"``), the run settings left out.
    """
    return [path for path, _ in _leaves(data) if path]


def provenance_for(path: str, provenance: Mapping[str, Provenance]) -> Provenance | None:
    """The provenance of a parameter: the entry at ``path``, else at its nearest ancestor, else ``None``."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        entry = provenance.get(".".join(parts[:end]))
        if entry is not None:
            return entry
    return None


def check_provenance(
    defaults: Mapping[str, Any], provenance: Mapping[str, Provenance], registry: Registry
) -> list[str]:
    """Everything that keeps the defaults from having complete, resolvable provenance.

    Args:
        defaults: The default scenario as plain data.
        provenance: Entries by dotted path (from :func:`load_provenance`).
        registry: The source registry citations are resolved in.

    Returns:
        One readable message per problem, empty when there is none: a parameter with no entry at its
        path or an ancestor (``missing provenance: ...``), an entry whose path is not a parameter or
        an ancestor of one (``dangling provenance key: ...``), a citation that does not resolve, an
        entry with an empty assumption or with neither citation nor assumption.
    """
    leaves = parameter_paths(defaults)
    known = {".".join(leaf.split(".")[:end]) for leaf in leaves for end in range(1, leaf.count(".") + 2)}
    problems = [f"missing provenance: {leaf}" for leaf in leaves if provenance_for(leaf, provenance) is None]
    for key, entry in provenance.items():
        if key not in known:
            problems.append(f"dangling provenance key: {key} (the defaults have no such parameter or group)")
        if not entry.cite and entry.assumption is None:
            problems.append(f"{key}: neither a citation nor an assumption")
        if entry.assumption is not None and not entry.assumption.strip():
            problems.append(f"{key}: empty assumption (state the rationale)")
        problems.extend(f"{key}: {problem}" for problem in registry.check(entry.cite))
    return problems


def parameter_table(
    defaults: Mapping[str, Any], provenance: Mapping[str, Provenance], registry: Registry
) -> list[dict[str, Any]]:
    """One row per parameter, for the documentation.

    Args:
        defaults: The default scenario as plain data.
        provenance: Entries by dotted path.
        registry: The source registry, to format citations.

    Returns:
        Rows ``{"path", "value", "source", "assumption"}`` in document order: ``source`` lists the
        cited sources' short labels (``"Rutland, The Conversation, 2025-08"``) joined by ``"; "``,
        empty when nothing is cited; ``assumption`` is the rationale or ``None``. Unresolvable
        citations are shown as written, marked ``(unresolved)``.
    """
    rows = []
    for path, value in _leaves(defaults):
        if not path:
            continue
        entry = provenance_for(path, provenance) or Provenance()
        rows.append(
            {
                "path": path,
                "value": value,
                "source": _short_sources(entry.cite, registry),
                "assumption": entry.assumption,
            }
        )
    return rows


def _short_sources(cite: tuple[str, ...], registry: Registry) -> str:
    labels: list[str] = []
    for citation in cite:
        try:
            label = registry.resolve(citation)[0].label
        except DanglingCitationError:
            label = f"{citation} (unresolved)"
        if label not in labels:
            labels.append(label)
    return "; ".join(labels)


__all__ = [
    "RUN_SETTINGS",
    "Provenance",
    "check_provenance",
    "load_provenance",
    "parameter_paths",
    "parameter_table",
    "provenance_for",
]
