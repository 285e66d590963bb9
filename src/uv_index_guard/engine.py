"""Text in, findings out: parse, build the model, run every rule, apply suppressions.

:func:`analyze` analyses a text afresh (`check`, the hooks, `fix`); a :class:`Session` keeps
one document's analysis up to date as it is edited (the language server), with the same
result.
"""

from __future__ import annotations

import functools
import posixpath
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from uv_index_guard import rules, tool_settings
from uv_index_guard.ci import CiDoc, CiKind, ci_kind_of, parse_ci
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.index_env import env_vars
from uv_index_guard.kinds import Kind
from uv_index_guard.model import Config, IndexDef, ScalarCache, build
from uv_index_guard.rules import CiContext, Context
from uv_index_guard.syntax import Document, Reparse, parse, parse_incremental
from uv_index_guard.text import LineIndex, Position, Range
from uv_index_guard.workspace import Layout, Workspace, assemble

_SUPPRESS = re.compile(rb"#[^\n]*?uv-index-guard:\s*ignore(?:\[([^\]\n]*)\])?")


@dataclass(frozen=True, slots=True)
class Shown:
    """Which findings an analysis shows, beyond the project's own choice (its
    `[tool.uv-index-guard] ignore` and the inline suppressions, which always apply): not the
    codes in ``ignore`` (exact rule codes, as the project's `ignore` takes them), and only
    those of severity ``at_least`` or higher. The default shows everything."""

    ignore: frozenset[str] = frozenset()
    at_least: Severity = Severity.INFO


#: Every finding (that the project does not ignore or suppress).
ALL = Shown()


@dataclass(slots=True)
class Analysis:
    doc: Document
    config: Config
    findings: list[Finding]


def kind_for(path: str, text: str = "") -> Kind:
    """uv.toml for files named so (or with a top-level `[[index]]`), pyproject.toml otherwise."""
    kind = Kind.of_name(path.replace("\\", "/").rsplit("/", 1)[-1])
    if kind is not None:
        return kind
    return Kind.UV_TOML if re.search(r"(?m)^\s*\[\[\s*index\s*\]\]", text) else Kind.PYPROJECT


def analyze(text: str, path: str = "pyproject.toml", kind: Kind | None = None,
            ignore: Iterable[str] = (), workspace: Others | None = None,
            shown: Shown = ALL) -> Analysis:
    """Analyse ``text`` afresh: parse, build the model, run every rule, apply suppressions.

    ``workspace`` is the file's workspace: its layout and the other files' configurations
    (:func:`configs`); without it the file is checked alone. ``shown``: which findings are
    kept (see :class:`Shown`; ``ignore`` adds to its codes).
    """
    doc = parse(text)
    config = build(doc, kind or kind_for(path, text))
    ctx = Context(config, path, _workspace(workspace, path, config))
    return _settled(doc, config, rules.run(ctx), ignore, shown)


#: A file's workspace as the engine takes it: the layout, and the configurations of the
#: workspace's files by path (the file's own, if there, is replaced by the one analysed).
Others = tuple[Layout, Mapping[str, Config]]


def analyze_config(text: str, path: str) -> Config:
    """The configuration model of one file (parsed, not checked)."""
    return build(parse(text), kind_for(path, text))


def configs(texts: Mapping[str, str]) -> dict[str, Config]:
    """The configurations of some files (by path), to give as the others of a workspace."""
    return {path: analyze_config(text, path) for path, text in texts.items()}


def analyze_workspace(built: Mapping[str, Config], layout: Layout, ignore: Iterable[str] = (),
                      only: Iterable[str] | None = None, shown: Shown = ALL,
                      ) -> dict[str, Analysis]:
    """Check the files of one workspace together (their configurations by path, as in
    ``layout``, from :func:`configs`); ``only``: the files whose findings are wanted (the
    others are context). A uv.toml also takes the `ignore` of the pyproject.toml beside it.
    ``shown`` is as for :func:`analyze`."""
    view = Workspace(layout, built)
    wanted = set(only) if only is not None else set(built)
    out = {}
    for path, config in built.items():
        if path not in wanted:
            continue
        ignored = set(ignore)
        if config.kind is Kind.UV_TOML:
            beside = built.get(posixpath.join(posixpath.dirname(path), Kind.PYPROJECT.value))
            if beside is not None:
                ignored |= configured_ignores(beside)
        out[path] = _settled(config.doc, config, rules.run(Context(config, path, view)),
                             ignored, shown)
    return out


