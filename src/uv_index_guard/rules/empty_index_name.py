from __future__ import annotations

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import IndexDef
from uv_index_guard.rules.base import Context, Rule


class EmptyIndexName(Rule):
    """UIG203: `name = ""`: uv accepts it, but nothing can refer to the index."""

    code = "UIG203"
    name = "empty-index-name"
    severity = Severity.WARNING
    summary = "An index has an empty name"

    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> list[Finding]:
        scalar = index.scalar("name")
        if scalar is None or index.name != "":
            return []
        return [ctx.finding(
                self, scalar.start, scalar.end,
                "empty index name: uv accepts it, but no source can refer to it and its "
                "credentials variables would be `UV_INDEX__USERNAME` / "
                "`UV_INDEX__PASSWORD`; give it a name")]
