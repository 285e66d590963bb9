"""The language server across files: each document's workspace (the open documents as
edited, the others from disk), and navigation over index names: definition, references,
rename, document symbols and inlay hints.

Which files form a workspace, and which declaration a source resolves to, are the core's
decisions (:mod:`uv_index_guard.workspace`); this module turns them into LSP answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.credentials import env_file
from uv_index_guard.engine import Others, workspace_view
from uv_index_guard.files import Discovered, Discovery, project_file, read_text
from uv_index_guard.index_env import env_name, env_vars
from uv_index_guard.kinds import Kind
from uv_index_guard.lsp.convert import ClientMapper
from uv_index_guard.lsp.documents import DocumentState
from uv_index_guard.model import Config, IndexDef, Origin, layout_key
from uv_index_guard.redact import safe_text, safe_url
from uv_index_guard.rules.base import toml_string
from uv_index_guard.rules.invalid_index_name import is_valid_name
from uv_index_guard.syntax import Scalar
from uv_index_guard.text import LineIndex, Position
from uv_index_guard.workspace import Workspace, references, resolve

ENV_ANNOTATION = "uv-index-guard.credential-variables"


class Files:
    """The configuration files the server sees: open documents as edited, the rest as
    saved. Changes are noted with :meth:`touch` (an open document) and :meth:`saved` (a file
    on disk), and read again when another document needs them."""

    def __init__(self, open_text: Callable[[str], str | None]) -> None:
        self._open_text = open_text
        self._dirty: set[str] = set()
        self.discovery = Discovery(read=self._read, display=lambda p: p)
        # What `context` gave each document, while nothing was read anew since.
        self._generation = 0
        self._contexts: dict[str, tuple[int, Others | None]] = {}

    def _read(self, path: str) -> str:
        text = self._open_text(path)
        return text if text is not None else read_text(path)

    def touch(self, path: str) -> None:
        self._dirty.add(os.path.abspath(path))

    def saved(self, path: str) -> None:
        self.discovery.forget(path)
        self._generation += 1

    def find(self, path: str, fresh: bool = False, flush: bool = True) -> Discovered | None:
        """The workspace of the config file ``path`` (None: a uv.toml alone, or not a
        file); the changes noted to files other than ``path`` are read first (``path``
        itself too with ``fresh``; none without ``flush``: the layout as last found)."""
        if not os.path.isabs(path):
            return None
        own = os.path.abspath(path)
        for dirty in sorted(self._dirty) if flush else ():
            if dirty != own or fresh:
                self.discovery.forget(dirty)
                self._dirty.discard(dirty)
                self._generation += 1
        pyproject = project_file(path)
        if pyproject is None:
            return None
        found = self.discovery.find(pyproject)
        return found if path in found.configs else None

    def context(self, state: DocumentState) -> Others | None:
        """The workspace that ``state``'s rules see, without its own configuration."""
        if not any(d != state.path for d in self._dirty):
            known = self._contexts.get(state.path)
            if known is not None and known[0] == self._generation:
                return known[1]
        found = self.find(state.path)
        context = None if found is None else (
            found.layout, {p: c for p, c in found.configs.items() if p != state.path})
        self._contexts[state.path] = (self._generation, context)
        return context

    def layout_changed(self, state: DocumentState, current: Config) -> bool:
        """Whether what decides ``state``'s workspace (`[project]`, `[tool.uv.workspace]`
        and its globs: :func:`model.layout_key`) differs in ``current``, its newest
        configuration, from what the workspace was found with; if so it is found anew.
        Either way the other documents see ``current`` from now on, without parsing it."""
        found = self.find(state.path, flush=False)
        if found is None:
            return False
        known = found.configs.get(state.path)
        if known is not None and current.kind is known.kind and (
                known.kind is not Kind.PYPROJECT
                or known.project().layout_key == layout_key(current.doc)):
            # The workspace stands; the others now see this version without parsing it.
            self.discovery.update(state.path, current)
            if os.path.abspath(state.path) in self._dirty:
                self._dirty.discard(os.path.abspath(state.path))
                self._generation += 1  # the others see the new version
            return False
        self.discovery.forget(state.path)
        self.discovery.preload(state.path, current)
        self._dirty.discard(os.path.abspath(state.path))
        self.find(state.path)
        self._generation += 1
        return True

    def same_workspace(self, a: str, b: str) -> bool:
        """Whether ``b`` is a file of ``a``'s workspace (as last found: an edit of ``b`` is
        not read for this)."""
        found = self.find(a, flush=False)
        return found is not None and b in found.layout.files


