"""Text in, findings out: parse, build the model, run every rule, apply suppressions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final

from uv_index_guard import tool_settings
from uv_index_guard.finding import Finding
from uv_index_guard.model import Config, IndexDef, Kind, build
from uv_index_guard.rules import PER_INDEX, RULES, Context, per_index_findings
from uv_index_guard.syntax import Document, parse
from uv_index_guard.text import LineIndex, Position, Range

_SUPPRESS = re.compile(rb"#[^\n]*?uv-index-guard:\s*ignore(?:\[([^\]\n]*)\])?")


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
            ignore: Iterable[str] = (), old: Document | None = None,
            incremental: bool = False, lines: LineIndex | None = None,
            exact: bool = True) -> Analysis:
    """Analyse ``text``; ``old``, ``incremental``, ``lines`` and ``exact`` are passed to
    :func:`parse`."""
    cache = None
    if incremental and old is not None:
        cache, old.findings_cache = old.findings_cache, None
    doc = parse(text, old, incremental=incremental, lines=lines, exact=exact)
    return _analyze_document(doc, path, kind or kind_for(path, text), ignore, cache,
                             incremental)


def _analyze_document(doc: Document, path: str, kind: Kind, ignore: Iterable[str],
                      cache: _Cache | None = None, incremental: bool = False) -> Analysis:
    config = build(doc, kind)
    ctx = Context(config, path)
    findings = _run_rules(ctx, cache, incremental)
    ignored = set(ignore) | configured_ignores(config)
    if ignored:
        findings = [f for f in findings if f.code not in ignored]
    if findings and b"uv-index-guard:" in doc.data:
        findings = _apply_inline(doc, findings)
    findings.sort(key=lambda f: f.sort_key)
    return Analysis(doc, config, findings)


def check_text(text: str, path: str = "pyproject.toml", kind: Kind | None = None,
               ignore: Iterable[str] = ()) -> list[Finding]:
    """The findings of :func:`analyze` (what `check` and the pre-commit hook report)."""
    return analyze(text, path, kind, ignore).findings


# What the per-index rules found in one table: the line it starts on, the text before the
# table on that line, and the findings of the rules of `PER_INDEX` that found any, by their
# place in `PER_INDEX`. A document's cache holds these by table body, with the path and the
# config kind that the findings also depend on.
_Found = tuple[tuple[int, list[Finding]], ...]
_Cached = tuple[int, bytes, _Found]
_Cache = tuple[str, Kind, dict[object, _Cached]]


_CHECKS: Final = tuple(enumerate(rule.check_index for rule in PER_INDEX))


def _check_index(ctx: Context, index: IndexDef) -> _Found:
    found = []
    for at, check in _CHECKS:
        findings = check(ctx, index)
        if type(findings) is not list:
            findings = list(findings)
        if findings:
            found.append((at, findings))
    return tuple(found)


def _run_rules(ctx: Context, cache: _Cache | None, incremental: bool) -> list[Finding]:
    """Every rule's findings, in rule order.

    With ``incremental``, the per-index rules' findings in each `[[...index]]` table are kept
    on the document (by the table's body, which the next incremental parse reuses while the
    table's text is unchanged), and ``cache`` holds those of the previous version: a table
    whose text did not change gets its previous findings back, moved by the lines it moved.
    """
    config = ctx.config
    doc = config.doc
    per_index: list[list[Finding]] = [[] for _ in PER_INDEX]
    if incremental:
        new_cache: dict[object, _Cached] = {}
        doc.findings_cache = (ctx.path, config.kind, new_cache)
        old = cache[2] if cache is not None and cache[:2] == (ctx.path, config.kind) else {}
        keeps = [rule.keep(ctx) for rule in PER_INDEX]
        lines, data = doc.lines, doc.data
        for index in config.indexes:
            table = index.table
            body = table.body if table is not None else None
            if (body is None or table is None or len(table.entries) != len(body.entries)
                    or data[table.end - 1] != 10):  # 10: b"\n"
                # Not a whole `[[table]]` line block as parsed (an index that a later header
                # adds to, or the last table of a text that does not end with a newline).
                results = _check_index(ctx, index)
            else:
                line, start = lines.line_of(table.start)
                before = data[start : table.start] if start != table.start else b""
                hit = old.get(body)
                if hit is not None and hit[1] == before:
                    moved = line - hit[0]
                    results = hit[2] if not moved else tuple(
                        (at, [_moved(f, moved) for f in found]) for at, found in hit[2])
                else:
                    results = _check_index(ctx, index)
                new_cache[body] = (line, before, results)
            for at, found in results:
                keep = keeps[at]
                if keep is None or keep(index):
                    per_index[at].extend(found)
    else:
        per_index = per_index_findings(ctx, config.indexes)
    findings: list[Finding] = []
    at = 0
    for rule in RULES:
        if rule.per_index:
            findings.extend(rule.check_before(ctx))
            findings.extend(per_index[at])
            at += 1
            findings.extend(rule.check_after(ctx))
        else:
            findings.extend(rule.check(ctx))
    return findings


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


def _apply_inline(doc: Document, findings: list[Finding]) -> list[Finding]:
    """Drop findings whose line carries `# uv-index-guard: ignore[CODE, ...]` in a comment."""
    by_line: dict[int, set[str] | None] = {}
    for m in _SUPPRESS.finditer(doc.data):
        if not doc.comment_at(m.start()):
            continue
        line = doc.lines.position(m.start()).line
        codes = m.group(1)
        if codes is None:
            by_line[line] = None  # every code
        else:
            names = {c.strip() for c in codes.decode("utf-8", "replace").split(",") if c.strip()}
            current = by_line.get(line, set())
            by_line[line] = None if current is None else current | names
    kept = []
    for finding in findings:
        line = finding.range.start.line
        if line in by_line:
            codes_on_line = by_line[line]
            if codes_on_line is None or finding.code in codes_on_line:
                continue
        kept.append(finding)
    return kept
