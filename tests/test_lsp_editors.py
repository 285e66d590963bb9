"""The language server as each of five editors meets it: VS Code 1.100, Neovim 0.11, Helix
25.07, Zed and Emacs 29 eglot, each with the `initialize` capabilities it really sends
(tests/fixtures/editors/). For each: diagnostics equal to `check`'s in the editor's position
units, pushed or pulled as the editor asks; hover and completion in a format it renders; the
code actions it is offered where (and only where) their diagnostic is, each applied; the
`.env` move written by the server as `fix --to env` writes it (mode 600, kept out of git,
refused for a `.env` git tracks), so eglot, which cannot create files, gets it too.

pytest-lsp checks every answer against the editor's capabilities (a Markdown hover sent to a
plaintext-only client, say): those warnings are errors here.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from credentials_support import clean_env, make_token
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_client import (
    EDITORS,
    Doc,
    editor_capabilities,
    edits_of,
    expected_rows,
    make_recording_client,
    rows,
)
from uv_index_guard.engine import check_files

pytestmark = [pytest.mark.asyncio(loop_scope="function"),
              pytest.mark.filterwarnings("error::pytest_lsp.checks.LspSpecificationWarning")]

HOME = Path(tempfile.mkdtemp(prefix="uig-editors-home-"))
SERVER_ENV = clean_env(HOME, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
                       GIT_CONFIG_NOSYSTEM="1")
CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "uv_index_guard", "lsp"],
                            client_factory=make_recording_client, server_env=SERVER_ENV)
PASSWORD = "pa55" + "-word-" + "7c1e"

TEXT = f"""\
[project]
name = "démo"  # ünïcode before the findings: positions in the editor's units
version = "0.1.0"
dependencies = ["acme-core"]

[[tool.uv.index]]
name = "acme"
url = "https://deploy:{PASSWORD}@gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
explict = true

[[tool.uv.index]]
name = "mirror"
username = "oauth2"
url = "https://mirror.example.com/simple"

[tool.uv.sources]
acme-core = {{ index = "acme" }}
"""


@pytest_lsp.fixture(config=CONFIG, params=EDITORS)
async def editor(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    lsp_client.editor = request.param  # type: ignore[attr-defined]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=editor_capabilities(request.param), workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


def caps(client: LanguageClient) -> types.ClientCapabilities:
    assert client.capabilities is not None
    return client.capabilities


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                           *args], cwd=cwd, env=SERVER_ENV, capture_output=True, text=True,
                          timeout=60, check=True)


async def actions_at(client: LanguageClient, doc: Doc, position: types.Position,
                     diags: list[types.Diagnostic]) -> list[types.CodeAction]:
    """Code actions as the editor asks for them with the cursor at ``position``: Neovim
    sends the diagnostics of the cursor's line, the others those under the cursor."""
    name = editor_name(client)
    if name.startswith("neovim"):
        context = [d for d in diags if d.range.start.line <= position.line <= d.range.end.line]
    else:
        context = [d for d in diags if _covers(d.range, position)]
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        range=types.Range(start=position, end=position),
        context=types.CodeActionContext(diagnostics=context,
                                        trigger_kind=types.CodeActionTriggerKind.Invoked)))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def _covers(rng: types.Range, at: types.Position) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)
    return key(rng.start) <= key(at) <= key(rng.end)


def editor_name(client: LanguageClient) -> str:
    name: str = client.editor  # type: ignore[attr-defined]
    return name


async def test_diagnostics_equal_check_in_the_editors_units(editor: LanguageClient,
                                                             tmp_path: Path) -> None:
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    diags = await doc.diagnostics()
    assert {"UIG201", "UIG202", "UIG301"} <= {str(d.code) for d in diags}
    assert rows(diags) == expected_rows(doc)
    assert all(PASSWORD not in d.message for d in diags)


async def test_hover_in_a_format_the_editor_renders(editor: LanguageClient,
                                                    tmp_path: Path) -> None:
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    await doc.diagnostics()
    hover = await editor.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find('name = "acme"', 8)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    formats = caps(editor).text_document.hover.content_format  # type: ignore[union-attr]
    value = hover.contents.value
    if types.MarkupKind.Markdown in (formats or []):
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert "**Index `acme`**" in value
    else:
        assert hover.contents.kind == types.MarkupKind.PlainText
        assert value.startswith("Index acme — https://deploy:****@gitlab.example.com/")
        assert "**" not in value.replace("****", "") and "`" not in value
    assert "UV_INDEX_ACME_USERNAME" in value and "UV_INDEX_ACME_PASSWORD" in value
    assert PASSWORD not in value


