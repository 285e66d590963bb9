"""A pytest-lsp client for the language server tests: records every publishDiagnostics with
its version, and answers diagnostics by push or pull, whichever the client profile uses."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from uv_index_guard.lsp.server import SETTLE_DELAY

TIMEOUT = 20.0
# Synthetic secrets, assembled at run time so that no token literal sits in the repository.
FAKE_PAT = "gl" + "pat-" + "Zq8" * 6 + "Xy"
FAKE_PASSWORD = "s3cr" + "et-" + "pa55" * 3
ENV_PASSWORD = "env-" + "value-" + "9f8e7d"
SERVER_ENV = {**os.environ, "UV_INDEX_ACME_PASSWORD": ENV_PASSWORD}
SERVER_ENV.pop("UV_INDEX_ACME_USERNAME", None)


class RecordingClient(LanguageClient):
    published: dict[str, list[tuple[int | None, list[types.Diagnostic]]]]
    publish_event: asyncio.Event
    registrations: list[types.Registration]
    refreshes: int


def _record(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.setdefault(params.uri, []).append((params.version, params.diagnostics))
    client.publish_event.set()


def _register(client: RecordingClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def _refresh(client: RecordingClient, params: None) -> None:
    client.refreshes += 1


def make_client(extra: dict[str, Any] | None = None,
                cls: type[RecordingClient] = RecordingClient) -> LanguageClient:
    """The recording client; ``extra``: more handlers (``handler(client, params)``) by
    method, replacing pytest-lsp's own."""
    client = cls(converter_factory=default_converter)
    client.published = {}
    client.publish_event = asyncio.Event()
    client.registrations = []
    client.refreshes = 0
    features: dict[str, Any] = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    features[types.CLIENT_REGISTER_CAPABILITY] = _register
    features[types.WORKSPACE_DIAGNOSTIC_REFRESH] = _refresh
    features.update(extra or {})
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "uv_index_guard", "lsp"],
                            client_factory=make_client, server_env=SERVER_ENV)


def uses_pull(client: LanguageClient) -> bool:
    caps = client.capabilities
    return caps is not None and caps.text_document is not None and (
        caps.text_document.diagnostic is not None)


async def wait_published(client: LanguageClient, uri: str,
                         version: int) -> list[types.Diagnostic]:
    """The diagnostics pushed for ``version`` of ``uri`` (waits for them)."""
    assert isinstance(client, RecordingClient)

    async def wait() -> list[types.Diagnostic]:
        while True:
            for v, diags in client.published.get(uri, []):
                if v == version:
                    return list(diags)
                assert v is None or v <= version, f"published version {v} > {version}"
            client.publish_event.clear()
            await client.publish_event.wait()

    return await asyncio.wait_for(wait(), TIMEOUT)


async def wait_settled(client: LanguageClient, uri: str,
                       version: int) -> list[types.Diagnostic]:
    """The last diagnostics pushed for ``version`` once the server has been quiet for longer
    than its settle delay (after which a broken text's fresh analysis replaces what the
    incremental one pushed, if they differ)."""
    assert isinstance(client, RecordingClient)
    await wait_published(client, uri, version)
    while True:
        count = len(client.published[uri])
        await asyncio.sleep(SETTLE_DELAY * 3)
        if len(client.published[uri]) == count:
            return list(next(diags for v, diags in reversed(client.published[uri])
                             if v == version))


async def pull(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    report = await asyncio.wait_for(client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))),
        TIMEOUT)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    return list(report.items)


async def diagnostics(client: LanguageClient, uri: str, version: int, *,
                      settled: bool = False) -> list[types.Diagnostic]:
    """The diagnostics of ``version``: pulled, or the first pushed (``settled``: the last)."""
    if uses_pull(client):
        return await pull(client, uri)
    if settled:
        return await wait_settled(client, uri, version)
    return await wait_published(client, uri, version)