def check_files(texts: Mapping[str, str]) -> dict[str, list[Finding]]:
    """The findings of a known set of files (`/`-separated paths, by path), each checked in
    the workspace that uv would see among them (:func:`workspace.assemble`). CI files among
    them (:func:`ci.ci_kind_of`, and the files a `.gitlab-ci.yml` includes) are checked
    against the indexes of the workspace at their repository root."""
    ci_kinds = ci_files(texts)
    built = configs({p: t for p, t in texts.items() if p not in ci_kinds})
    facts = {path: config.project() for path, config in built.items()
             if config.kind is Kind.PYPROJECT}
    uv_tomls = [path for path, config in built.items() if config.kind is Kind.UV_TOML]
    found: dict[str, list[Finding]] = {}
    for path in sorted(facts):
        if path in found:
            continue
        layout = assemble(path, facts, uv_tomls)
        group = {p: built[p] for p in layout.files if p in built}
        for other, analysis in analyze_workspace(group, layout).items():
            found.setdefault(other, analysis.findings)
    for path, config in built.items():
        if path not in found:
            found[path] = analyze(config.doc.text, path, config.kind).findings
    for path, kind in ci_kinds.items():
        root = ci_root(path)
        pyproject = posixpath.join(root, Kind.PYPROJECT.value) if root else Kind.PYPROJECT.value
        index_vars = None
        if pyproject in facts:
            layout = assemble(pyproject, facts, uv_tomls)
            index_vars = index_variables(built[p] for p in layout.files if p in built)
        found[path] = analyze_ci(texts[path], path, kind, index_vars).findings
    return found


# --- CI files --------------------------------------------------------------------------------


@dataclass(slots=True)
class CiAnalysis:
    doc: CiDoc
    findings: list[Finding]


def ci_root(path: str) -> str:
    """The repository root a CI file belongs to (`/`-separated): the directory of a
    `.gitlab-ci.yml` or `.env`, the one above `.github/` for a workflow."""
    directory = posixpath.dirname(path)
    if ci_kind_of(path) is CiKind.GITHUB_WORKFLOW:
        return posixpath.dirname(posixpath.dirname(directory))
    return directory


def index_variables(built: Iterable[Config]) -> dict[str, str]:
    """Every `UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` of the named indexes of some
    configurations, with the index name."""
    found: dict[str, str] = {}
    for config in built:
        for index in config.indexes:
            if index.name:
                for var in env_vars(index.name):
                    found.setdefault(var, index.name)
    return found


def include_pattern(root: str, entry: str) -> str:
    """The path (or glob) a local `include:` entry names: relative to the repository root,
    with or without a leading `/`."""
    return posixpath.normpath(posixpath.join(root, entry.lstrip("/")))


def included(doc: CiDoc, root: str, candidates: Iterable[str]) -> list[str]:
    """The files among ``candidates`` (`/`-separated paths) that ``doc``'s local `include:`s
    name: relative to the repository root ``root``, `/` first or not, `*` and `**` allowed."""
    import fnmatch

    found: list[str] = []
    paths = list(candidates)
    for entry in doc.includes:
        pattern = include_pattern(root, entry)
        found += [p for p in paths if p == pattern or ("*" in pattern
                                                        and fnmatch.fnmatchcase(p, pattern))]
    return list(dict.fromkeys(found))


def ci_files(texts: Mapping[str, str]) -> dict[str, CiKind]:
    """The CI files among ``texts``: by name, and each file a `.gitlab-ci.yml` (or a file it
    includes) includes locally, read as GitLab CI."""
    kinds = {p: k for p in texts if (k := ci_kind_of(p)) is not None}
    todo = [p for p, k in kinds.items() if k is CiKind.GITLAB_CI]
    while todo:
        path = todo.pop()
        root = ci_root(path) if posixpath.basename(path) in (".gitlab-ci.yml",
                                                              ".gitlab-ci.yaml") else ""
        for other in included(parse_ci(texts[path], path, CiKind.GITLAB_CI), root, texts):
            if other not in kinds:
                kinds[other] = CiKind.GITLAB_CI
                todo.append(other)
    return kinds


