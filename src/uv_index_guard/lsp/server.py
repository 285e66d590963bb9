"""The language server: thin pygls handlers over the feature modules.

Start it with ``uv-index-guard lsp`` (or ``python -m uv_index_guard lsp``); it speaks LSP over
stdio. Only documents named ``pyproject.toml`` or ``uv.toml`` are analysed.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import os
import stat
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from functools import wraps
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from uv_index_guard import __version__
from uv_index_guard.ci import ci_kind_of
from uv_index_guard.credentials import fix
from uv_index_guard.engine import analyze
from uv_index_guard.files import ci_index_vars, ci_root
from uv_index_guard.lsp import code_actions, completion, credentials, hover, markup, transport
from uv_index_guard.lsp import settings as lsp_settings
from uv_index_guard.lsp import workspace as lsp_workspace
from uv_index_guard.lsp.ci_documents import CiDocumentState
from uv_index_guard.lsp.documents import (
    DocumentState,
    kind_of_document,
    path_of_uri,
)
from uv_index_guard.lsp.settings import Settings
from uv_index_guard.redact import exception_trail, safe_text

F = TypeVar("F", bound=Callable[..., Any])

#: Seconds of quiet after which pushed diagnostics of a broken text are checked against a
#: fresh analysis (see :meth:`UvIndexGuardServer.publish`).
SETTLE_DELAY = 0.05


class _Protocol(LanguageServerProtocol):
    """Document sync without pygls's own copy of each text.

    :class:`DocumentState` applies the changes. pygls's workspace copy would cost a second
    O(n) update per keystroke, and it splits lines with ``str.splitlines`` (which also breaks
    at U+0085, U+2028, ...) and clamps positions *in place*, so a change that contains such
    a character would reach our handler with altered positions.
    """

    def _user(self, method: str, params: Any) -> None:
        # A plain call, not a generator handler: pygls keeps the future of every generator
        # handler's run in `_request_futures` and never drops it for a notification (2 KB
        # per keystroke; reported upstream in the session note).
        if (handler := self.fm.features.get(method)) is not None:
            handler(params)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)


class UvIndexGuardServer(LanguageServer):
    """Holds the open documents; the logic lives in the feature modules."""

    def __init__(self) -> None:
        super().__init__("uv-index-guard", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=_Protocol)
        self.documents: dict[str, DocumentState] = {}
        #: Open CI files (`.gitlab-ci.yml`, GitHub workflows, `.env`), by URI.
        self.ci_documents: dict[str, CiDocumentState] = {}
        self.files = lsp_workspace.Files(self.open_text)
        self.pending: set[str] = set()
        self.published: dict[str, int] = {}  # the analysis (generation) last pushed, by URI
        self.settling: dict[str, asyncio.TimerHandle] = {}
        # -- settings (see `lsp/settings.py`): the `initializationOptions`, and what the
        # client last answered to `workspace/configuration` for all and for each folder.
        self.initial_settings: tuple[Settings, list[str]] = (lsp_settings.DEFAULT, [])
        self.global_settings = lsp_settings.DEFAULT
        self.folder_settings: dict[str, Settings] = {}  # by the folder's path
        self.settings_problems: frozenset[str] = frozenset()  # the ones logged, still there
        self.settings_pulls = 0  # `workspace/configuration` requests made (the last wins)
        self.tasks: set[asyncio.Task[Any]] = set()

    # -- capabilities ---------------------------------------------------------------------

    @property
    def pull_diagnostics(self) -> bool:
        caps = self.client_capabilities
        return caps.text_document is not None and caps.text_document.diagnostic is not None

    @property
    def pulls_configuration(self) -> bool:
        """Whether the client answers `workspace/configuration`."""
        caps = self.client_capabilities.workspace
        return caps is not None and bool(caps.configuration)

    @property
    def code_lens_refresh_support(self) -> bool:
        caps = self.client_capabilities.workspace
        return caps is not None and caps.code_lens is not None and bool(
            caps.code_lens.refresh_support)

    # -- logging, without document contents ----------------------------------------------

    def log(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(types.MessageType.Info, message))

    def log_warning(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(types.MessageType.Warning, message))

    def log_error(self, where: str, exc: BaseException) -> None:
        """Report an exception by type and frames only: its message may quote the document."""
        self.window_log_message(types.LogMessageParams(
            types.MessageType.Error, f"{where} failed: {exception_trail(exc)}"))

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, JsonRpcInvalidParams):
            return  # an answer to the client (a rename to an invalid name), not a failure
        self.log_error("server", error)

    def fail(self, reason: str) -> dict[str, Any]:
        """Tell the user why a command did nothing; the command's result."""
        self.window_show_message(types.ShowMessageParams(types.MessageType.Error,
                                                         f"uv-index-guard: {reason}"))
        return {"error": reason}

    # -- diagnostics ----------------------------------------------------------------------

    def document(self, uri: str) -> DocumentState | None:
        return self.documents.get(uri)

    def open_text(self, path: str) -> str | None:
        """The text of an open document at ``path`` (None: not open)."""
        for state in self.documents.values():
            if state.path == path:
                return state.text
        return None

    def neighbours(self, state: DocumentState) -> list[DocumentState]:
        """The other open documents of ``state``'s workspace."""
        try:
            return [other for other in self.documents.values() if other is not state
                    and self.files.same_workspace(other.path, state.path)]
        except Exception as exc:  # a broken file elsewhere must not stop this one
            self.log_error("workspace", exc)
            return []

    def changed(self, state: DocumentState) -> None:
        """``state``'s text changed: analyse it, and the documents that see it, again: the
        other documents of its workspace, and the open CI files of the repository it is in
        (their project's indexes may have changed)."""
        self.files.touch(state.path)
        self.schedule(state.uri)
        self.refresh([*self.neighbours(state),
                      *(ci for ci in self.ci_documents.values() if ci.sees(state.path))])

    def ci_index_vars(self, root: str) -> Callable[[], Mapping[str, str] | None]:
        """The `UV_INDEX_*` variables of the project at a CI file's repository ``root``, as
        the open documents and the files on disk give them now."""
        def found() -> Mapping[str, str] | None:
            try:
                return ci_index_vars(root, self.files.discovery,
                                     lambda path: self.files.find(path, fresh=True))
            except Exception as exc:  # a broken project must not stop the CI file's check
                self.log_error("workspace", exc)
                return None
        return found

    def refresh(self, states: Sequence[DocumentState | CiDocumentState]) -> None:
        """Diagnostics of ``states`` may have changed without an edit of their own (one
        `workspace/diagnostic/refresh` for all of them, when the client pulls)."""
        for other in states:
            self.schedule(other.uri)
        if states and self.pull_diagnostics and self.refresh_support:
            self.workspace_diagnostic_refresh(None)

    @property
    def refresh_support(self) -> bool:
        caps = self.client_capabilities.workspace
        return caps is not None and caps.diagnostics is not None and bool(
            caps.diagnostics.refresh_support)

    def schedule(self, uri: str) -> None:
        """Analyse and publish soon; edits that arrive first are folded into one run."""
        if self.pull_diagnostics or uri in self.pending:
            return
        self.pending.add(uri)
        asyncio.get_running_loop().call_soon(self.publish, uri)

    def publish(self, uri: str) -> None:
        """Push the diagnostics of the newest version.

        While the user types into a broken text, they come from tree-sitter's incremental
        reparse, whose error recovery can differ from a fresh parse's; a fresh analysis
        follows once the document has been quiet for :data:`SETTLE_DELAY`, and its
        diagnostics replace these if they differ (:meth:`settle`).
        """
        self.pending.discard(uri)
        ci = self.ci_documents.get(uri)
        if ci is not None:
            try:
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=ci.client_diagnostics(), version=ci.version))
            except Exception as exc:
                self.log_error("diagnostics", exc)
            return
        state = self.documents.get(uri)
        if state is None:
            return
        try:
            items = self.diagnostics_of(state, exact=False)
        except Exception as exc:  # never let one document stop the server
            self.log_error("diagnostics", exc)
            return
        self.push(state, items)
        self.unsettle(uri)
        if not state.exact:
            self.settling[uri] = asyncio.get_running_loop().call_later(
                SETTLE_DELAY, self.settle, uri, state.version)

    def diagnostics_of(self, state: DocumentState, exact: bool) -> list[types.Diagnostic]:
        """The document's diagnostics, pushed or pulled; when its own edit changed which
        workspace it forms or joins, that is found anew and the others refreshed."""
        items = state.client_diagnostics(exact)
        if self.files.layout_changed(state, state.current(exact).config):
            self.refresh([s for s in self.documents.values() if s is not state])
            items = state.client_diagnostics(exact)
        return items

    def push(self, state: DocumentState, items: list[types.Diagnostic]) -> None:
        # Freshness follows the content, not the version number (a client may send a lower
        # or the same version with new text): never publish an older analysis over a newer.
        generation = state.session.generation
        if self.published.get(state.uri, -1) > generation:
            return
        self.published[state.uri] = generation
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=state.uri, diagnostics=items, version=state.version))

    def settle(self, uri: str, version: int) -> None:
        """Replace a broken text's pushed diagnostics with a fresh analysis's, if they differ."""
        self.settling.pop(uri, None)
        state = self.documents.get(uri)
        if state is None or state.version != version or state.exact:
            return
        try:
            before = state.client_diagnostics(exact=False)
            after = state.client_diagnostics()
        except Exception as exc:
            self.log_error("diagnostics", exc)
            return
        if after != before:
            self.push(state, after)

    def unsettle(self, uri: str) -> None:
        """Drop a pending settle pass (a newer publish or a close makes it moot)."""
        if (handle := self.settling.pop(uri, None)) is not None:
            handle.cancel()

    # -- settings -------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` on the loop, holding on to it until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def folders(self) -> list[tuple[str, str]]:
        """The workspace folders (from `initialize`, kept up to date by pygls on
        `workspace/didChangeWorkspaceFolders`): their URIs and paths."""
        return [(folder.uri, path_of_uri(folder.uri))
                for folder in self.workspace.folders.values()]

    def settings_for(self, path: str) -> Settings:
        """The settings of the deepest workspace folder that holds ``path``, else the
        global ones."""
        best, depth = self.global_settings, -1
        for folder, settings in self.folder_settings.items():
            if _inside(path, folder) and len(folder) > depth:
                best, depth = settings, len(folder)
        return best

    def report_settings(self, problems: Sequence[str]) -> None:
        """Log each settings problem once: again only after it was gone (a client may send
        the same settings as `initializationOptions` and then for each folder)."""
        current = list(dict.fromkeys(problems))
        for problem in current:
            if problem not in self.settings_problems:
                self.log_warning(f"uv-index-guard settings: {problem}")
        self.settings_problems = frozenset(current)

    def configure(self, global_settings: Settings, folders: Mapping[str, Settings],
                  problems: Sequence[str]) -> None:
        """New settings: each open document takes its own; its diagnostics are published
        again (or the client asked to pull them again) where they may have changed, and the
        code lenses refreshed where they were turned on or off."""
        self.report_settings(problems)
        self.global_settings = global_settings
        self.folder_settings = dict(folders)
        changed: list[DocumentState] = []
        lenses = False
        for ci in self.ci_documents.values():
            if ci.configure(self.settings_for(ci.path)):
                self.schedule(ci.uri)
        for state in self.documents.values():
            settings = self.settings_for(state.path)
            if settings == state.settings:
                continue
            lenses |= settings.code_lens != state.settings.code_lens
            if state.configure(settings):
                changed.append(state)
        if changed:
            self.refresh(changed)
        if lenses and self.code_lens_refresh_support:
            self.workspace_code_lens_refresh(None)

    async def pull_settings(self) -> None:
        """Ask the client for the settings (`workspace/configuration`): one item for all,
        one per workspace folder. An item the client has nothing for (null) takes the
        settings of the scope around it: a folder the global ones, the global ones the
        `initializationOptions`."""
        self.settings_pulls += 1
        pull = self.settings_pulls
        folders = self.folders()
        items = [types.ConfigurationItem(section=lsp_settings.SECTION),
                 *(types.ConfigurationItem(scope_uri=uri, section=lsp_settings.SECTION)
                   for uri, _ in folders)]
        try:
            answers = list(await self.workspace_configuration_async(
                types.ConfigurationParams(items=items)))
        except Exception as exc:  # an error answer, or a lost connection
            self.log_warning(f"uv-index-guard settings: workspace/configuration failed "
                             f"({type(exc).__name__}); the settings are unchanged")
            return
        if pull != self.settings_pulls:
            return  # a newer request is on its way
        answers += [None] * (len(items) - len(answers))
        initial, problems = self.initial_settings
        problems = list(problems)
        global_settings = initial
        if answers[0] is not None:
            global_settings, problems = lsp_settings.parse(answers[0])
        by_folder: dict[str, Settings] = {}
        for (_, path), answer in zip(folders, answers[1:], strict=False):
            if answer is not None:
                by_folder[path], found = lsp_settings.parse(answer)
                problems += found
        self.configure(global_settings, by_folder, problems)