class Doc:
    """An open document on the client side: its text, version and URI."""

    def __init__(self, client: LanguageClient, path: Path, text: str) -> None:
        self.client = client
        self.path = path
        self.uri = path.as_uri()
        self.text = text
        self.version = 1
        path.write_text(text, encoding="utf-8")
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=self.uri, language_id="toml", version=1,
                                                 text=text)))

    def index(self, line: int, character: int) -> int:
        """String index of a position counted in the client's units."""
        lines = self.text.split("\n")
        before = sum(len(x) + 1 for x in lines[:line])
        return before + from_units(lines[line], character, encoding(self.client))

    def position(self, at: int) -> types.Position:
        line = self.text.count("\n", 0, at)
        start = self.text.rfind("\n", 0, at) + 1
        return types.Position(line=line, character=units(self.text[start:at],
                                                         encoding(self.client)))

    def find(self, needle: str, delta: int = 0) -> types.Position:
        at = self.text.index(needle)
        return self.position(at + delta)

    def edit(self, start: int, end: int, new_text: str) -> None:
        """Replace text[start:end] (string indexes) by an incremental didChange."""
        rng = types.Range(start=self.position(start), end=self.position(end))
        self.text = self.text[:start] + new_text + self.text[end:]
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri,
                                                                version=self.version),
            content_changes=[types.TextDocumentContentChangePartial(range=rng,
                                                                    text=new_text)]))

    def apply(self, edits: list[types.TextEdit]) -> None:
        """Apply text edits (client units) to the local copy, as an editor would."""
        spans = sorted(((self.index(e.range.start.line, e.range.start.character),
                         self.index(e.range.end.line, e.range.end.character), e.new_text)
                        for e in edits), reverse=True)
        for start, end, new_text in spans:
            self.text = self.text[:start] + new_text + self.text[end:]

    async def diagnostics(self, *, settled: bool = False) -> list[types.Diagnostic]:
        return await diagnostics(self.client, self.uri, self.version, settled=settled)


def encoding(client: LanguageClient) -> str:
    caps = client.capabilities
    general = caps.general if caps is not None else None
    offered = (general.position_encodings or []) if general is not None else []
    for enc in offered:
        if enc in ("utf-8", "utf-16", "utf-32"):
            return str(enc)
    return "utf-16"


def units(text: str, enc: str) -> int:
    if enc == "utf-8":
        return len(text.encode("utf-8"))
    if enc == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def from_units(line: str, character: int, enc: str) -> int:
    count = 0
    for i, ch in enumerate(line):
        if count >= character:
            return i
        count += units(ch, enc)
    return len(line)


EDITORS_DIR = Path(__file__).parent / "fixtures" / "editors"
#: The five editors' own `initialize` capabilities (see tests/fixtures/editors/README.md).
EDITORS = ["vscode-1.100", "neovim-0.11", "helix-25.07", "zed-2026", "emacs-29-eglot-1.12"]


def editor_capabilities(name: str) -> types.ClientCapabilities:
    """The capabilities that editor sends, as the server reads them."""
    import json
    raw = json.loads((EDITORS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    caps: types.ClientCapabilities = default_converter().structure(raw,
                                                                   types.ClientCapabilities)
    return caps


def _command_or_code_action(obj: Any, _: type) -> types.Command | types.CodeAction:
    """lsprotocol takes any object with a `command` key for a Command, so a CodeAction that
    carries a command (rather than an edit) would reach the test as a broken Command; editors
    tell them apart by the type of `command`, as here."""
    converter = default_converter()
    if isinstance(obj.get("command"), str):
        return converter.structure(obj, types.Command)  # type: ignore[no-any-return]
    return converter.structure(obj, types.CodeAction)  # type: ignore[no-any-return]


def make_recording_client() -> LanguageClient:
    """:func:`make_client`, which also applies nothing but records each
    `workspace/applyEdit` (in ``client.applied``) and answers that it was applied."""
    client: Any = make_client()
    client.applied = []
    client.apply_result = types.ApplyWorkspaceEditResult(applied=True)
    client.protocol._converter.register_structure_hook(
        Union[types.Command, types.CodeAction], _command_or_code_action)  # noqa: UP007

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied.append(params.edit)
        result: types.ApplyWorkspaceEditResult = client.apply_result
        return result

    result: LanguageClient = client
    return result


def edits_of(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    """The text edits a workspace edit makes to ``uri``."""
    if edit.changes is not None:
        return list(edit.changes.get(uri, []))
    found: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
            found += [e for e in change.edits if isinstance(e, types.TextEdit)]
    return found


Row = tuple[str, int, int, int, int, str]


def expected_rows(doc: Doc) -> list[Row]:
    """What `check` reports on the document's text, in the client's units: (code, start line,
    start character, end line, end character, message), sorted."""
    from uv_index_guard.engine import check_files
    out = []
    lines = doc.text.split("\n")
    enc = encoding(doc.client)
    name = doc.path.name
    for f in check_files({name: doc.text})[name]:
        def col(line: int, column: int) -> int:
            if line >= len(lines):
                return 0
            text = lines[line]
            if line + 1 < len(lines) and text.endswith("\r"):
                text = text[:-1]  # the `\r` of a `\r\n` ends the line: never addressed
            return units(text[:column], enc)
        r = f.range
        out.append((f.code, r.start.line, col(r.start.line, r.start.column), r.end.line,
                    col(r.end.line, r.end.column), f.message))
    return sorted(out)


def rows(diags: list[types.Diagnostic]) -> list[Row]:
    return sorted((str(d.code), d.range.start.line, d.range.start.character,
                   d.range.end.line, d.range.end.character, d.message) for d in diags)
