"""The language server end to end, with Neovim's and VS Code's client capabilities."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp_client import (
    CONFIG,
    ENV_PASSWORD,
    FAKE_PASSWORD,
    FAKE_PAT,
    Doc,
    RecordingClient,
    uses_pull,
    wait_published,
)
from tests.test_incremental import BASES as INCREMENTAL_BASES
from tests.test_incremental import DIVERGING, span
from uv_index_guard.engine import check_files

pytestmark = pytest.mark.asyncio(loop_scope="function")

CLIENTS = ["neovim", "visual_studio_code"]

BASE = """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["acme-core", "requests"]

[[tool.uv.index]]
name = "acme"
url = "https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
explicit = true

[tool.uv.sources]
acme-core = { index = "acme" }
"""


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(request.param),
        workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


def codes(diags: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags)


def expected(text: str, name: str = "pyproject.toml") -> list[str]:
    return sorted(f.code for f in check_files({name: text})[name])


async def test_clean_file_has_no_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    assert await doc.diagnostics() == []


async def test_diagnostics_on_open_carry_code_link_and_tags(client: LanguageClient,
                                                            tmp_path: Path) -> None:
    text = BASE.replace('explicit = true\n', 'explicit = true\n\n[[tool.uv.index]]\n'
                        'name = "unused"\nurl = "https://x.example.com/simple"\n'
                        'explicit = true\n') + '\n[tool.uv]\nindex-url = "https://p.example/simple"\n'
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    diags = await doc.diagnostics()
    assert codes(diags) == expected(text)
    by_code = {d.code: d for d in diags}
    unused = by_code["UIG205"]
    assert list(unused.tags or []) == [types.DiagnosticTag.Unnecessary]
    assert list(by_code["UIG210"].tags or []) == [types.DiagnosticTag.Deprecated]
    for d in diags:
        assert d.source == "uv-index-guard"
        assert d.code_description is not None
        assert d.code_description.href.endswith(f"docs/rules/{d.code}.md")


async def test_other_toml_files_get_nothing(client: LanguageClient, tmp_path: Path) -> None:
    other = Doc(client, tmp_path / "config.toml", BASE.replace('"acme"', '"ac me"'))
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    assert await doc.diagnostics() == []
    if uses_pull(client):
        from tests.lsp_client import pull
        assert await pull(client, other.uri) == []
    else:
        assert isinstance(client, RecordingClient)
        assert other.uri not in client.published


async def test_incremental_edits_update_diagnostics(client: LanguageClient,
                                                    tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    assert await doc.diagnostics() == []
    at = doc.text.index("explicit = true")
    doc.edit(at, at + len("explicit"), "explict")
    diags = await doc.diagnostics()
    assert codes(diags) == ["UIG201"] == expected(doc.text)
    doc.edit(at, at + len("explict"), "explicit")
    assert await doc.diagnostics() == []


async def test_syntax_error_elsewhere_keeps_index_diagnostics(client: LanguageClient,
                                                              tmp_path: Path) -> None:
    text = BASE.replace("explicit = true", "explict = true")
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    at = doc.text.index('version = "0.1.0"')
    doc.edit(at, at + len('version = "0.1.0"'), 'version = "0.1')
    diags = await doc.diagnostics()
    assert "UIG201" in codes(diags)
    assert codes(diags) == expected(doc.text)
    assert any(d.code == "UIG001" or "TOML" in d.message for d in diags)


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def push_client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A client that does not offer pull diagnostics (Neovim before 0.11, and others)."""
    caps = client_capabilities(request.param)
    if caps.text_document is not None:
        caps.text_document.diagnostic = None
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps,
                                                               workspace_folders=[]))
    yield
    await lsp_client.shutdown_session()


async def test_push_never_goes_back_in_version(push_client: LanguageClient,
                                               tmp_path: Path) -> None:
    client = push_client
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    for ch in "# a comment\n":
        doc.edit(0, 0, ch)
    await wait_published(client, doc.uri, doc.version)
    assert isinstance(client, RecordingClient)
    versions = [v for v, _ in client.published[doc.uri]]
    assert versions == sorted(versions) and versions[-1] == doc.version
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert client.published[doc.uri][-1] == (None, ())


def as_tuples(diags: list[types.Diagnostic]) -> list[tuple[str, int, int, str]]:
    return sorted((str(d.code), d.range.start.line, d.range.start.character, d.message)
                  for d in diags)


