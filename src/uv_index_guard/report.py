"""Findings to text and JSON. Pure: no I/O."""

from __future__ import annotations

import json
from collections.abc import Sequence

from uv_index_guard.finding import Finding, Severity


def statistics(findings: Sequence[Finding]) -> str:
    """How many findings of each rule, most first (`--statistics`, as in ruff)."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return "\n".join(f"{n:>5}  {code}" for code, n in
                     sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def text_report(findings: Sequence[Finding], files_checked: int, *, quiet: bool = False,
                ) -> str:
    """One line per finding and a summary (``quiet``: the findings only, as ruff's -q)."""
    lines = []
    for f in findings:
        start = f.range.start
        marker = " [*]" if f.fixes else ""
        lines.append(f"{f.path}:{start.line + 1}:{start.column + 1}: {f.code}{marker} "
                     f"{f.message}")
    if not quiet:
        lines.append(summary(findings, files_checked))
    return "\n".join(lines)


def summary(findings: Sequence[Finding], files_checked: int) -> str:
    files = f"{files_checked} file{'s' if files_checked != 1 else ''}"
    if not findings:
        return f"All checks passed! ({files} checked)"
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    parts = [f"{n} {s.label}{'s' if n != 1 else ''}"
             for s, n in sorted(counts.items(), reverse=True) if n]
    safe = sum(1 for f in findings if any(fix.safe for fix in f.fixes))
    unsafe = sum(1 for f in findings if f.fixes) - safe
    tail = f"; [*] {safe} fixable with `--fix`" if safe else ""
    if unsafe:
        tail += (f", {unsafe} more with `--unsafe-fixes`" if safe
                 else f"; [*] {unsafe} fixable with `--fix --unsafe-fixes`")
    return f"Found {', '.join(parts)} in {files}{tail}."


def json_report(findings: Sequence[Finding]) -> str:
    return json.dumps({"findings": [
        {
            "path": f.path,
            "line": f.range.start.line + 1,
            "column": f.range.start.column + 1,
            "end_line": f.range.end.line + 1,
            "end_column": f.range.end.column + 1,
            "severity": f.severity.label,
            "code": f.code,
            "message": f.message,
        }
        for f in findings
    ]}, indent=2, ensure_ascii=False)
