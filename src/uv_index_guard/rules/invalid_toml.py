from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.rules.base import Context, Rule


class InvalidToml(Rule):
    """UIG001: the file is not valid TOML, so uv cannot read it at all."""

    code = "UIG001"
    name = "invalid-toml"
    severity = Severity.ERROR
    summary = "The file is not valid TOML"

    def check(self, ctx: Context) -> Iterator[Finding]:
        for problem in ctx.config.doc.problems:
            if problem.toml11:
                continue  # UIG003
            yield ctx.finding(self, problem.start, problem.end,
                              f"{problem.message}; uv cannot read this file until it is fixed")
