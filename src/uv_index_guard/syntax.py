"""TOML with positions, on tree-sitter-toml.

:func:`parse` turns text into a :class:`Document`: a tree of :class:`Table`, :class:`Array`
and :class:`Scalar` values, each with its UTF-8 byte span, whatever TOML spelling produced it
(headers, arrays of tables, dotted keys, quoted keys, inline tables). Parsing is error-tolerant:
tree-sitter keeps going past a syntax error, and whatever it could read is in the tree.

Spec-level validity (duplicate keys, a table defined twice, an invalid escape) is decided by
``tomllib``, which is only asked when tree-sitter found an error or the tree builder met a
structural conflict, so valid documents are parsed once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import tree_sitter_toml
from tree_sitter import Language, Node, Parser, Tree

from uv_index_guard.text import LineIndex, Range

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
    __slots__ = ("_decoded", "_node", "kind")

    def __init__(self, node: Node) -> None:
        super().__init__(node.start_byte, node.end_byte)
        self._node = node
        t = node.type
        self.kind = "datetime" if t in _DATETIME_TYPES else t
        self._decoded: Any = _UNSET

    @property
    def py(self) -> Any:
        if self._decoded is _UNSET:
            self._decoded = _decode_scalar(self.kind, self._node)
        return self._decoded

    @property
    def raw(self) -> str:
        text = self._node.text
        return text.decode("utf-8", "replace") if text is not None else ""

    @property
    def content_start(self) -> int:
        """Byte offset of the first character inside the quotes (strings only)."""
        first = self._node.child(0)
        return first.end_byte if first is not None and self.kind == "string" else self.start

    @property
    def is_single_line_plain(self) -> bool:
        """True for a one-line string whose decoded text equals its source text."""
        if self.kind != "string":
            return False
        first = self._node.child(0)
        if first is None or first.type not in ('"', "'"):
            return False
        return first.type == "'" or self._node.named_child_count == 0


_UNSET: Final = object()


class Array(Value):
    __slots__ = ("items", "of_tables")
    kind = "array"

    def __init__(self, start: int, end: int, *, of_tables: bool = False) -> None:
        super().__init__(start, end)
        self.items: list[Value] = []
        self.of_tables = of_tables

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
    __slots__ = ("entries", "header_end", "how")
    kind = "table"

    def __init__(self, start: int, end: int, how: str) -> None:
        super().__init__(start, end)
        self.entries: dict[str, Entry] = {}
        # "root", "header", "array-header", "implicit", "dotted" or "inline"
        self.how = how
        self.header_end = start

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


@dataclass(slots=True)
class Document:
    text: str
    data: bytes
    tree: Tree
    lines: LineIndex
    root: Table
    problems: list[SyntaxProblem] = field(default_factory=list)

    def range(self, start: int, end: int) -> Range:
        return self.lines.range(start, end)

    def comment_at(self, offset: int) -> bool:
        node = self.tree.root_node.descendant_for_byte_range(offset, offset + 1)
        return node is not None and node.type == "comment"


def parse(text: str, old: Document | None = None) -> Document:
    """Parse ``text``; with ``old`` (whose tree was edited to match), reparse incrementally."""
    data = text.encode("utf-8", "surrogatepass")
    tree = _PARSER.parse(data, old.tree) if old is not None else _PARSER.parse(data)
    builder = _Builder(data)
    root = builder.build(tree.root_node)
    doc = Document(text, data, tree, LineIndex(data), root)
    if tree.root_node.has_error or builder.conflict or _BAD_ESCAPE.search(data):
        doc.problems = _problems(doc, tree.root_node)
    return doc


# Escapes that tree-sitter-toml accepts but TOML forbids (surrogates, beyond U+10FFFF).
_BAD_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]|\\U(?!00(?:0|10))")


# --- building the tree -------------------------------------------------------------------


class _Conflict(Exception):
    pass


class _Builder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.conflict = False

    def build(self, root_node: Node) -> Table:
        root = Table(0, len(self.data), "root")
        current = root
        for node in root_node.children:
            t = node.type
            try:
                if t == "pair":
                    self.pair(root, node, "root")
                elif t == "table":
                    current = self.header(root, node, array=False)
                    self.body(current, node)
                elif t == "table_array_element":
                    current = self.header(root, node, array=True)
                    self.body(current, node)
            except _Conflict:
                self.conflict = True
        del current
        return root

    def body(self, table: Table, node: Node) -> None:
        for child in node.children:
            if child.type == "pair":
                try:
                    self.pair(table, child, "header")
                except _Conflict:
                    self.conflict = True

    def keys(self, node: Node) -> list[Node]:
        out: list[Node] = []
        while node.type == "dotted_key":
            last = node.child(node.child_count - 1)
            first = node.child(0)
            if last is None or first is None:
                raise _Conflict
            out.append(last)
            node = first
        out.append(node)
        out.reverse()
        return out

    def key_text(self, node: Node) -> str:
        if node.type == "bare_key":
            return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        if node.type == "quoted_key":
            return _decode_string(node)
        raise _Conflict

    def header(self, root: Table, node: Node, *, array: bool) -> Table:
        key_node = node.child(1)
        if key_node is None:
            raise _Conflict
        key_nodes = self.keys(key_node)
        names = [self.key_text(k) for k in key_nodes]
        table = root
        for name, kn in zip(names[:-1], key_nodes[:-1], strict=True):
            table = self.descend(table, name, kn, node.start_byte, node.end_byte)
        name, last = names[-1], key_nodes[-1]
        close = node.child(2)
        header_end = close.end_byte if close is not None else key_node.end_byte
        existing = table.entries.get(name)
        new = Table(node.start_byte, node.end_byte, "array-header" if array else "header")
        new.header_end = header_end
        if array:
            if existing is None:
                arr = Array(node.start_byte, node.end_byte, of_tables=True)
                table.entries[name] = Entry(
                    name, last.start_byte, last.end_byte, arr, node.start_byte, header_end
                )
            else:
                arr_v = existing.value
                if not isinstance(arr_v, Array) or not arr_v.of_tables:
                    raise _Conflict
                arr = arr_v
                arr.end = node.end_byte
            arr.items.append(new)
            return new
        if existing is not None:
            old = existing.value
            if isinstance(old, Table) and old.how == "implicit":
                old.how = "header"
                old.start, old.end, old.header_end = node.start_byte, node.end_byte, header_end
                existing.item_start, existing.item_end = node.start_byte, header_end
                existing.key_start, existing.key_end = last.start_byte, last.end_byte
                return old
            raise _Conflict
        table.entries[name] = Entry(
            name, last.start_byte, last.end_byte, new, node.start_byte, header_end
        )
        return new

    def descend(self, table: Table, name: str, kn: Node, start: int, end: int) -> Table:
        entry = table.entries.get(name)
        if entry is None:
            sub = Table(start, end, "implicit")
            table.entries[name] = Entry(name, kn.start_byte, kn.end_byte, sub, start, end)
            return sub
        value = entry.value
        if isinstance(value, Table) and value.how != "inline":
            return value
        if isinstance(value, Array) and value.of_tables and value.items:
            last = value.items[-1]
            if isinstance(last, Table):
                return last
        raise _Conflict

    def pair(self, table: Table, node: Node, context: str) -> None:
        key_node = node.child(0)
        value_node = node.child(node.child_count - 1)
        if key_node is None or value_node is None or node.child_count < 3:
            raise _Conflict
        if value_node.type == "comment":
            value_node = node.child(2)
            if value_node is None:
                raise _Conflict
        key_nodes = self.keys(key_node)
        target = table
        for kn in key_nodes[:-1]:
            name = self.key_text(kn)
            entry = target.entries.get(name)
            if entry is None:
                sub = Table(node.start_byte, node.end_byte, "dotted")
                target.entries[name] = Entry(
                    name, kn.start_byte, kn.end_byte, sub, node.start_byte, node.end_byte
                )
                target = sub
                continue
            value = entry.value
            if not isinstance(value, Table) or value.how not in ("dotted", "implicit"):
                raise _Conflict
            if value.how == "implicit":
                # Dotted keys into a table created by a sub-table header: let tomllib decide.
                self.conflict = True
            value.end = max(value.end, node.end_byte)
            target = value
        last = key_nodes[-1]
        name = self.key_text(last)
        if name in target.entries:
            raise _Conflict
        target.entries[name] = Entry(
            name, last.start_byte, last.end_byte, self.value(value_node), node.start_byte,
            node.end_byte,
        )

    def value(self, node: Node) -> Value:
        t = node.type
        if t == "inline_table":
            table = Table(node.start_byte, node.end_byte, "inline")
            for child in node.children:
                if child.type == "pair":
                    self.pair(table, child, "inline")
            return table
        if t == "array":
            arr = Array(node.start_byte, node.end_byte)
            for child in node.named_children:
                if child.type != "comment":
                    arr.items.append(self.value(child))
            return arr
        if t == "ERROR":
            raise _Conflict
        return Scalar(node)


# --- scalars -----------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE_ESCAPES: Final = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"',
                          "\\": "\\", "e": "\x1b"}
_LINE_CONTINUATION = re.compile(r"\\[ \t]*\r?\n[ \t\r\n]*")


def _unescape(match: re.Match[str]) -> str:
    hex4, hex8, char = match.groups()
    if hex4 or hex8:
        try:
            return chr(int(hex4 or hex8, 16))
        except ValueError:
            return "\ufffd"
    return _SIMPLE_ESCAPES.get(char, char)


def _decode_string(node: Node) -> str:
    raw = (node.text or b"").decode("utf-8", "replace")
    first = node.child(0)
    delim = first.type if first is not None else '"'
    if delim not in ('"', "'", '"""', "'''"):
        delim = '"'
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


