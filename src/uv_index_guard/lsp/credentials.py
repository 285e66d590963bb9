"""Credentials in the editor, over :mod:`uv_index_guard.credentials`:

* the quick fixes "Move credentials to ... in `.env`" and "Move credentials to keyring" on a
  UIG301 diagnostic run commands (they have side effects: the token goes into `.env`, as
  `fix --to env` writes it, or into keyring, and is read back before the URL is edited; so
  every editor can run them, eglot too, which cannot create files through an edit);
* the code lens "Check index access" on each index runs ``doctor``'s probe for that index and
  shows the status and hint;
* the index hover says where uv takes the credentials from (keyring is not asked from a
  hover, since some backends prompt; the code lens asks it).

Nothing here shows a password or a token: only sources, usernames and variable names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from uv_index_guard.credentials import doctor, fix, rewrite, settings
from uv_index_guard.credentials.resolve import Source, keyring_provider
from uv_index_guard.credentials.stores import Found, SystemStores
from uv_index_guard.engine import Analysis
from uv_index_guard.index_env import env_vars
from uv_index_guard.lsp import hover as hover_feature
from uv_index_guard.lsp.code_actions import disabled_support, document_edit
from uv_index_guard.lsp.documents import DocumentState
from uv_index_guard.model import IndexDef, Origin
from uv_index_guard.redact import Masker, safe_name, scrub
from uv_index_guard.rules.credentials_in_url import CredentialsInUrl
from uv_index_guard.urls import split_url

MOVE_TO_KEYRING = "uv-index-guard.moveCredentialsToKeyring"
MOVE_TO_ENV = "uv-index-guard.moveCredentialsToEnv"
CHECK_ACCESS = "uv-index-guard.checkIndexAccess"
MOVE_TITLE = "Move credentials to keyring"
ENV_LABEL = "Move credentials to `.env`"
CHECK_TITLE = "Check index access"
PROBE_TIMEOUT = 10.0


# --- code actions ------------------------------------------------------------------------


def code_actions(state: DocumentState, wanted: list[types.Diagnostic],
                 caps: types.ClientCapabilities) -> list[types.CodeAction]:
    """For each UIG301 diagnostic among ``wanted`` (on an index URL): "Move credentials to
    `UV_INDEX_<NAME>_*` in `.env`" and "Move credentials to keyring". Both are commands: the
    server writes `.env` (as `fix --to env` does) or keyring, reads it back, and only then
    asks the client to edit the URL."""
    actions: list[types.CodeAction] = []
    seen: set[int] = set()
    analysis = state.current()
    for diagnostic in wanted:
        if diagnostic.code != CredentialsInUrl.code:
            continue
        index = analysis.config.index_with_url_at(state.mapper.offset(diagnostic.range.start))
        if index is None or index.ordinal in seen:
            continue
        seen.add(index.ordinal)
        env = _env_action(state, index, diagnostic, caps)
        if env is not None:
            actions.append(env)
        if _moves(state, "keyring", index.ordinal):
            actions.append(types.CodeAction(
                title=MOVE_TITLE, kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                command=types.Command(title=MOVE_TITLE, command=MOVE_TO_KEYRING,
                                      arguments=[state.uri, state.version, index.ordinal])))
    return actions


def _moves(state: DocumentState, to: str, ordinal: int) -> list[fix.Move]:
    return [m for m in fix.plan(state.current(), to, None)[0] if m.index.ordinal == ordinal]


def _env_path(state: DocumentState) -> Path | None:
    """The `.env` beside the document; None for a document that is not a file on disk (a
    `fugitive://` or `oil://` buffer, an unsaved one): nothing is written for those."""
    if not state.uri.startswith("file:"):
        return None
    return Path(state.path).parent / ".env"


def env_title(name: str) -> str:
    """The action's title (a token-shaped name masked, in the variable names too)."""
    user_var, pass_var = env_vars(name)
    return Masker([name])(f"Move credentials to `{user_var}` / `{pass_var}` in `.env` "
                          "(keep `.env` out of git)")


