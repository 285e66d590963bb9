"""Completion inside index tables and `[tool.uv.sources]`, from the text around the cursor.

While a block is being typed the TOML is often broken, so the context comes from the lines
themselves: the nearest table header above the cursor, and the text before the cursor on its
line. Declared index names come from the engine's model of the last analysis.
"""

from __future__ import annotations

import re

from lsprotocol import types

from uv_index_guard.kinds import Kind
from uv_index_guard.lsp.documents import DocumentState
from uv_index_guard.model import BOOL_KEYS, ENUM_VALUES, INDEX_KEYS
from uv_index_guard.redact import Masker, safe_url
from uv_index_guard.text import Position, Range

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]#]*?)\s*\]")
_KEY_PREFIX = re.compile(r"^\s*([A-Za-z0-9_-]*)$")
_INLINE_KEY_PREFIX = re.compile(r"[{,]\s*([A-Za-z0-9_-]*)$")
_VALUE_PREFIX = re.compile(r"(?:^|[{,])\s*([A-Za-z0-9_-]+)\s*=\s*(\"?)([A-Za-z0-9_.-]*)$")
_SOURCE_INDEX = re.compile(r"\bindex\s*=\s*([\"'])([^\"']*)$")
_TABLE_KEY = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")


def _norm(header: str) -> str:
    return re.sub(r"\s*\.\s*", ".", header.replace('"', "").replace("'", ""))


def _context(lines: list[str], line: int) -> tuple[str, int]:
    """The normalized header governing ``line`` ("" for the root) and the header's line."""
    for i in range(line, -1, -1):
        m = _HEADER.match(lines[i])
        if m:
            return (m.group(1) + _norm(m.group(2)), i)
    return ("", -1)


def complete(state: DocumentState, position: types.Position) -> types.CompletionList | None:
    cursor = state.mapper.column(position)
    lines = state.text.split("\n")
    if cursor.line >= len(lines):
        return None
    prefix = lines[cursor.line][: cursor.column]
    header, header_line = _context(lines, cursor.line)
    index_header = "[[index" if state.kind is Kind.UV_TOML else "[[tool.uv.index"
    sources_header = "[sources" if state.kind is Kind.UV_TOML else "[tool.uv.sources"
    items: list[types.CompletionItem] = []
    if header.startswith(sources_header) or "sources" in prefix:
        m = _SOURCE_INDEX.search(prefix)
        if m:
            items = _index_names(state, cursor, prefix, lines[cursor.line], len(m.group(2)))
    elif header == index_header or re.search(r"\bindex\s*=\s*\[", prefix):
        value = _VALUE_PREFIX.search(prefix)
        if value:
            items = _values(state, cursor, value.group(1), lines[cursor.line],
                            len(value.group(2)) + len(value.group(3)))
        elif _KEY_PREFIX.match(prefix) and header == index_header:
            present = _keys_in_block(lines, header_line, cursor.line)
            items = _keys(present)
        elif _INLINE_KEY_PREFIX.search(prefix):
            items = _keys(set(re.findall(r"([A-Za-z0-9_-]+)\s*=", prefix.rsplit("{", 1)[-1])))
    if not items:
        return None
    return types.CompletionList(is_incomplete=False, items=items)


def _keys_in_block(lines: list[str], header_line: int, cursor_line: int) -> set[str]:
    present = set()
    for i in range(header_line + 1, len(lines)):
        if i != header_line and _HEADER.match(lines[i]):
            break
        if i == cursor_line:
            continue
        m = _TABLE_KEY.match(lines[i])
        if m:
            present.add(m.group(1))
    return present


def _keys(present: set[str]) -> list[types.CompletionItem]:
    items = []
    for order, (key, description) in enumerate(INDEX_KEYS.items()):
        if key in present:
            continue
        items.append(types.CompletionItem(
            label=key, kind=types.CompletionItemKind.Property,
            documentation=types.MarkupContent(types.MarkupKind.Markdown, description),
            insert_text=f"{key} = ", sort_text=f"{order:02d}"))
    return items


def _replace_range(state: DocumentState, cursor: Position, line_text: str,
                   typed: int) -> types.Range:
    """From where the value starts (``typed`` code points back) to the cursor, plus a `"`
    right after it (an editor's auto-closed quote)."""
    end = cursor.column
    if line_text[end : end + 1] in ('"', "'"):
        end += 1
    rng = Range(Position(cursor.line, cursor.column - typed), Position(cursor.line, end))
    return state.mapper.range(rng)


def _values(state: DocumentState, cursor: Position, key: str, line_text: str,
            typed: int) -> list[types.CompletionItem]:
    rng = _replace_range(state, cursor, line_text, typed)
    if key in ENUM_VALUES:
        words = [(f'"{v}"', v) for v in ENUM_VALUES[key]]
        kind = types.CompletionItemKind.EnumMember
    elif key in BOOL_KEYS:
        words = [("true", "true"), ("false", "false")]
        kind = types.CompletionItemKind.Value
    else:
        return []
    return [types.CompletionItem(label=label, kind=kind, filter_text=text,
                                 text_edit=types.TextEdit(range=rng, new_text=text))
            for text, label in words]


def _index_names(state: DocumentState, cursor: Position, prefix: str, line_text: str,
                 typed: int) -> list[types.CompletionItem]:
    config = state.current().config
    quote = prefix[len(prefix) - typed - 1]
    rng = _replace_range(state, cursor, line_text, typed + 1)
    items = []
    shown = Masker(config.by_name())
    for name, indexes in config.by_name().items():
        if shown(name) != name:
            continue  # a token as a name (UIG302) is never offered, nor shown
        url = indexes[-1].url or ""
        items.append(types.CompletionItem(
            label=name, kind=types.CompletionItemKind.Reference, detail=safe_url(url),
            filter_text=f"{quote}{name}",
            text_edit=types.TextEdit(range=rng, new_text=f"{quote}{name}{quote}")))
    return items
