"""Building the value tree from tree-sitter-toml's syntax tree.

The builder reads each node's children once, and (for an incremental parse) reuses the built
body of every table whose source text it has seen in the previous version, moved to its new
offset. What the tree builder cannot place (a key defined twice, a header into a value that
is not a table) is a conflict, recorded by its offset: the spec's verdict then decides (see
:mod:`uv_index_guard.syntax.problems`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

import tree_sitter_toml
from tree_sitter import Language, Node, Parser

from uv_index_guard.syntax.decode import decode_scalar, decode_string
from uv_index_guard.syntax.values import _UNSET, Array, Body, Entry, Scalar, Table, Value

TOML_LANGUAGE: Final = Language(tree_sitter_toml.language())

_DATETIME_TYPES: Final = frozenset(
    {"offset_date_time", "local_date_time", "local_date", "local_time"}
)


def new_parser() -> Parser:
    return Parser(TOML_LANGUAGE)


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
# What `Builder.value` makes a plain `Scalar` of, by kind id: the scalar kind it records.
_SCALAR_KINDS: Final = {
    i: "datetime" if name in _DATETIME_TYPES else name for i, name in _KIND_NAMES.items()
    if name in _DATETIME_TYPES or name in ("string", "integer", "float", "boolean")}


def relocate(body: Body, start: int, data: bytes) -> None:
    """Move a reused table body to ``start`` in the document ``data``.

    The values are moved in place, so the old document must not be read any more; but
    what the values of an index decode to (read by the language server's access check,
    on a thread) stays valid: those are decoded before they move.
    """
    delta = start - body.start
    body.start = start
    for entry in body.entries.values():
        value = entry.value
        if delta and type(value) is Scalar and value._decoded is _UNSET:
            value._decoded = decode_scalar(value.kind, value.raw)  # from the old text
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


class Builder:
    """Builds the value tree from tree-sitter's, reading each node's children once."""

    def __init__(self, data: bytes, *, keep_items: bool = False) -> None:
        self.data = data
        # Where the builder met what it cannot place, by byte offset.
        self.conflicts: list[int] = []
        # The bodies of the tables built, for the next version's :meth:`build` to reuse.
        self.items_out: dict[bytes, list[Body]] | None = {} if keep_items else None
        # The key names of each table header seen, by its source text.
        self.header_names: dict[bytes, tuple[str, ...]] = {}
        # The table that the keys of a header but its last lead to, when no array is on the way.
        self.parents: dict[tuple[str, ...], Table] = {}
        # The array that a `[[header]]` appends to, when the keys but its last lead to it
        # through tables only (so every such header appends to the same array).
        self.arrays: dict[tuple[str, ...], Array] = {}

    def build(self, root_node: Node, reuse: dict[bytes, list[Body]] | None = None) -> Table:
        """The value tree; with ``reuse``, tables whose source is in it are not read again.

        ``reuse`` holds the built bodies of another version's tables by their source text
        (see :class:`Body`); :attr:`items` collects this version's, when not None.
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
                self.conflicts.append(node.start_byte)
        return root

    def table(self, root: Table, node: Node, array: bool,
              reuse: dict[bytes, list[Body]] | None, data: bytes) -> None:
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
                relocate(item, start, data)
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
        before = len(self.conflicts)
        self.body(table, children)
        if fresh and len(self.conflicts) == before and items is not None and source is not None:
            body = Body(start, names, header_end - start, table.entries.copy())
            table.body = body
            items.setdefault(source, []).append(body)

    def body(self, table: Table, children: list[Node]) -> None:
        for child in children:
            if child.kind_id in _PAIR_IDS:
                try:
                    self.pair(table, child)
                except _Conflict:
                    self.conflicts.append(child.start_byte)

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
            return decode_string(raw)
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
                    self.conflicts.append(kn.start_byte)
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
                # Scalars and arrays only: nothing to check until someone reads them.
                arr._read = functools.partial(_read_items, node, self.data)
            return arr
        if kind == "ERROR":
            raise _Conflict
        if kind in _DATETIME_TYPES:
            kind = "datetime"
        return Scalar(kind, node.start_byte, node.end_byte, self.data)


def _read_items(node: Node, data: bytes) -> list[Value]:
    """The items of an array node (of a tree nobody edits), read when first asked for."""
    return Builder(data).items(node)