async def test_push_settles_to_a_fresh_analysis(push_client: LanguageClient,
                                                tmp_path: Path) -> None:
    """While the user types, a broken text's pushed diagnostics come from tree-sitter's
    incremental reparse; once the document is quiet, a fresh analysis replaces them when
    error recovery read the text differently (tests/test_incremental.py's DIVERGING edits:
    the incremental reading loses a credentials finding)."""
    client = push_client
    assert isinstance(client, RecordingClient)
    text = INCREMENTAL_BASES[0]
    assert text.isascii()  # string indexes are byte offsets
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    await doc.diagnostics()
    first: list[types.Diagnostic] = []
    for where, length, new_text in DIVERGING:
        start, end = span(doc.text.encode(), where, length)
        doc.edit(start, end, new_text)
        first = await doc.diagnostics()  # each version is analysed on its own
    settled = await doc.diagnostics(settled=True)
    want = sorted((f.code, f.range.start.line, f.range.start.column, f.message)
                  for f in check_files({"pyproject.toml": doc.text})["pyproject.toml"])
    assert as_tuples(settled) == want
    assert "UIG301" in {code for code, *_ in want}
    pushed = [v for v, _ in client.published[doc.uri] if v == doc.version]
    assert len(pushed) == (1 if as_tuples(first) == want else 2)


async def test_pull_result_id_and_unchanged(client: LanguageClient, tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    params = types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri))
    first = await client.text_document_diagnostic_async(params)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    assert first.result_id is not None
    params.previous_result_id = first.result_id
    again = await client.text_document_diagnostic_async(params)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    doc.edit(0, 0, "\n")
    changed = await client.text_document_diagnostic_async(params)
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
    assert changed.result_id != first.result_id


async def test_hover_on_index_names_env_vars_never_values(client: LanguageClient,
                                                          tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    await doc.diagnostics()
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find('name = "acme"', 9)))
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "`UV_INDEX_ACME_USERNAME`: not set" in text
    assert "`UV_INDEX_ACME_PASSWORD`: set in the server's environment" in text
    assert ENV_PASSWORD not in text
    assert "Keyring" in text


async def test_hover_on_header_and_url_with_secret(client: LanguageClient,
                                                   tmp_path: Path) -> None:
    text = BASE.replace("https://gitlab", f"https://__token__:{FAKE_PAT}@gitlab")
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    for position in (doc.find("[[tool.uv.index]]", 3), doc.find("url = ", 10)):
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri), position=position))
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "UV_INDEX_ACME_PASSWORD" in hover.contents.value
        assert FAKE_PAT not in hover.contents.value
        assert "****" in hover.contents.value


async def test_hover_on_key_and_source(client: LanguageClient, tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml",
              BASE.replace("explicit = true", 'explicit = true\nauthenticate = "always"'))
    key = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find("authenticate", 2)))
    assert key is not None and isinstance(key.contents, types.MarkupContent)
    assert '`"never"`' in key.contents.value and "Allowed values" in key.contents.value
    source = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find('index = "acme"', 10)))
    assert source is not None and isinstance(source.contents, types.MarkupContent)
    assert "Resolves to index **`acme`**" in source.contents.value
    assert "gitlab.example.com" in source.contents.value


async def complete(client: LanguageClient, doc: Doc,
                   position: types.Position) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri), position=position))
    if result is None:
        return []
    return list(result.items if isinstance(result, types.CompletionList) else result)


async def test_completion_keys_values_and_index_names(client: LanguageClient,
                                                      tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    at = doc.text.index("explicit = true\n") + len("explicit = true\n")
    doc.edit(at, at, "au")
    labels = {i.label for i in await complete(client, doc, doc.position(at + 2))}
    assert {"authenticate", "publish-url", "format", "default"} <= labels
    assert "name" not in labels and "url" not in labels  # already present
    doc.edit(at, at + 2, 'authenticate = "')
    items = await complete(client, doc, doc.position(at + len('authenticate = "')))
    assert [i.label for i in items] == ["auto", "always", "never"]
    doc.edit(at, at + len('authenticate = "'), "default = ")
    items = await complete(client, doc, doc.position(at + len("default = ")))
    assert {i.label for i in items} == {"true", "false"}
    at = doc.text.index('{ index = "acme" }') + len('{ index = "')
    items = await complete(client, doc, doc.position(at))
    assert [i.label for i in items] == ["acme"]


def _edits_for(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    if action.edit.changes:
        return list(action.edit.changes[uri])
    out: list[types.TextEdit] = []
    for change in action.edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
            out.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    return out


async def actions_for(client: LanguageClient, doc: Doc,
                      diags: list[types.Diagnostic]) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        range=diags[0].range, context=types.CodeActionContext(diagnostics=diags)))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


