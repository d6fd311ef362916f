"""Safe YAML loading with line numbers, ``extends:`` inheritance, and validation errors users can act on.

Three steps, each usable alone:

1. :func:`load_yaml` reads one file with PyYAML's safe loader into plain Python and records the line
   of every key and list item. It never constructs Python objects: tags other than the plain YAML
   ones (``!!python/object`` and friends, but also ``!!set`` or ``!!binary``) are errors.
2. :func:`resolve` follows ``extends:`` from a file to its bases and merges them, base first, over
   optional defaults, remembering where each value came from.
3. :func:`validate` checks the merged document against any pydantic model and turns every validation
   error into an :class:`~sim.config.errors.InputError` naming file, line, key path, expected, found and a hint.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import types
from collections import abc
from collections.abc import Callable, Iterator, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Tag, ValidationError
from pydantic.fields import FieldInfo

from sim.config.errors import CheckFailed, InputError, InputErrors
from sim.config.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_CHARS
from sim.config.paths import check_path_text, printable, read_input_file, real_path

__all__ = [
    "DEFAULTS",
    "KeyPath",
    "LoadedYaml",
    "Origin",
    "Resolved",
    "changes_form",
    "deep_merge",
    "forms_of",
    "format_key_path",
    "load_yaml",
    "load_yaml_text",
    "load_yaml_value",
    "resolve",
    "validate",
]

KeyPath = tuple[str | int, ...]
"""A path into a document: mapping keys and list indices, e.g. ``("package", "options", 1)``."""

DEFAULTS = "<defaults>"
"""The file name recorded for values that come from the defaults mapping."""

M = TypeVar("M", bound=BaseModel)

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_YAML + name for name in ("null", "bool", "int", "float", "str"))
_MAX_NODES = 1_000_000  # aliases can make a tiny file expand exponentially ("billion laughs")
_NUMBER_TAGS = frozenset(_YAML + name for name in ("int", "float"))
_NUMERIC = re.compile(r"[-+]?(0[xob][0-9a-fA-F_]+|[0-9_.:]+([eE][-+]?[0-9]+)?)")
_FOUND_LIMIT = 80


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, except that dates stay strings (the schema, not YAML, decides what a date is),
    and nesting is limited (PyYAML composes nodes recursively: ~480 levels exhaust Python's stack)."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _YAML + "timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class LoadedYaml:
    """One YAML file as plain Python, with the line of every key.

    Attributes:
        data: The top-level mapping (values are dict, list, str, int, float, bool or None).
        lines: The 1-based line of every mapping key and list item by key path; ``()`` maps to 1.
        file: The file it was read from (or the name given to :func:`load_yaml_text`).
    """

    data: dict[str, Any]
    lines: dict[KeyPath, int]
    file: Path


@dataclass(frozen=True)
class Origin:
    """Where a value came from.

    Attributes:
        file: The file, or :data:`DEFAULTS` (``"<defaults>"``) for values from the defaults mapping.
        line: The 1-based line, if known.
    """

    file: Path | str
    line: int | None


@dataclass(frozen=True)
class Resolved:
    """A document merged from its ``extends`` chain and the defaults, not yet validated.

    Attributes:
        data: The merged document, without the ``extends`` key.
        origins: For every key path in ``data``, where its (winning) value came from.
        chain: The files of the ``extends`` chain, base first, the requested file last.
        overrides: The key paths that overrides (``--set``, a sweep's ``set:`` and points) wrote, and where
            each came from: an error in or below one of them is blamed on it.
    """

    data: dict[str, Any]
    origins: dict[KeyPath, Origin]
    chain: tuple[Path, ...]
    overrides: Mapping[KeyPath, Origin] = field(default_factory=dict)


def format_key_path(path: Sequence[str | int]) -> str:
    """Render a key path as users write it: ``("package", "options", 1)`` -> ``package.options[1]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --------------------------------------------------------------------------------------------- loading


def load_yaml(
    path: str | Path, *, named_in: str | Path | None = None, line: int | None = None, key_path: str | None = None
) -> LoadedYaml:
    """Read a YAML file safely, recording the line of every key and list item.

    Args:
        path: The file to read (UTF-8, a regular file of at most
            :data:`~sim.config.limits.MAX_FILE_BYTES` bytes).
        named_in: The file that named this one (an ``extends:``), for errors about the path itself.
        line: The line of ``named_in`` that named it.
        key_path: The key that named it.

    Returns:
        The top-level mapping with its lines.

    Raises:
        InputError: If the file is missing, a directory, not a regular file, too large, unreadable, not
            UTF-8, or not valid for :func:`load_yaml_text`.
    """
    raw = read_input_file(path, file=named_in, line=line, key_path=key_path)
    path = Path(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "file is not UTF-8 text",
            file=path,
            line=raw[: exc.start].count(b"\n") + 1,
            found=f"byte 0x{raw[exc.start]:02x}",
            hint="save the file with UTF-8 encoding",
        ) from None
    return load_yaml_text(text, path)


def load_yaml_text(text: str, file: str | Path) -> LoadedYaml:
    """Parse YAML text safely, recording the line of every key and list item.

    Only plain YAML is accepted: mappings with string keys, lists, strings, numbers, booleans and
    null. YAML 1.1 rules apply (unquoted ``yes``/``no``/``on``/``off`` are booleans, ``1_000`` is
    an int), except that dates stay strings. ``&anchors``, ``*aliases`` and ``<<`` merges work.

    Args:
        text: The YAML text: one document whose top level is a mapping.
        file: The name to report in errors and in :attr:`LoadedYaml.file`.

    Returns:
        The top-level mapping with its lines.

    Raises:
        InputError: On a syntax error, a duplicate or non-string key, a tag that is not plain YAML,
            or a top level that is empty or not a mapping.
    """
    file = Path(file)
    data, lines = _parse_text(text, file)
    expected = "a mapping of keys to values ('key: value' lines) at the top level"
    if data is None:
        raise InputError("empty document", file=file, expected=expected, found="nothing")
    if not isinstance(data, dict):
        raise InputError("the top level is not a mapping", file=file, line=1, expected=expected, found=_short(data))
    return LoadedYaml(data=data, lines=lines, file=file)


def load_yaml_value(text: str, source: str, key_path: str | None = None) -> Any:
    """Parse one YAML value given on the command line (``--set KEY=VALUE``), as safely as a file.

    The same rules as :func:`load_yaml_text` (plain YAML only, nesting and number limits), but any
    value may stand at the top: a number, a word, a list or a mapping; empty text is null.

    Args:
        text: The value as typed.
        source: What to name in errors, e.g. ``--set``.
        key_path: The key the value is for.

    Raises:
        InputError: If the text is not one plain YAML value.
    """
    if len(text) > MAX_FILE_BYTES:
        raise InputError(
            "value too long", file=source, key_path=key_path, expected=f"at most {MAX_FILE_BYTES:,} characters"
        )
    try:
        data, _ = _parse_text(text, Path(source))
    except InputError as err:
        err.key_path = key_path or err.key_path
        err.line = None
        raise
    return data


def _parse_text(text: str, file: Path) -> tuple[Any, dict[KeyPath, int]]:
    try:
        return _parse(text, file)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.reader.ReaderError as exc:
        raise InputError(
            "character not allowed in YAML",
            file=file,
            line=text[: exc.position].count("\n") + 1,
            found=repr(exc.character if isinstance(exc.character, str) else chr(exc.character)),
            hint="remove the control character, and save the file as UTF-8 text",
        ) from None
    except _TooDeep as exc:
        raise _too_deep(file, exc.line) from None
    except RecursionError:  # a safety net: the depth limits below come first
        raise _too_deep(file, None) from None


class _TooDeep(Exception):
    def __init__(self, line: int | None) -> None:
        super().__init__(line)
        self.line = line


def _too_deep(file: Path, line: int | None, key_path: str | None = None) -> InputError:
    return InputError(
        "nested too deeply",
        file=file,
        line=line,
        key_path=key_path,
        expected=f"at most {MAX_DEPTH} levels of mappings and lists",
        found=f"more than {MAX_DEPTH}",
        hint="a scenario nests five levels deep; check for unbalanced brackets or runaway aliases",
    )


def _parse(text: str, file: Path) -> tuple[Any, dict[KeyPath, int]]:
    loader = _SafeLoader(text)  # checks for disallowed characters at once
    try:
        root = loader.get_single_node()
        builder = _Builder(loader, file)
        return (None if root is None else builder.value(root, ())), builder.lines
    finally:
        loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, file: Path) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "not valid YAML"
    message = f"YAML syntax error at column {mark.column + 1}: {problem}" if mark else f"YAML syntax error: {problem}"
    if exc.problem and exc.context and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    if "tab" in problem or "'\\t'" in problem:
        hint = "indent with spaces; YAML does not allow tabs there"
    elif "document" in problem:
        hint = "a file holds one YAML document: remove the second '---' and what follows, or split the file"
    else:
        hint = (
            "check indentation and quoting here and on the line before; quote text that contains ': ' "
            "or ' #', or that starts with one of { [ * & ! % @ `"
        )
    return InputError(message, file=file, line=mark.line + 1 if mark else None, hint=hint)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _tag(node: yaml.Node) -> str:
    return "!!" + node.tag.removeprefix(_YAML) if node.tag.startswith(_YAML) else node.tag


