"""TOML with positions, on tree-sitter-toml.

:func:`parse` turns text into a :class:`Document`: a tree of :class:`Table`, :class:`Array`
and :class:`Scalar` values, each with its UTF-8 byte span, whatever TOML spelling produced it
(headers, arrays of tables, dotted keys, quoted keys, inline tables). Parsing is error-tolerant:
tree-sitter keeps going past a syntax error, and whatever it could read is in the tree.

Spec-level validity (duplicate keys, a table defined twice, an invalid escape) is decided by
``tomli`` 2.4+ (TOML 1.1, what uv 0.13 reads) and ``tomllib`` (TOML 1.0, what pip and build
backends read), which are only asked when tree-sitter found an error or the tree builder met a
structural conflict, so valid documents are parsed once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import tomli
import tree_sitter_toml
from tree_sitter import Language, Node, Parser, Tree

from uv_index_guard.text import LineIndex, Position, Range

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

TOML_LANGUAGE: Final = Language(tree_sitter_toml.language())

_DATETIME_TYPES: Final = frozenset(
    {"offset_date_time", "local_date_time", "local_date", "local_time"}
)


def new_parser() -> Parser:
    return Parser(TOML_LANGUAGE)


_PARSER: Final = new_parser()


class Value:
    """A TOML value with its byte span."""

    __slots__ = ("end", "start")
    kind: str = "value"

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    @property
    def py(self) -> Any:
        """The plain Python value (dicts, lists, str, int, ...)."""
        raise NotImplementedError


class Scalar(Value):
    """A string, integer, float, boolean or datetime; decoded from its source on first use."""

    __slots__ = ("_data", "_decoded", "kind")

    def __init__(self, kind: str, start: int, end: int, data: bytes) -> None:
        self.start = start
        self.end = end
        self.kind = kind  # "string", "integer", "float", "boolean" or "datetime"
        self._data = data  # the whole document
        self._decoded: Any = _UNSET

    @property
    def py(self) -> Any:
        if self._decoded is _UNSET:
            self._decoded = _decode_scalar(self.kind, self.raw)
        return self._decoded

    @property
    def raw(self) -> str:
        return self._data[self.start : self.end].decode("utf-8", "replace")

    @property
    def content_start(self) -> int:
        """Byte offset of the first character inside the quotes (strings only)."""
        if self.kind != "string":
            return self.start
        return self.start + len(_delimiter(self.raw))

    @property
    def is_single_line_plain(self) -> bool:
        """True for a one-line string whose decoded text equals its source text."""
        if self.kind != "string":
            return False
        raw = self.raw
        delimiter = _delimiter(raw)
        # In a basic string, tree-sitter only accepts a backslash as an escape sequence.
        return delimiter == "'" or (delimiter == '"' and "\\" not in raw)


_UNSET: Final = object()


class Array(Value):
    """An array, or the array of tables that `[[...]]` headers make.

    An array that cannot hold a table reads its items on first use: most arrays of a
    pyproject.toml (dependencies, classifiers, linter settings) are never looked at.
    """

    __slots__ = ("_items", "_unread", "of_tables")
    kind = "array"

    def __init__(self, start: int, end: int, *, of_tables: bool = False) -> None:
        self.start = start
        self.end = end
        self._items: list[Value] = []
        # The array's node (in a tree nobody edits) and the document, until items are read.
        self._unread: tuple[Node, bytes] | None = None
        self.of_tables = of_tables

    @property
    def items(self) -> list[Value]:
        if self._unread is not None:
            node, data = self._unread
            self._unread = None
            self._items = _Builder(data).items(node)
        return self._items

    @property
    def py(self) -> list[Any]:
        return [item.py for item in self.items]


@dataclass(slots=True)
class Entry:
    """One key of a table: where its last key segment is and where the whole line is."""

    key: str
    key_start: int
    key_end: int
    value: Value
    # The span of the whole `key = value` pair (for deletions), or the header for tables.
    item_start: int
    item_end: int


class Table(Value):
    __slots__ = ("body", "entries", "header_end", "how")
    kind = "table"

    def __init__(self, start: int, end: int, how: str) -> None:
        self.start = start
        self.end = end
        self.entries: dict[str, Entry] = {}
        # "root", "header", "array-header", "implicit", "dotted" or "inline"
        self.how = how
        self.header_end = start
        # For a `[table]` or `[[table]]` kept for the next incremental parse: its body, the
        # same object in every version whose text of this table is the same (see `_Item`).
        self.body: _Item | None = None

    @property
    def py(self) -> dict[str, Any]:
        return {k: e.value.py for k, e in self.entries.items()}

    def get(self, key: str) -> Value | None:
        entry = self.entries.get(key)
        return entry.value if entry is not None else None

    def path(self, *keys: str) -> Value | None:
        value: Value | None = self
        for key in keys:
            if not isinstance(value, Table):
                return None
            value = value.get(key)
        return value


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    start: int
    end: int
    message: str
    # True: valid TOML 1.1 (uv reads it) that TOML 1.0 parsers such as tomllib reject.
    toml11: bool = False


@dataclass(slots=True)
class Document:
    text: str
    data: bytes
    tree: Tree
    lines: LineIndex
    root: Table
    problems: list[SyntaxProblem] = field(default_factory=list)
    # The built table bodies by source text, for the next incremental parse (which takes
    # them: a document whose items were reused must not be read any more).
    items: dict[bytes, list[_Item]] | None = field(default=None, repr=False)
    # What the engine found per table body, for the next incremental analysis (engine.py).
    findings_cache: Any = field(default=None, repr=False)
    # False when the tree came from an incremental reparse that found syntax errors: error
    # recovery from an old tree can read a broken text differently than a fresh parse
    # (see :func:`parse`).
    exact: bool = True

    @property
    def partial(self) -> bool:
        """True when the text is valid but tree-sitter (TOML 1.0) could not read all of it."""
        return bool(self.problems) and all(p.toml11 for p in self.problems) and (
            self.tree.root_node.has_error)

    def range(self, start: int, end: int) -> Range:
        return self.lines.range(start, end)

    def comment_at(self, offset: int) -> bool:
        node = self.tree.root_node.descendant_for_byte_range(offset, offset + 1)
        return node is not None and node.type == "comment"


def parse(text: str, old: Document | None = None, *, incremental: bool = False,
          lines: LineIndex | None = None, exact: bool = True) -> Document:
    """Parse ``text``; with ``old`` (whose tree was edited to match), reparse incrementally.

    With ``incremental``, the document keeps what the next incremental parse can reuse, and
    the tables of ``old`` whose text did not change are reused (moved to their new offsets)
    instead of being built again: ``old`` is not usable afterwards. ``lines`` is a line index
    of the same text, if the caller has one.

    Error recovery can read a broken text differently when it starts from an old tree, so
    by default a text with errors is parsed afresh: what is reported does not depend on the
    editing history. An edit of a broken text mostly leaves it broken: that one is parsed
    afresh at once (an error-free incremental parse reads the text as a fresh one does).
    With ``exact=False`` the incremental reparse is kept even when it finds errors, and the
    document says so (:attr:`Document.exact`); parsing it again with ``old`` set to that
    document (and the same text) gives the exact one.
    """
    data = text.encode("utf-8", "surrogatepass")
    tree = None
    if old is not None and (not exact or not old.tree.root_node.has_error):
        tree = _PARSER.parse(data, old.tree)
        if exact and tree.root_node.has_error:
            tree = None
    inexact = tree is not None and tree.root_node.has_error
    if tree is None:
        tree = _PARSER.parse(data)
    builder = _Builder(data, keep_items=incremental)
    reuse = None
    if incremental and old is not None:
        reuse, old.items = old.items, None
    # Arrays read later keep nodes of this copy: edits of `doc.tree` (for an incremental
    # reparse) do not change it.
    root = builder.build(tree.copy().root_node, reuse)
    lines = lines if lines is not None else LineIndex(data)
    doc = Document(text, data, tree, lines, root, items=builder.items_out,
                   exact=not inexact)
    if tree.root_node.has_error or builder.conflict or _BAD_ESCAPE.search(data):
        doc.problems = _problems(doc, tree.root_node)
    return doc


# Escapes that tree-sitter-toml accepts but TOML forbids (surrogates, beyond U+10FFFF).
_BAD_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]|\\U(?!00(?:0|10))")


# --- building the tree -------------------------------------------------------------------


class _Conflict(Exception):
    pass


# Node kinds by kind id: `Node.type` builds a new string on every call, this table does not.
_KIND_NAMES: Final = {
    **{i: TOML_LANGUAGE.node_kind_for_id(i) or "" for i in range(TOML_LANGUAGE.node_kind_count)},
    0xFFFE: "ERROR",  # tree-sitter's internal error-repeat symbol
    0xFFFF: "ERROR",
}


# A key of bare segments only (`tool.uv.index`): its names and spans are read off its text.
_BARE_DOTTED: Final = re.compile(rb"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_PAIR_IDS: Final = frozenset(i for i, name in _KIND_NAMES.items() if name == "pair")
_BARE_KEY_IDS: Final = frozenset(i for i, name in _KIND_NAMES.items() if name == "bare_key")
# What `_Builder.value` makes a plain `Scalar` of, by kind id: the scalar kind it records.
_SCALAR_KINDS: Final = {
    i: "datetime" if name in _DATETIME_TYPES else name for i, name in _KIND_NAMES.items()
    if name in _DATETIME_TYPES or name in ("string", "integer", "float", "boolean")}


class _Item:
    """The built body of one `[table]` or `[[table]]`, for reuse while its text is unchanged."""

    __slots__ = ("entries", "header_len", "names", "scalars", "start")

    def __init__(self, start: int, names: tuple[str, ...], header_len: int,
                 entries: dict[str, Entry]) -> None:
        self.start = start
        self.names = names
        self.header_len = header_len
        self.entries = entries  # a copy of the table's entries after its body
        # The scalar values of `entries` by key, once the index model asked (model.py).
        self.scalars: dict[str, Scalar] | None = None

    def relocate(self, start: int, data: bytes) -> None:
        """Move the body to ``start`` in the document ``data``.

        The values are moved in place, so the old document must not be read any more; but
        what the values of an index decode to (read by the language server's access check,
        on a thread) stays valid: those are decoded before they move.
        """
        delta = start - self.start
        self.start = start
        for entry in self.entries.values():
            value = entry.value
            if delta and type(value) is Scalar and value._decoded is _UNSET:
                value._decoded = _decode_scalar(value.kind, value.raw)  # from the old text
            if delta:
                entry.key_start += delta
                entry.key_end += delta
                entry.item_start += delta
                entry.item_end += delta
                value.start += delta
                value.end += delta
            if type(value) is Scalar:  # most values: inline the common case
                value._data = data
            else:
                _relocate_inside(value, delta, data)


def _relocate_entry(entry: Entry, delta: int, data: bytes) -> None:
    if delta:
        entry.key_start += delta
        entry.key_end += delta
        entry.item_start += delta
        entry.item_end += delta
    _relocate(entry.value, delta, data)


def _relocate(value: Value, delta: int, data: bytes) -> None:
    if delta:
        value.start += delta
        value.end += delta
    _relocate_inside(value, delta, data)


def _relocate_inside(value: Value, delta: int, data: bytes) -> None:
    """Move what ``value`` holds (its own span is moved already)."""
    if isinstance(value, Scalar):
        value._data = data
    elif isinstance(value, Table):
        if delta:
            value.header_end += delta
        for entry in value.entries.values():
            _relocate_entry(entry, delta, data)
    elif isinstance(value, Array):
        # Read the items now: an unread array holds a node and the text of the old version.
        for item in value.items:
            _relocate(item, delta, data)


class _Builder:
    """Builds the value tree from tree-sitter's, reading each node's children once."""

    def __init__(self, data: bytes, *, keep_items: bool = False) -> None:
        self.data = data
        self.conflict = False
        # The bodies of the tables built, for the next version's :meth:`build` to reuse.
        self.items_out: dict[bytes, list[_Item]] | None = {} if keep_items else None
        # The key names of each table header seen, by its source text.
        self.header_names: dict[bytes, tuple[str, ...]] = {}
        # The table that the keys of a header but its last lead to, when no array is on the way.
        self.parents: dict[tuple[str, ...], Table] = {}
        # The array that a `[[header]]` appends to, when the keys but its last lead to it
        # through tables only (so every such header appends to the same array).
        self.arrays: dict[tuple[str, ...], Array] = {}

    def build(self, root_node: Node, reuse: dict[bytes, list[_Item]] | None = None) -> Table:
        """The value tree; with ``reuse``, tables whose source is in it are not read again.

        ``reuse`` holds the built bodies of another version's tables by their source text
        (see :class:`_Item`); :attr:`items` collects this version's, when not None.
        """
        root = Table(0, len(self.data), "root")
        data = self.data
        for node in root_node.children:
            kind = _KIND_NAMES[node.kind_id]
            try:
                if kind == "pair":
                    self.pair(root, node)
                elif kind == "table" or kind == "table_array_element":
                    self.table(root, node, kind == "table_array_element", reuse, data)
            except _Conflict:
                self.conflict = True
        return root

    def table(self, root: Table, node: Node, array: bool,
              reuse: dict[bytes, list[_Item]] | None, data: bytes) -> None:
        """A `[table]` or `[[table]]` with its body."""
        start, end = node.start_byte, node.end_byte
        items = self.items_out
        source = data[start:end] if items is not None and not node.has_error else None
        found = reuse.get(source) if reuse is not None and source is not None else None
        if found:
            item = found.pop()
            table, fresh = self.header(root, start, end, start + item.header_len, item.names,
                                       lambda: self.spans(node.children[1]), array=array)
            if fresh:
                item.relocate(start, data)
                table.entries = item.entries.copy()
                table.body = item
                if items is not None and source is not None:
                    items.setdefault(source, []).append(item)
                return
            # A header that now completes an implicit table: read the body into it.
            self.body(table, node.children)
            return
        children = node.children
        if len(children) < 2:
            raise _Conflict
        key_node = children[1]
        header_end = children[2].end_byte if len(children) > 2 else key_node.end_byte
        names = self.header_key(key_node)
        table, fresh = self.header(root, start, end, header_end, names,
                                   lambda: self.spans(key_node), array=array)
        conflict = self.conflict
        self.conflict = False
        self.body(table, children)
        if fresh and not self.conflict and items is not None and source is not None:
            table.body = _Item(start, names, header_end - start, table.entries.copy())
            items.setdefault(source, []).append(table.body)
        self.conflict = self.conflict or conflict

    def body(self, table: Table, children: list[Node]) -> None:
        for child in children:
            if child.kind_id in _PAIR_IDS:
                try:
                    self.pair(table, child)
                except _Conflict:
                    self.conflict = True

    def keys(self, node: Node) -> list[Node]:
        """The segments of a (dotted) key, first to last."""
        out: list[Node] = []
        while _KIND_NAMES[node.kind_id] == "dotted_key":
            children = node.children
            if not children:
                raise _Conflict
            out.append(children[-1])
            node = children[0]
        out.append(node)
        out.reverse()
        return out

    def key_text(self, node: Node) -> str:
        kind = _KIND_NAMES[node.kind_id]
        if kind == "bare_key":
            return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        if kind == "quoted_key":
            raw = self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            return _decode_string(raw)
        raise _Conflict

    def header_key(self, key_node: Node) -> tuple[str, ...]:
        """The names of a header's key; each distinct header is decoded once."""
        source = self.data[key_node.start_byte : key_node.end_byte]
        cacheable = not key_node.has_error
        names = self.header_names.get(source) if cacheable else None
        if names is None:
            if cacheable and _BARE_DOTTED.fullmatch(source):  # most headers: `tool.uv.index`
                names = tuple(source.decode("ascii").split("."))
            else:
                names = tuple(self.key_text(k) for k in self.keys(key_node))
            if cacheable:
                self.header_names[source] = names
        return names

    def spans(self, key_node: Node) -> list[tuple[int, int]]:
        """The byte spans of a (dotted) key's segments, first to last."""
        start = key_node.start_byte
        source = self.data[start : key_node.end_byte]
        if not key_node.has_error and _BARE_DOTTED.fullmatch(source):
            out = []
            for segment in source.split(b"."):
                out.append((start, start + len(segment)))
                start += len(segment) + 1
            return out
        return [(k.start_byte, k.end_byte) for k in self.keys(key_node)]

    def header(self, root: Table, start: int, end: int, header_end: int,
               names: tuple[str, ...], read_segments: Callable[[], list[tuple[int, int]]], *,
               array: bool) -> tuple[Table, bool]:
        """The table a header opens, and whether it is new (not an implicit one completed).

        The key's segment nodes (``read_segments``) are only needed to place a new entry, so
        a repeated header (every `[[tool.uv.index]]`) does not read them.
        """
        if array:
            known = self.arrays.get(names)
            if known is not None:  # the common case: one more `[[tool.uv.index]]`
                new = Table(start, end, "array-header")
                new.header_end = header_end
                known.end = end
                known.items.append(new)
                return new, True
        segments: list[tuple[int, int]] | None = None
        parents = names[:-1]
        found = self.parents.get(parents)
        through_tables = True
        if found is not None:
            table = found
        else:
            table = root
            for i, name in enumerate(parents):
                entry = table.entries.get(name)
                if entry is None:
                    segments = segments or read_segments()
                    key_start, key_end = segments[i]
                    sub = Table(start, end, "implicit")
                    table.entries[name] = Entry(name, key_start, key_end, sub, start, end)
                    table = sub
                else:
                    through_tables = through_tables and isinstance(entry.value, Table)
                    table = self.descend(entry)
            if through_tables:
                # Tables stay where they are (an array of tables would give its last element).
                self.parents[parents] = table
        name = names[-1]
        existing = table.entries.get(name)
        new = Table(start, end, "array-header" if array else "header")
        new.header_end = header_end
        if array:
            if existing is None:
                key_start, key_end = (segments or read_segments())[-1]
                arr = Array(start, end, of_tables=True)
                table.entries[name] = Entry(name, key_start, key_end, arr, start, header_end)
            else:
                arr_v = existing.value
                if not isinstance(arr_v, Array) or not arr_v.of_tables:
                    raise _Conflict
                arr = arr_v
                arr.end = end
            arr.items.append(new)
            if through_tables:
                self.arrays[names] = arr
            return new, True
        if existing is not None:
            old = existing.value
            if isinstance(old, Table) and old.how == "implicit":
                key_start, key_end = (segments or read_segments())[-1]
                old.how = "header"
                old.start, old.end, old.header_end = start, end, header_end
                existing.item_start, existing.item_end = start, header_end
                existing.key_start, existing.key_end = key_start, key_end
                return old, False
            raise _Conflict
        key_start, key_end = (segments or read_segments())[-1]
        table.entries[name] = Entry(name, key_start, key_end, new, start, header_end)
        return new, True

    def descend(self, entry: Entry) -> Table:
        """The table that a header's key continues into through an existing entry."""
        value = entry.value
        if isinstance(value, Table) and value.how != "inline":
            if value.how == "dotted":
                # A header into a table that a `key.sub = ...` pair made: that pair's body is
                # changed by a later table, so bodies of this version are not reusable.
                self.items_out = None
            return value
        if isinstance(value, Array) and value.of_tables and value.items:
            last = value.items[-1]
            if isinstance(last, Table):
                return last
        raise _Conflict

    def pair(self, table: Table, node: Node) -> None:
        children = node.children
        if len(children) == 3 and children[0].kind_id in _BARE_KEY_IDS:
            # Most pairs: `bare_key = value`, without a dotted key or a comment to look at.
            key_node, value_node = children[0], children[2]
            key_start, key_end = key_node.start_byte, key_node.end_byte
            name = self.data[key_start:key_end].decode("utf-8", "replace")
            if name in table.entries:
                raise _Conflict
            kind = _SCALAR_KINDS.get(value_node.kind_id)
            value = (Scalar(kind, value_node.start_byte, value_node.end_byte, self.data)
                     if kind is not None else self.value(value_node))
            table.entries[name] = Entry(name, key_start, key_end, value, node.start_byte,
                                        node.end_byte)
            return
        if len(children) < 3:
            raise _Conflict
        key_node, value_node = children[0], children[-1]
        if _KIND_NAMES[value_node.kind_id] == "comment":
            value_node = children[2]
        start, end = node.start_byte, node.end_byte
        target = table
        last = key_node
        if _KIND_NAMES[key_node.kind_id] == "dotted_key":
            *parents, last = self.keys(key_node)
            for kn in parents:
                name = self.key_text(kn)
                entry = target.entries.get(name)
                if entry is None:
                    sub = Table(start, end, "dotted")
                    target.entries[name] = Entry(name, kn.start_byte, kn.end_byte, sub, start, end)
                    target = sub
                    continue
                value = entry.value
                if not isinstance(value, Table) or value.how not in ("dotted", "implicit"):
                    raise _Conflict
                if value.how == "implicit":
                    # Dotted keys into a table created by a sub-table header: let tomllib decide.
                    self.conflict = True
                value.end = max(value.end, end)
                target = value
        name = self.key_text(last)
        if name in target.entries:
            raise _Conflict
        target.entries[name] = Entry(
            name, last.start_byte, last.end_byte, self.value(value_node), start, end
        )

    def items(self, node: Node) -> list[Value]:
        """The items of an array."""
        return [self.value(child) for child in node.named_children
                if _KIND_NAMES[child.kind_id] != "comment"]

    def value(self, node: Node) -> Value:
        kind = _KIND_NAMES[node.kind_id]
        if kind == "inline_table":
            table = Table(node.start_byte, node.end_byte, "inline")
            for child in node.children:
                if _KIND_NAMES[child.kind_id] == "pair":
                    self.pair(table, child)
            return table
        if kind == "array":
            start, end = node.start_byte, node.end_byte
            arr = Array(start, end)
            if node.has_error or self.data.find(b"{", start, end) != -1:
                arr._items = self.items(node)  # inline tables: check their keys now
            else:
                arr._unread = (node, self.data)  # scalars and arrays only: nothing to check
            return arr
        if kind == "ERROR":
            raise _Conflict
        if kind in _DATETIME_TYPES:
            kind = "datetime"
        return Scalar(kind, node.start_byte, node.end_byte, self.data)


