"""The source registry and the citation checks.

Every fact, number and assumption in the model points back to a source in the packaged registry
``sim/data/sources.yaml``: news and analysis articles the negotiation domain was built from, the
research used to calibrate and validate the model, and the historical record (treaty and UN texts,
UN mission pages, encyclopaedia and news reports) of the past ceasefires the model is calibrated on.
A *citation* is a string, either ``"<source-key>"`` for a whole source or
``"<source-key>/<claim-slug>"`` for one claim of it::

    registry = load_registry()
    source, claim = registry.resolve("rutland-2025-conversation/grand-force-proposal")
    claim.numbers["troops_high"]          # 20000
    registry.check(["fortna-2003-scrap"])  # ["unknown source 'fortna-2003-scrap' ...; did you mean ...?"]

The loader validates the file strictly (unknown or missing fields, bad values, duplicate keys) and
raises :class:`SourceRegistryError` naming the source, claim and field at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

Kind = Literal["news", "analysis", "research", "record"]
ReadMode = Literal["primary", "abstract", "secondary"]

KINDS: tuple[str, ...] = ("news", "analysis", "research", "record")
"""Allowed values of a source's ``kind``: ``record`` is the historical record of a past case (a
treaty or UN resolution text, a UN mission page, an encyclopaedia or news report of the event)."""

READ_MODES: tuple[str, ...] = ("primary", "abstract", "secondary")
"""Allowed values of ``read`` (research only): read in the source, only its abstract or the
direction of its result, or only through another work quoting it."""

_SOURCE_FIELDS = frozenset(
    {"kind", "outlet", "date", "date_note", "author", "title", "reference", "read", "url", "claims"}
)
_REQUIRED_SOURCE_FIELDS = ("kind", "outlet", "date", "title")
_CLAIM_FIELDS = frozenset({"text", "facts", "numbers"})
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FACT_ID = re.compile(r"F\d{2}")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class SourceRegistryError(ValueError):
    """The registry file is malformed; the message names the file, source key and field."""


class DanglingCitationError(KeyError):
    """A citation names a source or claim that is not in the registry.

    Attributes:
        citation: The citation that failed to resolve.
        suggestions: Close matches that do resolve, best first (possibly empty).
    """

    def __init__(self, citation: str, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.citation = citation
        self.message = message
        self.suggestions = suggestions

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument, quotes and all.
        return self.message


@dataclass(frozen=True)
class Claim:
    """One statement a source supports, in our own words.

    Attributes:
        key: The claim slug, unique within its source.
        text: Our paraphrase of what the source says (one or two sentences).
        facts: Ids of the project's fact sheet (``F01``...) this claim restates; news and analysis
            items only (research and record claims name none).
        numbers: Machine-readable numbers the claim states, e.g. ``{"troops_low": 15000}``.
    """

    key: str
    text: str
    facts: tuple[str, ...] = ()
    numbers: Mapping[str, int | float] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class Source:
    """A news item, analysis, study or historical record in the registry.

    Attributes:
        key: The source key (a lowercase slug), the first part of a citation.
        kind: ``news``, ``analysis``, ``research`` or ``record``.
        outlet: Outlet, journal or publisher, as far as the copy held shows it.
        date: ISO date, or ``YYYY-MM`` / ``YYYY`` when that is all that is known.
        title: Our descriptive title for news and records; the real title for research.
        author: Author(s) when known.
        reference: Full bibliographic reference (required for research).
        read: How a study was read: ``primary``, ``abstract`` or ``secondary`` (research only).
        date_note: Why the date is approximate, when it is.
        url: Where the copy of a record is found (records only).
        claims: The source's claims by slug.
    """

    key: str
    kind: Kind
    outlet: str
    date: str
    title: str
    author: str | None = None
    reference: str | None = None
    read: ReadMode | None = None
    date_note: str | None = None
    url: str | None = None
    claims: Mapping[str, Claim] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    @property
    def label(self) -> str:
        """Short human reference: ``"Rutland, The Conversation, 2025-08"``."""
        who = _short_authors(self.author) if self.author else self.title
        return f"{who}, {_short_outlet(self.outlet)}, {self.date}"


@dataclass(frozen=True)
class Registry:
    """All sources, and the operations on citations.

    Attributes:
        sources: Sources by key, in file order.
    """

    sources: Mapping[str, Source] = field(hash=False)

    def resolve(self, citation: str) -> tuple[Source, Claim | None]:
        """Look up a citation.

        Args:
            citation: ``"<source-key>"`` or ``"<source-key>/<claim-slug>"``.

        Returns:
            The source and the claim (``None`` when the citation names the whole source).

        Raises:
            DanglingCitationError: The source or claim does not exist, or the citation is malformed;
                the message suggests close matches.
        """
        if not isinstance(citation, str) or citation.count("/") > 1 or not all(citation.split("/")):
            raise DanglingCitationError(
                str(citation),
                f"malformed citation {citation!r}: expected '<source-key>' or '<source-key>/<claim-slug>'",
            )
        key, _, slug = citation.partition("/")
        source = self.sources.get(key)
        if source is None:
            keys = _close(key, list(self.sources)) or tuple(k for k in self.sources if k.startswith(f"{key}-"))[:3]
            suggestions = tuple(f"{k}/{slug}" if slug in self.sources[k].claims else k for k in keys)
            raise DanglingCitationError(
                citation, f"unknown source {key!r} in citation {citation!r}{_did_you_mean(suggestions)}", suggestions
            )
        if not slug:
            return source, None
        claim = source.claims.get(slug)
        if claim is None:
            # The same slug under another source is the likeliest slip, then a near miss in this one.
            elsewhere = tuple(f"{k}/{slug}" for k, other in self.sources.items() if slug in other.claims)
            suggestions = (elsewhere + tuple(f"{key}/{s}" for s in _close(slug, list(source.claims))))[:3]
            raise DanglingCitationError(
                citation,
                f"source {key!r} has no claim {slug!r} (citation {citation!r})"
                + (_did_you_mean(suggestions) if suggestions else f"; its claims are: {', '.join(source.claims)}"),
                suggestions,
            )
        return source, claim

    def check(self, citations: Iterable[str]) -> list[str]:
        """Problems with a collection of citations.

        Args:
            citations: Citations to check, e.g. all those found in a scenario or the docs.

        Returns:
            One readable message per citation that does not resolve; empty when all resolve.
        """
        problems = []
        for citation in citations:
            try:
                self.resolve(citation)
            except DanglingCitationError as err:
                problems.append(str(err))
        return problems

    def format(self, citation: str) -> str:
        """A short human reference for a citation.

        Args:
            citation: A citation that resolves.

        Returns:
            E.g. ``"Rutland, The Conversation, 2025-08 — <claim text>"``; for a whole source the
            title stands in for the claim text (news sources, whose label already is the title,
            get the label alone).

        Raises:
            DanglingCitationError: The citation does not resolve.
        """
        source, claim = self.resolve(citation)
        if claim is not None:
            return f"{source.label} — {claim.text}"
        return source.label if source.author is None else f"{source.label} — {source.title}"

    def citations(self) -> list[str]:
        """Every claim-level citation the registry can resolve, in file order."""
        return [f"{key}/{slug}" for key, source in self.sources.items() for slug in source.claims]


def facts_covered(registry: Registry) -> set[str]:
    """Fact-sheet ids (``F01``...) cited by at least one claim of the registry."""
    return {fact for source in registry.sources.values() for claim in source.claims.values() for fact in claim.facts}


def load_registry(path: Path | str | None = None) -> Registry:
    """Load and validate a source registry.

    Args:
        path: A registry YAML file; by default the packaged ``sim/data/sources.yaml``, which is read
            once and cached.

    Returns:
        The validated, immutable registry.

    Raises:
        SourceRegistryError: The file cannot be parsed or breaks the schema described in the header
            of ``sim/data/sources.yaml``.
    """
    if path is None:
        return _default_registry()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SourceRegistryError(f"{path}: cannot read the source registry: {err}") from err
    return _parse(text, str(path))


@functools.lru_cache(maxsize=1)
def _default_registry() -> Registry:
    resource = files("sim") / "data" / "sources.yaml"
    return _parse(resource.read_text(encoding="utf-8"), "sim/data/sources.yaml")


# --- parsing and validation -------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that rejects duplicate mapping keys instead of keeping the last one."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # unhashable key: let construct_mapping report it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _parse(text: str, origin: str) -> Registry:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # safe: a SafeLoader subclass
    except yaml.YAMLError as err:
        raise SourceRegistryError(f"{origin}: not valid YAML: {err}") from err
    if not isinstance(data, dict) or set(data) != {"sources"}:
        raise SourceRegistryError(f"{origin}: expected a mapping with the single top-level key 'sources'")
    raw_sources = data["sources"]
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise SourceRegistryError(f"{origin}: 'sources' must be a non-empty mapping of source key to source")
    sources = {}
    for key, raw in raw_sources.items():
        if not isinstance(key, str) or not _SLUG.fullmatch(key):
            raise SourceRegistryError(f"{origin}: source key {key!r} is not a lowercase slug like 'fortna-2003-scraps'")
        sources[key] = _parse_source(key, raw, origin)
    return Registry(MappingProxyType(sources))


def _parse_source(key: str, raw: Any, origin: str) -> Source:
    def fail(fld: str, problem: str) -> SourceRegistryError:
        return SourceRegistryError(f"{origin}: source {key!r}: field {fld!r}: {problem}")

    if not isinstance(raw, dict):
        raise SourceRegistryError(f"{origin}: source {key!r}: expected a mapping of fields, got {type(raw).__name__}")
    for fld in raw:
        if fld not in _SOURCE_FIELDS:
            raise fail(str(fld), f"unknown field; allowed: {', '.join(sorted(_SOURCE_FIELDS))}")
    for fld in _REQUIRED_SOURCE_FIELDS:
        if fld not in raw:
            raise fail(fld, "missing (required for every source)")

    kind = raw["kind"]
    if kind not in KINDS:
        raise fail("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    strings = {}
    for fld in ("outlet", "title", "date_note", "author", "reference", "url"):
        if fld in raw:
            strings[fld] = _nonempty_str(raw[fld], fail, fld)
    date = _parse_date(raw["date"], fail)

    read = raw.get("read")
    if kind == "research":
        if "reference" not in raw:
            raise fail("reference", "missing (required for research sources)")
        if read is None:
            raise fail("read", f"missing (required for research sources; one of {', '.join(READ_MODES)})")
        if read not in READ_MODES:
            raise fail("read", f"{read!r} is not one of {', '.join(READ_MODES)}")
    else:
        for fld in ("reference", "read"):
            if fld in raw:
                raise fail(fld, f"only research sources have {fld!r} (this source is {kind})")
    if "url" in raw:
        if kind != "record":
            raise fail("url", f"only record sources have 'url' (this source is {kind})")
        if not re.fullmatch(r"https?://\S+", strings["url"]):
            raise fail("url", f"expected an http(s) address, got {strings['url']!r}")

    raw_claims = raw.get("claims", {})
    if raw_claims is None:
        raw_claims = {}
    if not isinstance(raw_claims, dict):
        raise fail("claims", "expected a mapping of claim slug to claim")
    claims = {}
    for slug, raw_claim in raw_claims.items():
        if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
            raise fail("claims", f"claim key {slug!r} is not a lowercase slug like 'budapest-no-enforcement'")
        claims[slug] = _parse_claim(key, slug, raw_claim, kind, origin)

    return Source(
        key=key,
        kind=kind,
        outlet=strings["outlet"],
        date=date,
        title=strings["title"],
        author=strings.get("author"),
        reference=strings.get("reference"),
        read=read,
        date_note=strings.get("date_note"),
        url=strings.get("url"),
        claims=MappingProxyType(claims),
    )


def _parse_claim(key: str, slug: str, raw: Any, kind: str, origin: str) -> Claim:
    def fail(fld: str, problem: str) -> SourceRegistryError:
        return SourceRegistryError(f"{origin}: source {key!r}: claim {slug!r}: field {fld!r}: {problem}")

    if not isinstance(raw, dict):
        raise SourceRegistryError(
            f"{origin}: source {key!r}: claim {slug!r}: expected a mapping with 'text', got {type(raw).__name__}"
        )
    for fld in raw:
        if fld not in _CLAIM_FIELDS:
            raise fail(str(fld), f"unknown field; allowed: {', '.join(sorted(_CLAIM_FIELDS))}")
    if "text" not in raw:
        raise fail("text", "missing (every claim needs our paraphrase)")
    text = _nonempty_str(raw["text"], fail, "text")

    facts = raw.get("facts", [])
    if facts and kind in ("research", "record"):
        raise fail("facts", f"{kind} claims do not cite fact-sheet ids (those are for news and analysis items)")
    if not isinstance(facts, list) or not all(isinstance(f, str) and _FACT_ID.fullmatch(f) for f in facts):
        raise fail("facts", f"expected a list of fact ids like [F02], got {facts!r}")
    if len(set(facts)) != len(facts):
        raise fail("facts", f"repeated fact id in {facts!r}")

    numbers = raw.get("numbers", {})
    if not isinstance(numbers, dict):
        raise fail("numbers", "expected a mapping of name to number")
    for name, value in numbers.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise fail("numbers", f"name {name!r} is not a snake_case identifier")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail("numbers", f"{name}: {value!r} is not a number")

    return Claim(key=slug, text=text, facts=tuple(facts), numbers=MappingProxyType(dict(numbers)))


def _nonempty_str(value: Any, fail: Any, fld: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(fld, f"expected a non-empty string, got {value!r}")
    return value.strip()


def _parse_date(value: Any, fail: Any) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):  # unquoted 2026-01-03
        return value.isoformat()
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise fail("date", f"expected a quoted 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY', got {value!r}")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError as err:
        raise fail("date", f"{value!r} is not a real date: {err}") from None
    return value


# --- formatting helpers -----------------------------------------------------------------------


def _short_authors(author: str) -> str:
    """Family names for a reference: 'Rutland', 'Walter', 'Doyle & Sambanis', 'Grimm et al.'."""
    if "et al" in author:
        return f"{author.split(' et al')[0].split()[-1]} et al."
    names = [n for n in re.split(r",\s*|\s+and\s+|\s*&\s*", author) if n.strip()]
    family = [n.split()[-1] for n in names]
    if len(family) == 1:
        return family[0]
    if len(family) == 2:
        return f"{family[0]} & {family[1]}"
    return f"{family[0]} et al."


def _short_outlet(outlet: str) -> str:
    """The outlet without parenthetical remarks: 'The Conversation'."""
    return re.sub(r"\s*\([^)]*\)", "", outlet).strip()


def _close(word: str, pool: list[str]) -> tuple[str, ...]:
    return tuple(difflib.get_close_matches(word, pool, n=3, cutoff=0.6))


def _did_you_mean(suggestions: tuple[str, ...]) -> str:
    if not suggestions:
        return " (no similar citation in the registry)"
    return "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
