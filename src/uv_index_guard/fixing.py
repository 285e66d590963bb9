"""Applying findings' fixes to a text (`check --fix`, `--diff`). Pure: text in, text out.

The language server offers the same fixes as code actions; here each finding's first fix
that may be applied (a safe one, or any with ``unsafe``) is applied, all at once, skipping
one whose edits overlap an edit already taken (the next pass, after a fresh analysis, gets
it)."""

from __future__ import annotations

from collections.abc import Iterable

from uv_index_guard.finding import Finding
from uv_index_guard.text import LineIndex


def apply_fixes(text: str, findings: Iterable[Finding], *, unsafe: bool = False,
                ) -> tuple[str, int]:
    """(``text`` with the fixes applied, how many findings were fixed)."""
    data = text.encode("utf-8", "surrogatepass")
    lines = LineIndex(data)
    taken: list[tuple[int, int, str]] = []
    fixed = 0
    for finding in findings:
        fix = next((f for f in finding.fixes if f.safe or unsafe), None)
        if fix is None:
            continue
        edits = [(lines.offset(e.range.start), lines.offset(e.range.end), e.new_text)
                 for e in fix.edits]
        if any((s < e2 and s2 < e) or (s == e == s2 == e2) for s, e, _ in edits
               for s2, e2, _ in taken):
            continue  # overlaps an edit already taken
        taken += edits
        fixed += 1
    if not fixed:
        return text, 0
    out: list[bytes] = []
    cursor = 0
    for start, end, new in sorted(taken, key=lambda t: (t[0], t[1])):
        out += [data[cursor:start], new.encode("utf-8")]
        cursor = max(cursor, end)
    out.append(data[cursor:])
    return b"".join(out).decode("utf-8", "surrogatepass"), fixed