def guarded(default: Any = None) -> Callable[[F], F]:
    """Every handler and command is wrapped in this: it answers even when its feature fails,
    and the failure is logged without text. A handler answers ``default``; a command (give
    ``default=command_failed``) answers ``{"error": ...}`` and tells the user, as it does
    for a :class:`~uv_index_guard.credentials.fix.FixError` (a reason meant for the user)."""
    def decorate(fn: F) -> F:
        def failed(ls: UvIndexGuardServer, exc: Exception) -> Any:
            if isinstance(exc, JsonRpcException):
                raise exc  # an answer meant for the client (invalid params, ...)
            if isinstance(exc, fix.FixError):
                return ls.fail(str(exc))
            ls.log_error(fn.__name__, exc)
            return default(ls, fn.__name__, exc) if callable(default) else default

        if inspect.iscoroutinefunction(fn):
            @wraps(fn)
            async def wrapper_async(ls: UvIndexGuardServer, *args: Any) -> Any:
                try:
                    return await fn(ls, *args)
                except Exception as exc:
                    return failed(ls, exc)
            return wrapper_async  # type: ignore[return-value]

        @wraps(fn)
        def wrapper(ls: UvIndexGuardServer, *args: Any) -> Any:
            try:
                return fn(ls, *args)
            except Exception as exc:
                return failed(ls, exc)
        return wrapper  # type: ignore[return-value]
    return decorate