class _Builder:
    """Turns a composed node tree into plain Python, recording the line of every key and item."""

    def __init__(self, loader: yaml.SafeLoader, file: Path) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[KeyPath, int] = {(): 1}
        self.open: set[int] = set()  # ids of collections being built, to catch recursive aliases
        self.count = 0

    def error(self, node: yaml.Node, message: str, path: KeyPath, **details: str | None) -> InputError:
        return InputError(message, file=self.file, line=_line(node), key_path=format_key_path(path) or None, **details)

    def value(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise self.error(node, "document too large", path, hint="check for aliases (*name) that expand enormously")
        if len(path) > MAX_DEPTH:  # aliases can nest deeper than the text does
            raise _too_deep(self.file, _line(node), format_key_path(path[:MAX_DEPTH]) + "...")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.open:
            raise self.error(
                node, "recursive alias", path, hint="an alias cannot point into the value that contains it"
            )
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node, path)
            return self.mapping(node, path)
        finally:
            self.open.discard(id(node))

    def check_tag(self, node: yaml.Node, allowed: abc.Set[str], path: KeyPath) -> None:
        if node.tag not in allowed:
            raise self.error(
                node,
                f"unsupported tag '{_tag(node)}'",
                path,
                expected="plain YAML: strings, numbers, booleans, null, lists and mappings",
                found=_tag(node),
                hint="remove the tag; files are read as plain data and never construct Python objects",
            )

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        self.check_tag(node, _SCALAR_TAGS, path)
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS and _NUMERIC.fullmatch(node.value):
            raise self.error(
                node,
                "number too long",
                path,
                expected=f"at most {MAX_NUMBER_CHARS} characters (a float keeps 17 significant digits)",
                found=f"{len(node.value):,} characters: {_short(node.value)}",
                hint="write it with an exponent, e.g. 1.5e6; quote it if it is meant as text",
            )
        try:
            value = self.loader.construct_object(node)
            return 0.0 if isinstance(value, float) and value == 0 else value  # -0.0 is 0
        except (yaml.YAMLError, ValueError, KeyError, TypeError):
            raise self.error(
                node,
                f"value does not fit its tag '{_tag(node)}'",
                path,
                found=_short(node.value),
                hint="remove the tag",
            ) from None

    def sequence(self, node: yaml.SequenceNode, path: KeyPath) -> list[Any]:
        self.check_tag(node, {_YAML + "seq"}, path)
        items = []
        for index, child in enumerate(node.value):
            self.lines[(*path, index)] = _line(child)
            items.append(self.value(child, (*path, index)))
        return items

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        self.check_tag(node, {_YAML + "map"}, path)
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge":
                merges.append(value_node)
                continue
            key = self.key(key_node, path)
            line = _line(key_node)
            if key in first_line:
                raise self.error(
                    key_node,
                    f"duplicate key '{key}' (first at line {first_line[key]})",
                    (*path, key),
                    hint="keep only one of them; a mapping holds each key once",
                )
            first_line[key] = line
            self.lines[(*path, key)] = line
            result[key] = self.value(value_node, (*path, key))
        for merge in merges:
            self.merge(result, merge, path)
        return result

    def key(self, node: yaml.Node, path: KeyPath) -> str:
        if isinstance(node, yaml.ScalarNode):
            key = self.scalar(node, path)
            if isinstance(key, str):
                return key
            found, hint = f"{node.value} (read as {type(key).__name__})", f"quote it: '{node.value}':"
        else:
            found, hint = ("a list" if isinstance(node, yaml.SequenceNode) else "a mapping"), "use a plain text key"
        raise self.error(node, "key is not a string", path, expected="a text key", found=found, hint=hint)

    def merge(self, result: dict[str, Any], node: yaml.Node, path: KeyPath) -> None:
        """Apply a ``<<: *base`` merge: keys already in ``result`` win, then earlier sources."""
        for source in node.value if isinstance(node, yaml.SequenceNode) else [node]:
            if not isinstance(source, yaml.MappingNode):
                raise self.error(source, "'<<' can only merge mappings", path, expected="<<: *name, or <<: [*a, *b]")
            outer, self.lines = self.lines, {}
            try:
                merged = self.value(source, path)
                merged_lines = self.lines
            finally:
                self.lines = outer
            added = {key for key in merged if key not in result}
            result.update({key: merged[key] for key in merged if key in added})
            depth = len(path)
            self.lines.update({kp: n for kp, n in merged_lines.items() if len(kp) > depth and kp[depth] in added})