def _env_action(state: DocumentState, index: IndexDef, diagnostic: types.Diagnostic,
                caps: types.ClientCapabilities) -> types.CodeAction | None:
    env_path = _env_path(state)
    if env_path is None or not index.name:
        return None
    moves = _moves(state, "env", index.ordinal)
    if not moves:
        return None
    title = env_title(index.name)
    action = types.CodeAction(
        title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
        is_preferred=True,
        command=types.Command(title=title, command=MOVE_TO_ENV,
                              arguments=[state.uri, state.version, index.ordinal]))
    if disabled_support(caps) and env_path.exists():
        # Shown greyed out with the reason; a client that cannot show that gets the action,
        # and running it tells the same reason. (Only an existing `.env` can be refused, so
        # the usual case, no `.env` yet, asks git nothing on each request.)
        reason = fix.env_refusal(moves, env_path, force=False)
        if reason is not None:
            shown = Masker(state.current().config.by_name())
            action.disabled = types.CodeActionDisabled(reason=shown(reason))
            action.is_preferred = None
    return action


def _planned(state: DocumentState, to: str, ordinal: int,
             ) -> tuple[list[fix.Move], list[rewrite.Edit]]:
    """The move of one index's credentials and the checked rewrite of the document, as
    `fix --to <to>` plans them. FixError when there is nothing (left) to move."""
    analysis = state.current()
    moves = _moves(state, to, ordinal)
    if not moves:
        raise fix.FixError("this index URL carries no password or token (any more)")
    edits, _changes = fix.edits_for(analysis, moves, to, False)
    new = rewrite.apply(analysis.doc.data, edits)
    fix.verify_rewrite(state.text, new, state.path, analysis, moves, to, False)
    return moves, edits


def _edit(state: DocumentState, edits: list[rewrite.Edit],
          caps: types.ClientCapabilities) -> types.WorkspaceEdit:
    doc = state.current().doc
    return document_edit(state, [types.TextEdit(range=state.mapper.range(doc.range(e.start,
                                                                                   e.end)),
                                                new_text=e.text) for e in edits], caps)


def move_to_env(state: DocumentState, ordinal: int, caps: types.ClientCapabilities,
                ) -> tuple[types.WorkspaceEdit, str]:
    """Write the index's credentials to the `.env` beside the document, as `fix --to env`
    does (refused for a `.env` git tracks; mode 600, read back, added to `.gitignore`); then
    the edit that drops them from the URL. FixError when it cannot."""
    env_path = _env_path(state)
    if env_path is None:
        raise fix.FixError("this document is not a file on disk, so there is no `.env` "
                           "beside it; nothing was changed")
    moves, edits = _planned(state, "env", ordinal)
    shown = Masker(state.current().config.by_name())  # a token-shaped name, in any spelling
    try:
        names, notes = fix.move_to_env_file(moves, env_path, force=False)
    except fix.FixError as exc:
        raise fix.FixError(shown(str(exc))) from None
    listed = ", ".join(f"`{n}`" for n in names)
    message = " ".join([f"Wrote {listed} to `{env_path}` (mode 600) and read them back; the "
                        f"URL of {moves[0].label} no longer carries credentials.", *notes])
    return _edit(state, edits, caps), shown(message)


def move_to_keyring(state: DocumentState, ordinal: int,
                    caps: types.ClientCapabilities) -> tuple[types.WorkspaceEdit, str]:
    """Store the index's token in keyring and read it back; then the edit that leaves only the
    username in the URL and adds ``authenticate = "always"``. FixError when it cannot."""
    moves, edits = _planned(state, "keyring", ordinal)
    fix.store_in_keyring(moves, force=False)
    move = moves[0]
    message = (f"Stored the token of {move.label} in keyring (service `{move.service}`, "
               f"username `{safe_name(move.username)}`) and read it back; the URL now keeps "
               "only the username. uv asks keyring with `keyring-provider = \"subprocess\"` "
               "(or `UV_KEYRING_PROVIDER=subprocess`) and the `keyring` command on PATH.")
    return _edit(state, edits, caps), Masker(state.current().config.by_name())(message)


#: The commands that move credentials out of a URL: (their function, the edit's label).
MOVES = {MOVE_TO_ENV: (move_to_env, ENV_LABEL), MOVE_TO_KEYRING: (move_to_keyring, MOVE_TITLE)}


