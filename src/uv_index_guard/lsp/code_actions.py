"""Quick fixes: the engine's fixes (read back from the diagnostics' ``data``), and moving
credentials out of an index URL into `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from uv_index_guard.credentials import env_file, fix
from uv_index_guard.lsp.diagnostics import SOURCE
from uv_index_guard.lsp.documents import DocumentState
from uv_index_guard.model import env_vars
from uv_index_guard.rules.base import toml_string
from uv_index_guard.rules.credentials_in_url import CredentialsInUrl


def code_actions(state: DocumentState, params: types.CodeActionParams,
                 caps: types.ClientCapabilities) -> list[types.CodeAction]:
    current = state.client_diagnostics()
    wanted = params.context.diagnostics or [d for d in current
                                           if _overlaps(d.range, params.range)]
    actions: list[types.CodeAction] = []
    for diagnostic in wanted:
        if diagnostic.source != SOURCE:
            continue
        data = _data_for(diagnostic, current, state.version)
        for engine_fix in data.get("fixes", []) if data else []:
            edits = [types.TextEdit(range=_range(e["range"]), new_text=e["newText"])
                     for e in engine_fix["edits"]]
            actions.append(types.CodeAction(
                title=engine_fix["title"], kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic], is_preferred=bool(engine_fix["safe"]) or None,
                edit=document_edit(state, edits, caps)))
        if diagnostic.code == CredentialsInUrl.code:
            action = move_credentials(state, diagnostic, caps)
            if action is not None:
                actions.append(action)
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


def supports_create(caps: types.ClientCapabilities) -> bool:
    edit = caps.workspace.workspace_edit if caps.workspace is not None else None
    return edit is not None and types.ResourceOperationKind.Create in (
        edit.resource_operations or [])


def document_edit(state: DocumentState, edits: list[types.TextEdit],
                  caps: types.ClientCapabilities) -> types.WorkspaceEdit:
    if supports_document_changes(caps):
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=state.uri, version=state.version),
            edits=list(edits))])
    return types.WorkspaceEdit(changes={state.uri: list(edits)})


# -- Move credentials to environment variables ------------------------------------------


def move_credentials(state: DocumentState, diagnostic: types.Diagnostic,
                     caps: types.ClientCapabilities) -> types.CodeAction | None:
    """Write the URL's secret to `.env` as `UV_INDEX_<NAME>_*` (what `fix --to env` writes),
    then drop the userinfo from the URL."""
    analysis = state.current()
    index = analysis.config.index_with_url_at(state.mapper.offset(diagnostic.range.start))
    if index is None or not index.name or not supports_document_changes(caps):
        return None
    moves = [m for m in fix.plan(analysis, "env", index.name)[0]
             if m.index.ordinal == index.ordinal]
    scalar = index.scalar("url")
    if not moves or scalar is None:
        return None
    wanted = fix.env_values(moves)
    user_var, pass_var = env_vars(index.name)
    env_path = Path(state.path).parent / ".env"
    existing_text = env_file.read(env_path)
    existing = env_file.parse(existing_text or "")
    clash = env_file.clashes(existing, wanted)
    title = (f"Move credentials to `{user_var}` / `{pass_var}` in `.env` "
             "(keep `.env` out of git)")
    if clash:
        return _disabled(title, f"`.env` already sets `{clash[0]}` to a different value",
                         diagnostic, caps)
    if existing_text is None and not supports_create(caps):
        return None
    env_uri = from_fs_path(str(env_path)) or env_path.as_uri()
    changes: list[Any] = []
    if existing_text is None:
        changes.append(types.CreateFile(uri=env_uri,
                                        options=types.CreateFileOptions(ignore_if_exists=True)))
    lines = env_file.appended(existing_text,
                              {k: v for k, v in wanted.items() if k not in existing})
    if lines:
        end = _end_position(existing_text or "", state)
        changes.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=env_uri,
                                                                        version=None),
            edits=[types.TextEdit(range=types.Range(start=end, end=end), new_text=lines)]))
    new_url = toml_string(moves[0].new_url, scalar)
    url_range = state.mapper.range(analysis.doc.range(scalar.start, scalar.end))
    changes.append(types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=state.uri,
                                                                    version=state.version),
        edits=[types.TextEdit(range=url_range, new_text=new_url)]))
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic], is_preferred=True,
                            edit=types.WorkspaceEdit(document_changes=changes))


def _end_position(text: str, state: DocumentState) -> types.Position:
    """The end of ``text`` in the client's units."""
    line = text.count("\n")
    last = text[text.rfind("\n") + 1 :]
    return types.Position(line=line, character=state.codec.client_num_units(last))


def _disabled(title: str, reason: str, diagnostic: types.Diagnostic,
              caps: types.ClientCapabilities) -> types.CodeAction | None:
    ca = caps.text_document.code_action if caps.text_document is not None else None
    if ca is None or not ca.disabled_support:
        return None
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            disabled=types.CodeActionDisabled(reason=reason))

