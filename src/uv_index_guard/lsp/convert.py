"""Code-point positions <-> the client's position units (UTF-16 unless negotiated otherwise).

The core counts 0-based lines and code-point columns (:mod:`uv_index_guard.text`); the client
counts in the ``positionEncoding`` agreed at ``initialize`` (UTF-16 by default, UTF-8 or UTF-32
when the client offers them). The conversion uses pygls's :class:`PositionCodec` on one line
at a time, and skips it for ASCII lines, where every encoding agrees. Lines end at ``\\n``
(a ``\\r`` before it belongs to the line ending), as in the core's :class:`LineIndex`.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.text import LineIndex, Position, Range


class ClientMapper:
    """Converts positions of one text version; build one per version and reuse it."""

    __slots__ = ("_codec", "_lines", "_utf32")

    def __init__(self, lines: LineIndex, codec: PositionCodec) -> None:
        self._lines = lines
        self._codec = codec
        self._utf32 = codec.encoding == types.PositionEncodingKind.Utf32

    def _line_text(self, line: int) -> str | None:
        """The text of ``line`` without its line ending, or None when it is ASCII."""
        if line >= self._lines.line_count:
            return None
        raw = self._lines.line_bytes(line)
        if raw.isascii():
            return None
        return raw.decode("utf-8", "surrogatepass").rstrip("\r\n")

    def position(self, position: Position) -> types.Position:
        """A code-point position in client units."""
        text = None if self._utf32 else self._line_text(position.line)
        if text is None:
            return types.Position(line=position.line, character=position.column)
        units = self._codec.client_num_units(text[: position.column])
        return types.Position(line=position.line, character=units)

    def range(self, rng: Range) -> types.Range:
        return types.Range(start=self.position(rng.start), end=self.position(rng.end))

    def column(self, position: types.Position) -> Position:
        """A client position as a code-point position (clamped to the line)."""
        line = max(position.line, 0)
        if line >= self._lines.line_count:
            last = self._lines.line_count - 1
            raw = self._lines.line_bytes(last).decode("utf-8", "surrogatepass").rstrip("\r\n")
            return Position(last, len(raw))
        raw_bytes = self._lines.line_bytes(line)
        if raw_bytes.isascii():
            length = len(raw_bytes.rstrip(b"\r\n"))
            return Position(line, min(max(position.character, 0), length))
        text = raw_bytes.decode("utf-8", "surrogatepass").rstrip("\r\n")
        if self._utf32:
            return Position(line, min(max(position.character, 0), len(text)))
        if position.character >= self._codec.client_num_units(text):
            return Position(line, len(text))
        server = self._codec.position_from_client_units(
            [text], types.Position(line=0, character=max(position.character, 0)))
        return Position(line, server.character)

    def offset(self, position: types.Position) -> int:
        """A client position as a UTF-8 byte offset into the text."""
        return self._lines.offset(self.column(position))