# ------------------------------------------------------------------------------------ merging, extends


def deep_merge(
    base: Mapping[str, Any],
    override: Mapping[str, Any],
    *,
    replaces: Callable[[KeyPath], bool] | None = None,
    path: KeyPath = (),
) -> dict[str, Any]:
    """Merge ``override`` over ``base``: mappings merge recursively, anything else is replaced.

    Lists are replaced whole, not concatenated. Neither input is mutated, and the result shares
    no mutable values with them.

    Args:
        base: The mapping to start from.
        override: The mapping whose values win.
        replaces: Key paths where a value may take one of several forms (``{min, max}`` or
            ``{options: [...]}``): there a mapping that shares no key with the one below it replaces
            it instead of merging into it, so that a value can change form.
        path: The key path of ``base`` and ``override`` in the whole document (for ``replaces``).

    Returns:
        A new dict.
    """
    merged = {key: _copy(value) for key, value in base.items()}
    for key, value in override.items():
        current = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(current, Mapping)
            and not changes_form(current, value, (*path, key), replaces)
        ):
            merged[key] = deep_merge(current, value, replaces=replaces, path=(*path, key))
        else:
            merged[key] = _copy(value)
    return merged


def changes_form(
    current: Mapping[str, Any], value: Mapping[str, Any], path: KeyPath, replaces: Callable[[KeyPath], bool] | None
) -> bool:
    """Whether mapping ``value`` replaces mapping ``current`` at ``path`` rather than merging into it: at a key
    path of several forms, when the two share no key, or when they name different kinds (``kind:``, as a
    guarantor's engagement does: ``{kind: steady}`` over elections replaces them)."""
    if replaces is None:
        return False
    shared = set(current) & set(value)
    other_kind = "kind" in shared and current.get("kind") != value.get("kind")
    return (not shared or other_kind) and replaces(path)


