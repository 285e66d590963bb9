"""Reading `.env` files and writing `KEY=value` lines (as python-dotenv and uv read them)."""

from __future__ import annotations

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
    values: dict[str, str] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        raw = m.group(2)
        if len(raw) >= 2 and raw[0] == raw[-1] == "'":
            value = raw[1:-1]
        elif len(raw) >= 2 and raw[0] == raw[-1] == '"':
            value = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), raw[1:-1])
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0]
        values[m.group(1)] = value
    return values


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
