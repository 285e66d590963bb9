"""Syntax problems: the TOML spec's verdict, then every region tree-sitter rejects."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Final

from tree_sitter import Node

from uv_index_guard.syntax.values import Document, SyntaxProblem
from uv_index_guard.text import Position

# Escapes that tree-sitter-toml accepts but TOML forbids (surrogates, beyond U+10FFFF).
BAD_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]|\\U(?!00(?:0|10))")

_TOMLLIB_POSITION = re.compile(
    r"^(.*?)(?: \(at line (\d+), column (\d+)\)| \(at end of document\))$"
)


def problems(doc: Document, root: Node) -> list[SyntaxProblem]:
    """Syntax problems: the spec's verdict first, then every other region tree-sitter rejects.

    TOML 1.1 (tomli), which uv 0.13 reads, decides what is invalid; text that only TOML 1.0
    (tomllib) rejects is one problem marked ``toml11``. What the spec accepts is valid,
    whatever tree-sitter thought.
    """
    # Only broken documents get here: the spec parsers are imported on first need (this
    # keeps `check`'s start-up short).
    import tomli

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
        if sys.version_info >= (3, 11):
            import tomllib

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