@pytest.mark.parametrize("broken, code", [
    ("BASE.replace('explicit = true', 'explict = true')", "UIG201"),
    ("BASE.replace('{ index = \"acme\" }', '{ index = \"acme2\" }')", "UIG107"),
    ("BASE.replace('name = \"acme\"', 'name = \"acme\"\\nusername = \"oauth2\"')", "UIG202"),
], ids=["misspelled-key", "undeclared-index", "username-key"])
async def test_engine_fixes_as_quick_fixes(client: LanguageClient, tmp_path: Path,
                                           broken: str, code: str) -> None:
    text = eval(broken)
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    diags = [d for d in await doc.diagnostics() if d.code == code]
    assert diags, f"no {code} in {codes(await doc.diagnostics())}"
    actions = await actions_for(client, doc, diags)
    assert actions
    doc.apply(_edits_for(actions[0], doc.uri))
    tomllib.loads(doc.text)
    assert code not in expected(doc.text)


async def test_typing_a_block_char_by_char(client: LanguageClient, tmp_path: Path) -> None:
    doc = Doc(client, tmp_path / "pyproject.toml", BASE)
    block = ('\n[[tool.uv.index]]\nname = "mirror"\n'
             'url = "https://mirror.example.com/simple"\ndefault = true\n')
    at = len(doc.text)
    for i, ch in enumerate(block):
        doc.edit(at + i, at + i, ch)
        if i % 9 == 0:
            assert codes(await doc.diagnostics()) == expected(doc.text)
    assert codes(await doc.diagnostics()) == expected(doc.text)


async def test_non_ascii_positions(client: LanguageClient, tmp_path: Path) -> None:
    text = BASE.replace('name = "demo"', 'name = "demo" # 😋 ünïcode').replace(
        "explicit = true", '"😋" = 1\nexplict = true')
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    diags = [d for d in await doc.diagnostics() if d.code == "UIG201"]
    key = [d for d in diags if doc.text[doc.index(d.range.start.line, d.range.start.character):
                                        doc.index(d.range.end.line, d.range.end.character)]
           == "explict"]
    assert key, diags
    at = doc.text.index("😋")
    doc.edit(at, at + 1, "x")
    assert codes(await doc.diagnostics()) == expected(doc.text)


async def test_freshness_follows_the_content(push_client: LanguageClient, tmp_path: Path,
                                             ) -> None:
    """A didChange that keeps the version number, or lowers it, still gets the diagnostics
    of the new text."""
    client = push_client
    assert isinstance(client, RecordingClient)
    text = BASE.replace("https://gitlab", f"https://deploy:{FAKE_PASSWORD}@gitlab")
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    first = await doc.diagnostics()
    line = next(d.range.start.line for d in first if d.code == "UIG301")

    def edit_at(version: int, new_text: str) -> None:
        doc.text = new_text + doc.text
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=0, character=0),
                                  end=types.Position(line=0, character=0)),
                text=new_text)]))

    async def pushed_after(count: int) -> list[types.Diagnostic]:
        async def wait() -> list[types.Diagnostic]:
            while len(client.published[doc.uri]) <= count:
                client.publish_event.clear()
                await client.publish_event.wait()
            return list(client.published[doc.uri][-1][1])
        return await asyncio.wait_for(wait(), 20)

    count = len(client.published[doc.uri])
    edit_at(1, "# one\n# two\n# three\n")  # the same version number
    same = await pushed_after(count)
    assert [d.range.start.line for d in same if d.code == "UIG301"] == [line + 3]
    count = len(client.published[doc.uri])
    edit_at(0, "# four\n")  # a lower one
    lower = await pushed_after(count)
    assert [d.range.start.line for d in lower if d.code == "UIG301"] == [line + 4]


async def test_a_token_as_index_name_stays_masked(client: LanguageClient, tmp_path: Path,
                                                  ) -> None:
    """Hover, diagnostics and completion never show a token typed as an index name, nor
    the variable names derived from it."""
    from helpers import SYNTHETIC

    from uv_index_guard.index_env import env_name

    token = SYNTHETIC["{GLPAT}"]
    text = BASE.replace('name = "acme"', f'name = "{token}"').replace(
        'acme-core = { index = "acme" }', 'acme-core = { index = "" }')
    doc = Doc(client, tmp_path / "pyproject.toml", text)
    diags = await doc.diagnostics()
    assert "UIG302" in {d.code for d in diags}
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find(f'name = "{token}"', 9)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    completion = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find('{ index = ""', len('{ index = "'))))
    labels = [i.label for i in (completion.items if completion else [])]
    for shown in [hover.contents.value, *(d.message for d in diags), *labels]:
        assert token not in shown and env_name(token) not in shown, shown
