"""Open CI files (`.gitlab-ci.yml`, GitHub workflows, `.env`): their text, kept up to date
by `didChange`, analysed afresh by the engine (:func:`engine.analyze_ci`) against the
`UV_INDEX_*` variables of the project at their repository root, and the hover of a
`UV_INDEX_<NAME>_*` variable. A CI file is small: each version is analysed whole."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from uv_index_guard.ci import CiKind
from uv_index_guard.engine import CiAnalysis, analyze_ci
from uv_index_guard.lsp.convert import ClientMapper
from uv_index_guard.lsp.diagnostics import diagnostics
from uv_index_guard.lsp.settings import DEFAULT, Settings
from uv_index_guard.rules.ci_base import INDEX_VAR
from uv_index_guard.text import LineIndex

#: The `UV_INDEX_*` variables of a CI file's project, by variable (its index as value); None
#: when no project is found at the file's repository root.
IndexVars = Mapping[str, str] | None


class CiDocumentState:
    """One open CI file: its text, version and newest analysis."""

    __slots__ = ("_analysis", "_diagnostics", "_mapper", "codec", "data", "generation",
                 "index_vars", "kind", "lines", "path", "root", "settings", "uri", "version")

    def __init__(self, uri: str, path: str, root: str, kind: CiKind, version: int, text: str,
                 codec: PositionCodec, index_vars: Callable[[], IndexVars],
                 settings: Settings = DEFAULT) -> None:
        self.uri = uri
        self.path = path
        #: The repository root: the project there gives the indexes (:func:`files.ci_root`).
        self.root = root
        self.kind = kind
        self.version = version
        self.codec = codec
        self.settings = settings
        #: Asked at each analysis: the project's indexes change as its files are edited.
        self.index_vars = index_vars
        self.data = text.encode("utf-8", "surrogatepass")
        self.lines = LineIndex(self.data)
        self.generation = 0
        self._mapper: ClientMapper | None = None
        self._analysis: tuple[IndexVars, CiAnalysis] | None = None
        self._diagnostics: tuple[CiAnalysis, list[types.Diagnostic]] | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "surrogatepass")

    @property
    def on_disk(self) -> bool:
        return self.uri.startswith("file:")

    def sees(self, path: str) -> bool:
        """Whether a config file at ``path`` may hold indexes of this file's project."""
        return os.path.normcase(path).startswith(os.path.normcase(self.root) + os.sep)

    @property
    def mapper(self) -> ClientMapper:
        if self._mapper is None:
            self._mapper = ClientMapper(self.lines, self.codec)
        return self._mapper

    def change(self, version: int, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start = self.mapper.offset(change.range.start)
                end = max(self.mapper.offset(change.range.end), start)
                self.data = (self.data[:start] + change.text.encode("utf-8", "surrogatepass")
                             + self.data[end:])
            else:
                self.data = change.text.encode("utf-8", "surrogatepass")
            self.lines = LineIndex(self.data)
            self._mapper = None
        self.version = version
        self._analysis = None

    def configure(self, settings: Settings) -> bool:
        """New settings; whether what is shown may have changed."""
        if settings == self.settings:
            return False
        self.settings = settings
        self._analysis = None
        return True

    def current(self) -> CiAnalysis:
        found = self.index_vars()
        if self._analysis is None or self._analysis[0] != found:
            self._analysis = (found, analyze_ci(self.text, self.path, self.kind, found,
                                                shown=self.settings.shown))
            self.generation += 1
        return self._analysis[1]

    def client_diagnostics(self, exact: bool = True) -> list[types.Diagnostic]:
        analysis = self.current()
        if self._diagnostics is None or self._diagnostics[0] is not analysis:
            self._diagnostics = (analysis, diagnostics(analysis.findings, self.mapper,
                                                       self.version))
        return self._diagnostics[1]

    def hover(self, position: types.Position) -> types.Hover | None:
        """On a `UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` name: the index it is for."""
        at = self.lines.position(self.mapper.offset(position))
        analysis = self.current()
        for assignment in analysis.doc.assignments:
            rng = assignment.name_range
            if not (rng.start <= at <= rng.end):
                continue
            match = INDEX_VAR.match(assignment.name)
            if match is None:
                return None
            role = "username" if match.group(2) == "USERNAME" else "password or token"
            found = self._analysis[0] if self._analysis is not None else None
            if found is None:
                text = (f"`{assignment.name}`: the {role} uv sends to the index whose name "
                        f"gives `{match.group(1)}`; no `pyproject.toml` or `uv.toml` was found "
                        "at this repository's root to tell which")
            elif assignment.name in found:
                text = (f"`{assignment.name}`: the {role} uv sends to the index "
                        f"`{found[assignment.name]}`")
            else:
                text = (f"`{assignment.name}`: no index of this project is named so; uv "
                        "does not read it")
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                            value=text),
                               range=self.mapper.range(rng))
        return None
