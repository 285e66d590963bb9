"""Findings as LSP diagnostics, with the engine's fixes serialized in ``data``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types

from uv_index_guard.finding import Finding, Severity, Tag
from uv_index_guard.lsp.convert import ClientMapper
from uv_index_guard.rules import CODES

SOURCE = "uv-index-guard"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_TAGS = {
    Tag.UNNECESSARY: types.DiagnosticTag.Unnecessary,
    Tag.DEPRECATED: types.DiagnosticTag.Deprecated,
}


def to_diagnostic(finding: Finding, mapper: ClientMapper, version: int) -> types.Diagnostic:
    rule = CODES.get(finding.code)
    tags = [_TAGS[tag] for tag in rule.tags] if rule is not None else []
    return types.Diagnostic(
        range=mapper.range(finding.range),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=rule.docs_url) if rule else None,
        source=SOURCE,
        tags=tags or None,
        data=fix_data(finding, mapper, version) if finding.fixes else None,
    )


def fix_data(finding: Finding, mapper: ClientMapper, version: int) -> dict[str, Any]:
    """The finding's fixes in client units, tied to the document version they apply to."""
    return {
        "version": version,
        "fixes": [
            {
                "title": fix.title,
                "safe": fix.safe,
                "edits": [
                    {"range": _range_json(mapper.range(edit.range)), "newText": edit.new_text}
                    for edit in fix.edits
                ],
            }
            for fix in finding.fixes
        ],
    }


def _range_json(rng: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def diagnostics(findings: list[Finding], mapper: ClientMapper, version: int,
                reuse: Callable[[Finding], types.Diagnostic | None] | None = None,
                ) -> list[types.Diagnostic]:
    """The findings as diagnostics.

    ``reuse`` gives the diagnostic of an equal finding of an earlier version of the same text
    (or None); it is only given when positions convert the same way in both versions (ASCII
    texts, or UTF-32 clients). Findings with fixes are converted again: their ``data`` holds
    the version.
    """
    if reuse is None:
        return [to_diagnostic(f, mapper, version) for f in findings]
    out = []
    for finding in findings:
        diagnostic = reuse(finding) if not finding.fixes else None
        out.append(diagnostic or to_diagnostic(finding, mapper, version))
    return out
