"""`check`'s analysis of a valid document, without the positioned tree where it is not needed.

Most configurations have nothing to report, or only something about a few indexes. For a
valid document, tomli (compiled) reads the plain values several times faster than tomllib,
and those values show what no rule can find anything in: the whole configuration (names,
defaults, sources, settings, `[tool.uv]`'s keys), and each index table on its own. Only the
index tables that the values cannot clear are then read by tree-sitter (their lines alone) and
built into positioned tables, on which the per-index rules run as they always do.

When the values show that a rule about the whole configuration has something to say (a
duplicate name, a source naming an undeclared index, a legacy `index-url`, ...), a
pyproject.toml still need not be parsed whole: :func:`unplaced_model` parses the other
`[tool.uv...]` blocks alone, and its index tables are positioned only when a rule asks for a
position (the offending ones) or the per-index rules must read them (those not cleared).

Whatever the values cannot decide returns None, and the caller runs the full analysis: invalid
TOML, TOML 1.1 syntax (UIG003 needs tomllib's verdict), indexes spelled as inline tables or
extended by sub-table headers, a multi-line string where tables must be positioned, inline
suppression comments where there are findings, a uv.toml with a finding about all of it. The
screens below only ever say "nothing to find" when the rules they stand for would find
nothing: the tests run both analyses on every configuration the suite checks and compare the
findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final

import tomli

from uv_index_guard.finding import Finding
from uv_index_guard.model import ENUM_VALUES, Config, IndexDef, Kind, Origin, build
from uv_index_guard.rules import CODES, RULES, Context, per_index_findings
from uv_index_guard.rules.base import UrlRule
from uv_index_guard.rules.invalid_index_name import is_valid_name
from uv_index_guard.rules.invalid_index_value import cached_url_problem
from uv_index_guard.rules.invalid_settings import SETTINGS_KEYS
from uv_index_guard.rules.unknown_uv_toml_key import PROJECT_ONLY_KEYS, UV_SETTINGS_KEYS
from uv_index_guard.syntax import (
    Array,
    Document,
    Scalar,
    Table,
    Value,
    bracket_lines,
    parse_spans,
)
from uv_index_guard.text import LineIndex

_URL_RULES: Final = tuple(rule for rule in RULES if isinstance(rule, UrlRule))
_UV_TOML_KEYS: Final = UV_SETTINGS_KEYS - PROJECT_ONLY_KEYS
# The index keys whose values are screened here; any other key (unknown, credentials,
# preview settings) sends its index to the rules.
_SCREENED_KEYS: Final = frozenset({"name", "url", "explicit", "default", "format",
                                   "authenticate", "publish-url", "ignore-error-codes",
                                   "cache-control"})
_BASIC_KEYS: Final = frozenset({"name", "url", "explicit"})
_INDEX_PATH: Final = {Kind.PYPROJECT: ("tool", "uv", "index"), Kind.UV_TOML: ("index",)}

# TOML 1.1 syntax, which tomli reads and tomllib does not: `\xHH` and `\e` escapes, and times
# without seconds (`07:32`, also in datetimes). These find a superset (in comments, strings,
# `+07:00` offsets): a document they match goes to the full analysis.
_NEW_ESCAPE: Final = re.compile(rb"\\[xe]")
_SHORT_TIME: Final = re.compile(rb":(?<=[0-9]{2}:)(?<![0-9]:[0-9]{2}:)[0-9]{2}(?!:[0-9])")
_ONE_LINE_STRING: Final = re.compile(rb""""(?:[^"\\\n]|\\.)*"|'[^'\n]*'""")
_TRAILING_COMMA: Final = re.compile(rb",[ \t]*\}")


def maybe_toml11(data: bytes) -> bool:
    """False when ``data`` (a document tomli reads) certainly has no TOML 1.1-only syntax."""
    if _NEW_ESCAPE.search(data) or _SHORT_TIME.search(data):
        return True
    # An inline table over several lines (or with a trailing comma): in TOML 1.0 each one
    # is on one line, so a line with `{` has as many `}` outside strings and comments.
    at = data.find(b"{")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end
        line = data[start:end]
        if b'"""' in line or b"'''" in line:
            return True
        code = _ONE_LINE_STRING.sub(b"", line).split(b"#", 1)[0]
        if code.count(b"{") != code.count(b"}") or _TRAILING_COMMA.search(code):
            return True
        at = data.find(b"{", end)
    return False