def command_failed(ls: UvIndexGuardServer, name: str, exc: Exception) -> dict[str, Any]:
    """What a command answers when it failed unexpectedly."""
    return ls.fail(f"{name.replace('_', ' ')} failed ({type(exc).__name__})")


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.normcase(path), os.path.normcase(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


SERVER = UvIndexGuardServer()


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: UvIndexGuardServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    kind = kind_of_document(item)
    ci_kind = ci_kind_of(path_of_uri(item.uri)) if item.uri.startswith("file:") else None
    if kind is None and ci_kind is not None:
        path = path_of_uri(item.uri)
        root = ci_root(path)
        ls.ci_documents[item.uri] = CiDocumentState(
            item.uri, path, root, ci_kind, item.version, item.text, ls.workspace.position_codec,
            ls.ci_index_vars(root), ls.settings_for(path))
        ls.log(f"opened {item.uri} ({ci_kind.value}, version {item.version})")
        ls.schedule(item.uri)
        return
    if kind is None:
        return
    state = DocumentState.open(item, kind, ls.workspace.position_codec,
                               ls.settings_for(path_of_uri(item.uri)))
    if state.on_disk:
        # Parsed once: alone first, so that finding its workspace needs no parse of its own.
        ls.files.discovery.preload(state.path, state.current().config)
        state.context = lambda: ls.files.context(state)
    # else: untitled, or in a virtual file system: checked alone, no workspace on disk
    ls.documents[item.uri] = state
    ls.log(f"opened {item.uri} ({kind.value}, version {item.version})")
    ls.changed(state)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: UvIndexGuardServer, params: types.DidChangeTextDocumentParams) -> None:
    ci = ls.ci_documents.get(params.text_document.uri)
    if ci is not None:
        ci.change(params.text_document.version, list(params.content_changes))
        ls.schedule(ci.uri)
        return
    state = ls.document(params.text_document.uri)
    if state is None:
        return
    state.change(params.text_document.version, list(params.content_changes))
    ls.changed(state)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: UvIndexGuardServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.unsettle(uri)
    if ls.ci_documents.pop(uri, None) is not None:
        if not ls.pull_diagnostics:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        return
    state = ls.documents.get(uri)
    if state is None:
        return
    others = ls.neighbours(state)
    del ls.documents[uri]
    ls.files.saved(state.path)  # as saved on disk from now on
    ls.refresh(others)
    if not ls.pull_diagnostics:
        ls.published.pop(uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@SERVER.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="uv-index-guard",
                                        inter_file_dependencies=True,
                                        workspace_diagnostics=False))
