"""Positions and ranges.

The core counts positions as 0-based lines and 0-based columns in Unicode code points.
tree-sitter reports UTF-8 byte offsets; :class:`LineIndex` converts them once per parse.
The CLI adds 1 to both; the language server converts columns to UTF-16 at its edge.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, order=True)
class Range:
    start: Position
    end: Position

    @staticmethod
    def of(line: int, column: int, end_line: int, end_column: int) -> Range:
        return Range(Position(line, column), Position(end_line, end_column))


class LineIndex:
    """Maps UTF-8 byte offsets of one text to code-point positions and back."""

    __slots__ = ("_ascii", "_chars", "_data", "_line_starts")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._ascii = data.isascii()
        self._line_starts: list[int] | None = None  # computed on first use
        # For non-ASCII lines, once asked: the byte offset (in the line) of each code point.
        self._chars: dict[int, list[int]] = {}

    def char_starts(self, line: int) -> list[int] | None:
        """The byte offset within ``line`` of each of its code points (None: the line is
        ASCII, so offsets and columns agree); built once per line, so that converting many
        positions on one long line costs a lookup each."""
        found = self._chars.get(line)
        if found is None:
            raw = self.line_bytes(line)
            if raw.isascii():
                return None
            found = self._chars[line] = [i for i, b in enumerate(raw) if b & 0xC0 != 0x80]
        return found

    @property
    def _starts(self) -> list[int]:
        """The byte offset of each line's start."""
        if self._line_starts is None:
            lines = self._data.split(b"\n")
            self._line_starts = [0, *accumulate(len(line) + 1 for line in lines[:-1])]
        return self._line_starts

    def spliced(self, data: bytes, start: int, old_end: int, inserted: bytes) -> LineIndex:
        """The index of ``data``: this text with bytes ``start:old_end`` replaced by
        ``inserted``. Line starts before the edit are kept, those after it are moved."""
        new = LineIndex(data)
        starts = self._line_starts
        if starts is None:
            return new
        keep = bisect_right(starts, start)  # a line starting at or before `start` stays
        after = bisect_right(starts, old_end)  # from here on, lines just move
        delta = len(inserted) - (old_end - start)
        middle = []
        at = inserted.find(b"\n")
        while at != -1:
            middle.append(start + at + 1)
            at = inserted.find(b"\n", at + 1)
        new._line_starts = [*starts[:keep], *middle, *[s + delta for s in starts[after:]]]
        return new

    @property
    def is_ascii(self) -> bool:
        return self._ascii

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[min(line, len(self._starts) - 1)]

    def line_bytes(self, line: int) -> bytes:
        start = self._starts[line]
        end = self._starts[line + 1] if line + 1 < len(self._starts) else len(self._data)
        return self._data[start:end]

    def text_end(self, line: int) -> int:
        """The byte offset where ``line``'s text ends: before its ``\\n``, and before a
        ``\\r`` that precedes it (the ``\\r\\n`` line ending)."""
        starts = self._starts
        end = starts[line + 1] - 1 if line + 1 < len(starts) else len(self._data)
        if end > starts[line] and end < len(self._data) and self._data[end - 1] == 0x0D:
            end -= 1
        return end

    def text_bytes(self, line: int) -> bytes:
        """``line``'s text, without its line ending (see :meth:`text_end`)."""
        return self._data[self._starts[line] : self.text_end(line)]

    def line_of(self, offset: int) -> tuple[int, int]:
        """The line of a byte offset, and the byte offset where that line starts."""
        starts = self._starts
        line = bisect_right(starts, offset) - 1
        return line, starts[line]

    def position(self, offset: int) -> Position:
        """Position of a byte offset."""
        line = bisect_right(self._starts, offset) - 1
        column = offset - self._starts[line]
        if not self._ascii and column:
            chars = self.char_starts(line)
            if chars is not None:
                column = bisect_left(chars, column)
        return Position(line, column)

    def point(self, row: int, byte_column: int) -> Position:
        """Position of a tree-sitter point (row, byte column)."""
        if self._ascii or not byte_column:
            return Position(row, byte_column)
        chars = self.char_starts(row)
        return Position(row, byte_column if chars is None else bisect_left(chars, byte_column))

    def range(self, start: int, end: int) -> Range:
        return Range(self.position(start), self.position(end))

    def offset(self, position: Position) -> int:
        """Byte offset of a position (columns past the line end clamp to it)."""
        if position.line >= len(self._starts):
            return len(self._data)
        start = self._starts[position.line]
        chars = None if self._ascii else self.char_starts(position.line)
        if chars is None:
            line_end = self._line_end(position.line)
            return min(start + max(position.column, 0), line_end)
        column = max(position.column, 0)
        if column < len(chars):
            return start + chars[column]
        return start + len(self.line_bytes(position.line))

    def _line_end(self, line: int) -> int:
        if line + 1 < len(self._starts):
            return self._starts[line + 1] - 1
        return len(self._data)
