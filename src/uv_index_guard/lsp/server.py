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
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from lsprotocol import types
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from uv_index_guard import __version__
from uv_index_guard.credentials import fix
from uv_index_guard.engine import analyze
from uv_index_guard.lsp import code_actions, completion, credentials, hover
from uv_index_guard.lsp.documents import DocumentState, kind_of_uri

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

    def _user(self, method: str, params: Any) -> Any:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        yield from self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        yield from self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        yield from self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)


class UvIndexGuardServer(LanguageServer):
    """Holds the open documents; the logic lives in the feature modules."""

    def __init__(self) -> None:
        super().__init__("uv-index-guard", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=_Protocol)
        self.documents: dict[str, DocumentState] = {}
        self.pending: set[str] = set()
        self.published: dict[str, int] = {}
        self.settling: dict[str, asyncio.TimerHandle] = {}

    # -- capabilities ---------------------------------------------------------------------

    @property
    def pull_diagnostics(self) -> bool:
        caps = self.client_capabilities
        return caps.text_document is not None and caps.text_document.diagnostic is not None

    # -- logging, without document contents ----------------------------------------------

    def log(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(types.MessageType.Info, message))

    def log_error(self, where: str, exc: BaseException) -> None:
        """Report an exception by type and frames only: its message may quote the document."""
        frames = traceback.extract_tb(exc.__traceback__)[-3:]
        trail = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}"
                            for f in reversed(frames))
        self.window_log_message(types.LogMessageParams(
            types.MessageType.Error, f"{where} failed: {type(exc).__name__} at {trail}"))

    def report_server_error(self, error: Exception, source: Any) -> None:
        self.log_error("server", error)

    def fail(self, reason: str) -> dict[str, Any]:
        """Tell the user why a command did nothing; the command's result."""
        self.window_show_message(types.ShowMessageParams(types.MessageType.Error,
                                                         f"uv-index-guard: {reason}"))
        return {"error": reason}

    # -- diagnostics ----------------------------------------------------------------------

    def document(self, uri: str) -> DocumentState | None:
        return self.documents.get(uri)

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
        state = self.documents.get(uri)
        if state is None:
            return
        try:
            items = state.client_diagnostics(exact=False)
        except Exception as exc:  # never let one document stop the server
            self.log_error("diagnostics", exc)
            return
        self.push(state, items)
        self.unsettle(uri)
        if not state.exact:
            self.settling[uri] = asyncio.get_running_loop().call_later(
                SETTLE_DELAY, self.settle, uri, state.version)

    def push(self, state: DocumentState, items: list[types.Diagnostic]) -> None:
        if self.published.get(state.uri, -1) > state.version:
            return  # never publish an older version over a newer one
        self.published[state.uri] = state.version
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


def guarded(default: Any = None) -> Callable[[F], F]:
    """Every handler and command is wrapped in this: it answers even when its feature fails,
    and the failure is logged without text. A handler answers ``default``; a command (give
    ``default=command_failed``) answers ``{"error": ...}`` and tells the user, as it does
    for a :class:`~uv_index_guard.credentials.fix.FixError` (a reason meant for the user)."""
    def decorate(fn: F) -> F:
        def failed(ls: UvIndexGuardServer, exc: Exception) -> Any:
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


SERVER = UvIndexGuardServer()


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: UvIndexGuardServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    kind = kind_of_uri(item.uri)
    if kind is None:
        return
    ls.documents[item.uri] = DocumentState.open(item, kind, ls.workspace.position_codec)
    ls.log(f"opened {item.uri} ({kind.value}, version {item.version})")
    ls.schedule(item.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: UvIndexGuardServer, params: types.DidChangeTextDocumentParams) -> None:
    state = ls.document(params.text_document.uri)
    if state is None:
        return
    state.change(params.text_document.version, list(params.content_changes))
    ls.schedule(state.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: UvIndexGuardServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.unsettle(uri)
    if ls.documents.pop(uri, None) is not None and not ls.pull_diagnostics:
        ls.published.pop(uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@SERVER.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="uv-index-guard",
                                        inter_file_dependencies=False,
                                        workspace_diagnostics=False))
