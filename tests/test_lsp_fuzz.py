"""Random incremental edits against the running server: it never crashes, always answers,
and its final diagnostics equal what `check` reports on the final text."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import (
    CONFIG,
    FAKE_PAT,
    TIMEOUT,
    Doc,
    editor_capabilities,
    expected_rows,
    rows,
)

T = TypeVar("T")

START = """\
[project]
name = "demo"
dependencies = ["acme-core"]

[[tool.uv.index]]
name = "acme"
url = "https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
explicit = true

[tool.uv.sources]
acme-core = { index = "acme" }
"""
BLOCKS = [
    '\n[[tool.uv.index]]\nname = "mirror"\nurl = "https://m.example.com/simple"\n'
    'default = true\n',
    f'\n[[tool.uv.index]]\nname = "tok"\nurl = "https://__token__:{FAKE_PAT}@g.example.com/s"\n',
    '\n[tool.uv]\nindex-url = "https://legacy.example.com/simple"\n',
    'explict = true\nusername = "oauth2"\n',
    '{ index = "acme" }',
    '[[tool.uv.index]]\nurl = ""\nexplicit = true\n',
]
GARBAGE = ['"', "'''", "[[", "]]", "{", "}", "= =", "\n", "😋", "é", "\\", "#", ",", "\t",
           'name = "a b"', "[tool.uv.index]", '"""\n', "\x00",
           # line endings an editor can hold: a lone CR, a stray CR before CRLF, CRLF
           "\r", "\r\r\n", "\r\n", 'name = "x"\r\n',
           # a surrogate pair in UTF-16, combining marks, separators that end no line in
           # TOML or LSP
           "𝄞", "e\u0301", "\u0301\u0308", "\u2028", "\u2029", "\u0085"]
text_piece = st.one_of(
    st.sampled_from(BLOCKS), st.sampled_from(GARBAGE),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12))
# (where, length, text, wait): with ``wait``, the client waits for that version's
# diagnostics before the next edit, so the server analyses it alone (an incremental reparse
# of the previous version's tree, broken or not) instead of folding it into the next.
edit = st.tuples(st.floats(0, 1), st.integers(0, 30), text_piece, st.booleans())


class Session:
    """One server per client profile, driven from a background event loop so that
    hypothesis can call into it synchronously."""

    def __init__(self, profile: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client: LanguageClient = self.run(self._start(profile))

    async def _start(self, profile: str) -> LanguageClient:
        client = await CONFIG.start()
        assert isinstance(client, LanguageClient)
        await client.initialize_session(types.InitializeParams(
            capabilities=editor_capabilities(profile), workspace_folders=[]))
        return client

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=TIMEOUT * 3)

    def close(self) -> None:
        async def stop() -> None:
            await self.client.shutdown_session()
            await self.client.stop()
        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


# UTF-16 and pull (VS Code), UTF-8 and pull (Neovim), UTF-8 and push (Helix), UTF-32 and
# push (eglot).
@pytest.fixture(scope="module",
                params=["vscode-1.100", "neovim-0.11", "helix-25.07", "emacs-29-eglot-1.12"])
def session(request: pytest.FixtureRequest) -> Iterator[Session]:
    s = Session(request.param)
    yield s
    s.close()


COUNTER = iter(range(10**9))


def inside(text: str, at: int) -> int:
    """``at``, or the offset before it when it splits a `\r\n`: an editor puts no cursor
    between the two characters of a line ending."""
    return at - 1 if 0 < at < len(text) and text[at - 1 : at + 1] == "\r\n" else at


async def play(client: LanguageClient, root: Path,
               edits: list[tuple[float, int, str, bool]],
               ) -> tuple[Doc, list[types.Diagnostic]]:
    folder = root / f"p{next(COUNTER)}"
    folder.mkdir()
    doc = Doc(client, folder / "pyproject.toml", START)
    for where, length, new_text, wait in edits:
        start = inside(doc.text, int(where * len(doc.text)))
        end = inside(doc.text, min(len(doc.text), start + length if length % 3 == 0 else start))
        doc.edit(start, end, new_text)
        if wait:
            await doc.diagnostics()
    position = doc.position(int(edits[0][0] * len(doc.text)) if edits else 0)
    ident = types.TextDocumentIdentifier(uri=doc.uri)
    await asyncio.wait_for(client.text_document_hover_async(
        types.HoverParams(text_document=ident, position=position)), TIMEOUT)
    await asyncio.wait_for(client.text_document_completion_async(
        types.CompletionParams(text_document=ident, position=position)), TIMEOUT)
    diags = await doc.diagnostics(settled=True)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=ident))
    return doc, diags


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(edits=st.lists(edit, min_size=1, max_size=12))
def test_random_edits_match_check(session: Session, tmp_path_factory: pytest.TempPathFactory,
                                  edits: list[tuple[float, int, str, bool]]) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    doc, diags = session.run(play(session.client, root, edits))
    assert session.client.error is None
    assert rows(diags) == expected_rows(doc)