@guarded(types.RelatedFullDocumentDiagnosticReport(items=[]))
def pull_diagnostics(ls: UvIndexGuardServer, params: types.DocumentDiagnosticParams,
                     ) -> types.DocumentDiagnosticReport:
    ci = ls.ci_documents.get(params.text_document.uri)
    if ci is not None:
        items = ci.client_diagnostics()
        result_id = f"{ci.uri}@{ci.version}#ci{ci.generation}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)
    state = ls.document(params.text_document.uri)
    if state is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    items = ls.diagnostics_of(state, exact=True)
    result_id = f"{state.uri}@{state.version}#{state.session.generation}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
@guarded()
def on_hover(ls: UvIndexGuardServer, params: types.HoverParams) -> types.Hover | None:
    ci = ls.ci_documents.get(params.text_document.uri)
    if ci is not None:
        return ci.hover(params.position)
    state = ls.document(params.text_document.uri)
    if state is None:
        return None
    found = hover.hover(state, params.position, os.environ)
    if state.settings.hover_credential_source:
        found = credentials.with_source(found, state, params.position, os.environ)
    return markup.hover_for(found, ls.client_capabilities)


@SERVER.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=['"', "=", " "]))
@guarded()
def on_completion(ls: UvIndexGuardServer, params: types.CompletionParams,
                  ) -> types.CompletionList | None:
    state = ls.document(params.text_document.uri)
    if state is None:
        return None
    return markup.completion_for(completion.complete(state, params.position),
                                 ls.client_capabilities)