# --- scalars -----------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE_ESCAPES: Final = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"',
                          "\\": "\\", "e": "\x1b"}
_LINE_CONTINUATION = re.compile(r"\\[ \t]*\r?\n[ \t\r\n]*")
_TRIPLE_QUOTES: Final = ('"""', "'''")
_QUOTES: Final = ('"', "'")


def _unescape(match: re.Match[str]) -> str:
    hex4, hex8, char = match.groups()
    if hex4 or hex8:
        try:
            return chr(int(hex4 or hex8, 16))
        except ValueError:
            return "\ufffd"
    return _SIMPLE_ESCAPES.get(char, char)


def _delimiter(raw: str) -> str:
    """The opening quote of a string or quoted key, from its source ("" if there is none)."""
    head = raw[:3]
    if head in _TRIPLE_QUOTES:
        return head
    return head[:1] if head[:1] in _QUOTES else ""


def _decode_string(raw: str) -> str:
    delim = _delimiter(raw) or '"'
    n = len(delim)
    body = raw[n:-n] if len(raw) >= 2 * n else raw[n:]
    if n == 3:
        if body.startswith("\r\n"):
            body = body[2:]
        elif body.startswith("\n"):
            body = body[1:]
    if delim[0] == "'":
        return body
    if n == 3:
        body = _LINE_CONTINUATION.sub("", body)
    if "\\" in body:
        body = _ESCAPE.sub(_unescape, body)
    return body


