"""Positions in the client's units: the server's conversion against pygls's codec."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.lsp.convert import ClientMapper
from uv_index_guard.lsp.markup import plain
from uv_index_guard.text import LineIndex, Position

ENCODINGS = [types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8,
             types.PositionEncodingKind.Utf32]
CHARS = st.sampled_from(["a", "é", "😀", "\u0301", "\u2028", "=", '"', "\t", "\r", "中"])


@settings(max_examples=200, deadline=None)
@given(text=st.lists(CHARS, max_size=30).map("".join),
       encoding=st.sampled_from(ENCODINGS), column=st.integers(0, 40))
def test_columns_match_pygls(text: str, encoding: str, column: int) -> None:
    codec = PositionCodec(encoding)
    mapper = ClientMapper(LineIndex((text + "\n").encode("utf-8", "surrogatepass")), codec)
    # A last `\r` makes the line end `\r\n`: it is the line ending's, not the text's.
    text = text[:-1] if text.endswith("\r") else text
    column = min(column, len(text))
    units = mapper.position(Position(0, column)).character
    assert units == codec.client_num_units(text[:column])
    # Back again: a client position maps to the code point that holds it.
    assert mapper.column(types.Position(line=0, character=units)) == Position(0, column)


def test_a_stray_carriage_return_is_part_of_the_line() -> None:
    """`a\\r\\r\\n`: the line is `a\\r` (Neovim, Helix and eglot can put the cursor on the
    `\\r`), ended by `\\r\\n`; a range after it stays inside the line."""
    utf16 = PositionCodec(types.PositionEncodingKind.Utf16)
    mapper = ClientMapper(LineIndex(b"a\r\r\nb\r\n"), utf16)
    assert mapper.column(types.Position(line=0, character=2)) == Position(0, 2)
    assert mapper.column(types.Position(line=0, character=9)) == Position(0, 2)
    assert mapper.column(types.Position(line=1, character=5)) == Position(1, 1)  # CRLF
    assert mapper.offset(types.Position(line=1, character=1)) == 5


def test_a_long_non_ascii_line_converts_in_one_pass() -> None:
    """500 findings on one 40 kB line: each conversion is a lookup (the line's table of
    units is built once)."""
    line = "".join(f'{{ name = "é{i}", url = "https://h{i}.example/simple" }}, '
                   for i in range(500))
    lines = LineIndex((line + "\n").encode())
    mapper = ClientMapper(lines, PositionCodec(types.PositionEncodingKind.Utf16))
    positions = [Position(0, i * 60) for i in range(500)]
    converted = [mapper.position(p) for p in positions]
    assert converted[1].character == 60
    assert len(mapper._units) == 1  # one table for the line
    assert lines.char_starts(0) is not None and len(lines._chars) == 1


def test_positions_sent_never_point_into_the_line_ending() -> None:
    """A finding that ends on the `\\r` of a `\\r\\n` (columns count it) is sent as the end
    of the line's text, in every encoding, ASCII or not."""
    for encoding in ENCODINGS:
        codec = PositionCodec(encoding)
        mapper = ClientMapper(LineIndex(b'a = "x\r\nb = 1\r\n'), codec)
        assert mapper.position(Position(0, 7)).character == 6
        assert mapper.position(Position(1, 6)).character == 5
        wide = ClientMapper(LineIndex('é = "x\r\nb = 1\r\n'.encode()), codec)
        assert wide.position(Position(0, 7)).character == codec.client_num_units('é = "x')
        assert wide.position(Position(1, 6)).character == 5
        stray = ClientMapper(LineIndex(b"a\r\r\n"), codec)
        assert stray.position(Position(0, 3)).character == 2


def test_plain_text_keeps_code_and_masks() -> None:
    assert plain("**Index `acme`** — `https://u:****@h/simple`") == (
        "Index acme — https://u:****@h/simple")
    assert plain("Keyring is **skipped**: *(no `url`)*, 2 * 3") == (
        "Keyring is skipped: (no url), 2 * 3")
    assert plain("an odd ` backtick **stays**") == "an odd ` backtick **stays**"


def test_plain_text_leaves_masks_and_placeholders_alone() -> None:
    assert plain("u:****@h and **b**") == "u:****@h and b"
    assert plain("x \ue0000\ue001 `a`") == "x \ue0000\ue001 `a`"