@SERVER.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@guarded([])
def on_code_action(ls: UvIndexGuardServer, params: types.CodeActionParams,
                   ) -> list[types.CodeAction]:
    ci = ls.ci_documents.get(params.text_document.uri)
    if ci is not None:
        return code_actions.code_actions(ci, code_actions.selected(ci, params),
                                         ls.client_capabilities)
    state = ls.document(params.text_document.uri)
    if state is None:
        return []
    wanted = code_actions.selected(state, params)
    caps = ls.client_capabilities
    # A document that is not a file (untitled, a virtual file system) has no `.env` beside
    # it: credentials.code_actions offers only the keyring move there, which writes no file
    # beside the document.
    return [*code_actions.code_actions(state, wanted, caps),
            *credentials.code_actions(state, wanted, caps)]


@SERVER.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
@guarded([])
def on_code_lens(ls: UvIndexGuardServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    state = ls.document(params.text_document.uri)
    if state is None or not state.settings.code_lens:
        return []
    return credentials.code_lenses(state)


async def move_credentials(ls: UvIndexGuardServer, command: str, uri: str, version: int,
                           ordinal: int) -> dict[str, Any]:
    """Run a credential move (to `.env` or keyring): it stores the secret, reads it back,
    then asks the client to edit the URL and says whether the client did."""
    state = ls.document(uri)
    if state is None:
        return ls.fail("the document is not open")
    if state.version != version:
        return ls.fail("the document changed; run the quick fix again")
    caps = ls.client_capabilities.workspace
    if caps is None or not caps.apply_edit:
        return ls.fail("this editor does not take edits from the server "
                       "(`workspace.applyEdit`); run `uv-index-guard fix` instead")
    move, label = credentials.MOVES[command]
    edit, message = move(state, ordinal, ls.client_capabilities)
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=label))
    if not result.applied:
        reason = safe_text(result.failure_reason or "no reason given")
        return ls.fail(f"the secret is stored, but the editor did not apply the edit of the "
                       f"URL ({reason}): remove the credentials from the URL yourself")
    ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, message))
    return {"moved": True}


