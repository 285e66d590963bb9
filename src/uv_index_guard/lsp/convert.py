"""Code-point positions <-> the client's position units (UTF-16 unless negotiated otherwise).

The core counts 0-based lines and code-point columns (:mod:`uv_index_guard.text`); the client
counts in the ``positionEncoding`` agreed at ``initialize`` (UTF-16 by default, UTF-8 or UTF-32
when the client offers them). The conversion uses pygls's :class:`PositionCodec` on one line
at a time, and skips it for ASCII lines, where every encoding agrees. Lines end at ``\\n``
(a ``\\r`` before it belongs to the line ending), as in the core's :class:`LineIndex`.
"""

from __future__ import annotations

from bisect import bisect_right

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.text import LineIndex, Position, Range


class ClientMapper:
    """Converts positions of one text version; build one per version and reuse it.

    For a non-ASCII line it builds, once, the client units before each code point, so that
    every conversion on that line is a lookup (a long line with many findings costs one pass
    over the line, not one per position).
    """

    __slots__ = ("_codec", "_lengths", "_lines", "_units", "_utf32")

    def __init__(self, lines: LineIndex, codec: PositionCodec) -> None:
        self._lines = lines
        self._codec = codec
        self._utf32 = codec.encoding == types.PositionEncodingKind.Utf32
        self._units: dict[int, tuple[list[int], int] | None] = {}
        self._lengths: dict[int, int] = {}

    def _line_units(self, line: int) -> tuple[list[int], int] | None:
        """(client units before each code point of ``line``'s text, the text's length in
        code points), or None when the line is ASCII (or the client counts code points)."""
        if line in self._units:
            return self._units[line]
        found = None
        if not self._utf32 and line < self._lines.line_count:
            raw = self._lines.text_bytes(line)
            if not raw.isascii():
                text = raw.decode("utf-8", "surrogatepass")
                utf8 = self._codec.encoding == types.PositionEncodingKind.Utf8
                units = [0]
                total = 0
                for char in text:
                    code = ord(char)
                    if utf8:
                        total += 1 if code < 0x80 else 2 if code < 0x800 else (
                            3 if code < 0x10000 else 4)
                    else:
                        total += 2 if code > 0xFFFF else 1
                    units.append(total)
                found = (units, len(text))
        self._units[line] = found
        return found

    def position(self, position: Position) -> types.Position:
        """A code-point position in client units."""
        units = self._line_units(position.line)
        if units is None:  # ASCII (or UTF-32): columns are units, never past the text
            return types.Position(line=position.line, character=min(
                max(position.column, 0), self._length(position.line)))
        table, length = units
        return types.Position(line=position.line,
                              character=table[min(max(position.column, 0), length)])

    def range(self, rng: Range) -> types.Range:
        return types.Range(start=self.position(rng.start), end=self.position(rng.end))

    def _length(self, line: int) -> int:
        """The length of ``line``'s text in code points (without its line ending)."""
        lines = self._lines
        if line >= lines.line_count:
            return 0
        if lines.is_ascii:
            return lines.text_end(line) - lines.line_start(line)
        found = self._lengths.get(line)
        if found is None:
            raw = lines.text_bytes(line)
            found = self._lengths[line] = len(raw) if raw.isascii() else len(
                raw.decode("utf-8", "surrogatepass"))
        return found

    def column(self, position: types.Position) -> Position:
        """A client position as a code-point position (clamped to the line)."""
        line = max(position.line, 0)
        if line >= self._lines.line_count:
            last = self._lines.line_count - 1
            return Position(last, self._length(last))
        character = max(position.character, 0)
        units = self._line_units(line)
        if units is None:
            return Position(line, min(character, self._length(line)))
        table, length = units
        # The code point whose units start at or before `character` (inside a surrogate
        # pair or a UTF-8 sequence: the one it belongs to).
        return Position(line, min(bisect_right(table, character) - 1, length))

    def offset(self, position: types.Position) -> int:
        """A client position as a UTF-8 byte offset into the text."""
        return self._lines.offset(self.column(position))