class _Screen:
    """What the plain values say: the index tables, and those the rules must read."""

    __slots__ = ("ignores", "indexes", "referenced", "unclear")

    def __init__(self) -> None:
        self.indexes: list[dict[str, Any]] = []
        self.referenced: set[str] = set()
        self.ignores: set[str] = set()
        self.unclear: list[int] = []  # ordinals of the indexes the rules must read


def screen(values: dict[str, Any], kind: Kind) -> _Screen | None:
    """None unless no rule about the whole configuration can find anything in ``values``."""
    found = _Screen()
    if kind is Kind.PYPROJECT:
        tool = values.get("tool")
        if tool is None:
            return found
        if type(tool) is not dict:
            return None
        settings = tool.get("uv-index-guard")
        if settings is not None:
            ignores = _settings_ignores(settings)  # UIG002
            if ignores is None:
                return None
            found.ignores = ignores
        uv = tool.get("uv")
        if uv is None:
            return found
        if type(uv) is not dict or not uv.keys() <= UV_SETTINGS_KEYS:  # UIG211
            return None
    else:
        uv = values
        if not uv.keys() <= _UV_TOML_KEYS:  # UIG108
            return None
    if "index-url" in uv or "extra-index-url" in uv:  # UIG210, and what uv reads from them
        return None
    for key in ("publish-url", "check-url"):  # UIG208, UIG209, UIG301 on `[tool.uv]`'s URLs
        url = uv.get(key)
        if type(url) is str and not _plain_url(url, key == "publish-url"):
            return None
    indexes = uv.get("index", [])
    if type(indexes) is not list or any(type(i) is not dict for i in indexes):  # UIG106
        return None
    found.indexes = indexes
    names = _names(indexes)
    if names is None:
        return None
    if kind is Kind.PYPROJECT:
        referenced = _referenced(uv.get("sources"), names)
        if referenced is None:
            return None
        found.referenced = referenced
    pyproject = kind is Kind.PYPROJECT
    found.unclear = [ordinal for ordinal, index in enumerate(indexes)
                     if not _clear(index, pyproject, found.referenced)]
    return found


def _settings_ignores(settings: Any) -> set[str] | None:
    """The codes `[tool.uv-index-guard]` ignores, or None if UIG002 has something to say."""
    if type(settings) is not dict:
        return None
    for key, value in settings.items():
        if key not in SETTINGS_KEYS or type(value) is not list or any(
                type(item) is not str for item in value):
            return None
        if key == "ignore" and any(code not in CODES for code in value):
            return None
    return set(settings.get("ignore", ()))


def _names(indexes: list[dict[str, Any]]) -> set[str] | None:
    """The index names, or None if UIG102, UIG103/206, UIG104/207, UIG105 or UIG204 would
    report something."""
    named = [name for index in indexes if type(name := index.get("name")) is str]
    names = set(named)
    if (len(names) != len(named)  # UIG103, UIG206
            or not is_valid_name(".".join(named))  # UIG102 (`.` is allowed in a name)
            or sum(index.get("default") is True for index in indexes) > 1  # UIG104, UIG207
            or any("name" not in index and index.get("explicit") is True
                   for index in indexes)):  # UIG105
        return None
    # UIG204: uv's `<NAME>` of a valid name is it upper-cased, with `-` and `.` as `_`.
    variables = {name.upper().replace("-", "_").replace(".", "_") for name in names if name}
    return names if len(variables) == len(names) - ("" in names) else None


def _referenced(sources: Any, names: set[str]) -> set[str] | None:
    """The index names `[tool.uv.sources]` uses, or None if UIG106 or UIG107 would report
    something."""
    used: set[str] = set()
    if sources is None:
        return used
    if type(sources) is not dict:
        return None
    for value in sources.values():
        tables = [value] if type(value) is dict else value if type(value) is list else None
        if tables is None:
            return None
        for table in tables:
            if type(table) is not dict:
                return None
            if "index" in table:
                name = table["index"]
                if type(name) is not str or name not in names:
                    return None
                used.add(name)
    return used