def forms_of(model: type[BaseModel]) -> Callable[[KeyPath], bool]:
    """For :func:`deep_merge`: whether the schema lets the value at a key path take several mapping forms
    (a union of two or more models)."""

    @functools.lru_cache(maxsize=4096)
    def several(path: KeyPath) -> bool:
        models, _ = _schema_at(model, path, set())
        return len(models) > 1

    return several


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return deepcopy(value)


def resolve(
    path: str | Path,
    *,
    defaults: Mapping[str, Any] | None = None,
    extends_key: str = "extends",
    model: type[BaseModel] | None = None,
) -> Resolved:
    """Load a file and the files it ``extends``, and merge them over the defaults.

    ``extends: base.yaml`` names a file relative to the extending file's directory; bases may
    extend further. Precedence, lowest first: ``defaults``, the last base, ..., the file itself.

    Args:
        path: The file to load.
        defaults: Values under everything, recorded with origin file :data:`DEFAULTS`.
        extends_key: The top-level key that names the base file.
        model: The schema, if known: where it lets a value take several forms, a file may change the
            form its base gave (see :func:`deep_merge`).

    Returns:
        The merged document with the origin of every value.

    Raises:
        InputError: If any file fails to load, or an ``extends`` value is not a string, names a
            file that does not exist, or closes a cycle.
    """
    docs = _extends_chain(Path(path), extends_key)
    replaces = forms_of(model) if model is not None else None
    merged: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    if defaults is not None:
        base = {key: value for key, value in defaults.items() if key != extends_key}
        merged = deep_merge(merged, base)
        origins.update((kp, Origin(DEFAULTS, None)) for kp in _key_paths(base))
    for doc in docs:
        merged = deep_merge(
            merged, {key: value for key, value in doc.data.items() if key != extends_key}, replaces=replaces
        )
        # The last layer that holds a key path is where the final value at that path came from.
        origins.update((kp, Origin(doc.file, n)) for kp, n in doc.lines.items() if kp[:1] != (extends_key,))
    return Resolved(
        data=merged,
        origins={kp: origins[kp] for kp in _key_paths(merged)},
        chain=tuple(doc.file for doc in docs),
    )


