from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import Kind
from uv_index_guard.rules.base import Context, Rule


class UnusedExplicitIndex(Rule):
    """UIG205: an `explicit = true` index that no source uses is never queried."""

    code = "UIG205"
    name = "unused-explicit-index"
    severity = Severity.WARNING
    summary = "An explicit index is never used"

    def check(self, ctx: Context) -> Iterator[Finding]:
        config = ctx.config
        if config.kind is not Kind.PYPROJECT:
            return  # uv.toml indexes are used by the projects that reference them
        used = {ref.index for ref in config.sources}
        for index in config.indexes:
            name = index.name
            if not index.flag("explicit") or not name or name in used:
                continue
            if index.entry("publish-url") is not None:
                continue  # used by `uv publish --index NAME`
            scalar = index.scalar("name")
            assert scalar is not None
            yield ctx.finding(
                self, scalar.start, scalar.end,
                f"explicit index `{name}` is not used by any `[tool.uv.sources]` entry, so uv "
                f"never queries it; add `pkg = {{ index = \"{name}\" }}` to `[tool.uv.sources]` "
                "or drop `explicit = true`")
