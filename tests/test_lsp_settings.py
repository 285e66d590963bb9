"""The language server's settings (`uvIndexGuard.*`), end to end and unit by unit.

Each setting changes what the server publishes or answers: `severity` (the lowest severity
shown), `ignore` (codes not shown), `hover.credentialSource` (the credential line of the
index hover) and `codeLens`. They arrive as `initializationOptions`, as the answers to
`workspace/configuration` (asked after `initialized`, again on
`workspace/didChangeConfiguration` and when workspace folders change; one item for all, one
per workspace folder), or, from a client that cannot be asked, in the `settings` of
`workspace/didChangeConfiguration`. A bad value never stops anything: it is logged once,
by key and JSON type, and its default applies.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_lsp
from credentials_support import make_token
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp_client import (
    SERVER_ENV,
    TIMEOUT,
    Doc,
    RecordingClient,
    editor_capabilities,
    make_client,
    pull,
    uses_pull,
)
from uv_index_guard.engine import ALL, Session, Shown, analyze, check_text
from uv_index_guard.finding import Severity
from uv_index_guard.lsp import settings
from uv_index_guard.lsp.settings import Settings, parse

T = TypeVar("T")
#: The mark of the end-to-end tests (the unit tests below are plain functions).
LSP = pytest.mark.asyncio(loop_scope="function")

#: A pyproject.toml with one finding of each severity: UIG201 (warning: the misspelt
#: `explict`), UIG107 (error: a source on an index that is not declared) and UIG210 (info:
#: the deprecated `index-url`); its index `acme` has its password in the environment
#: (`UV_INDEX_ACME_PASSWORD`, see tests/lsp_client.py), which the hover names.
TEXT = """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["acme-core", "requests"]

[[tool.uv.index]]
name = "acme"
url = "https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
explict = true

[tool.uv.sources]
acme-core = { index = "acme" }
requests = { index = "nope" }