async def test_completion_in_a_format_the_editor_renders(editor: LanguageClient,
                                                         tmp_path: Path) -> None:
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    at = doc.text.index("explict = true\n") + len("explict = true\n")
    doc.edit(at, at, "au")
    result = await editor.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.position(at + 2)))
    assert result is not None
    items = result.items if isinstance(result, types.CompletionList) else result
    by_label = {i.label: i for i in items}
    assert {"authenticate", "publish-url", "default"} <= set(by_label)
    doc_of = by_label["authenticate"].documentation
    completion = caps(editor).text_document.completion  # type: ignore[union-attr]
    item_caps = completion.completion_item if completion else None
    formats = item_caps.documentation_format if item_caps else None
    if formats is None or types.MarkupKind.Markdown not in formats:
        assert isinstance(doc_of, str) and "`" not in doc_of
    else:
        assert isinstance(doc_of, types.MarkupContent)


async def test_each_quick_fix_is_offered_on_its_line_and_applies(editor: LanguageClient,
                                                                  tmp_path: Path) -> None:
    """The engine's fixes (a misspelled key, an ignored `username`) on their lines, applied
    as the editor applies them: the finding goes, the file stays valid TOML."""
    for code, needle in (("UIG201", "explict"), ("UIG202", "username")):
        folder = tmp_path / code
        folder.mkdir()
        doc = Doc(editor, folder / "pyproject.toml", TEXT)
        diags = await doc.diagnostics()
        actions = await actions_at(editor, doc, doc.find(needle, 2), diags)
        fixes = [a for a in actions if a.edit is not None]
        assert len(fixes) == 1, [a.title for a in actions]
        assert fixes[0].diagnostics and fixes[0].diagnostics[0].code == code
        doc.apply(edits_of(fixes[0].edit, doc.uri))  # type: ignore[arg-type]
        tomllib.loads(doc.text)
        assert code not in {f.code for f in check_files({"pyproject.toml": doc.text})[
            "pyproject.toml"]}


async def test_no_action_where_there_is_no_diagnostic(editor: LanguageClient,
                                                      tmp_path: Path) -> None:
    """A cursor on a line without a finding gets no action, whether the editor sends an
    empty context (as all five do there) or none at all; an editor asking for other kinds
    (`source.organizeImports`) gets none either."""
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    diags = await doc.diagnostics()
    assert await actions_at(editor, doc, doc.find("version = "), diags) == []
    assert await actions_at(editor, doc, doc.find("[tool.uv.sources]"), diags) == []
    uig301 = [d for d in diags if d.code == "UIG301"]
    result = await editor.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri), range=uig301[0].range,
        context=types.CodeActionContext(diagnostics=uig301,
                                        only=[types.CodeActionKind.SourceOrganizeImports])))
    assert not result
    # No context at all: the server takes the diagnostics under the range itself.
    result = await editor.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri), range=uig301[0].range,
        context=types.CodeActionContext(diagnostics=[])))
    titles = [a.title for a in result or [] if isinstance(a, types.CodeAction)]
    assert "Move credentials to keyring" in titles and len(titles) == 2


async def run_command(client: LanguageClient, action: types.CodeAction) -> Any:
    assert action.edit is None and action.command is not None
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=action.command.command, arguments=action.command.arguments))


def env_action(actions: list[types.CodeAction]) -> types.CodeAction:
    found = [a for a in actions if "in `.env`" in a.title]
    assert len(found) == 1, [a.title for a in actions]
    return found[0]


def messages(client: LanguageClient) -> str:
    return "\n".join(m.message for m in client.messages)


async def test_move_to_env_writes_it_as_fix_does(editor: LanguageClient,
                                                 tmp_path: Path) -> None:
    """The server writes `.env` (mode 600, read back), adds it to `.gitignore`, then asks
    the editor to drop the credentials from the URL: eglot, which cannot create a file
    through an edit, gets the same."""
    git(tmp_path, "init", "-q")
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    diags = await doc.diagnostics()
    url_line = doc.find("url = \"https://deploy")
    action = env_action(await actions_at(editor, doc, doc.find(PASSWORD), diags))
    assert action.title == ("Move credentials to `UV_INDEX_ACME_USERNAME` / "
                            "`UV_INDEX_ACME_PASSWORD` in `.env` (keep `.env` out of git)")
    assert action.disabled is None
    assert await run_command(editor, action) == {"moved": True}
    env = tmp_path / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text() == f"UV_INDEX_ACME_USERNAME=deploy\nUV_INDEX_ACME_PASSWORD={PASSWORD}\n"
    assert "/.env" in (tmp_path / ".gitignore").read_text().splitlines()
    assert git(tmp_path, "check-ignore", ".env").returncode == 0
    applied: list[types.WorkspaceEdit] = editor.applied  # type: ignore[attr-defined]
    assert len(applied) == 1
    edits = edits_of(applied[0], doc.uri)
    assert [e.range.start.line for e in edits] == [url_line.line]
    doc.apply(edits)
    assert PASSWORD not in doc.text
    url = tomllib.loads(doc.text)["tool"]["uv"]["index"][0]["url"]
    assert url == "https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
    shown = messages(editor)
    assert "Wrote `UV_INDEX_ACME_USERNAME`, `UV_INDEX_ACME_PASSWORD`" in shown
    assert "Added `/.env`" in shown and PASSWORD not in shown


