"""Incremental analysis (what the language server does after each edit) equals a fresh one.

The language server's engine session edits its last tree and reparses with tree-sitter
incrementally; the tree builder then reuses the tables whose text did not change, moved to
their new offsets.
Random edits of valid and broken documents must give exactly the findings, the model and the
positioned tree of a fresh analysis of the new text.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from uv_index_guard.engine import Analysis, Session, analyze
from uv_index_guard.syntax import Array, Scalar, Table, Value

BASES = [
    """[project]
name = "demo"
dependencies = ["foo", "bar", [1, [2]]]

[[tool.uv.index]]
name = "gitlab"
url = "https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple"
explicit = true
authenticate = "always"

[[tool.uv.index]]
name = "mirror"
url = "https://user:pw@mirror.example.com/simple"
default = true
ignore-error-codes = [401, "403"]
cache-control = { api = "max-age=1", files = 2 }

[[tool.uv.index]]
name = "mirror"
url = "http://10.0.0.300/simple"
default = "yes"
a.b.c = 1
a.d = [1, { x = 2 }]

[tool.uv.sources]
foo = { index = "gitlab" }
bar = [{ index = "nope", marker = "sys_platform == 'linux'" }]
""",
    """[tool.uv]
index-url = "https://legacy.example/simple"
extra-index-url = ["https://extra.example/simple", 1]
[[tool.uv.index]]
name = "a"
url = "https://a.example/simple"
[tool.uv.sources]
x = { index = "b" }
[tool.uv-index-guard]
ignore = ["UIG205"]
""",
    """[[tool.uv.index]]
name = "x"
url = "https://x.example/simple"
[tool.uv]
dev-dependencies = []
[[tool.uv.index]]
name = "é-index"
url = "https://ü.example/simple" # uv-index-guard: ignore[UIG106]
[tool]
x.y = 1
[tool.x.z]
w = 2
""",
    """a = 1
b.c = 2
[[index]]
name = "a"
url = "https://a.example/simple"
explict = true
[[index]]
name = "b"
url = "
""",
    # Per-index findings in tables that move, are indented, follow non-ASCII text on their
    # line, get a sub-table from a later header, or end the text without a newline.
    """[[tool.uv.index]]
name = "a b"
url = "http://user:pw@a.example/simple"
explicit = true
usr = "x"
username = "me"
  [[tool.uv.index]]
  name = "é"
  url = "https://gitlab.example.com/api/v4/projects/1/packages/pypi"
  authenticate = "Always"
x = 1
[[tool.uv.index]]
name = ""
publish-url = "https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple"
ignore-error-codes = ["401"]
[tool.uv.index.sub]
k = 1
[[tool.uv.index]]
name = "last"
url = "https://tok:glpat-abcdefghijklmnopqrst@h.example/simple"
explicit = true""",
]
BLOCK = '\n[[tool.uv.index]]\nname = "n"\nurl = "https://h.example/simple"\n'
FRAGMENTS = ["[", "]", "[[", "]]", '"', "'", '"""', "=", "\n", "\n\n", " ", "#", ",", "{",
             "}", "tool.uv.index", "name", "url", "true", "1", "é", "\\", "explicit", ".",
             BLOCK, "[[tool.uv.index]]\n", "[tool.uv]\n", "[tool]\n", "\r\n", "\t", "x.y = 3\n",
             "\x00", "{a=1,\n", "a.b = 1\n", "[[tool.uv.index]]\nname = \"n\"\n"]


def dump(value: Value) -> Any:
    """Everything the rules can see of a value, positions included."""
    if isinstance(value, Scalar):
        return ("scalar", value.kind, value.start, value.end, value.raw, repr(value.py))
    if isinstance(value, Table):
        return ("table", value.how, value.start, value.end, value.header_end,
                [(k, e.key_start, e.key_end, e.item_start, e.item_end, dump(e.value))
                 for k, e in value.entries.items()])
    assert isinstance(value, Array)
    return ("array", value.of_tables, value.start, value.end, [dump(i) for i in value.items])


def summary(analysis: Analysis) -> Any:
    config = analysis.config
    return (
        [(f.code, f.range, f.message, f.fixes, f.severity) for f in analysis.findings],
        [(i.origin, i.ordinal, i.name, i.url, i.anchor_start, i.anchor_end, dump(i.value))
         for i in config.indexes],
        [(s.package, s.index, s.value.start, s.entry.item_start) for s in config.sources],
        analysis.doc.problems,
        dump(analysis.doc.root),
    )