[tool.uv]
index-url = "https://p.example/simple"
"""
EVERY = ["UIG107", "UIG201", "UIG210"]
CREDENTIALS = "**Credentials uv uses:**"
SECRET = make_token()  # a synthetic token, as a value that is never quoted


def test_the_text_has_one_finding_of_each_severity() -> None:
    found = {f.code: f.severity for f in check_text(TEXT)}
    assert found == {"UIG201": Severity.WARNING, "UIG107": Severity.ERROR,
                     "UIG210": Severity.INFO}


# --- lsp/settings.py ---------------------------------------------------------------------


def test_parse_defaults() -> None:
    # `[]`: an empty Lua table, as Neovim encodes `init_options = {}` (or `hover = {}`).
    for empty in (None, {}, {"uvIndexGuard": {}}, [], {"hover": []}, {"hover": None}):
        assert parse(empty) == (Settings(), [])
    default = Settings()
    assert (default.severity, default.ignore, default.hover_credential_source,
            default.code_lens) == (Severity.INFO, frozenset(), True, True)
    assert default.shown == ALL


def test_parse_every_setting() -> None:
    found, problems = parse({"severity": "warning", "ignore": ["UIG205", "UIG107"],
                             "hover": {"credentialSource": False}, "codeLens": False})
    assert problems == []
    assert found == Settings(Severity.WARNING, frozenset({"UIG205", "UIG107"}), False, False)
    assert found.shown == Shown(frozenset({"UIG205", "UIG107"}), Severity.WARNING)
    assert parse({"severity": "ERROR"})[0].severity is Severity.ERROR


def test_parse_the_flat_and_the_wrapped_forms() -> None:
    flat = {"hover.credentialSource": False, "severity": "error"}
    assert parse(flat) == (Settings(Severity.ERROR, hover_credential_source=False), [])
    assert parse({"uvIndexGuard": flat}) == parse(flat)
    # Both spellings: the dotted key wins, whichever comes first.
    assert parse({"hover": {"credentialSource": True}, "hover.credentialSource": False})[0] \
        == parse({"hover.credentialSource": False, "hover": {"credentialSource": True}})[0] \
        == Settings(hover_credential_source=False)


def test_parse_takes_the_codes_the_project_ignore_takes() -> None:
    found, problems = parse({"ignore": ["UIG205", "url-credentials"]})
    assert found.ignore == {"UIG205", "url-credentials"} and problems == []


def test_parse_skips_the_vscode_extension_own_keys() -> None:
    section = {"enable": True, "path": "", "interpreter": "", "importStrategy": "useBundled",
               "trace": {"server": "verbose"}, "trace.server": "off", "severity": "error",
               "ignore": [], "hover": {"credentialSource": True}, "codeLens": True}
    assert parse(section) == (Settings(Severity.ERROR), [])


@pytest.mark.parametrize(("value", "key", "expected", "got"), [
    ({"severity": "loud"}, "severity", '"info", "warning", "error"', "an unknown string"),
    ({"severity": 3}, "severity", '"info", "warning", "error"', "a number"),
    ({"ignore": "UIG205"}, "ignore", "an array of rule codes", "a string"),
    ({"hover": {"credentialSource": "no"}}, "hover.credentialSource", "a boolean", "a string"),
    ({"hover.credentialSource": [1]}, "hover.credentialSource", "a boolean", "an array"),
    ({"hover": False}, "hover", "an object", "a boolean"),
    ({"codeLens": {"on": True}}, "codeLens", "a boolean", "an object"),
    ({"codeLens": 0}, "codeLens", "a boolean", "a number"),
])
def test_parse_a_bad_value(value: dict[str, Any], key: str, expected: str, got: str) -> None:
    found, problems = parse(value)
    assert found == Settings()
    assert len(problems) == 1, problems
    assert f"`{key}` must be" in problems[0]
    assert expected in problems[0] and f"got {got}" in problems[0]


def test_parse_never_quotes_a_value() -> None:
    value = {"severity": SECRET, "ignore": SECRET, "codeLens": SECRET,
             "hover": {"credentialSource": SECRET}}
    found, problems = parse(value)
    assert found == Settings() and len(problems) == 4
    assert not any(SECRET in p for p in problems)
    found, problems = parse({"ignore": ["UIG205", SECRET, 7]})
    assert found.ignore == {"UIG205"}
    assert problems == ['`ignore`: entries 2 and 3 are not a rule code (a code such as '
                        '"UIG205"); skipped']


def test_parse_unknown_keys_in_one_problem() -> None:
    found, problems = parse({"severity": "error", "colour": "red", "hover": {"links": True},
                             "x" * 100: 1, SECRET: 2})
    assert found == Settings(Severity.ERROR)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.startswith("unknown keys `colour`, `hover.links`, `" + "x" * 40 + "…`")
    assert "x" * 41 not in problem and SECRET not in problem
    assert "known: `severity`, `ignore`, `hover.credentialSource`, `codeLens`" in problem


def test_parse_what_is_not_an_object() -> None:
    for value in (["severity"], "severity=error", 3, True):
        found, problems = parse(value)
        assert found == Settings()
        assert problems == [f"the settings must be an object, got {settings.json_type(value)}; "
                            "using the defaults"]


# --- the engine: which findings are shown ------------------------------------------------


def test_analyze_shows_what_shown_selects() -> None:
    def codes(shown: Shown = ALL, ignore: tuple[str, ...] = ()) -> list[str]:
        return sorted(f.code for f in analyze(TEXT, ignore=ignore, shown=shown).findings)

    assert codes() == EVERY
    assert codes(Shown(at_least=Severity.WARNING)) == ["UIG107", "UIG201"]
    assert codes(Shown(at_least=Severity.ERROR)) == ["UIG107"]
    assert codes(Shown(frozenset({"UIG201"}))) == ["UIG107", "UIG210"]
    assert codes(Shown(frozenset({"UIG201"})), ignore=("UIG107",)) == ["UIG210"]
    # With the project's own `ignore` and an inline suppression.
    text = TEXT.replace("explict = true", "explict = true  # uv-index-guard: ignore[UIG201]")
    text += '\n[tool.uv-index-guard]\nignore = ["UIG210"]\n'
    assert sorted(f.code for f in analyze(text, shown=Shown(frozenset({"UIG107"}))).findings) \
        == []


def test_session_show_settles_again_without_a_parse() -> None:
    session = Session(TEXT, shown=Shown(at_least=Severity.ERROR))
    first = session.analysis()
    assert [f.code for f in first.findings] == ["UIG107"]
    assert session.show(Shown(at_least=Severity.ERROR)) is False
    assert session.analysis() is first
    assert session.show(Shown(frozenset({"UIG107"}))) is True
    second = session.analysis()
    assert second is not first and second.doc is first.doc  # no parse
    assert session.generation == 2  # the first analysis, then the one settled again
    assert [f.code for f in second.findings] == ["UIG201", "UIG210"]
    assert second.findings == analyze(TEXT, shown=Shown(frozenset({"UIG107"}))).findings
    session.show(ALL)
    session.edit(0, 0, b"# a comment\n")
    assert sorted(f.code for f in session.analysis().findings) == EVERY


# --- the language server ------------------------------------------------------------------


class SettingsClient(RecordingClient):
    configuration_requests: list[types.ConfigurationParams]
    lens_refreshes: int


def _configuration(client: SettingsClient, params: types.ConfigurationParams) -> list[Any]:
    client.configuration_requests.append(params)
    return [client.get_configuration(section=item.section, scope_uri=item.scope_uri)
            for item in params.items]


def _lens_refresh(client: SettingsClient, params: None) -> None:
    client.lens_refreshes += 1


def make_settings_client() -> LanguageClient:
    """The recording client that also records `workspace/configuration` requests (answered
    from `set_configuration`, as pytest-lsp's own) and counts `workspace/codeLens/refresh`."""
    client = make_client({types.WORKSPACE_CONFIGURATION: _configuration,
                          types.WORKSPACE_CODE_LENS_REFRESH: _lens_refresh}, SettingsClient)
    assert isinstance(client, SettingsClient)
    client.configuration_requests = []
    client.lens_refreshes = 0
    return client


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "uv_index_guard", "lsp"],
                            client_factory=make_settings_client, server_env=SERVER_ENV)