async def test_move_to_env_refuses_a_tracked_env(editor: LanguageClient,
                                                 tmp_path: Path) -> None:
    """A `.env` that git tracks would put the token into `git diff` and the next commit: the
    action says so (greyed out where the editor can show that; where it cannot, running it
    tells why) and nothing is written."""
    git(tmp_path, "init", "-q")
    env = tmp_path / ".env"
    env.write_text("OTHER=1\n")
    git(tmp_path, "add", ".env")
    git(tmp_path, "commit", "-qm", "env")
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    diags = await doc.diagnostics()
    action = env_action(await actions_at(editor, doc, doc.find(PASSWORD), diags))
    ca = caps(editor).text_document.code_action  # type: ignore[union-attr]
    if ca is not None and ca.disabled_support:
        assert action.disabled is not None
        assert "tracked by git" in action.disabled.reason
    else:
        assert action.disabled is None
        result = await run_command(editor, action)
        assert "tracked by git" in result["error"]
        assert "tracked by git" in messages(editor)
    assert env.read_text() == "OTHER=1\n"
    assert editor.applied == []  # type: ignore[attr-defined]


async def test_move_to_keyring_applies(editor: LanguageClient, tmp_path: Path) -> None:
    token = make_token()
    host = f"{editor_name(editor).replace('.', '-')}.gitlab.example.com"  # keyring is shared
    text = TEXT.replace(f"deploy:{PASSWORD}@gitlab.example.com", f"__token__:{token}@{host}")
    doc = Doc(editor, tmp_path / "pyproject.toml", text)
    diags = await doc.diagnostics()
    actions = await actions_at(editor, doc, doc.find(token), diags)
    keyring = [a for a in actions if a.title == "Move credentials to keyring"]
    assert len(keyring) == 1
    assert await run_command(editor, keyring[0]) == {"moved": True}
    applied: list[types.WorkspaceEdit] = editor.applied  # type: ignore[attr-defined]
    doc.apply(edits_of(applied[0], doc.uri))
    index = tomllib.loads(doc.text)["tool"]["uv"]["index"][0]
    assert index["url"].startswith(f"https://__token__@{host}/")
    assert index["authenticate"] == "always"
    got = subprocess.run(
        ["keyring", "get", f"https://{host}/api/v4/projects/7/packages/pypi/simple",
         "__token__"], env=SERVER_ENV, capture_output=True, text=True, timeout=60, check=False)
    assert got.stdout.strip() == token
    assert token not in messages(editor)


async def test_a_buffer_that_is_not_a_file_gets_no_env_move(editor: LanguageClient,
                                                            tmp_path: Path) -> None:
    """`fugitive://` and `oil://` buffers are analysed, but nothing is written beside them."""
    uri = f"fugitive://{tmp_path}/.git//0/pyproject.toml"
    editor.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1,
                                             text=TEXT)))
    if editor.capabilities.text_document.diagnostic is not None:  # type: ignore[union-attr]
        report = await editor.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        diags = list(report.items)  # type: ignore[union-attr]
    else:
        from tests.lsp_client import wait_published
        diags = await wait_published(editor, uri, 1)
    uig301 = [d for d in diags if d.code == "UIG301"]
    assert uig301
    result = await editor.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=uig301[0].range,
        context=types.CodeActionContext(diagnostics=uig301)))
    titles = [a.title for a in result or [] if isinstance(a, types.CodeAction)]
    assert titles == ["Move credentials to keyring"]
    assert not (tmp_path / ".env").exists()


def teardown_module() -> None:
    shutil.rmtree(HOME, ignore_errors=True)


async def test_a_url_edit_the_editor_refuses_is_reported(editor: LanguageClient,
                                                         tmp_path: Path) -> None:
    """The secret is stored first; when the editor then refuses the URL edit, the command
    says so (and what to do) instead of reporting success."""
    editor.apply_result = types.ApplyWorkspaceEditResult(  # type: ignore[attr-defined]
        applied=False, failure_reason="read-only buffer")
    doc = Doc(editor, tmp_path / "pyproject.toml", TEXT)
    diags = await doc.diagnostics()
    action = env_action(await actions_at(editor, doc, doc.find(PASSWORD), diags))
    result = await run_command(editor, action)
    assert "did not apply the edit of the URL (read-only buffer)" in result["error"]
    assert "remove the credentials from the URL yourself" in messages(editor)
    assert "Wrote" not in messages(editor)


async def test_a_token_as_the_index_name_is_masked_in_the_env_move(editor: LanguageClient,
                                                                   tmp_path: Path) -> None:
    name = make_token()
    text = TEXT.replace('name = "acme"', f'name = "{name}"').replace(
        '{ index = "acme" }', f'{{ index = "{name}" }}')
    doc = Doc(editor, tmp_path / "pyproject.toml", text)
    diags = await doc.diagnostics()
    action = env_action(await actions_at(editor, doc, doc.find(PASSWORD), diags))
    assert name not in action.title and name.upper() not in action.title
    assert await run_command(editor, action) == {"moved": True}
    shown = messages(editor)
    assert name not in shown and name.upper().replace("-", "_") not in shown
