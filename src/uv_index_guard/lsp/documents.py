"""Per-document state: the text of the newest version, and the analysis of that text.

Each ``didChange`` is applied here as a byte-level splice of the text plus a ``Tree.edit`` of
the last parsed tree, so the next :func:`~uv_index_guard.engine.analyze` reparses
incrementally. Analysis is lazy: :meth:`DocumentState.current` runs the engine only when the
text changed since the last run, so several quick edits cost one analysis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.engine import Analysis, analyze
from uv_index_guard.finding import Finding
from uv_index_guard.lsp.convert import ClientMapper
from uv_index_guard.lsp.diagnostics import diagnostics
from uv_index_guard.model import Kind
from uv_index_guard.syntax import Document
from uv_index_guard.text import LineIndex


def kind_of_uri(uri: str) -> Kind | None:
    """The config kind for a document, or None for files the server leaves alone."""
    name = uri.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return Kind.of_name(name)


def path_of_uri(uri: str) -> str:
    return to_fs_path(uri) or uri


@dataclass(slots=True)
class DocumentState:
    uri: str
    kind: Kind
    version: int
    data: bytes
    codec: PositionCodec
    lines: LineIndex = field(init=False)
    analysis: Analysis | None = None
    analyzed_version: int | None = None
    # The last analysis's tree has been `edit`ed to match `data` (so it can be reused).
    tree_in_sync: bool = False
    last_duration: float = 0.0
    _mapper: ClientMapper | None = None
    # The last version converted: its findings and their diagnostics, for the next version.
    _diagnostics: tuple[Analysis, list[Finding], list[types.Diagnostic]] | None = None
    _diagnostics_ascii: bool = False

    def __post_init__(self) -> None:
        self.lines = LineIndex(self.data)

    @classmethod
    def open(cls, item: types.TextDocumentItem, kind: Kind,
             codec: PositionCodec) -> DocumentState:
        return cls(item.uri, kind, item.version, item.text.encode("utf-8", "surrogatepass"),
                   codec)

    @property
    def path(self) -> str:
        return path_of_uri(self.uri)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "surrogatepass")

    @property
    def stale(self) -> bool:
        return self.analyzed_version != self.version or self.analysis is None

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
                self._splice(change.range, change.text)
            else:
                self._replace(change.text)
        self.version = version

    def _replace(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")
        self.lines = LineIndex(self.data)
        self._mapper = None
        self.tree_in_sync = False

    def _splice(self, rng: types.Range, text: str) -> None:
        mapper = self.mapper
        start = mapper.offset(rng.start)
        end = max(mapper.offset(rng.end), start)
        new = text.encode("utf-8", "surrogatepass")
        if self.tree_in_sync and self.analysis is not None:
            start_point = self._point(start)
            old_end_point = self._point(end)
            newlines = new.count(b"\n")
            if newlines:
                new_end_point = (start_point[0] + newlines, len(new) - new.rfind(b"\n") - 1)
            else:
                new_end_point = (start_point[0], start_point[1] + len(new))
            self.analysis.doc.tree.edit(
                start_byte=start, old_end_byte=end, new_end_byte=start + len(new),
                start_point=start_point, old_end_point=old_end_point,
                new_end_point=new_end_point)
        self.data = self.data[:start] + new + self.data[end:]
        self.lines = self.lines.spliced(self.data, start, end, new)
        self._mapper = None

    def _point(self, offset: int) -> tuple[int, int]:
        """A tree-sitter point (row, byte column) of a byte offset in the current text."""
        row = self.lines.position(offset).line
        return row, offset - self.lines.line_start(row)

    @property
    def exact(self) -> bool:
        """Whether the current analysis is what a fresh analysis of the text gives."""
        return self.analysis is None or self.analysis.doc.exact

    def current(self, exact: bool = True) -> Analysis:
        """The analysis of the current text, running the engine if the text changed.

        With ``exact=False`` (diagnostics pushed while the user types), a broken text is
        read by tree-sitter's incremental reparse alone, which can recover from errors
        differently than a fresh parse; the result says so and ``current()`` redoes it.
        """
        analysis = self.analysis
        if analysis is not None and not self.stale:
            if analysis.doc.exact or not exact:
                return analysis
            old: Document | None = analysis.doc  # same text, a broken tree: parsed afresh
        else:
            old = analysis.doc if analysis is not None and self.tree_in_sync else None
        t0 = time.perf_counter()
        self.analysis = analyze(self.text, self.path, self.kind, old=old, incremental=True,
                                lines=self.lines, exact=exact)
        self.last_duration = time.perf_counter() - t0
        self.analyzed_version = self.version
        self.tree_in_sync = True
        return self.analysis

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