def _plain_url(url: str, publish: bool = False, always: bool = False) -> bool:
    """True for a URL that UIG106 and the URL rules (UIG208, UIG209, UIG301) have nothing
    to say about (``publish``: a `publish-url`; ``always``: its index has
    `authenticate = "always"`)."""
    if cached_url_problem(url, publish):
        return False
    for rule in _URL_RULES:  # (a loop, not `any()`: this runs for every URL)
        if rule.concerns(url) and rule.reports(url, publish, always):
            return False
    return True


def _clear(index: dict[str, Any], pyproject: bool, referenced: set[str]) -> bool:
    """True when no per-index rule can find anything in this index table."""
    keys = index.keys()
    if not keys <= _SCREENED_KEYS:  # UIG201, UIG202, and what is not screened
        return False
    url = index.get("url")
    always = index.get("authenticate") == "always"
    if type(url) is not str or not _plain_url(url, False, always):  # UIG101, the URL rules
        return False
    name = index.get("name")
    if name is not None and (type(name) is not str or not name):  # UIG106, UIG203
        return False
    explicit = index.get("explicit")
    if explicit is not None and type(explicit) is not bool:  # UIG106
        return False
    # Most indexes have nothing but `name`, `url` and `explicit`.
    if not keys <= _BASIC_KEYS and not _clear_settings(index, always):
        return False
    # UIG205: an explicit index that no source uses (unless `uv publish` does).
    return not (pyproject and explicit is True and name and "publish-url" not in keys
                and name not in referenced)


def _clear_settings(index: dict[str, Any], always: bool) -> bool:
    """Whether UIG106 and the URL rules have nothing to say about the keys of ``index``
    but `name`, `url` and `explicit`."""
    default = index.get("default")
    if default is not None and type(default) is not bool:
        return False
    for key in ("format", "authenticate"):
        value = index.get(key)
        if value is not None and (type(value) is not str or value not in ENUM_VALUES[key]):
            return False
    publish = index.get("publish-url")
    if publish is not None and (type(publish) is not str or not _plain_url(publish, True, always)):
        return False
    codes = index.get("ignore-error-codes")
    if codes is not None and (type(codes) is not list or any(
            type(code) is not int or not 0 <= code <= 65535 for code in codes)):
        return False
    cache = index.get("cache-control")
    return cache is None or (type(cache) is dict and all(
        type(cache.get(key, "")) is str for key in ("api", "files")))


def read_values(text: str, data: bytes) -> dict[str, Any] | None:
    """What tomli reads from ``text`` (``data`` in UTF-8); None for invalid TOML, and for
    text that may have TOML 1.1 syntax (UIG003 needs tomllib's verdict, which the full
    analysis asks)."""
    try:
        values = tomli.loads(text.removeprefix("\ufeff"))
    except (tomli.TOMLDecodeError, ValueError, RecursionError):
        return None
    return None if maybe_toml11(data) else values


def quick_check(values: dict[str, Any], text: str, data: bytes, path: str, kind: Kind,
                ignore: Iterable[str] = ()) -> list[Finding] | None:
    """``check``'s findings for ``text``, whose ``values`` tomli read, when no rule about
    the whole configuration has anything to say and the index tables with something to
    report can be positioned one by one; None otherwise."""
    found = screen(values, kind)
    if found is None:
        return None
    if not found.unclear:
        return []
    lines = LineIndex(data)
    located = _locate(text, data, lines, kind, found)
    if located is None:
        return None
    doc, indexes = located
    config = Config(kind, doc, None, None, indexes)
    config._referenced = found.referenced
    # In the order of the full analysis (for findings at the same place).
    findings = [f for found_by_rule in per_index_findings(Context(config, path), indexes)
                for f in found_by_rule]
    return settled(findings, set(ignore) | found.ignores, data)