_SUPPRESS_TEXT = re.compile(r"(?:^|\s)#[^\n]*?uv-index-guard:\s*ignore(?:\[([^\]\n]*)\])?")


def analyze_ci(text: str, path: str, kind: CiKind | None = None,
               index_vars: Mapping[str, str] | None = None, ignore: Iterable[str] = (),
               shown: Shown = ALL) -> CiAnalysis:
    """Check a CI file: ``index_vars`` are the `UV_INDEX_*` variables of the project beside it
    (:func:`index_variables`; None when there is no project). A comment
    `# uv-index-guard: ignore[CODE]` on a line suppresses that line's findings."""
    found_kind = kind or ci_kind_of(path) or CiKind.GITLAB_CI
    doc = parse_ci(text, path, found_kind)
    findings = _shown(rules.run_ci(CiContext(doc, index_vars)), set(ignore), shown)
    if findings and "uv-index-guard:" in text:
        # A YAML or `.env` comment: `#` at the start of a line or after a blank.
        by_line: dict[int, set[str] | None] = {}
        for number, line in enumerate(text.split("\n")):
            if (match := _SUPPRESS_TEXT.search(line)) is not None:
                _suppress(by_line, number, match.group(1))
        findings = _without_suppressed(findings, by_line)
    findings.sort(key=lambda f: f.sort_key)
    return CiAnalysis(doc, findings)


def workspace_view(others: Others | None, path: str, config: Config) -> Workspace | None:
    """The workspace a file's rules see: ``others`` with the file's own configuration."""
    return _workspace(others, path, config)


def _workspace(others: Others | None, path: str, config: Config) -> Workspace | None:
    if others is None:
        return None
    layout, found = others
    return Workspace(layout, {**found, path: config})


def check_text(text: str, path: str = "pyproject.toml", kind: Kind | None = None,
               ignore: Iterable[str] = ()) -> list[Finding]:
    """The findings of :func:`analyze` (what `check` and the pre-commit hook report)."""
    return analyze(text, path, kind, ignore).findings


def _settled(doc: Document, config: Config, findings: list[Finding],
             ignore: Iterable[str], shown: Shown = ALL) -> Analysis:
    """The analysis, without the findings that are not shown (ignored by the caller, by
    ``shown`` or by the project, below ``shown``'s severity, or suppressed inline), in order.
    This is where every front end's choice of what is shown is made. ``findings`` is left
    as it is (a :class:`Session` settles the same findings again when ``shown`` changes)."""
    findings = _shown(findings, set(ignore) | configured_ignores(config), shown)
    if findings and b"uv-index-guard:" in doc.data:
        findings = _without_suppressed(findings, _suppressions(doc))
    return Analysis(doc, config, sorted(findings, key=lambda f: f.sort_key))


def _shown(findings: list[Finding], ignored: set[str], shown: Shown) -> list[Finding]:
    """``findings`` without the ignored codes and those below ``shown``'s severity."""
    ignored = ignored | shown.ignore
    if ignored:
        findings = [f for f in findings if f.code not in ignored]
    if shown.at_least > Severity.INFO:
        findings = [f for f in findings if f.severity >= shown.at_least]
    return findings


# What the per-index rules found in one table: the line it starts on, the text before the
# table on that line, and the findings (see `rules.IndexFindings`).
_Cached = tuple[int, bytes, rules.IndexFindings]



