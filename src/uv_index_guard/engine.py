"""Text in, findings out: parse, build the model, run every rule, apply suppressions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from uv_index_guard.finding import Finding
from uv_index_guard.model import Config, Kind, build
from uv_index_guard.rules import RULES, Context
from uv_index_guard.syntax import Array, Document, Scalar, parse
from uv_index_guard.text import LineIndex

_SUPPRESS = re.compile(rb"#[^\n]*?uv-index-guard:\s*ignore(?:\[([^\]\n]*)\])?")


@dataclass(slots=True)
class Analysis:
    doc: Document
    config: Config
    findings: list[Finding]


def kind_for(path: str, text: str = "") -> Kind:
    """uv.toml for files named so (or with a top-level `[[index]]`), pyproject.toml otherwise."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if name == "uv.toml":
        return Kind.UV_TOML
    if name == "pyproject.toml":
        return Kind.PYPROJECT
    return Kind.UV_TOML if re.search(r"(?m)^\s*\[\[\s*index\s*\]\]", text) else Kind.PYPROJECT


def analyze(text: str, path: str = "pyproject.toml", kind: Kind | None = None,
            ignore: Iterable[str] = (), old: Document | None = None,
            incremental: bool = False, lines: LineIndex | None = None) -> Analysis:
    """Analyse ``text``; ``old``, ``incremental`` and ``lines`` are passed to :func:`parse`."""
    doc = parse(text, old, incremental=incremental, lines=lines)
    config = build(doc, kind or kind_for(path, text))
    ctx = Context(config, path)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.check(ctx))
    ignored = set(ignore) | configured_ignores(config)
    if ignored:
        findings = [f for f in findings if f.code not in ignored]
    if findings and b"uv-index-guard:" in doc.data:
        findings = _apply_inline(doc, findings)
    findings.sort(key=lambda f: f.sort_key)
    return Analysis(doc, config, findings)


def check_text(text: str, path: str = "pyproject.toml", kind: Kind | None = None,
               ignore: Iterable[str] = ()) -> list[Finding]:
    return analyze(text, path, kind, ignore).findings


def configured_ignores(config: Config) -> set[str]:
    """Codes listed in `ignore = [...]` of `[tool.uv-index-guard]`."""
    if config.settings is None:
        return set()
    value = config.settings.get("ignore")
    if not isinstance(value, Array):
        return set()
    return {str(i.py) for i in value.items if isinstance(i, Scalar) and i.kind == "string"}


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
