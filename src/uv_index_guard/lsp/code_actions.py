"""Quick fixes: which diagnostics a code action request is about, and the engine's fixes
for them (read back from the diagnostics' ``data``). Moving credentials out of a URL lives in
:mod:`uv_index_guard.lsp.credentials`."""

from __future__ import annotations

from typing import Any, Protocol

from lsprotocol import types

from uv_index_guard.lsp.diagnostics import SOURCE


class DocumentState(Protocol):
    """What quick fixes need of an open document (a config file's or a CI file's)."""

    @property
    def uri(self) -> str: ...

    @property
    def version(self) -> int: ...

    def client_diagnostics(self, exact: bool = True) -> list[types.Diagnostic]: ...


def selected(state: DocumentState, params: types.CodeActionParams) -> list[types.Diagnostic]:
    """The diagnostics of this server a request is about: those the client names in its
    context, else (a client that sends none) the current ones that touch the requested range.
    None when the client asks only for kinds other than quick fixes."""
    only = params.context.only
    if only is not None and not any(_includes(kind, types.CodeActionKind.QuickFix)
                                    for kind in only):
        return []
    if params.context.diagnostics:
        return [d for d in params.context.diagnostics if d.source == SOURCE]
    return [d for d in state.client_diagnostics() if _overlaps(d.range, params.range)]


def _includes(kind: str, wanted: str) -> bool:
    """Whether a requested kind covers ``wanted`` (kinds are dot-separated hierarchies)."""
    return kind == "" or wanted == kind or wanted.startswith(f"{kind}.")


def code_actions(state: DocumentState, wanted: list[types.Diagnostic],
                 caps: types.ClientCapabilities) -> list[types.CodeAction]:
    """The engine's fixes of ``wanted`` as quick fixes."""
    current = state.client_diagnostics()
    actions: list[types.CodeAction] = []
    for diagnostic in wanted:
        data = _data_for(diagnostic, current, state.version)
        for engine_fix in data.get("fixes", []) if data else []:
            edits = [types.TextEdit(range=_range(e["range"]), new_text=e["newText"])
                     for e in engine_fix["edits"]]
            actions.append(types.CodeAction(
                title=engine_fix["title"], kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic], is_preferred=bool(engine_fix["safe"]) or None,
                edit=document_edit(state, edits, caps)))
    return actions


def _data_for(diagnostic: types.Diagnostic, current: list[types.Diagnostic],
              version: int) -> dict[str, Any] | None:
    """The fixes of a diagnostic: its own ``data`` when it is of this version, else those
    of the current diagnostic with the same code and range."""
    data = diagnostic.data
    if isinstance(data, dict) and data.get("version") == version:
        return data
    for other in current:
        if other.code == diagnostic.code and other.range == diagnostic.range:
            return other.data if isinstance(other.data, dict) else None
    return None


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _range(raw: dict[str, dict[str, int]]) -> types.Range:
    return types.Range(
        start=types.Position(line=raw["start"]["line"], character=raw["start"]["character"]),
        end=types.Position(line=raw["end"]["line"], character=raw["end"]["character"]))


def supports_document_changes(caps: types.ClientCapabilities) -> bool:
    edit = caps.workspace.workspace_edit if caps.workspace is not None else None
    return edit is not None and bool(edit.document_changes or edit.resource_operations)


def disabled_support(caps: types.ClientCapabilities) -> bool:
    ca = caps.text_document.code_action if caps.text_document is not None else None
    return ca is not None and bool(ca.disabled_support)


def document_edit(state: DocumentState, edits: list[types.TextEdit],
                  caps: types.ClientCapabilities) -> types.WorkspaceEdit:
    if supports_document_changes(caps):
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=state.uri, version=state.version),
            edits=list(edits))])
    return types.WorkspaceEdit(changes={state.uri: list(edits)})
