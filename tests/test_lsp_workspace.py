"""The language server across the files of a uv workspace: diagnostics in context and
re-published when another file changes (opened or on disk), definition, references,
rename (applied, then checked by real uv), document symbols and inlay hints."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_client import (
    CONFIG,
    TIMEOUT,
    Doc,
    RecordingClient,
    diagnostics,
    uses_pull,
)
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from test_differential_uv import parse_verdict, uv_binary

pytestmark = pytest.mark.asyncio(loop_scope="function")

CLIENTS = ["neovim", "visual_studio_code"]

ROOT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["a"]

[tool.uv.workspace]
members = ["packages/*"]

[tool.uv.sources]
a = { workspace = true }

[[tool.uv.index]]
name = "internal"
url = "http://127.0.0.1:9/internal/simple"
explicit = true
"""

MEMBER = """\
[project]
name = "a"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["sandbox", "other"]

[tool.uv.sources]
sandbox = { index = "internal" }
other = [{ index = "internal", marker = "sys_platform == 'linux'" }]
"""


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(request.param), workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


def write(root: Path) -> tuple[Path, Path]:
    (root / "packages" / "a").mkdir(parents=True)
    (root / "pyproject.toml").write_text(ROOT, encoding="utf-8")
    member = root / "packages" / "a" / "pyproject.toml"
    member.write_text(MEMBER, encoding="utf-8")
    return root / "pyproject.toml", member


def codes(diags: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags)


def at(text: str, needle: str, offset: int = 1) -> types.Position:
    """The position just inside the first ``needle`` of ``text`` (ASCII texts)."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


async def changed_diagnostics(client: LanguageClient, doc: Doc,
                              before: list[str]) -> list[types.Diagnostic]:
    """The member's diagnostics once they differ from ``before`` (pushed anew at the same
    version, or pulled again after the server's refresh)."""
    async def wait() -> list[types.Diagnostic]:
        while True:
            got = await diagnostics(client, doc.uri, doc.version) if uses_pull(client) else (
                list(client.published[doc.uri][-1][1]))  # type: ignore[attr-defined]
            if codes(got) != before:
                return got
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(wait(), TIMEOUT)


async def test_member_sees_the_root_and_follows_its_changes(client: LanguageClient,
                                                             tmp_path: Path) -> None:
    _root_path, member_path = write(tmp_path)
    member = Doc(client, member_path, MEMBER)
    assert codes(await diagnostics(client, member.uri, 1)) == []  # the root's index counts
    # The root, opened and edited: its index renamed without the member's sources.
    root = Doc(client, tmp_path / "pyproject.toml", ROOT)
    await diagnostics(client, root.uri, 1)
    start = root.text.index('name = "internal"') + len('name = "')
    root.edit(start, start + len("internal"), "corp")
    got = await changed_diagnostics(client, member, [])
    assert codes(got) == ["UIG107", "UIG107"]
    assert "`internal`" in got[0].message


async def test_member_follows_the_root_on_disk(client: LanguageClient, tmp_path: Path) -> None:
    root_path, member_path = write(tmp_path)
    member = Doc(client, member_path, MEMBER)
    assert codes(await diagnostics(client, member.uri, 1)) == []
    if isinstance(client, RecordingClient) and not uses_pull(client):
        methods = [r.method for r in client.registrations]
        assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES in methods
    root_path.write_text(ROOT.replace('name = "internal"', 'name = "corp"'), encoding="utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=root_path.as_uri(), type=types.FileChangeType.Changed)]))
    got = await changed_diagnostics(client, member, [])
    assert codes(got) == ["UIG107", "UIG107"]


async def test_definition_and_references_across_files(client: LanguageClient,
                                                      tmp_path: Path) -> None:
    root_path, member_path = write(tmp_path)
    member = Doc(client, member_path, MEMBER)
    await diagnostics(client, member.uri, 1)
    where = at(MEMBER, '"internal"', 2)
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=member.uri), position=where))
    assert isinstance(found, list) and len(found) == 1
    location = found[0]
    assert isinstance(location, types.Location)
    assert location.uri == root_path.as_uri()
    assert location.range.start == at(ROOT, '"internal"', 0)
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=member.uri), position=where,
        context=types.ReferenceContext(include_declaration=True)))
    assert refs is not None
    spots = sorted((r.uri, r.range.start.line) for r in refs)
    assert spots == sorted([(root_path.as_uri(), at(ROOT, '"internal"').line),
                            (member.uri, at(MEMBER, '{ index = "internal"').line),
                            (member.uri, at(MEMBER, '[{ index = "internal"').line)])
    # From the declaration in the root, which is not open: the same references.
    root = Doc(client, root_path, ROOT)
    refs_from_root = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=root.uri),
        position=at(ROOT, '"internal"', 2),
        context=types.ReferenceContext(include_declaration=False)))
    assert refs_from_root is not None
    assert sorted((r.uri, r.range.start.line) for r in refs_from_root) == [
        s for s in spots if s[0] == member.uri]