class Session:
    """One document as it is edited, and the analysis of its newest text.

    The session owns everything that carries over from one version to the next: the text
    and its line index, what the last parse leaves for the next (its tree, which
    :meth:`edit` keeps in step with the text, and the built table bodies), and the per-index
    rules' findings by table body. Nothing else edits or keeps them. Analysis is lazy:
    :meth:`analysis` runs only when the text changed, so several quick edits cost one run.
    Every analysis equals :func:`analyze` of the same text with the same ``ignore`` and
    ``shown`` (with ``exact=False``, see :meth:`analysis`); :meth:`show` changes ``shown``.
    """

    __slots__ = ("_analysis", "_changed", "_data", "_found", "_ignore", "_lines", "_raw",
                 "_reparse", "_resettle", "_scalars", "_shown", "_workspace", "generation",
                 "kind", "last_duration", "path")

    def __init__(self, text: str, path: str = "pyproject.toml", kind: Kind | None = None,
                 ignore: Iterable[str] = (), shown: Shown = ALL) -> None:
        self.path = path
        self.kind = kind or kind_for(path, text)
        self._ignore = tuple(ignore)
        self._shown = shown
        self._resettle = False
        # What the rules found in the last analysis, before `_settled` chose what is shown.
        self._raw: list[Finding] = []
        self._data = text.encode("utf-8", "surrogatepass")
        self._lines = LineIndex(self._data)
        self._reparse: Reparse | None = None
        self._found: dict[object, _Cached] = {}
        self._scalars: ScalarCache = {}
        self._analysis: Analysis | None = None
        self._workspace: Others | None = None
        self._changed = True
        #: Seconds the last analysis took.
        self.last_duration = 0.0
        #: How many analyses were made (a new number for each).
        self.generation = 0

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def text(self) -> str:
        return self._data.decode("utf-8", "surrogatepass")

    @property
    def lines(self) -> LineIndex:
        return self._lines

    @property
    def stale(self) -> bool:
        """Whether the text changed since the last analysis (or none was made)."""
        return self._changed or self._analysis is None

    @property
    def shown(self) -> Shown:
        return self._shown

    def show(self, shown: Shown) -> bool:
        """Show the findings ``shown`` selects from now on; whether that changed anything
        (then the next :meth:`analysis` is a new one: the last findings settled again, with
        no parse and no rule run when the text did not change)."""
        if shown == self._shown:
            return False
        self._shown = shown
        self._resettle = True
        return True

    @property
    def exact(self) -> bool:
        """Whether the last analysis is what a fresh analysis of its text gives."""
        return self._analysis is None or self._analysis.doc.exact

    def replace(self, text: str) -> None:
        """The whole text changes."""
        self._data = text.encode("utf-8", "surrogatepass")
        self._lines = LineIndex(self._data)
        if self._reparse is not None:
            self._reparse.tree = None  # table bodies are reused by their text; the tree not
        self._changed = True

    def edit(self, start: int, end: int, new: bytes) -> None:
        """Bytes ``start`` to ``end`` of the text become ``new`` (on whole characters)."""
        tree = self._reparse.tree if self._reparse is not None else None
        if tree is not None:
            start_point = self._point(start)
            old_end_point = self._point(end)
            newlines = new.count(b"\n")
            if newlines:
                new_end_point = (start_point[0] + newlines, len(new) - new.rfind(b"\n") - 1)
            else:
                new_end_point = (start_point[0], start_point[1] + len(new))
            tree.edit(start_byte=start, old_end_byte=end, new_end_byte=start + len(new),
                      start_point=start_point, old_end_point=old_end_point,
                      new_end_point=new_end_point)
        self._data = self._data[:start] + new + self._data[end:]
        self._lines = self._lines.spliced(self._data, start, end, new)
        self._changed = True

    def _point(self, offset: int) -> tuple[int, int]:
        """A tree-sitter point (row, byte column) of a byte offset in the current text."""
        row = self._lines.position(offset).line
        return row, offset - self._lines.line_start(row)

    def analysis(self, exact: bool = True, workspace: Others | None = None) -> Analysis:
        """The analysis of the current text.

        With ``exact=False`` (diagnostics pushed while the user types), a broken text is
        read by tree-sitter's incremental reparse alone, which can recover from errors
        differently than a fresh parse; the result says so (``doc.exact``), and the next
        call with ``exact=True`` parses the same text afresh. ``workspace`` is as for
        :func:`analyze`; other files' configurations are compared by identity.
        """
        current = self._analysis
        t0 = time.perf_counter()
        if current is not None and not self._changed and (current.doc.exact or not exact):
            if _same(workspace, self._workspace):
                if not self._resettle:
                    return current
                # The same findings, shown otherwise.
                return self._settle(current.doc, current.config, self._raw, t0)
            # The same text in another workspace: only the rules run again.
            doc, config = current.doc, current.config
        else:
            doc, self._reparse = parse_incremental(self.text, self._reparse,
                                                   lines=self._lines, exact=exact)
            old_scalars, self._scalars = self._scalars, {}
            config = build(doc, self.kind, (old_scalars, self._scalars))
        ctx = Context(config, self.path, _workspace(workspace, self.path, config))
        self._workspace = workspace
        old, self._found = self._found, {}
        findings = rules.run(ctx, functools.partial(self._found_in, ctx, doc, old))
        self._changed = False
        return self._settle(doc, config, findings, t0)

    def _settle(self, doc: Document, config: Config, findings: list[Finding],
                t0: float) -> Analysis:
        self._raw = findings
        self._analysis = _settled(doc, config, findings, self._ignore, self._shown)
        self._resettle = False
        self.generation += 1
        self.last_duration = time.perf_counter() - t0
        return self._analysis

    def _found_in(self, ctx: Context, doc: Document, old: dict[object, _Cached],
                  index: IndexDef) -> rules.IndexFindings:
        """What the per-index rules find in ``index``: a table whose text did not change
        gets its previous findings back, moved by the lines it moved."""
        table = index.table
        body = table.body if table is not None else None
        if (body is None or table is None or len(table.entries) != len(body.entries)
                or doc.data[table.end - 1] != 10):  # 10: b"\n"
            # Not a whole `[[table]]` line block as parsed (an index that a later header
            # adds to, or the last table of a text that does not end with a newline).
            return rules.index_findings(ctx, index)
        line, start = doc.lines.line_of(table.start)
        before = doc.data[start : table.start] if start != table.start else b""
        hit = old.get(body)
        if hit is not None and hit[1] == before:
            moved = line - hit[0]
            results = hit[2] if not moved else tuple(
                (at, [_moved(f, moved) for f in found]) for at, found in hit[2])
        else:
            results = rules.index_findings(ctx, index)
        self._found[body] = (line, before, results)
        return results