# --- code lens ---------------------------------------------------------------------------


def code_lenses(state: DocumentState) -> list[types.CodeLens]:
    """"Check index access" above each index with an http(s) URL."""
    lenses: list[types.CodeLens] = []
    analysis = state.current()
    for index in analysis.config.indexes:
        parts = split_url(index.url or "")
        if index.origin is not Origin.INDEX or parts is None or parts.scheme not in (
                "http", "https"):
            continue
        start = index.anchor_start
        rng = state.mapper.range(analysis.doc.range(start, start))
        lenses.append(types.CodeLens(range=rng, command=types.Command(
            title=CHECK_TITLE, command=CHECK_ACCESS, arguments=[state.uri, index.ordinal])))
    return lenses


def _files(analysis: Analysis, path: str, environ: Mapping[str, str],
           ) -> tuple[list[settings.ConfigFile], settings.ConfigFile]:
    """The open document (as edited, not as saved) and the user's settings files."""
    own = settings.ConfigFile(Path(path), "project", analysis)
    return [own, *settings.settings_files(environ)], own


def check_access(analysis: Analysis, path: str, ordinal: int, environ: Mapping[str, str],
                 timeout: float = PROBE_TIMEOUT) -> tuple[dict[str, Any], str, bool]:
    """Run doctor's probe for one index of a document version (its analysis, which editing
    does not change): (doctor's JSON entry, a message, success)."""
    index = analysis.config.index_table(ordinal)
    if index is None:
        raise fix.FixError("no index here any more")
    files, own = _files(analysis, path, environ)
    report = doctor.check_index(files, own, index, environ, SystemStores(environ),
                                timeout=timeout)
    if report is None:
        raise fix.FixError("the index has no `url`")
    entry = report.to_json()
    title = f"Index `{report.name}`" if report.name else "The index"
    probe = report.probe
    if probe is None:
        return entry, f"{title}: not probed ({'; '.join(report.warnings)})", True
    status = f"{probe.status}" if probe.status is not None else "no response"
    message = (f"{title}: {status} in {probe.elapsed_ms} ms; credentials: "
               f"{doctor.credentials_line(report.resolution)}")
    if report.hint:
        message += f". {report.hint}"
    if report.warnings:
        message += ". Warning: " + " Warning: ".join(report.warnings)
    return entry, scrub(message, _secrets(report), min_length=6), probe.ok


def _secrets(report: doctor.IndexReport) -> list[str]:
    res = report.resolution
    return [s for s in (res.password, res.bearer) if s]


# --- hover -------------------------------------------------------------------------------


class _WithoutKeyring(SystemStores):
    """The stores a hover may read: files only (a keyring backend may prompt)."""

    def keyring(self, service: str, username: str | None) -> Found | None:
        return None


def credential_source(state: DocumentState, index: IndexDef, environ: Mapping[str, str],
                      ) -> str | None:
    files, own = _files(state.current(), state.path, environ)
    report = doctor.check_index(files, own, index, environ, _WithoutKeyring(environ),
                                do_probe=False)
    if report is None or report.probe_url is None:
        return None
    line = f"**Credentials uv uses:** {doctor.credentials_line(report.resolution)}"
    configured = settings.configured_keyring_provider(files)[0]
    if report.resolution.source is Source.NONE and (
            keyring_provider(environ, configured) == "subprocess"):
        line += " (keyring is not asked from a hover: use *Check index access*)"
    return line


def with_source(result: types.Hover | None, state: DocumentState, position: types.Position,
                environ: Mapping[str, str]) -> types.Hover | None:
    """The index hover, plus where uv takes the index's credentials from."""
    if result is None or not isinstance(result.contents, types.MarkupContent):
        return result
    target = hover_feature.locate(state.current().config, state.mapper.offset(position))
    if target is None or target.what != "index" or target.index is None:
        return result
    if target.index.origin is not Origin.INDEX:
        return result
    line = credential_source(state, target.index, environ)
    if line is None:
        return result
    contents = types.MarkupContent(kind=result.contents.kind,
                                   value=f"{result.contents.value}\n\n{line}")
    return types.Hover(contents=contents, range=result.range)
