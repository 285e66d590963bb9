from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.kinds import Kind
from uv_index_guard.rules.base import Context, Rule


class Toml11Syntax(Rule):
    """UIG003: TOML 1.1 syntax that uv reads but TOML 1.0 parsers (tomllib) reject."""

    code = "UIG003"
    name = "toml-1-1-syntax"
    severity = Severity.WARNING
    summary = "TOML 1.1 syntax that TOML 1.0 parsers reject"

    def check(self, ctx: Context) -> Iterator[Finding]:
        doc = ctx.config.doc
        for problem in doc.problems:
            if not problem.toml11:
                continue
            if ctx.config.kind is Kind.PYPROJECT:
                consequence = ("uv 0.13 reads this TOML 1.1 syntax, but TOML 1.0 parsers such as "
                               "Python's `tomllib` (used by pip, build backends and most tools "
                               "that read pyproject.toml) reject the whole file")
            else:
                consequence = "uv 0.13 reads this TOML 1.1 syntax, but TOML 1.0 parsers do not"
            partial = (" uv-index-guard cannot analyse this part, so findings about it may be "
                       "missing.") if doc.partial else ""
            yield ctx.finding(
                self, problem.start, problem.end,
                f"TOML 1.1 syntax: {consequence}. Write it in TOML 1.0 (one-line inline tables "
                f"without a trailing comma, `\\u00XX` instead of `\\xXX`; tomllib says: "
                f"{problem.message.removeprefix('invalid TOML: ')}).{partial}")