@guarded(types.RelatedFullDocumentDiagnosticReport(items=[]))
def pull_diagnostics(ls: UvIndexGuardServer, params: types.DocumentDiagnosticParams,
                     ) -> types.DocumentDiagnosticReport:
    state = ls.document(params.text_document.uri)
    if state is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = f"{state.uri}@{state.version}"
    if params.previous_result_id == result_id and not state.stale:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=state.client_diagnostics(),
                                                     result_id=result_id)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
@guarded()
def on_hover(ls: UvIndexGuardServer, params: types.HoverParams) -> types.Hover | None:
    state = ls.document(params.text_document.uri)
    if state is None:
        return None
    return credentials.with_source(hover.hover(state, params.position, os.environ), state,
                                   params.position, os.environ)


@SERVER.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=['"', "=", " "]))
@guarded()
def on_completion(ls: UvIndexGuardServer, params: types.CompletionParams,
                  ) -> types.CompletionList | None:
    state = ls.document(params.text_document.uri)
    if state is None:
        return None
    return completion.complete(state, params.position)


@SERVER.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@guarded([])
def on_code_action(ls: UvIndexGuardServer, params: types.CodeActionParams,
                   ) -> list[types.CodeAction]:
    state = ls.document(params.text_document.uri)
    if state is None:
        return []
    return [*code_actions.code_actions(state, params, ls.client_capabilities),
            *credentials.code_actions(state, params)]


@SERVER.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
@guarded([])
def on_code_lens(ls: UvIndexGuardServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    state = ls.document(params.text_document.uri)
    if state is None:
        return []
    return credentials.code_lenses(state)


@SERVER.command(credentials.MOVE_TO_KEYRING)
@guarded(command_failed)
def move_to_keyring(ls: UvIndexGuardServer, uri: str, version: int, ordinal: int,
                    ) -> dict[str, Any]:
    state = ls.document(uri)
    if state is None:
        return ls.fail("the document is not open")
    if state.version != version:
        return ls.fail("the document changed; run the quick fix again")
    edit, message = credentials.move_to_keyring(state, ordinal, ls.client_capabilities)
    ls.workspace_apply_edit(types.ApplyWorkspaceEditParams(edit=edit,
                                                           label=credentials.MOVE_TITLE))
    ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, message))
    return {"moved": True}


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


def serve_pipe(server: LanguageServer, stdin: Any, stdout: Any) -> None:
    """Serve over a stdin pipe read by the event loop itself.

    pygls's ``start_io`` reads stdin in its thread pool, one executor round trip for each
    header line and body: three thread handoffs per message, about a third of a keystroke's
    latency here. This runs pygls's own message loop (``pygls.io_.run_async``, as its TCP
    server does) over an asyncio stream connected to the pipe, so a message is handled in
    the loop iteration that reads it. The protocol, its JSON-RPC handling and the writer are
    pygls's.
    """
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        await run_async(stop_event=stop, reader=reader, protocol=server.protocol,
                        logger=logging.getLogger("pygls.server"),
                        error_handler=server.report_server_error)

    # `shutdown` (on the client's `exit`) sets this event; pygls keeps it on the server.
    stop = server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(serve())
    except (BrokenPipeError, KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


def main() -> int:
    """Run the server over stdio until the client exits."""
    # pygls logs message bodies at info/debug level; keep those out of stderr.
    logging.getLogger("pygls").setLevel(logging.CRITICAL)
    _warm_up()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    if os.name == "posix" and _is_pipe(stdin) and _is_pipe(stdout):
        serve_pipe(SERVER, stdin, stdout)
    else:  # a terminal, a file, a socket, or Windows (whose console pipes are not
        # overlapped, which the proactor loop needs): pygls's own reader
        SERVER.start_io()
    return 0