def _decode_scalar(kind: str, raw: str) -> Any:
    if kind == "string":
        return _decode_string(raw)
    if kind == "boolean":
        return raw == "true"
    if kind == "integer":
        try:
            return int(raw.replace("_", ""), 0)
        except ValueError:
            return None
    if kind == "float":
        try:
            return float(raw.replace("_", ""))
        except ValueError:
            return None
    return raw


# --- problems ----------------------------------------------------------------------------

_TOMLLIB_POSITION = re.compile(
    r"^(.*?)(?: \(at line (\d+), column (\d+)\)| \(at end of document\))$"
)


def _problems(doc: Document, root: Node) -> list[SyntaxProblem]:
    """Syntax problems: the spec's verdict first, then every other region tree-sitter rejects.

    TOML 1.1 (tomli), which uv 0.13 reads, decides what is invalid; text that only TOML 1.0
    (tomllib) rejects is one problem marked ``toml11``. What the spec accepts is valid,
    whatever tree-sitter thought.
    """
    found: list[SyntaxProblem] = []
    spec_line = -1
    # uv reads a leading byte-order mark as whitespace; tomli and tomllib reject it.
    text = doc.text.removeprefix("\ufeff")
    try:
        tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        start, end, message = _spec_problem(doc, str(exc))
        spec_line = doc.lines.position(start).line
        found.append(SyntaxProblem(start, end, message))
    except (ValueError, RecursionError) as exc:  # tomli raises ValueError for oddities
        found.append(SyntaxProblem(0, 0, f"invalid TOML: {exc}"))
    else:
        if tomllib is not None:
            try:
                tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                start, end, message = _spec_problem(doc, str(exc))
                return [SyntaxProblem(start, end, message, toml11=True)]
        return found
    if root.has_error:
        seen_lines = {spec_line}
        for node in _error_nodes(root):
            line = node.start_point.row
            if line in seen_lines:
                continue
            seen_lines.add(line)
            if node.is_missing:
                message = f"TOML syntax error: missing `{node.type}`"
            else:
                snippet = doc.data[node.start_byte : min(node.end_byte, node.start_byte + 20)]
                token = snippet.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
                message = f"TOML syntax error: unexpected `{token}`" if token else (
                    "TOML syntax error")
            end = node.end_byte
            row_end = doc.lines.line_start(line + 1) - 1 if line + 1 < doc.lines.line_count else (
                len(doc.data))
            found.append(SyntaxProblem(node.start_byte, min(end, max(row_end, node.start_byte)),
                                       message))
    return found


def _spec_problem(doc: Document, text: str) -> tuple[int, int, str]:
    """Span and message of a tomli/tomllib error ("... (at line L, column C)")."""
    match = _TOMLLIB_POSITION.match(text)
    message = match.group(1) if match else text
    if not (match and match.group(2)):
        end = len(doc.data)
        return max(end - 1, 0), end, f"invalid TOML: {message}"
    line = int(match.group(2)) - 1
    offset = doc.lines.offset(Position(line, int(match.group(3)) - 1))
    if message.startswith(("Cannot overwrite", "Cannot declare", "Cannot mutate")):
        # tomli points after the offending key or header; show the whole statement.
        line_start = doc.lines.line_start(line)
        body = doc.data[line_start:offset]
        start = line_start + len(body) - len(body.lstrip())
        return start, max(offset, start + 1), f"invalid TOML: {message}"
    end = min(offset + 1, len(doc.data))
    if end == offset and offset > 0:
        offset -= 1
    return offset, end, f"invalid TOML: {message}"


def _error_nodes(node: Node) -> Iterator[Node]:
    if node.type == "ERROR" or node.is_missing:
        yield node
        return
    for child in node.children:
        if child.has_error or child.is_missing:
            yield from _error_nodes(child)
