"""Per-document state: the text of the newest version, and the analysis of that text.

Each ``didChange`` is applied to the engine's :class:`~uv_index_guard.engine.Session` as a
byte-level splice; the session keeps its parse tree in step and reanalyses incrementally,
and only when the text changed since its last run, so several quick edits cost one analysis.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.engine import Analysis, Others, Session, kind_for
from uv_index_guard.finding import Finding
from uv_index_guard.kinds import Kind
from uv_index_guard.lsp.convert import ClientMapper
from uv_index_guard.lsp.diagnostics import diagnostics
from uv_index_guard.lsp.settings import DEFAULT, Settings
from uv_index_guard.text import LineIndex


def kind_of_uri(uri: str) -> Kind | None:
    """The config kind for a document, or None for files the server leaves alone."""
    name = uri.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return Kind.of_name(name)


def kind_of_document(item: types.TextDocumentItem) -> Kind | None:
    """The config kind of an opened document: by its name, or for a TOML document that is
    not a file (an untitled one) by its text (:func:`engine.kind_for`)."""
    kind = kind_of_uri(item.uri)
    if kind is None and not item.uri.startswith("file:") and item.language_id == "toml":
        return kind_for("", item.text)
    return kind


def path_of_uri(uri: str) -> str:
    return to_fs_path(uri) or uri


class DocumentState:
    """An open document: its version, the engine's session over its text, and the position
    conversion and diagnostics of the newest analysis, under the settings that apply to it."""

    __slots__ = ("_diagnostics", "_diagnostics_ascii", "_mapper", "codec", "context", "kind",
                 "session", "settings", "uri", "version")

    def __init__(self, uri: str, kind: Kind, version: int, text: str,
                 codec: PositionCodec, settings: Settings = DEFAULT) -> None:
        self.uri = uri
        self.kind = kind
        self.version = version
        self.codec = codec
        #: The editor's settings for this document (its workspace folder's).
        self.settings = settings
        self.session = Session(text, path_of_uri(uri), kind, shown=settings.shown)
        #: The document's workspace (its layout and the other files' configurations), given
        #: by the server; None: the document alone.
        self.context: Callable[[], Others | None] | None = None
        self._mapper: ClientMapper | None = None
        # The last analysis converted: its findings and their diagnostics, for the next one.
        self._diagnostics: tuple[Analysis, list[Finding], list[types.Diagnostic]] | None = None
        self._diagnostics_ascii = False

    @classmethod
    def open(cls, item: types.TextDocumentItem, kind: Kind, codec: PositionCodec,
             settings: Settings = DEFAULT) -> DocumentState:
        return cls(item.uri, kind, item.version, item.text, codec, settings)

    def configure(self, settings: Settings) -> bool:
        """The settings change; whether the diagnostics may change with them (the engine
        chooses the findings shown: the next analysis is a new one)."""
        self.settings = settings
        return self.session.show(settings.shown)

    @property
    def path(self) -> str:
        return self.session.path

    @property
    def on_disk(self) -> bool:
        """A `file:` document: one with a directory, a workspace, a `.env` beside it."""
        return self.uri.startswith("file:")

    @property
    def data(self) -> bytes:
        return self.session.data

    @property
    def text(self) -> str:
        return self.session.text

    @property
    def lines(self) -> LineIndex:
        return self.session.lines

    @property
    def stale(self) -> bool:
        return self.session.stale

    @property
    def exact(self) -> bool:
        """Whether the current analysis is what a fresh analysis of the text gives."""
        return self.session.exact

    @property
    def last_duration(self) -> float:
        return self.session.last_duration

    @property
    def mapper(self) -> ClientMapper:
        """Position conversion for the current text (built once per version)."""
        if self._mapper is None:
            self._mapper = ClientMapper(self.lines, self.codec)
        return self._mapper

    def change(self, version: int, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        """Apply one ``didChange`` notification's content changes, in order."""
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                mapper = self.mapper
                start = mapper.offset(change.range.start)
                end = max(mapper.offset(change.range.end), start)
                self.session.edit(start, end, change.text.encode("utf-8", "surrogatepass"))
            else:
                self.session.replace(change.text)
            self._mapper = None
        self.version = version

    def current(self, exact: bool = True) -> Analysis:
        """The analysis of the current text in its workspace (see :meth:`Session.analysis`)."""
        return self.session.analysis(exact, self.context() if self.context else None)

    def client_diagnostics(self, exact: bool = True) -> list[types.Diagnostic]:
        """The current analysis as LSP diagnostics, converted once per analysis."""
        analysis = self.current(exact)
        if self._diagnostics is None or self._diagnostics[0] is not analysis:
            # Diagnostics of findings that did not change are kept (most of them, while
            # typing): a code-point range is the same in client units in every ASCII text.
            reuse = None
            if self._diagnostics is not None and self._diagnostics_ascii and self.lines.is_ascii:
                reuse = _kept(self._diagnostics[1], self._diagnostics[2], analysis.findings)
            items = diagnostics(analysis.findings, self.mapper, self.version, reuse)
            self._diagnostics = (analysis, analysis.findings, items)
            self._diagnostics_ascii = self.lines.is_ascii
        return self._diagnostics[2]


def _kept(old: list[Finding], items: list[types.Diagnostic],
          new: list[Finding]) -> Callable[[Finding], types.Diagnostic | None]:
    """The diagnostic of an ``old`` finding equal to a finding of ``new``, if there is one.

    The engine hands back the same finding objects for what did not change: those are
    matched by identity (hashing a finding hashes all its fields), the others by equality.
    """
    by_id = {id(f): item for f, item in zip(old, items, strict=True)}
    current = {id(f) for f in new}
    by_value = {f: item for f, item in zip(old, items, strict=True) if id(f) not in current}

    def lookup(finding: Finding) -> types.Diagnostic | None:
        found = by_id.get(id(finding))
        return found if found is not None else by_value.get(finding)

    return lookup