def apply(edit: types.WorkspaceEdit) -> dict[str, int]:
    """Apply a workspace edit to the files on disk; the number of edits per file."""
    per_file: dict[str, list[types.TextEdit]] = {}
    if edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit)
            per_file.setdefault(change.text_document.uri, []).extend(
                types.TextEdit(range=e.range, new_text=e.new_text) for e in change.edits
                if isinstance(e, (types.TextEdit, types.AnnotatedTextEdit)))
    for uri, edits in (edit.changes or {}).items():
        per_file.setdefault(uri, []).extend(edits)
    for uri, edits in per_file.items():
        path = Path(uri.removeprefix("file://"))
        lines = path.read_text(encoding="utf-8").split("\n")
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                        reverse=True):
            assert e.range.start.line == e.range.end.line
            line = lines[e.range.start.line]
            lines[e.range.start.line] = (line[: e.range.start.character] + e.new_text
                                         + line[e.range.end.character :])
        path.write_text("\n".join(lines), encoding="utf-8")
    return {uri: len(edits) for uri, edits in per_file.items()}


async def test_rename_across_files_and_env(client: LanguageClient, tmp_path: Path) -> None:
    root_path, member_path = write(tmp_path)
    env = tmp_path / ".env"
    env.write_text("# credentials\nUV_INDEX_INTERNAL_USERNAME=ci\n"
                   "export UV_INDEX_INTERNAL_PASSWORD='not-a-real-value'\nOTHER=1\n",
                   encoding="utf-8")
    root = Doc(client, root_path, ROOT)
    await diagnostics(client, root.uri, 1)
    where = at(ROOT, '"internal"', 2)
    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=types.TextDocumentIdentifier(uri=root.uri), position=where))
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert prepared.placeholder == "internal"
    with pytest.raises(Exception, match="not a valid index name"):
        await client.text_document_rename_async(types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=root.uri), position=where,
            new_name="corp index"))
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=root.uri), position=where,
        new_name="corp-pypi"))
    assert edit is not None
    if edit.change_annotations:
        described = " ".join(a.description or "" for a in edit.change_annotations.values())
        assert "UV_INDEX_CORP_PYPI_USERNAME" in described
    counts = apply(edit)
    assert counts == {root.uri: 1, member_path.as_uri(): 2, env.as_uri(): 2}
    assert 'name = "corp-pypi"' in root_path.read_text()
    assert member_path.read_text().count('index = "corp-pypi"') == 2
    env_text = env.read_text()
    assert "UV_INDEX_CORP_PYPI_USERNAME=ci\n" in env_text
    assert "export UV_INDEX_CORP_PYPI_PASSWORD='not-a-real-value'" in env_text
    assert "INTERNAL" not in env_text and "OTHER=1" in env_text
    # Real uv reads the renamed workspace (offline, so it cannot fetch: only that it says).
    home = tmp_path / "home"
    proc = subprocess.run(
        [uv_binary(), "lock", "--offline"], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("UV_")},
             "HOME": str(home), "UV_CACHE_DIR": str(tmp_path / "cache"),
             "UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"})
    verdict = parse_verdict(proc.returncode, proc.stdout + proc.stderr)
    assert verdict.accepted, proc.stdout + proc.stderr


async def test_symbols_and_inlay_hints(client: LanguageClient, tmp_path: Path) -> None:
    root_path, _member_path = write(tmp_path)
    root = Doc(client, root_path, ROOT)
    await diagnostics(client, root.uri, 1)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=root.uri)))
    assert symbols is not None
    assert [s.name for s in symbols] == ["internal"]
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=root.uri),
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=40, character=0))))
    assert hints is not None
    assert [h.label for h in hints] == ["UV_INDEX_INTERNAL_"]
    assert hints[0].position == at(ROOT, '"internal"\nurl', len('"internal"'))


@pytest_lsp.fixture(config=CONFIG)
async def refreshing_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """Neovim's capabilities, plus `workspace.diagnostics.refreshSupport` (VS Code sends it
    with pull diagnostics)."""
    caps = client_capabilities("neovim")
    assert caps.workspace is not None
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps,
                                                               workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


async def test_pull_clients_are_asked_to_refresh(refreshing_client: LanguageClient,
                                                 tmp_path: Path) -> None:
    client = refreshing_client
    assert uses_pull(client)
    _root_path, member_path = write(tmp_path)
    member = Doc(client, member_path, MEMBER)
    await diagnostics(client, member.uri, 1)
    root = Doc(client, tmp_path / "pyproject.toml", ROOT)
    await diagnostics(client, root.uri, 1)
    assert isinstance(client, RecordingClient)
    before = client.refreshes
    start = root.text.index('name = "internal"') + len('name = "')
    root.edit(start, start + len("internal"), "corp")

    async def refreshed() -> None:
        while client.refreshes == before:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(refreshed(), TIMEOUT)
    assert codes(await diagnostics(client, member.uri, 1)) == ["UIG107", "UIG107"]