def _decode_scalar(kind: str, node: Node) -> Any:
    if kind == "string":
        return _decode_string(node)
    text = (node.text or b"").decode("utf-8", "replace")
    if kind == "boolean":
        return text == "true"
    if kind == "integer":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return None
    if kind == "float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return None
    return text


# --- problems ----------------------------------------------------------------------------

_TOMLLIB_POSITION = re.compile(
    r"^(.*?)(?: \(at line (\d+), column (\d+)\)| \(at end of document\))$"
)


def _problems(doc: Document, root: Node) -> list[SyntaxProblem]:
    """Syntax problems: tomllib's verdict first, then every other region tree-sitter rejects."""
    found: list[SyntaxProblem] = []
    spec_line = -1
    try:
        # uv reads a leading byte-order mark as whitespace; tomllib rejects it.
        tomllib.loads(doc.text.removeprefix("\ufeff"))
        # tomllib is the spec: what it accepts is valid, whatever tree-sitter thought.
        return found
    except tomllib.TOMLDecodeError as exc:
        message, start = _tomllib_problem(doc, str(exc))
        spec_line = doc.lines.position(start).line
        end = min(start + 1, len(doc.data))
        if end == start and start > 0:
            start -= 1
        found.append(SyntaxProblem(start, end, message))
    except (ValueError, RecursionError) as exc:  # tomllib raises ValueError for oddities
        found.append(SyntaxProblem(0, 0, f"invalid TOML: {exc}"))
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


def _tomllib_problem(doc: Document, text: str) -> tuple[str, int]:
    match = _TOMLLIB_POSITION.match(text)
    message = match.group(1) if match else text
    if match and match.group(2):
        line = int(match.group(2)) - 1
        column = int(match.group(3)) - 1
        from uv_index_guard.text import Position

        offset = doc.lines.offset(Position(line, column))
    else:
        offset = len(doc.data)
    return f"invalid TOML: {message}", offset


def _error_nodes(node: Node) -> Iterator[Node]:
    if node.type == "ERROR" or node.is_missing:
        yield node
        return
    for child in node.children:
        if child.has_error or child.is_missing:
            yield from _error_nodes(child)
