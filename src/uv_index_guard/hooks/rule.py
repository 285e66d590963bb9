"""`uv-index-guard rule CODE`: a rule explained, from its page in `docs/rules/` (shipped in
the wheel as ``uv_index_guard/rule_docs/``), or from the rule itself when no page is found.
A front end: it reads files."""

from __future__ import annotations

from pathlib import Path

from uv_index_guard.rules import ALL_RULES, CODES
from uv_index_guard.scanner import RULES as SCAN_RULES

_PACKAGED = Path(__file__).resolve().parents[1] / "rule_docs"
_SOURCE = Path(__file__).resolve().parents[3] / "docs" / "rules"  # a source checkout


def _page(code: str) -> str | None:
    for folder in (_PACKAGED, _SOURCE):
        try:
            return (folder / f"{code}.md").read_text(encoding="utf-8").rstrip("\n")
        except OSError:
            continue
    return None


def explain(code: str) -> str | None:
    """The explanation of config rule ``code`` (any case) or scan rule ``code``; None for
    no such rule."""
    rule = CODES.get(code.upper())
    if rule is not None:
        page = _page(rule.code)
        if page is not None:
            return page
        doc = (type(rule).__doc__ or "").strip()
        return (f"# {rule.code}: {rule.name}\n\n**Severity:** {rule.severity.label}\n\n"
                f"{rule.summary}.\n\n{doc}")
    for secret in SCAN_RULES:
        if secret.id == code.lower():
            page = _page(f"scan/{secret.id}")
            if page is not None:
                return page
            return (f"# {secret.id}: {secret.name}\n\n`uv-index-guard scan` rule; reported at "
                    f"security severity {secret.score} (GitLab: {secret.gitlab_severity}).\n\n"
                    f"## What to do\n\n{secret.solution}\n\n## References\n\n- "
                    f"{secret.help_uri}")
    return None


def table() -> str:
    """Every rule, one line each: `check`'s codes, then `scan`'s rules."""
    lines = [f"{r.code}  {r.name:<34} {r.severity.label:<8} {r.summary}" for r in ALL_RULES]
    lines += [f"{r.id:<40} scan     {r.name}" for r in SCAN_RULES]
    return "\n".join(lines)