#: Clients by how they take settings: VS Code 1.65 (pytest-lsp's: pushed diagnostics,
#: `workspace/configuration`, code lens refresh), VS Code 1.100 (pulled diagnostics with
#: refresh), Neovim 0.11 (pulled diagnostics without refresh, `workspace/configuration`),
#: Helix 25.07 (pushed diagnostics) and Neovim 0.7 (no `workspace/configuration`).
PROFILES: dict[str, Callable[[], types.ClientCapabilities]] = {
    "vscode-1.65": lambda: client_capabilities("visual_studio_code@v1.65.2"),
    "vscode-1.100": lambda: editor_capabilities("vscode-1.100"),
    "neovim-0.11": lambda: client_capabilities("neovim@v0.11.0"),
    "helix-25.07": lambda: editor_capabilities("helix-25.07"),
    "neovim-0.7": lambda: client_capabilities("neovim@v0.7.0"),
}
ASKED = ["vscode-1.65", "vscode-1.100", "neovim-0.11", "helix-25.07"]
PUSH_AND_PULL = ["vscode-1.65", "vscode-1.100"]


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    yield lsp_client
    if lsp_client.capabilities is not None:  # initialized by the test
        await lsp_client.shutdown_session()


async def start(client: LanguageClient, profile: str, options: Any = None,
                folders: list[Path] | None = None) -> SettingsClient:
    assert isinstance(client, SettingsClient)
    await client.initialize_session(types.InitializeParams(
        capabilities=PROFILES[profile](), initialization_options=options,
        workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name)
                           for f in folders or []]))
    return client


def configure(client: LanguageClient, value: Any, folder: Path | None = None) -> None:
    """What the client answers for the `uvIndexGuard` section (in ``folder``)."""
    client.set_configuration(value, section=settings.SECTION,
                             scope_uri=folder.as_uri() if folder is not None else None)