def settled(findings: list[Finding], ignored: set[str], data: bytes) -> list[Finding] | None:
    """``findings`` but the ``ignored`` codes, in order; None when an inline suppression
    comment may apply (only the full analysis knows which `#` begin comments)."""
    if ignored:
        findings = [f for f in findings if f.code not in ignored]
    if findings and b"uv-index-guard:" in data:
        return None
    findings.sort(key=lambda f: f.sort_key)
    return findings


def _locate(text: str, data: bytes, lines: LineIndex, kind: Kind, found: _Screen
            ) -> tuple[Document, list[IndexDef]] | None:
    """The unclear indexes, positioned (see :func:`_placed`); None when the headers do not
    show them plainly (inline tables, sub-table headers, a multi-line string)."""
    path = _INDEX_PATH[kind]
    blocks = _index_blocks(data, path, len(found.indexes))
    placed = blocks and _placed(text, data, lines, blocks, path, found.unclear,
                                [found.indexes[ordinal] for ordinal in found.unclear])
    if not placed:
        return None
    doc, tables = placed
    return doc, [IndexDef(Origin.INDEX, table, ordinal, table.start, table.header_end)
                 for ordinal, table in zip(found.unclear, tables, strict=True)]


def _placed(text: str, data: bytes, lines: LineIndex, blocks: Callable[[int], tuple[int, int]],
            path: tuple[str, ...], ordinals: list[int], values: list[dict[str, Any]]
            ) -> tuple[Document, list[Table]] | None:
    """The index tables numbered ``ordinals`` (whose plain values are ``values``): the
    blocks of their `[[...index]]` headers alone, parsed and built; None if they do not
    parse alone, or differ in keys from what tomli read (a sub-table header elsewhere,
    `[tool.uv.index.x]`, would have added one)."""
    doc = parse_spans(text, data, lines, [blocks(ordinal) for ordinal in ordinals])
    if doc is None:
        return None
    array = doc.root.path(*path)
    items = array.items if isinstance(array, Array) else []
    tables = [item for item, plain in zip(items, values, strict=False)
              if isinstance(item, Table) and item.how == "array-header"
              and item.entries.keys() == plain.keys()]
    return (doc, tables) if len(tables) == len(ordinals) == len(items) else None


_NEXT_BRACKET_LINE: Final = re.compile(rb"\n[ \t]*\[")


def _index_blocks(data: bytes, path: tuple[str, ...], count: int
                  ) -> Callable[[int], tuple[int, int]] | None:
    """The byte span of the block of the ``n``-th `[[...index]]` header (up to the next line
    that begins with `[`), when the document's ``count`` index tables are all spelled by
    such headers; None otherwise.

    Without multi-line strings, a line of a valid document that spells an index header can
    only be that header (a line of a multi-line array cannot: its items are no bare keys).
    In a multi-line string, such a line could stand in for an index spelled as an inline
    table, so a document with one is left to the full analysis.
    """
    if b'"""' in data or b"'''" in data:
        return None
    spelled = b"[[" + ".".join(path).encode() + b"]]"
    starts = [0] if data.startswith(spelled) else []
    at = data.find(b"\n" + spelled)
    while at != -1:
        starts.append(at + 1)
        at = data.find(b"\n" + spelled, at + 1)
    if len(starts) != count:  # other spellings (`[[tool."uv".index]]`, a comment after it)
        starts = []
        depth = len(path)
        for start, names, array in bracket_lines(data, path[-1].encode()):
            if names is None or names[:depth] != path:
                continue
            if len(names) != depth or not array:
                return None  # `[tool.uv.index.cache-control]`: a table adds to an index
            starts.append(start)
        if len(starts) != count:
            return None  # indexes spelled as inline tables

    def block(ordinal: int) -> tuple[int, int]:
        start = starts[ordinal]
        end = _NEXT_BRACKET_LINE.search(data, start + 1)
        return start, end.start() + 1 if end is not None else len(data)
    return block


_UV_TABLES: Final = frozenset({"uv", "uv-index-guard"})
_PYPROJECT_INDEX: Final = _INDEX_PATH[Kind.PYPROJECT]