@dataclass(frozen=True)
class Where:
    """A span in one file of the workspace, converted for the client."""

    path: str
    config: Config

    def mapper(self, codec: PositionCodec) -> ClientMapper:
        return ClientMapper(self.config.doc.lines, codec)

    def location(self, start: int, end: int, codec: PositionCodec) -> types.Location:
        return types.Location(uri=uri_of(self.path),
                              range=self.mapper(codec).range(self.config.doc.range(start, end)))


def uri_of(path: str) -> str:
    return from_fs_path(path) or Path(path).as_uri()


def view(files: Files, state: DocumentState) -> tuple[Workspace | None, Config]:
    """The workspace as ``state``'s current analysis sees it, and its configuration."""
    config = state.current().config
    return workspace_view(files.context(state), state.path, config), config


def _configs(ws: Workspace | None, state: DocumentState, config: Config) -> dict[str, Config]:
    return {**(ws.configs if ws is not None else {}), state.path: config}


@dataclass(frozen=True)
class Target:
    """The index name under the cursor: a declaration, or a source naming one."""

    name: str
    scalar: Scalar  # the string under the cursor
    declarations: list[tuple[str, IndexDef]]


def target(files: Files, state: DocumentState, position: types.Position,
           ) -> tuple[Target | None, Workspace | None, Config]:
    ws, config = view(files, state)
    offset = state.mapper.offset(position)
    for index in config.indexes:
        scalar = index.scalar("name")
        if index.origin is Origin.INDEX and scalar is not None and index.name and (
                scalar.start <= offset <= scalar.end):
            return Target(index.name, scalar, [(state.path, index)]), ws, config
    for ref in config.sources:
        if ref.value.start <= offset <= ref.value.end:
            return Target(ref.index, ref.value, resolve(ws, config, state.path, ref.index,
                                                        ref.normalized)), ws, config
    return None, ws, config


def _declaration(path: str, index: IndexDef, configs: dict[str, Config],
                 codec: PositionCodec) -> types.Location | None:
    scalar = index.scalar("name")
    if scalar is None:
        return None
    return Where(path, configs[path]).location(scalar.start, scalar.end, codec)


def definition(files: Files, state: DocumentState, position: types.Position,
               ) -> list[types.Location]:
    found, ws, config = target(files, state, position)
    if found is None:
        return []
    configs = _configs(ws, state, config)
    return [loc for path, index in found.declarations
            if (loc := _declaration(path, index, configs, state.codec)) is not None]


def find_references(files: Files, state: DocumentState, position: types.Position,
                    include_declaration: bool) -> list[types.Location]:
    found, ws, config = target(files, state, position)
    if found is None:
        return []
    configs = _configs(ws, state, config)
    out = []
    for path, index in found.declarations:
        declared = _declaration(path, index, configs, state.codec)
        if include_declaration and declared is not None:
            out.append(declared)
        for file, ref in references(ws, configs[path], path, found.name):
            out.append(Where(file, configs[file]).location(ref.value.start, ref.value.end,
                                                           state.codec))
    return out


def prepare_rename(files: Files, state: DocumentState, position: types.Position,
                   ) -> types.PrepareRenamePlaceholder | None:
    found, _ws, _config = target(files, state, position)
    if found is None or not found.declarations or not found.scalar.is_single_line_plain:
        return None
    rng = state.mapper.range(state.current().doc.range(found.scalar.content_start,
                                                       found.scalar.end - 1))
    return types.PrepareRenamePlaceholder(range=rng, placeholder=found.name)


class RenameError(ValueError):
    """Why a rename cannot be done (one line, for the client)."""