async def asked(client: SettingsClient, count: int = 1) -> None:
    """Wait for the server's ``count``-th `workspace/configuration` request."""
    await eventually(lambda: _now(len(client.configuration_requests)),
                     lambda n: n >= count, f"{count} workspace/configuration requests")


async def _now(value: T) -> T:
    return value


async def eventually(get: Callable[[], Awaitable[T]], ok: Callable[[T], bool],
                     what: str) -> T:
    """``get()`` once ``ok`` of it (settings reach the server while it already works)."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        value = await get()
        if ok(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never {what}; last: {value!r}")
        await asyncio.sleep(0.05)


async def current_codes(doc: Doc) -> list[str]:
    """The codes the client shows now: pulled, or the last pushed."""
    if uses_pull(doc.client):
        return sorted(str(d.code) for d in await pull(doc.client, doc.uri))
    assert isinstance(doc.client, RecordingClient)
    found = doc.client.published.get(doc.uri, [])
    return sorted(str(d.code) for d in found[-1][1]) if found else []


async def shows(doc: Doc, codes: list[str]) -> None:
    await eventually(lambda: current_codes(doc), lambda now: now == codes,
                     f"the diagnostics {codes}")


async def hover_text(doc: Doc) -> str:
    hover = await doc.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=doc.find('name = "acme"', 9)))
    assert hover is not None
    contents = hover.contents
    return contents.value if isinstance(contents, types.MarkupContent) else str(contents)


async def lenses(doc: Doc) -> list[types.CodeLens]:
    return list(await doc.client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri))) or [])


def warnings(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if m.type == types.MessageType.Warning
            and m.message.startswith("uv-index-guard settings:")]


# Each setting, by the path it comes: `init` (initializationOptions, to a client that cannot
# be asked, so that they are in force from the first answer) or `asked` (the answer to
# `workspace/configuration`, with no initializationOptions).
WAYS = ["init", "asked"]


async def with_settings(client: LanguageClient, way: str, value: dict[str, Any]) -> None:
    if way == "init":
        await start(client, "neovim-0.7", options=value)
    else:
        configure(client, value)
        await asked(await start(client, "vscode-1.65"))


@LSP
async def test_by_default_everything_is_shown(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, "vscode-1.65")
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await shows(doc, EVERY)
    assert CREDENTIALS in await hover_text(doc)
    assert [lens.command.title for lens in await lenses(doc) if lens.command] == [
        "Check index access"]
    assert warnings(client) == []


@LSP
@pytest.mark.parametrize("way", WAYS)
async def test_severity(client: LanguageClient, tmp_path: Path, way: str) -> None:
    await with_settings(client, way, {"severity": "error"})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    if way == "init":  # in force from the first publish
        assert sorted(str(d.code) for d in await doc.diagnostics()) == ["UIG107"]
    await shows(doc, ["UIG107"])


@LSP
@pytest.mark.parametrize("way", WAYS)
async def test_severity_warning(client: LanguageClient, tmp_path: Path, way: str) -> None:
    await with_settings(client, way, {"severity": "warning"})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await shows(doc, ["UIG107", "UIG201"])


@LSP
@pytest.mark.parametrize("way", WAYS)
async def test_ignore(client: LanguageClient, tmp_path: Path, way: str) -> None:
    await with_settings(client, way, {"ignore": ["UIG201", "UIG210"]})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    if way == "init":
        assert sorted(str(d.code) for d in await doc.diagnostics()) == ["UIG107"]
    await shows(doc, ["UIG107"])
    # The project's own `ignore` still applies on top.
    doc.edit(len(doc.text), len(doc.text), '\n[tool.uv-index-guard]\nignore = ["UIG107"]\n')
    await shows(doc, [])


@LSP
@pytest.mark.parametrize("way", WAYS)
async def test_hover_credential_source(client: LanguageClient, tmp_path: Path,
                                       way: str) -> None:
    await with_settings(client, way, {"hover": {"credentialSource": False}})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    text = await eventually(lambda: hover_text(doc), lambda t: CREDENTIALS not in t,
                            "a hover without the credential source")
    assert "acme" in text  # the index hover itself


@LSP
async def test_hover_credential_source_flat(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, "neovim-0.7", options={"hover.credentialSource": False})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await doc.diagnostics()
    assert CREDENTIALS not in await hover_text(doc)


@LSP
@pytest.mark.parametrize("way", WAYS)
async def test_code_lens(client: LanguageClient, tmp_path: Path, way: str) -> None:
    await with_settings(client, way, {"codeLens": False})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await eventually(lambda: lenses(doc), lambda found: found == [], "no code lens")
    await shows(doc, EVERY)  # nothing else changed


@LSP
@pytest.mark.parametrize("profile", ASKED)
async def test_null_answer_keeps_the_initialization_options(client: LanguageClient,
                                                           tmp_path: Path,
                                                           profile: str) -> None:
    """A client with nothing under `uvIndexGuard` answers null (Helix, whose `config` is the
    initializationOptions, answers so for a section it does not have)."""
    started = await start(client, profile, options={"severity": "error"})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await asked(started)
    await shows(doc, ["UIG107"])
    await asyncio.sleep(0.3)
    assert await current_codes(doc) == ["UIG107"]


@LSP
async def test_neovim_empty_init_options(client: LanguageClient, tmp_path: Path) -> None:
    """Neovim sends its default `init_options = {}` as `[]` (an empty Lua table)."""
    started = await start(client, "neovim-0.11", options=[])
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await asked(started)
    await shows(doc, EVERY)
    assert warnings(client) == []


@LSP
async def test_answer_overrides_the_initialization_options(client: LanguageClient,
                                                           tmp_path: Path) -> None:
    configure(client, {"ignore": ["UIG107"]})
    started = await start(client, "vscode-1.65", options={"severity": "error"})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await asked(started)
    await shows(doc, ["UIG201", "UIG210"])  # the answer, whole: severity back to info


@LSP
@pytest.mark.parametrize("profile", PUSH_AND_PULL)
async def test_did_change_configuration_asks_again(client: LanguageClient, tmp_path: Path,
                                                   profile: str) -> None:
    started = await start(client, profile)
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await asked(started)
    await shows(doc, EVERY)
    assert len(await lenses(doc)) == 1
    refreshes, published = started.refreshes, len(started.published.get(doc.uri, []))
    configure(client, {"severity": "warning", "codeLens": False})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"uvIndexGuard": {"severity": "warning", "codeLens": False}}))
    await asked(started, 2)
    if uses_pull(client):  # asked to pull again
        await eventually(lambda: _now(started.refreshes), lambda n: n > refreshes,
                         "a workspace/diagnostic/refresh")
        assert await current_codes(doc) == ["UIG107", "UIG201"]
    else:  # pushed again, for the same version
        await eventually(lambda: _now(len(started.published[doc.uri])),
                         lambda n: n > published, "a new publish")
        assert started.published[doc.uri][-1][0] == doc.version
        await shows(doc, ["UIG107", "UIG201"])
    await eventually(lambda: _now(started.lens_refreshes), lambda n: n == 1,
                     "a workspace/codeLens/refresh")
    assert await lenses(doc) == []
    # Back to the defaults: everything again.
    configure(client, {})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await asked(started, 3)
    await shows(doc, EVERY)
    await eventually(lambda: _now(started.lens_refreshes), lambda n: n == 2,
                     "a second workspace/codeLens/refresh")
    assert len(await lenses(doc)) == 1


@LSP
async def test_did_change_configuration_carries_them(client: LanguageClient,
                                                     tmp_path: Path) -> None:
    """A client that cannot be asked sends them with the notification; without a
    `uvIndexGuard` section there, the initializationOptions apply again."""
    started = await start(client, "neovim-0.7", options={"ignore": ["UIG210"]})
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    assert sorted(str(d.code) for d in await doc.diagnostics()) == ["UIG107", "UIG201"]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"uvIndexGuard": {"ignore": ["UIG201"]}, "other": {"x": 1}}))
    await shows(doc, ["UIG107", "UIG210"])
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"other": {}}))
    await shows(doc, ["UIG107", "UIG201"])
    assert started.configuration_requests == []


@LSP
@pytest.mark.parametrize("profile", PUSH_AND_PULL)
async def test_per_folder_settings(client: LanguageClient, tmp_path: Path,
                                   profile: str) -> None:
    a, inner, b = tmp_path / "a", tmp_path / "a" / "inner", tmp_path / "b"
    for folder in (inner, b, tmp_path / "elsewhere"):
        folder.mkdir(parents=True)
    configure(client, {"ignore": ["UIG210"]})
    configure(client, {"severity": "error", "codeLens": False}, a)
    configure(client, {"ignore": ["UIG107"], "hover": {"credentialSource": False}}, inner)
    started = await start(client, profile, folders=[a, inner, b])
    docs = {name: Doc(client, path / "pyproject.toml", TEXT)
            for name, path in [("a", a), ("inner", inner), ("b", b),
                               ("elsewhere", tmp_path / "elsewhere")]}
    await asked(started)
    items = started.configuration_requests[0].items
    assert [(i.section, i.scope_uri) for i in items] == [
        ("uvIndexGuard", None), *(("uvIndexGuard", f.as_uri()) for f in (a, inner, b))]
    await shows(docs["a"], ["UIG107"])
    await shows(docs["inner"], ["UIG201", "UIG210"])  # the deepest folder's, whole
    await shows(docs["b"], ["UIG107", "UIG201"])  # the global ones
    await shows(docs["elsewhere"], ["UIG107", "UIG201"])
    assert await lenses(docs["a"]) == []
    assert len(await lenses(docs["inner"])) == 1
    assert CREDENTIALS not in await hover_text(docs["inner"])
    assert CREDENTIALS in await hover_text(docs["a"])


@LSP
async def test_workspace_folders_change(client: LanguageClient, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    configure(client, {"severity": "error"}, b)
    started = await start(client, "vscode-1.65", folders=[a])
    doc = Doc(client, b / "pyproject.toml", TEXT)
    await asked(started)
    await shows(doc, EVERY)
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=b.as_uri(), name="b")], removed=[])))
    await asked(started, 2)
    assert [i.scope_uri for i in started.configuration_requests[1].items] == [
        None, a.as_uri(), b.as_uri()]
    await shows(doc, ["UIG107"])
    # A document opened later in the folder takes its settings at once.
    (b / "sub").mkdir()
    other = Doc(client, b / "sub" / "pyproject.toml", TEXT)
    assert sorted(str(d.code) for d in await other.diagnostics()) == ["UIG107"]
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[], removed=[types.WorkspaceFolder(uri=b.as_uri(), name="b")])))
    await shows(doc, EVERY)


@LSP
async def test_a_bad_value_is_logged_once_and_its_default_applies(client: LanguageClient,
                                                                  tmp_path: Path) -> None:
    bad = {"severity": "loud-" + SECRET, "ignore": ["UIG201"], "codeLens": SECRET,
           "colour": "red"}
    configure(client, bad)
    started = await start(client, "vscode-1.65", options=bad)
    doc = Doc(client, tmp_path / "pyproject.toml", TEXT)
    await asked(started)
    await shows(doc, ["UIG107", "UIG210"])  # severity: info; ignore still applies
    assert len(await lenses(doc)) == 1  # codeLens: true
    # Asked again with the same bad values: nothing new to say.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await asked(started, 2)
    await asyncio.sleep(0.3)
    found = warnings(client)
    assert len(found) == 3, found
    severity, code_lens, unknown = found
    assert "`severity` must be one of" in severity and "got an unknown string" in severity
    assert "`codeLens` must be a boolean" in code_lens and "got a string" in code_lens
    assert "unknown key `colour`" in unknown
    assert not any(SECRET in m.message or "loud" in m.message for m in client.log_messages)
    # Fixed, then broken again: said again.
    configure(client, {"severity": "error"})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await shows(doc, ["UIG107"])
    configure(client, {"severity": 7})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await shows(doc, EVERY)
    assert len(warnings(client)) == 4 and "got a number" in warnings(client)[-1]