class Unplaceable(Exception):
    """An index table of an unplaced model could not be positioned on its own."""


def unplaced_model(text: str, data: bytes, values: dict[str, Any]
                   ) -> tuple[Config, list[IndexDef]] | None:
    """A pyproject.toml's model for the rules, with its index tables unplaced.

    The `[tool.uv...]` and `[tool.uv-index-guard]` blocks but the `[[tool.uv.index]]` ones
    are parsed alone and built as usual; each index table is built from tomli's ``values``
    and positioned when a rule asks (:meth:`IndexDef.unplaced`; a block that cannot be
    positioned alone then raises :class:`Unplaceable`). Also returned: the indexes that
    the per-index rules must read (placed at once, with the legacy URLs); the others
    have nothing for them. None when the blocks do not hold all that tomli read under
    those tables (dotted keys or an inline table under `[tool]`, an inline index table),
    or a multi-line string could hide a header.
    """
    tool = values.get("tool", {})
    uv = tool.get("uv", {}) if type(tool) is dict else None
    indexes = uv.get("index", []) if type(uv) is dict else None
    if type(indexes) is not list or any(type(index) is not dict for index in indexes):
        return None
    blocks = _index_blocks(data, _PYPROJECT_INDEX, len(indexes))
    if blocks is None:
        return None  # also for a multi-line string anywhere
    spans: list[tuple[int, int]] = []
    # A header spelled with escapes (`[tool."\u0075v"]`) is not read: the shapes then differ.
    brackets = bracket_lines(data, b"uv")
    for at, (start, names, _array) in enumerate(brackets):
        if (names is None or len(names) < 2 or names[0] != "tool" or names[1] not in _UV_TABLES
                or names[:3] == _PYPROJECT_INDEX):
            continue
        end = brackets[at + 1][0] if at + 1 < len(brackets) else len(data)
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)  # one range for consecutive blocks
        else:
            spans.append((start, end))
    lines = LineIndex(data)
    doc = parse_spans(text, data, lines, spans)
    if doc is None:
        return None
    built = doc.root.get("tool")
    tables = built.entries if isinstance(built, Table) else {}
    for key in _UV_TABLES:
        value = tool.get(key)
        if key == "uv" and type(value) is dict:
            value = {k: v for k, v in value.items() if k != "index"} or None
        if value is not None and not _same_shape(value, tables[key].value if key in tables
                                                  else None):
            return None
    config = build(doc, Kind.PYPROJECT)
    if config.index_entry is not None:
        return None
    legacy = config.indexes  # `index-url`, `extra-index-url`: after the index tables
    for index in legacy:
        index.ordinal += len(indexes)

    def locate(ordinal: int) -> Table:
        placed = _placed(text, data, lines, blocks, _PYPROJECT_INDEX, [ordinal],
                         [indexes[ordinal]])
        if placed is None:
            raise Unplaceable(ordinal)
        return placed[1][0]

    config.indexes = [IndexDef.unplaced(index, ordinal, locate)
                      for ordinal, index in enumerate(indexes)]
    referenced = config.referenced()
    unclear = [ordinal for ordinal, index in enumerate(indexes)
               if not _clear(index, True, referenced)]
    if unclear:
        placed = _placed(text, data, lines, blocks, _PYPROJECT_INDEX, unclear,
                         [indexes[ordinal] for ordinal in unclear])
        if placed is None:
            return None
        for ordinal, table in zip(unclear, placed[1], strict=True):
            config.indexes[ordinal].place(table)
    read = [config.indexes[ordinal] for ordinal in unclear] + legacy
    config.indexes += legacy
    return config, read


def _same_shape(value: Any, built: Value | None) -> bool:
    """Whether ``built`` has every table key and array item of tomli's ``value``."""
    if type(value) is dict:
        return (isinstance(built, Table) and built.entries.keys() == value.keys()
                and all(_same_shape(v, built.entries[k].value) for k, v in value.items()))
    if type(value) is list:
        return (isinstance(built, Array) and len(built.items) == len(value)
                and all(map(_same_shape, value, built.items)))
    return isinstance(built, Scalar)