def edit(session: Session, data: bytes, start: int, end: int, new: bytes) -> bytes:
    """Edit the session's text as the language server does, and return the new text."""
    new_data = data[:start] + new + data[end:]
    session.edit(start, end, new)
    assert session.data == new_data
    return new_data


edits = st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 40),
              st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4), st.just(""))),
    min_size=1, max_size=6)


def span(data: bytes, where: float, length: int) -> tuple[int, int]:
    """A byte span of ``data`` on whole UTF-8 characters (the server splices on those)."""
    start = int(where * len(data))
    while start < len(data) and data[start] & 0xC0 == 0x80:
        start += 1
    end = min(start + length, len(data))
    while end < len(data) and data[end] & 0xC0 == 0x80:
        end += 1
    return start, end


# Two edits of BASES[0] after which tree-sitter's error recovery, reparsing from the edited
# (broken) tree, reads the text differently than a fresh parse: it loses the index tables,
# a credentials finding among them.
DIVERGING = [(0.09375, 0, "["), (0.0234375, 3, "")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(range(len(BASES))), steps=edits,
       name=st.sampled_from(["pyproject.toml", "uv.toml"]))
@example(base=0, steps=DIVERGING, name="pyproject.toml")
def test_incremental_equals_fresh(base: int, steps: list[tuple[float, int, str]],
                                  name: str) -> None:
    data = BASES[base].encode()
    session = Session(data.decode(), name)
    session.analysis()
    for where, length, text in steps:
        start, end = span(data, where, length)
        data = edit(session, data, start, end, text.encode("utf-8", "surrogatepass"))
        analysis = session.analysis()
        fresh = analyze(data.decode("utf-8", "surrogatepass"), name)
        assert analysis.doc.exact
        assert summary(analysis) == summary(fresh)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(range(len(BASES))), steps=edits,
       settle=st.lists(st.booleans(), min_size=6, max_size=6))
@example(base=0, steps=DIVERGING, settle=[False] * 6)
def test_inexact_reparse_says_so_and_is_redone(base: int, steps: list[tuple[float, int, str]],
                                               settle: list[bool]) -> None:
    """What the language server pushes while the user types: ``exact=False`` keeps the
    incremental reparse of a broken text. An analysis that calls itself exact equals a fresh
    one, and analysing the same text again with it as ``old`` gives the fresh one."""
    data = BASES[base].encode()
    session = Session(data.decode())
    session.analysis()
    for (where, length, text), redo in zip(steps, settle, strict=False):
        start, end = span(data, where, length)
        data = edit(session, data, start, end, text.encode("utf-8", "surrogatepass"))
        analysis = session.analysis(exact=False)
        fresh = analyze(data.decode("utf-8", "surrogatepass"))
        assert analysis.doc.exact or analysis.doc.tree.root_node.has_error
        if analysis.doc.exact:
            assert summary(analysis) == summary(fresh)
        elif redo:  # the server's settle pass, after which typing goes on from its tree
            analysis = session.analysis()
            assert analysis.doc.exact
            assert summary(analysis) == summary(fresh)


def test_the_diverging_edits_diverge() -> None:
    """Keeps the example above honest: without a fresh parse, the findings differ."""
    data = BASES[0].encode()
    session = Session(data.decode())
    session.analysis()
    for where, length, text in DIVERGING:
        start, end = span(data, where, length)
        data = edit(session, data, start, end, text.encode())
        analysis = session.analysis(exact=False)
    fresh = analyze(data.decode())
    assert not analysis.doc.exact
    assert "UIG301" in {f.code for f in fresh.findings} - {f.code for f in analysis.findings}
    again = session.analysis()
    assert again.doc.exact and summary(again) == summary(fresh)


def test_reuses_unchanged_tables() -> None:
    text = BASES[0]
    session = Session(text)
    first = session.analysis()
    kept = first.config.indexes[2].table
    data = text.encode()
    data = edit(session, data, 0, 0, b"# a comment\n")
    second = session.analysis()
    assert second.config.indexes[2].table is not None
    assert second.config.indexes[2].table.get("url") is kept.get("url")  # type: ignore[union-attr]
    assert summary(second) == summary(analyze(data.decode()))