def _same(a: Others | None, b: Others | None) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    return a[0] == b[0] and a[1].keys() == b[1].keys() and all(
        a[1][k] is b[1][k] for k in a[1])


def _moved(finding: Finding, lines: int) -> Finding:
    """``finding`` (and its fixes) ``lines`` lines further down."""
    def move(rng: Range) -> Range:
        return Range(Position(rng.start.line + lines, rng.start.column),
                     Position(rng.end.line + lines, rng.end.column))

    fixes = tuple(replace(fix, edits=tuple(replace(edit, range=move(edit.range))
                                           for edit in fix.edits))
                  for fix in finding.fixes)
    return replace(finding, range=move(finding.range), fixes=fixes)


def configured_ignores(config: Config) -> frozenset[str]:
    """Codes listed in `ignore = [...]` of `[tool.uv-index-guard]`."""
    if config.settings is None:
        return frozenset()
    return tool_settings.from_table(config.settings.py).ignore


def _suppressions(doc: Document) -> dict[int, set[str] | None]:
    """The lines of a TOML document whose comment says `uv-index-guard: ignore[CODE, ...]`,
    with the codes (None: every code)."""
    by_line: dict[int, set[str] | None] = {}
    for m in _SUPPRESS.finditer(doc.data):
        if doc.comment_at(m.start()):
            codes = m.group(1)
            _suppress(by_line, doc.lines.position(m.start()).line,
                      None if codes is None else codes.decode("utf-8", "replace"))
    return by_line


def _suppress(by_line: dict[int, set[str] | None], line: int, codes: str | None) -> None:
    """Note `ignore` (``codes`` None: every code) or `ignore[CODES]` on ``line``."""
    if codes is None:
        by_line[line] = None
        return
    names = {c.strip() for c in codes.split(",") if c.strip()}
    current = by_line.get(line, set())
    by_line[line] = None if current is None else current | names


def _without_suppressed(findings: list[Finding],
                        by_line: dict[int, set[str] | None]) -> list[Finding]:
    """Drop the findings whose line suppresses their code."""
    kept = []
    for finding in findings:
        line = finding.range.start.line
        if line in by_line:
            codes_on_line = by_line[line]
            if codes_on_line is None or finding.code in codes_on_line:
                continue
        kept.append(finding)
    return kept