@SERVER.command(credentials.MOVE_TO_KEYRING)
@guarded(command_failed)
async def move_to_keyring(ls: UvIndexGuardServer, uri: str, version: int, ordinal: int,
                          ) -> dict[str, Any]:
    return await move_credentials(ls, credentials.MOVE_TO_KEYRING, uri, version, ordinal)


@SERVER.command(credentials.MOVE_TO_ENV)
@guarded(command_failed)
async def move_to_env(ls: UvIndexGuardServer, uri: str, version: int, ordinal: int,
                      ) -> dict[str, Any]:
    return await move_credentials(ls, credentials.MOVE_TO_ENV, uri, version, ordinal)


@SERVER.command(credentials.CHECK_ACCESS)
@guarded(command_failed)
async def check_index_access(ls: UvIndexGuardServer, uri: str, ordinal: int,
                             ) -> dict[str, Any]:
    state = ls.document(uri)
    if state is None:
        return ls.fail("the document is not open")
    entry, message, ok = await asyncio.to_thread(
        credentials.check_access, state.current(), state.path, ordinal, dict(os.environ))
    kind = types.MessageType.Info if ok else types.MessageType.Warning
    ls.window_show_message(types.ShowMessageParams(kind, message))
    return entry


# -- across files --------------------------------------------------------------------------

WATCHED = ("**/pyproject.toml", "**/uv.toml", "**/.env")


@SERVER.feature(types.INITIALIZE)
@guarded()
def on_initialize(ls: UvIndexGuardServer, params: types.InitializeParams) -> None:
    """The settings in `initializationOptions` (until the client is asked for them)."""
    settings, problems = lsp_settings.parse(params.initialization_options)
    ls.initial_settings = (settings, problems)
    ls.global_settings = settings
    ls.report_settings(problems)


@SERVER.feature(types.INITIALIZED)
@guarded()
def on_initialized(ls: UvIndexGuardServer, params: types.InitializedParams) -> None:
    """Ask for the settings, and watch the configuration files on disk, where the client
    can watch them for us."""
    if ls.pulls_configuration:
        ls.spawn(ls.pull_settings())
    caps = ls.client_capabilities.workspace
    watch = caps.did_change_watched_files if caps is not None else None
    if watch is None or not watch.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
        types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED])
    ls.client_register_capability(types.RegistrationParams(registrations=[
        types.Registration(id="uv-index-guard-config-files",
                           method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                           register_options=options)]))


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded()
def on_configuration(ls: UvIndexGuardServer, params: types.DidChangeConfigurationParams,
                     ) -> None:
    """The settings changed: ask for them again. A client that cannot be asked sends them
    here, as the `uvIndexGuard` section of ``settings`` (for every folder); without that
    section, the `initializationOptions` apply."""
    if ls.pulls_configuration:
        ls.spawn(ls.pull_settings())
        return
    found = params.settings
    if isinstance(found, Mapping) and lsp_settings.SECTION in found:
        settings, problems = lsp_settings.parse(found[lsp_settings.SECTION])
    else:
        settings, problems = ls.initial_settings
    ls.configure(settings, {}, problems)


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@guarded()
def on_workspace_folders(ls: UvIndexGuardServer,
                         params: types.DidChangeWorkspaceFoldersParams) -> None:
    """Folders came or went (pygls keeps the list): each has its own settings."""
    if ls.pulls_configuration:
        ls.spawn(ls.pull_settings())


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded()
def on_watched_files(ls: UvIndexGuardServer, params: types.DidChangeWatchedFilesParams,
                     ) -> None:
    for change in params.changes:
        ls.files.saved(path_of_uri(change.uri))
    ls.refresh(list(ls.documents.values()))


@SERVER.feature(types.TEXT_DOCUMENT_DEFINITION)
@guarded([])
def on_definition(ls: UvIndexGuardServer, params: types.DefinitionParams,
                  ) -> list[types.Location]:
    state = ls.document(params.text_document.uri)
    return lsp_workspace.definition(ls.files, state, params.position) if state else []


