"""The language server's credential features end to end (Neovim and VS Code profiles): the
"Move credentials to keyring" quick fix runs a command that stores the token in keyring (the
keyrings.alt file backend in a temporary HOME), the "Check index access" code lens probes a
local pypiserver, and the index hover names the credential source. No message, hover or
result carries the token."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_lsp
from credentials_support import IndexServer, clean_env, pypiserver, pyproject
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp_client import Doc, edits_of, make_recording_client

pytestmark = pytest.mark.asyncio(loop_scope="function")

CLIENTS = ["neovim", "visual_studio_code"]
HOME = Path(tempfile.mkdtemp(prefix="uig-lsp-home-"))
atexit.register(shutil.rmtree, HOME, True)
SERVER_ENV = clean_env(HOME, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "uv_index_guard", "lsp"],
                            client_factory=make_recording_client, server_env=SERVER_ENV)


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(request.param), workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
def server() -> Iterator[IndexServer]:
    with pypiserver(Path(tempfile.mkdtemp(prefix="uig-lsp-pypiserver-"))) as running:
        yield running
        shutil.rmtree(running.root, ignore_errors=True)


def messages(client: LanguageClient) -> str:
    return "\n".join(m.message for m in client.messages)


async def test_move_credentials_to_keyring(client: LanguageClient, tmp_path: Path,
                                           server: IndexServer) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", pyproject(server.url_with_token()))
    diags = [d for d in await doc.diagnostics() if d.code == "UIG301"]
    assert diags
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri), range=diags[0].range,
        context=types.CodeActionContext(diagnostics=diags)))
    assert actions is not None
    move = [a for a in actions if isinstance(a, types.CodeAction)
            and a.title == "Move credentials to keyring"]
    assert len(move) == 1, [repr(a) for a in actions]
    assert move[0].edit is None and move[0].command is not None
    command = move[0].command
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=command.command, arguments=command.arguments))
    assert result == {"moved": True}
    applied: list[types.WorkspaceEdit] = client.applied  # type: ignore[attr-defined]
    assert len(applied) == 1
    doc.apply(edits_of(applied[0], doc.uri))
    assert doc.text == pyproject(server.url_with_token()).replace(
        server.url_with_token(), f"http://__token__@127.0.0.1:{server.port}/simple/"
    ).replace("# keep the trailing slash\n",
              '# keep the trailing slash\nauthenticate = "always"\n')
    got = subprocess.run(["keyring", "get", server.simple, "__token__"], env=SERVER_ENV,
                         capture_output=True, text=True, timeout=60, check=False)
    assert got.stdout.strip() == server.token
    assert "Stored the token of index `private` in keyring" in messages(client)
    assert server.token not in messages(client)


async def test_check_index_access_code_lens(client: LanguageClient, tmp_path: Path,
                                            server: IndexServer) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", pyproject(server.url_with_token()))
    await doc.diagnostics()
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri)))
    assert lenses is not None and len(lenses) == 1
    lens = lenses[0]
    assert lens.command is not None and lens.command.title == "Check index access"
    assert lens.range.start == doc.find("[[tool.uv.index]]")
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments))
    assert result["probe"] == {"status": 200, "ok": True, "hint": None}
    assert result["credentials"] == {"source": "url", "username": "__token__"}
    shown = messages(client)
    assert "Index `private`: 200 in" in shown
    assert server.token not in shown and server.token not in str(result)


async def test_check_index_access_wrong_token(client: LanguageClient, tmp_path: Path,
                                              server: IndexServer) -> None:
    wrong = server.url_with_token(server.token[:-3] + "xyz")
    doc = Doc(client, tmp_path / "pyproject.toml", pyproject(wrong))
    await doc.diagnostics()
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri)))
    assert lenses and lenses[0].command is not None
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lenses[0].command.command, arguments=lenses[0].command.arguments))
    assert result["probe"]["status"] == 401
    assert "credentials wrong" in messages(client)
    assert server.token[:-3] not in messages(client)


async def test_hover_names_the_credential_source(client: LanguageClient, tmp_path: Path,
                                                 server: IndexServer) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", pyproject(server.url_with_token()))
    await doc.diagnostics()
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find('name = "private"', 9)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "**Credentials uv uses:** the URL, username `__token__` (source `url`)" in text
    assert server.token not in text


async def test_untitled_toml_gets_diagnostics_but_no_env_move(
        client: LanguageClient, server: IndexServer) -> None:
    """An untitled TOML document (no file, no directory): checked alone, its text decides
    the kind; the move to `.env` (a file beside the document) is not offered, the quick fixes
    that only edit the document and the move to keyring are."""
    uri = "untitled:Untitled-1"
    text = ('[[tool.uv.index]]\nname = "private"\n'
            f'url = "{server.url_with_token()}"\nexplict = true\n')
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1,
                                             text=text)))
    from tests.lsp_client import diagnostics
    found = await diagnostics(client, uri, 1)
    codes = {d.code for d in found}
    assert {"UIG301", "UIG201"} <= codes, codes
    assert next(d for d in found if d.code == "UIG301").range.start.line == 2
    assert all(server.token not in d.message for d in found)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(0, 0), end=types.Position(len(text.split("\n")), 0)),
        context=types.CodeActionContext(diagnostics=found)))
    titles = [a.title for a in actions or []]
    assert any("explicit" in t for t in titles), titles  # UIG201's rename: an edit
    assert not [t for t in titles if ".env" in t], titles
    assert "Move credentials to keyring" in titles
    # A TOML document that is not a config file by name nor text is still checked as one
    # of them (uv.toml when it has a top-level `[[index]]`).
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(
            uri="untitled:Untitled-2", language_id="toml", version=1,
            text='[[index]]\nname = "a"\n')))
    assert "UIG101" in {d.code for d in await diagnostics(client, "untitled:Untitled-2", 1)}
