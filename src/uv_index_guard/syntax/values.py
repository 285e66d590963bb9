"""The positioned value tree: what :func:`~uv_index_guard.syntax.parse` builds.

Every value has its UTF-8 byte span in the document, whatever TOML spelling produced it
(headers, arrays of tables, dotted keys, quoted keys, inline tables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from tree_sitter import Tree

from uv_index_guard.syntax.decode import decode_scalar, delimiter
from uv_index_guard.text import LineIndex, Range


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
            self._decoded = decode_scalar(self.kind, self.raw)
        return self._decoded

    @property
    def raw(self) -> str:
        return self._data[self.start : self.end].decode("utf-8", "replace")

    @property
    def content_start(self) -> int:
        """Byte offset of the first character inside the quotes (strings only)."""
        if self.kind != "string":
            return self.start
        return self.start + len(delimiter(self.raw))

    @property
    def is_single_line_plain(self) -> bool:
        """True for a one-line string whose decoded text equals its source text."""
        if self.kind != "string":
            return False
        raw = self.raw
        quote = delimiter(raw)
        # In a basic string, tree-sitter only accepts a backslash as an escape sequence.
        return quote == "'" or (quote == '"' and "\\" not in raw)


_UNSET: Final = object()


class Array(Value):
    """An array, or the array of tables that `[[...]]` headers make.

    An array that cannot hold a table reads its items on first use: most arrays of a
    pyproject.toml (dependencies, classifiers, linter settings) are never looked at.
    """

    __slots__ = ("_items", "_read", "of_tables")
    kind = "array"

    def __init__(self, start: int, end: int, *, of_tables: bool = False) -> None:
        self.start = start
        self.end = end
        self._items: list[Value] = []
        # What reads the items, until they are read (the builder sets it).
        self._read: Callable[[], list[Value]] | None = None
        self.of_tables = of_tables

    @property
    def items(self) -> list[Value]:
        if self._read is not None:
            read, self._read = self._read, None
            self._items = read()
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
        # For a `[table]` or `[[table]]` of an incremental parse: its body, the same object
        # in every version whose text of this table is the same (see :class:`Body`).
        self.body: Body | None = None

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


class Body:
    """The built body of one `[table]` or `[[table]]` of an incremental parse, for reuse while
    its text is unchanged (:func:`uv_index_guard.syntax.build.relocate` moves it)."""

    __slots__ = ("entries", "header_len", "names", "start")

    def __init__(self, start: int, names: tuple[str, ...], header_len: int,
                 entries: dict[str, Entry]) -> None:
        self.start = start
        self.names = names
        self.header_len = header_len
        self.entries = entries  # a copy of the table's entries after its body


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