@SERVER.feature(types.TEXT_DOCUMENT_REFERENCES)
@guarded([])
def on_references(ls: UvIndexGuardServer, params: types.ReferenceParams,
                  ) -> list[types.Location]:
    state = ls.document(params.text_document.uri)
    if state is None:
        return []
    return lsp_workspace.find_references(ls.files, state, params.position,
                                         params.context.include_declaration)


@SERVER.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded()
def on_prepare_rename(ls: UvIndexGuardServer, params: types.PrepareRenameParams,
                      ) -> types.PrepareRenamePlaceholder | None:
    state = ls.document(params.text_document.uri)
    return lsp_workspace.prepare_rename(ls.files, state, params.position) if state else None


@SERVER.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
@guarded()
def on_rename(ls: UvIndexGuardServer, params: types.RenameParams,
              ) -> types.WorkspaceEdit | None:
    state = ls.document(params.text_document.uri)
    if state is None:
        return None
    try:
        return lsp_workspace.rename(ls.files, state, params.position, params.new_name,
                                    ls.client_capabilities)
    except lsp_workspace.RenameError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None


@SERVER.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded([])
def on_document_symbol(ls: UvIndexGuardServer, params: types.DocumentSymbolParams,
                       ) -> list[types.DocumentSymbol]:
    state = ls.document(params.text_document.uri)
    return lsp_workspace.symbols(state) if state else []


@SERVER.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@guarded([])
def on_inlay_hint(ls: UvIndexGuardServer, params: types.InlayHintParams,
                  ) -> list[types.InlayHint]:
    state = ls.document(params.text_document.uri)
    return lsp_workspace.inlay_hints(state, params.range) if state else []


def _warm_up() -> None:
    """Import and compile the lazy paths (tomllib on broken TOML, difflib) before the first
    keystroke, then move the long-lived objects out of the garbage collector's way: fewer
    full collections during typing means steadier latency."""
    analyze('[[tool.uv.index]]\nname = "a"\nurl = "https://user:pw@x.example/simple"\n'
            'explict = true\n[tool.uv.sources]\nb = { index = "c" }\nbroken = "', "pyproject.toml")
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _is_pipe(stream: Any) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


def serve_pipe(server: LanguageServer, stdin: Any, stdout: Any) -> int:
    """Serve over a stdin pipe read by the event loop itself; the exit status.

    pygls's ``start_io`` reads stdin in its thread pool, one executor round trip for each
    header line and body: three thread handoffs per message, about a third of a keystroke's
    latency here. This reads the pipe as an asyncio stream, so a message is handled in the
    loop iteration that reads it, with a framing that resynchronises after a bad frame and
    answers what pygls would leave unanswered (:mod:`uv_index_guard.lsp.transport`). The
    protocol, its JSON-RPC handling and the writer are pygls's. `exit` without `shutdown`
    ends with status 1.
    """
    def initialized() -> bool:
        return server.protocol._workspace is not None

    def report(exc: Exception) -> None:
        server.report_server_error(exc, JsonRpcException)

    dispatch = transport.Dispatcher(server.protocol, initialized, report)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=transport.MAX_BODY)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        await transport.read_frames(reader, dispatch, stop.is_set)

    # `shutdown` (on the client's `exit`) sets this event; pygls keeps it on the server.
    stop = server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    status = 0
    try:
        asyncio.run(serve())
    except SystemExit as exc:  # pygls's `exit`: 0 after `shutdown`, 1 without
        status = exc.code if isinstance(exc.code, int) else 1
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
    return status


def main() -> int:
    """Run the server over stdio until the client exits."""
    # pygls logs message bodies at info/debug level; keep those out of stderr.
    logging.getLogger("pygls").setLevel(logging.CRITICAL)
    _warm_up()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    if os.name == "posix" and _is_pipe(stdin) and _is_pipe(stdout):
        return serve_pipe(SERVER, stdin, stdout)
    else:  # a terminal, a file, a socket, or Windows (whose console pipes are not
        # overlapped, which the proactor loop needs): pygls's own reader
        SERVER.start_io()
    return 0