def test_unchanged_tables_keep_their_findings() -> None:
    """The per-index rules' findings of a table whose text did not change are reused (moved
    by the lines it moved), and everything equals a fresh analysis."""
    text = BASES[-1]
    session = Session(text)
    first = session.analysis()
    data = text.encode()
    # Lines added above every table: all findings move down.
    data = edit(session, data, 0, 0, b"# one\n# two\n")
    second = session.analysis()
    assert summary(second) == summary(analyze(data.decode()))
    kept = {(f.code, f.message) for f in first.findings} & {
        (f.code, f.message) for f in second.findings}
    assert any(code in ("UIG106", "UIG201", "UIG202", "UIG301") for code, _ in kept)
    # An edit inside the first table: the other tables' findings are the same objects.
    at = data.index(b"usr")
    data = edit(session, data, at, at + 3, b"uzr")
    third = session.analysis()
    assert summary(third) == summary(analyze(data.decode()))
    later = data.index(b'name = "\xc3\xa9"')
    line = data.count(b"\n", 0, later)
    assert any(f is g for f in third.findings for g in second.findings
               if f.range.start.line >= line)
    # The first non-ASCII character of the text, and an indented header indented more.
    at = data.index(b'"x"') + 1
    data = edit(session, data, at, at, "é".encode())
    fourth = session.analysis()
    assert summary(fourth) == summary(analyze(data.decode()))
    at = data.index(b"  [[tool.uv.index]]")
    data = edit(session, data, at, at, b"\t")
    fifth = session.analysis()
    assert summary(fifth) == summary(analyze(data.decode()))


def test_server_document_state_matches_fresh_conversion() -> None:
    """Kept diagnostics (findings that did not change) equal a fresh conversion, also after
    an edit that makes the text non-ASCII (UTF-16 columns then differ from code points)."""
    from lsprotocol import types
    from pygls.protocol import default_converter
    from pygls.workspace.position_codec import PositionCodec

    from uv_index_guard.kinds import Kind
    from uv_index_guard.lsp.convert import ClientMapper
    from uv_index_guard.lsp.diagnostics import diagnostics
    from uv_index_guard.lsp.documents import DocumentState

    converter = default_converter()
    text = BASES[0]
    state = DocumentState.open(
        types.TextDocumentItem(uri="file:///p/pyproject.toml", language_id="toml", version=1,
                               text=text),
        Kind.PYPROJECT, PositionCodec(types.PositionEncodingKind.Utf16))
    state.client_diagnostics()
    line = text.splitlines().index('name = "mirror"')
    cache = text.splitlines().index('cache-control = { api = "max-age=1", files = 2 }') + 2
    one = len('cache-control = { api = "max-age=')
    # The `cache-control` finding spans the inline table: replacing its `1` by an emoji keeps
    # the finding (in code points) but not its end in UTF-16 units.
    edits = [(line, 0, line, 0, "# x\n"), (0, 0, 0, 0, "\n"), (cache, one, cache, one + 1, "😀"),
             (cache, one, cache, one + 2, "2"), (line + 2, 8, line + 2, 8, "é"),
             (line, 0, line + 1, 0, "")]
    for version, (l1, c1, l2, c2, new) in enumerate(edits, start=2):
        state.change(version, [types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(l1, c1), types.Position(l2, c2)), text=new)])
        got = state.client_diagnostics()
        fresh = analyze(state.text, "pyproject.toml")
        want = diagnostics(fresh.findings, ClientMapper(fresh.doc.lines, state.codec), version)
        assert converter.unstructure(got) == converter.unstructure(want)


@given(st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"\n")), st.floats(0, 1),
       st.integers(0, 10), st.sampled_from([b"", b"x", b"\n", b"a\nb", b"\n\n", b"\xc3\xa9\n"]))
def test_spliced_line_index_equals_a_new_one(data: bytes, where: float, length: int,
                                              new: bytes) -> None:
    from uv_index_guard.text import LineIndex

    start = int(where * len(data))
    end = min(start + length, len(data))
    old = LineIndex(data)
    assert old.line_count == data.count(b"\n") + 1  # computes the line starts
    new_data = data[:start] + new + data[end:]
    spliced = old.spliced(new_data, start, end, new)
    fresh = LineIndex(new_data)
    assert spliced._starts == fresh._starts
    assert spliced.is_ascii == fresh.is_ascii