def rename(files: Files, state: DocumentState, position: types.Position, new_name: str,
           caps: types.ClientCapabilities) -> types.WorkspaceEdit | None:
    """Rename an index: its `name`, every source naming it across the workspace, and the
    `UV_INDEX_<NAME>_*` keys of the `.env` beside the declaring file."""
    found, ws, config = target(files, state, position)
    if found is None or not found.declarations:
        return None
    if not is_valid_name(new_name):
        raise RenameError(f"`{safe_text(new_name)}` is not a valid index name (ASCII letters, "
                          "digits, `-`, `_` and `.`)")
    configs = _configs(ws, state, config)
    edits: dict[str, list[tuple[int, int, str]]] = {}
    for path, index in found.declarations:
        scalar = index.scalar("name")
        if scalar is not None:
            edits.setdefault(path, []).append((scalar.start, scalar.end,
                                               toml_string(new_name, scalar)))
        for file, ref in references(ws, configs[path], path, found.name):
            edits.setdefault(file, []).append((ref.value.start, ref.value.end,
                                               toml_string(new_name, ref.value)))
    old_user, old_pass = env_vars(found.name)
    new_user, new_pass = env_vars(new_name)
    annotation = types.ChangeAnnotation(
        label="Rename index",
        description=(f"uv reads the credentials from `{new_user}` / `{new_pass}` (were "
                     f"`{old_user}` / `{old_pass}`)"),
        needs_confirmation=False)
    supports_annotations = _supports(caps, "change_annotation_support")
    document_changes = _supports(caps, "document_changes")
    out: dict[str, list[Edit]] = {}
    for path, spans in edits.items():
        mapper = Where(path, configs[path]).mapper(state.codec)
        doc = configs[path].doc
        out[uri_of(path)] = [_edit(mapper.range(doc.range(s, e)), text, supports_annotations)
                             for s, e, text in sorted(set(spans))]
    if env_name(found.name) != env_name(new_name):
        for path, _index in found.declarations:
            env_path = Path(path).parent / ".env"
            env_edits = _env_renames(env_path, found.name, new_name, state.codec,
                                     supports_annotations)
            if env_edits:
                out.setdefault(uri_of(str(env_path)), []).extend(env_edits)
    if not document_changes:
        return types.WorkspaceEdit(changes={
            uri: [types.TextEdit(range=e.range, new_text=e.new_text) for e in items]
            for uri, items in out.items()})
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
            edits=list(items)) for uri, items in out.items()],
        change_annotations={ENV_ANNOTATION: annotation} if supports_annotations else None)


Edit = types.TextEdit | types.AnnotatedTextEdit


def _edit(rng: types.Range, text: str, annotated: bool) -> Edit:
    if annotated:
        return types.AnnotatedTextEdit(range=rng, new_text=text, annotation_id=ENV_ANNOTATION)
    return types.TextEdit(range=rng, new_text=text)


def _supports(caps: types.ClientCapabilities, what: str) -> bool:
    edit = caps.workspace.workspace_edit if caps.workspace is not None else None
    if edit is None:
        return False
    if what == "change_annotation_support":
        return edit.change_annotation_support is not None and bool(edit.document_changes)
    return bool(edit.document_changes)


def _env_renames(path: Path, old: str, new: str, codec: PositionCodec,
                 annotated: bool) -> list[Edit]:
    """Edits of the `.env` at ``path`` that rename the keys `UV_INDEX_<OLD>_*` (only the
    names: values are never read into an edit)."""
    try:
        text = env_file.read(path)
    except OSError:
        return []
    if text is None:
        return []
    renames = dict(zip(env_vars(old), env_vars(new), strict=True))
    lines = LineIndex(text.encode("utf-8"))
    mapper = ClientMapper(lines, codec)
    out = []
    for number, line in enumerate(text.split("\n")):
        key, start = env_file.key_at(line)
        if key in renames:
            rng = types.Range(
                start=mapper.position(Position(number, start)),
                end=mapper.position(Position(number, start + len(key))))
            out.append(_edit(rng, renames[key], annotated))
    return out



def symbols(state: DocumentState) -> list[types.DocumentSymbol]:
    """The indexes of the document, as symbols."""
    analysis = state.current()
    doc, out = analysis.doc, []
    for index in analysis.config.indexes:
        value = index.value
        scalar = index.scalar("name")
        name = index.name or (safe_url(index.url) if index.url else index.origin.value)
        rng = state.mapper.range(doc.range(min(index.anchor_start, value.start), value.end))
        selection = state.mapper.range(
            doc.range(scalar.start, scalar.end) if scalar is not None
            else doc.range(index.anchor_start, index.anchor_end))
        out.append(types.DocumentSymbol(
            name=safe_text(name) or "(unnamed index)", kind=types.SymbolKind.Module,
            range=rng, selection_range=selection,
            detail=safe_url(index.url) if index.url else None))
    return out


def inlay_hints(state: DocumentState, rng: types.Range) -> list[types.InlayHint]:
    """After each index name, the `UV_INDEX_<NAME>_` prefix of its credential variables."""
    analysis = state.current()
    first, last = rng.start.line, rng.end.line
    out = []
    for index in analysis.config.indexes:
        scalar = index.scalar("name")
        if scalar is None or not index.name:
            continue
        position = state.mapper.position(analysis.doc.range(scalar.end, scalar.end).end)
        if first <= position.line <= last:
            user, password = env_vars(index.name)
            out.append(types.InlayHint(
                position=position, label=f"UV_INDEX_{env_name(index.name)}_",
                padding_left=True,
                tooltip=f"uv reads this index's credentials from `{safe_text(user)}` and "
                        f"`{safe_text(password)}`"))
    return out

