from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity, Tag
from uv_index_guard.kinds import Kind
from uv_index_guard.model import Origin
from uv_index_guard.rules.base import Context, Rule


class DeprecatedIndexUrl(Rule):
    """UIG210: `index-url` / `extra-index-url` are deprecated in favour of named indexes."""

    code = "UIG210"
    name = "deprecated-index-url"
    tags = (Tag.DEPRECATED,)
    severity = Severity.INFO
    summary = "`index-url` and `extra-index-url` are deprecated"

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[str] = set()
        for index in ctx.config.indexes:
            if index.origin is Origin.INDEX or index.origin.value in seen:
                continue
            seen.add(index.origin.value)
            table = "[[tool.uv.index]]" if ctx.config.kind is Kind.PYPROJECT else (
                "[[index]]")
            extra = " with `default = true`" if index.origin is Origin.INDEX_URL else ""
            yield ctx.finding(
                self, index.anchor_start, index.anchor_end,
                f"`{index.origin.value}` is deprecated and has no name, so it cannot have "
                f"`UV_INDEX_<NAME>_*` credentials or be used by sources; declare `{table}` with "
                f"a `name`{extra} instead")
