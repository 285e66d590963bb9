"""The server's protocol in process: what it keeps per message."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.workspace import Workspace

from uv_index_guard.lsp.server import SERVER

TEXT = '[project]\nname = "demo"\nversion = "0.1.0"\n'


class _Writer:
    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += 1

    def close(self) -> None:
        pass


def test_notifications_leave_no_future_behind(tmp_path: Path) -> None:
    """pygls keeps the future of every generator handler's run and never drops it for a
    notification; document sync must not go through one (2 KB per keystroke otherwise)."""
    server = SERVER  # the handlers are registered on it
    protocol = server.protocol
    protocol.set_writer(_Writer())
    protocol.client_capabilities = types.ClientCapabilities()
    protocol._workspace = Workspace(None, types.TextDocumentSyncKind.Incremental, [],
                                    types.PositionEncodingKind.Utf16)
    path = tmp_path / "pyproject.toml"
    path.write_text(TEXT, encoding="utf-8")
    uri = path.as_uri()

    async def run() -> int:
        protocol._handle_notification(types.TEXT_DOCUMENT_DID_OPEN, types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1,
                                                 text=TEXT)))
        before = len(protocol._request_futures)
        for version in range(2, 202):
            protocol._handle_notification(
                types.TEXT_DOCUMENT_DID_CHANGE, types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri,
                                                                        version=version),
                    content_changes=[types.TextDocumentContentChangePartial(
                        range=types.Range(start=types.Position(line=0, character=0),
                                          end=types.Position(line=0, character=0)),
                        text="#" if version % 2 else "")]))
        await asyncio.sleep(0.05)
        assert server.documents[uri].version == 201
        return len(protocol._request_futures) - before

    assert asyncio.run(run()) == 0