def _extends_chain(path: Path, extends_key: str) -> list[LoadedYaml]:
    """The loaded files of the chain, base first."""
    docs = [load_yaml(path)]
    seen = [real_path(path)]
    while extends_key in (doc := docs[-1]).data:
        target = doc.data[extends_key]
        line = doc.lines.get((extends_key,))
        if not isinstance(target, str) or not target.strip():
            raise InputError(
                f"'{extends_key}' must name a file",
                file=doc.file,
                line=line,
                key_path=extends_key,
                expected="the path of a base YAML file, relative to this file",
                found=_short(target),
                hint=f"write e.g. {extends_key}: base.yaml",
            )
        where = {"file": doc.file, "line": line, "key_path": extends_key}
        check_path_text(target, what="the path", **where)
        base = Path(os.path.normpath(doc.file.parent / target))
        check_path_text(base, what="the path", **where)
        if real_path(base) in seen:
            cycle = [d.file for d in docs[seen.index(real_path(base)) :]] + [base]
            raise InputError(
                f"'{extends_key}' cycle: " + " -> ".join(str(p) for p in cycle),
                **where,
                hint="a file cannot extend itself, directly or through its bases; remove one 'extends'",
            )
        if len(docs) > MAX_DEPTH:
            raise InputError(
                f"'{extends_key}' chain too long",
                **where,
                expected=f"at most {MAX_DEPTH} files, each extending the next",
                found=f"more than {MAX_DEPTH}",
            )
        if not os.path.lexists(base):
            raise InputError(
                f"'{extends_key}' target not found: {printable(target)}",
                **where,
                expected="an existing YAML file",
                found=f"nothing at {printable(base)}",
                hint=f"the path is relative to the directory of {printable(doc.file.name)}",
            )
        docs.append(load_yaml(base, named_in=doc.file, line=line, key_path=extends_key))
        seen.append(real_path(base))
    return docs[::-1]


