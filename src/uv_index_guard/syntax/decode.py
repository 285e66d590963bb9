"""Decoding TOML scalars and quoted keys from their source text."""

from __future__ import annotations

import re
from typing import Any, Final

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


def delimiter(raw: str) -> str:
    """The opening quote of a string or quoted key, from its source ("" if there is none)."""
    head = raw[:3]
    if head in _TRIPLE_QUOTES:
        return head
    return head[:1] if head[:1] in _QUOTES else ""


def decode_string(raw: str) -> str:
    delim = delimiter(raw) or '"'
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


def decode_scalar(kind: str, raw: str) -> Any:
    if kind == "string":
        return decode_string(raw)
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
