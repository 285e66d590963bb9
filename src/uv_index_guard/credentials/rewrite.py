"""Byte-exact edits of a configuration file on the positioned tree: replace a URL string,
add or change ``authenticate`` in an index table, set ``keyring-provider``. Everything
outside the edited spans stays as it was. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from uv_index_guard.kinds import Kind
from uv_index_guard.model import Config, IndexDef
from uv_index_guard.rules.base import toml_string
from uv_index_guard.syntax import Array, Document, Entry, Scalar, Table


class RewriteError(Exception):
    """The file has a shape these edits do not handle; the message says what to do by hand."""


@dataclass(frozen=True, slots=True)
class Edit:
    start: int  # byte offsets into the document
    end: int
    text: str


def apply(data: bytes, edits: list[Edit]) -> bytes:
    """``data`` with ``edits`` (non-overlapping; insertions at one offset keep their order)."""
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]))
    out: list[bytes] = []
    cursor = 0
    for _, edit in ordered:
        if edit.start < cursor or edit.end < edit.start:
            raise RewriteError("overlapping edits")
        out.append(data[cursor:edit.start])
        out.append(edit.text.encode("utf-8"))
        cursor = edit.end
    out.append(data[cursor:])
    return b"".join(out)


def replace_string(scalar: Scalar, text: str) -> Edit:
    """Replace a string value, keeping a literal string literal where it can."""
    return Edit(scalar.start, scalar.end, toml_string(text, scalar))


def _line_end(data: bytes, offset: int) -> tuple[int, str]:
    """Where the line holding ``offset`` ends (before its newline) and its newline."""
    eol = data.find(b"\n", offset)
    if eol == -1:
        return len(data), "\r\n" if b"\r\n" in data else "\n"
    if eol > 0 and data[eol - 1 : eol] == b"\r":
        return eol - 1, "\r\n"
    return eol, "\n"


def _indent(data: bytes, offset: int) -> str:
    start = data.rfind(b"\n", 0, offset) + 1
    line = data[start:offset]
    stripped = line[: len(line) - len(line.lstrip(b" \t"))]
    return stripped.decode("utf-8", "replace")


def set_key(doc: Document, table: Table, key: str, value: str,
            after: Entry | None = None) -> Edit | None:
    """Give ``key`` the string ``value`` in ``table``: change its value, or add it (after the
    entry ``after`` when given, else after the header). None when it already holds it."""
    data = doc.data
    entry = table.entries.get(key)
    literal = toml_string(value)
    if entry is not None:
        current = entry.value
        if isinstance(current, Scalar) and current.kind == "string" and current.py == value:
            return None
        return Edit(current.start, current.end, literal)
    if table.how == "inline":
        anchor = after if after is not None and after.item_end <= table.end else None
        if anchor is not None:
            return Edit(anchor.item_end, anchor.item_end, f", {key} = {literal}")
        return Edit(table.start + 1, table.start + 1,
                    f" {key} = {literal}," if table.entries else f" {key} = {literal} ")
    if table.how in ("header", "array-header"):
        at = after.item_end if after is not None else table.header_end
        eol, newline = _line_end(data, at)
        indent = _indent(data, after.item_start) if after is not None else ""
        return Edit(eol, eol, f"{newline}{indent}{key} = {literal}")
    if table.how == "dotted" and table.entries:
        first = min(table.entries.values(), key=lambda e: e.item_start)
        prefix = data[first.item_start : first.key_start].decode("utf-8", "replace")
        _eol, newline = _line_end(data, first.item_start)
        return Edit(first.item_start, first.item_start, f"{prefix}{key} = {literal}{newline}")
    raise RewriteError(f"cannot add `{key}` to this table automatically")


def authenticate_always(doc: Document, index: IndexDef) -> Edit | None:
    table = index.table
    if table is None:
        raise RewriteError("a legacy `index-url` / `extra-index-url` has no `authenticate`")
    return set_key(doc, table, "authenticate", "always", after=table.entries.get("url"))


def keyring_provider(config: Config, value: str = "subprocess") -> Edit | None:
    """Set `keyring-provider` in `[tool.uv]` (pyproject.toml) or at the top of a uv.toml."""
    doc = config.doc
    uv = config.uv
    if uv is None:
        raise RewriteError("no `[tool.uv]` table")
    if config.kind is Kind.UV_TOML:
        return _uv_toml_setting(doc, uv, "keyring-provider", value)
    if uv.how == "implicit" and "keyring-provider" not in uv.entries:
        data = doc.data
        _eol, newline = _line_end(data, 0)
        lead = "" if data.endswith(b"\n") or not data else newline
        return Edit(len(data), len(data),
                    f"{lead}{newline}[tool.uv]{newline}keyring-provider = "
                    f"{toml_string(value)}{newline}")
    return set_key(doc, uv, "keyring-provider", value)


def _uv_toml_setting(doc: Document, root: Table, key: str, value: str) -> Edit | None:
    """A top-level key of a uv.toml goes before its first table header."""
    entry = root.entries.get(key)
    if entry is not None:
        return set_key(doc, root, key, value)
    headers = [e.item_start for e in root.entries.values() if _is_header(e)]
    data = doc.data
    _eol, newline = _line_end(data, 0)
    line = f"{key} = {toml_string(value)}{newline}"
    if headers:
        at = min(headers)
        return Edit(at, at, line + newline)
    lead = "" if data.endswith(b"\n") or not data else newline
    return Edit(len(data), len(data), lead + line)


def _is_header(entry: Entry) -> bool:
    value = entry.value
    if isinstance(value, Table):
        return value.how in ("header", "array-header", "implicit")
    return isinstance(value, Array) and value.of_tables