def _key_paths(value: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    yield prefix
    items: Any = value.items() if isinstance(value, Mapping) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _key_paths(child, (*prefix, key))


# ------------------------------------------------------------------------------------------ validation


def validate(resolved: Resolved, model: type[M]) -> M:
    """Validate a resolved document against a pydantic model, reporting every error users can act on.

    Works for any model; strict ones (``extra="forbid"``) get "unknown key" errors with a
    "did you mean". Field descriptions (or attribute docstrings) become the hints. A check of a whole
    mapping (a model validator) is reported at the first key of that mapping its message names, and an
    error in or below a value that an override changed is blamed on the override.

    Args:
        resolved: The merged document and the origins of its values.
        model: The pydantic model class.

    Returns:
        The validated model instance.

    Raises:
        InputError: For a single validation error.
        InputErrors: For several, sorted by file and line.
    """
    try:
        return model.model_validate(resolved.data)
    except ValidationError as exc:
        raw = exc.errors(include_url=False)
    except RecursionError:  # a safety net: loading limits the depth first
        origin = resolved.origins.get(())
        raise _too_deep(Path(str(origin.file)) if origin else Path("<input>"), None) from None
    errors = _deduplicate(
        [_input_error(err, resolved, model) for err in _drop_branch_mismatches(raw, resolved.data, _tag_names(model))]
    )
    errors.sort(key=lambda e: (str(e.file or ""), e.line or 0))
    raise errors[0] if len(errors) == 1 else InputErrors(errors)


def _is_type_mismatch(kind: str) -> bool:
    return kind.endswith(("_type", "_parsing")) or kind in ("model_attributes_type", "dict_type", "list_type")


def _drop_branch_mismatches(errors: list[Any], data: Any, tag_names: abc.Set[str]) -> list[Any]:
    """For a value that fits one alternative of a union in type but not in value (``inf`` for ``str |
    float``), drop the other alternatives' complaints that it is not of their type."""
    kinds: dict[KeyPath, list[str]] = {}
    paths = []
    for err in errors:
        path = _real_path(data, err["loc"], tag_names) if err["type"] != "missing" else None
        paths.append(path)
        if path is not None:
            kinds.setdefault(path, []).append(err["type"])
    kept = []
    for err, path in zip(errors, paths, strict=True):
        same = kinds.get(path, []) if path is not None else []
        if _is_type_mismatch(err["type"]) and any(not _is_type_mismatch(k) for k in same):
            continue
        kept.append(err)
    return kept


def _deduplicate(errors: list[InputError]) -> list[InputError]:
    """Each error once; the complaints of a union's alternatives that a value is of none of their types
    merged into one ("expected: a valid string or a valid number")."""
    unique: dict[str, InputError] = {}
    mismatches: dict[tuple[str, int | None, str | None], InputError] = {}
    for err in errors:
        text = str(err)
        if text in unique:
            continue
        where = (str(err.file), err.line, err.key_path)
        if err.message.startswith("Input should be a valid") and where in mismatches:
            first = mismatches[where]
            first.expected = " or ".join(filter(None, (first.expected, err.expected)))
            first.message = "value of the wrong type"
            continue
        if err.message.startswith("Input should be a valid"):
            mismatches[where] = err
        unique[text] = err
    return list(unique.values())


def _input_error(err: Any, resolved: Resolved, model: type[BaseModel]) -> InputError:
    loc: tuple[str | int, ...] = err["loc"]
    kind: str = err["type"]
    missing = kind == "missing" and bool(loc)
    existing = _real_path(resolved.data, loc[:-1] if missing else loc, _tag_names(model))
    message = _plain_words(re.sub(r"^(Value error|Assertion failed), ", "", err["msg"]))
    if kind == "union_tag_invalid" and "tag" in (err.get("ctx") or {}):
        message = f"unknown kind {err['ctx']['tag']!r}"
    value = err.get("input")
    check = (err.get("ctx") or {}).get("error")
    if kind in ("value_error", "assertion_error") and not missing:
        named = _named_key(resolved, existing, check.key if isinstance(check, CheckFailed) and check.key else message)
        if named != existing:
            existing, value = named, _get(resolved.data, named)
    path = (*existing, loc[-1]) if missing else existing
    origin = _origin(resolved, existing)
    where: dict[str, Any] = {
        "file": origin.file if origin else None,
        "line": origin.line if origin else None,
        "key_path": format_key_path(path) or None,
    }
    tags = {part for part in loc if isinstance(part, str)}
    if kind == "extra_forbidden" and path:
        models, _ = _schema_at(model, path[:-1], tags)
        allowed = sorted({key for m in models for key in _fields(m)})
        key = str(path[-1])
        if key in allowed:  # allowed in one form of the value, not in the form the other keys chose
            others = ", ".join(k for k in _get(resolved.data, path[:-1]) if k != key)
            return InputError(
                f"'{key}' cannot stand together with {others}",
                **where,
                expected="the keys of one form: " + ", ".join(allowed),
                hint="this value takes one of several forms; write the keys of one of them only",
            )
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "remove it, or check the spelling against the allowed keys"
        return InputError(f"unknown key '{key}'", **where, expected=", ".join(allowed) or None, hint=hint)
    _, field = _schema_at(model, path, tags)
    description = field.description if field else None
    if missing:
        return InputError(
            "missing key", **where, expected=f"a value for '{loc[-1]}'", found="nothing", hint=description
        )
    ctx = err.get("ctx") or {}
    whole = isinstance(value, Mapping | list) and len(repr(value)) > _FOUND_LIMIT  # a long mapping says nothing
    return InputError(
        message,
        **where,
        expected=_expected(kind, err["msg"], ctx),
        found=None if whole else _short(value),
        hint=check.hint if isinstance(check, CheckFailed) and check.hint else _hint(kind, value, ctx, description),
    )


def _origin(resolved: Resolved, path: KeyPath) -> Origin | None:
    """Where the value at ``path`` came from: the override that wrote it or something inside it, else the
    deepest key path at or above it that has an origin."""
    blamed = [(len(changed), o) for changed, o in resolved.overrides.items() if path[: len(changed)] == changed]
    if blamed:  # the error is in a value an override wrote
        return max(blamed, key=lambda pair: pair[0])[1]
    for changed, origin in resolved.overrides.items():
        if changed[: len(path)] == path:  # an override wrote something inside the value at fault
            return origin
    return next((o for d in range(len(path), -1, -1) if (o := resolved.origins.get(path[:d]))), None)


def _get(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


_WORDS = re.compile(r"[A-Za-z_][\w-]*(?:(?:\.[A-Za-z_][\w-]*)|(?:\.\d+)|(?:\[\d+\]))*")


def _named_key(resolved: Resolved, path: KeyPath, message: str) -> KeyPath:
    """The key path below ``path`` that a check of the whole mapping names in its message, e.g. ``min`` in
    "min (5) is greater than max (1)"; ``path`` itself if it names none.

    Of several named keys, the first that the user wrote is chosen: one an override wrote, else one from a
    file rather than the defaults, else the first named (a file that writes ``{max: 1}`` over the defaults'
    ``{min: 600000, max: 800000}`` is told about its ``max``).
    """
    try:
        node = _get(resolved.data, path)
    except (KeyError, IndexError, TypeError):
        return path
    if not isinstance(node, Mapping):
        return path
    named: list[KeyPath] = []
    for match in _WORDS.finditer(message):
        parts = [p for p in re.split(r"\.|\[|\]", match.group()) if p]
        sub: Any = node
        found: list[str | int] = []
        for part in parts:
            if isinstance(sub, Mapping) and part in sub:
                found.append(part)
                sub = sub[part]
            elif isinstance(sub, list) and part.isdigit() and int(part) < len(sub):
                found.append(int(part))
                sub = sub[int(part)]
            else:
                break
        if found and len(found) == len(parts) and (*path, *found) not in named:
            named.append((*path, *found))
    if not named:
        return path

    def rank(key: KeyPath) -> int:
        if any(key[: len(changed)] == changed for changed in resolved.overrides):
            return 0
        origin = _origin(resolved, key)
        return 2 if origin is None or origin.file == DEFAULTS else 1

    return min(named, key=rank)  # min is stable: among equals, the first named


def _plain_words(message: str) -> str:
    """Pydantic's words for YAML users: a mapping, not a dictionary or an instance of a class."""
    message = re.sub(r"a valid dictionary( or instance of \w+)?", "a mapping (key: value lines)", message)
    return message.replace(" after validation", "")


def _hint(kind: str, value: Any, ctx: Mapping[str, Any], description: str | None) -> str | None:
    """The field's description, after a fix for the usual slips (YAML booleans, misspelt choices)."""
    if isinstance(value, bool) and kind in ("string_type", "literal_error", "enum"):
        return "quote it if you meant a word: YAML reads unquoted yes, no, on, off, true and false as booleans"
    if kind == "literal_error" and isinstance(value, str):
        close = difflib.get_close_matches(value, re.findall(r"'([^']*)'", str(ctx.get("expected", ""))), n=1)
        if close:
            return "\n".join(filter(None, [f"did you mean '{close[0]}'?", description]))
    return description


def _real_path(data: Any, loc: Sequence[str | int], tag_names: abc.Set[str] = frozenset()) -> KeyPath:
    """The elements of a pydantic ``loc`` that are real keys, walking ``data`` from the root.

    Drops what pydantic adds for unions, tagged unions and validators (``'int'``, ``'Range'``,
    ``'function-after[...]'``) and for dict keys (``'[key]'``). A union tag that is also a key of the
    mapping (the tag ``options`` of ``{min: 1, options: [2]}``) counts as a tag when the next element
    of the loc is a key of the same mapping.
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_mapping = isinstance(node, Mapping) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and type(part) is int and 0 <= part < len(node)
        if in_mapping and part in tag_names and i + 1 < len(loc) and loc[i + 1] in node and loc[i + 1] != part:
            continue
        if in_mapping or in_list:
            node = node[part]
            path.append(part)
    return tuple(path)


@functools.lru_cache(maxsize=32)
def _tag_names(model: type[BaseModel]) -> frozenset[str]:
    """Every union tag in a model's annotations (``Tag("options")``) and the names of its union members."""
    names: set[str] = set()
    seen: set[int] = set()

    def walk(annotation: Any) -> None:
        if id(annotation) in seen:
            return
        seen.add(id(annotation))
        if _is_model(annotation):
            names.add(annotation.__name__)
            for info in annotation.model_fields.values():
                walk(info.annotation)
                for meta in info.metadata:
                    walk(meta)
            return
        if isinstance(annotation, Tag):
            names.add(str(annotation.tag))
        for arg in get_args(annotation):
            walk(arg)
        for meta in getattr(annotation, "__metadata__", ()):
            walk(meta)

    walk(model)
    return frozenset(names)


def _expected(kind: str, msg: str, ctx: Mapping[str, Any]) -> str | None:
    """What a valid value looks like, from pydantic's message and context."""
    if kind in ("literal_error", "enum") and "expected" in ctx:
        return f"one of {ctx['expected']}"
    if kind == "union_tag_invalid" and "expected_tags" in ctx:
        discriminator = str(ctx["discriminator"])
        if discriminator.endswith("()"):  # a callable discriminator reads the value's `kind`
            discriminator = "kind"
        return f"{discriminator} set to one of {ctx['expected_tags']}"
    match = re.match(r"(\w+) should (be|have) (.*)", _plain_words(msg))
    if kind in ("value_error", "assertion_error") or not match:
        return None
    subject, verb, rest = match.groups()
    rest = rest.split(", ")[0]
    if verb == "have":
        return f"{'a value' if subject == 'Input' else 'a ' + subject.lower()} with {rest}"
    return f"a value {rest}" if rest.startswith(("greater", "less")) else rest


def _short(value: Any) -> str:
    """A short rendering of a value, YAML spelling for null and booleans."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    text = repr(value)
    return text if len(text) <= _FOUND_LIMIT else text[: _FOUND_LIMIT - 3] + "..."


# ------------------------------------------------------------------ walking a model's fields by key path

_SEQUENCES = (list, tuple, set, frozenset, abc.Sequence, abc.Set)
_MAPPINGS = (dict, abc.Mapping)


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model's fields by the key users write (the alias, if the field has one)."""
    fields = {}
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        fields[alias or name] = info
    return fields


def _alternatives(annotations: Sequence[Any], tags: abc.Set[str]) -> list[Any]:
    """Flatten Annotated/Optional/Union; among several models keep those a union tag in the loc names."""
    flat: list[Any] = []
    for annotation in annotations:
        origin = get_origin(annotation)
        if origin is Annotated:
            flat += _alternatives([get_args(annotation)[0]], tags)
        elif origin is Union or origin is types.UnionType:
            flat += _alternatives(get_args(annotation), tags)
        else:
            flat.append(annotation)
    named = [a for a in flat if _is_model(a) and _named_in(a, tags)]
    return [a for a in flat if not _is_model(a) or a in named] if named else flat


def _named_in(model: type[BaseModel], tags: abc.Set[str]) -> bool:
    """Whether a union tag in the loc names this model: its class name, or a value of a Literal field."""
    if model.__name__ in tags:
        return True
    literals = (f.annotation for f in model.model_fields.values() if get_origin(f.annotation) is Literal)
    return any(str(value) in tags for annotation in literals for value in get_args(annotation))


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _schema_at(
    model: type[BaseModel], path: KeyPath, tags: abc.Set[str]
) -> tuple[list[type[BaseModel]], FieldInfo | None]:
    """The models that may sit at ``path``, and the model field the path last went through."""
    current: list[Any] = [model]
    field: FieldInfo | None = None
    for key in path:
        following: list[Any] = []
        for annotation in _alternatives(current, tags):
            origin, args = get_origin(annotation), get_args(annotation)
            if _is_model(annotation) and isinstance(key, str):
                fields = _fields(annotation)
                info = fields.get(key) or annotation.model_fields.get(key)
                if info is not None:
                    following.append(info.annotation)
                    field = info
            elif origin in _MAPPINGS and len(args) == 2:
                following.append(args[1])
            elif origin in _SEQUENCES and isinstance(key, int) and args:
                if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                    following += [args[key]] if key < len(args) else []
                else:
                    following.append(args[0])
        current = following
    return [a for a in _alternatives(current, tags) if _is_model(a)], field
