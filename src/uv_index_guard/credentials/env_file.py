"""Reading `.env` files (with python-dotenv, whose syntax uv's `--env-file` reader shares:
quotes, escapes, comments, multi-line values, `${VAR}`) and writing `KEY=value` lines."""

from __future__ import annotations

import io
import re
from pathlib import Path

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_PLAIN = re.compile(r"^[A-Za-z0-9_.~+/:@%-]*$")


def read(path: Path) -> str | None:
    """The file's text, or None when there is no such file."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None


def parse(text: str) -> dict[str, str]:
    """The variables a `.env` text sets, as python-dotenv reads them (`${VAR}` expanded; a
    bare `KEY` with no value sets nothing)."""
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def bindings(text: str) -> list[tuple[str | None, str]]:
    """The text as python-dotenv cuts it: (the key set, or None for a comment, a blank or
    unreadable line; the original text, newline included), in order. Joined, the texts give
    ``text`` back, so a rewrite can replace exactly one binding, multi-line values too."""
    from dotenv.parser import parse_stream

    return [(b.key if not b.error else None, b.original.string)
            for b in parse_stream(io.StringIO(text))]


def quote(value: str) -> str:
    if _PLAIN.match(value):
        return value
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def assignment(key: str, value: str) -> str:
    return f"{key}={quote(value)}\n"


def clashes(existing: dict[str, str], wanted: dict[str, str]) -> list[str]:
    """The variables of ``wanted`` that ``existing`` already sets to another value."""
    return [k for k, v in wanted.items() if k in existing and existing[k] != v]


def appended(existing_text: str | None, values: dict[str, str]) -> str:
    """The text to append to a file holding ``existing_text`` so that it sets ``values``."""
    lines = "".join(assignment(k, v) for k, v in values.items())
    if lines and existing_text and not existing_text.endswith("\n"):
        lines = "\n" + lines
    return lines


def key_at(line: str) -> tuple[str | None, int]:
    """The key a `.env` line sets and the column where it starts (None, -1: no key)."""
    m = _LINE.match(line.rstrip("\r"))
    return (m.group(1), m.start(1)) if m is not None else (None, -1)
