from __future__ import annotations

from collections.abc import Callable

from uv_index_guard.finding import Finding, Severity, Tag
from uv_index_guard.kinds import Kind
from uv_index_guard.model import IndexDef
from uv_index_guard.rules.base import Context, Rule


class UnusedExplicitIndex(Rule):
    """UIG205: an `explicit = true` index that no source uses is never queried."""

    code = "UIG205"
    name = "unused-explicit-index"
    tags = (Tag.UNNECESSARY,)
    severity = Severity.WARNING
    summary = "An explicit index is never used"

    per_index = True

    def keep(self, ctx: Context) -> Callable[[IndexDef], bool]:
        # The root's indexes serve the members' sources too.
        ws = ctx.workspace
        used = ws.referencing(ctx.path) if ws is not None else ctx.config.referenced()
        return lambda index: index.name not in used

    def check_index(self, ctx: Context, index: IndexDef) -> list[Finding]:
        if ctx.config.kind is not Kind.PYPROJECT:
            return []  # uv.toml indexes are used by the projects that reference them
        name = index.name
        if not index.flag("explicit") or not name:
            return []
        if index.has("publish-url"):
            return []  # used by `uv publish --index NAME`
        scalar = index.scalar("name")
        assert scalar is not None
        return [ctx.finding(
            self, scalar.start, scalar.end,
            f"explicit index `{name}` is not used by any `[tool.uv.sources]` entry, so uv "
            f"never queries it; pin the packages it serves with `pkg = {{ index = \"{name}\" }}` "
            "in `[tool.uv.sources]`, or remove the index if it is left over")]
