from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity, Tag
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.workspace import Role


class SourcePinsNothing(Rule):
    """UIG216: a `[tool.uv.sources]` index entry for a package that no dependency in reach
    names (this project's, or for a workspace root its members' too): uv never reads it."""

    code = "UIG216"
    name = "source-pins-nothing"
    severity = Severity.WARNING
    tags = (Tag.UNNECESSARY,)
    summary = "A source pins a package that nothing depends on"

    def check(self, ctx: Context) -> Iterator[Finding]:
        ws = ctx.workspace
        if ws is None or not ctx.config.sources:
            return
        facts = ctx.config.project()
        root = ws.role(ctx.path) is Role.ROOT
        reported: set[str] = set()
        for ref in ctx.config.sources:
            if ref.package in reported or ws.consumers(ctx.path, ref.normalized):
                continue
            reported.add(ref.package)
            if not facts.has_project and not facts.dependencies and not root:
                why = ("this pyproject.toml has no `[project]` (and no dependency groups), so "
                       "it has nothing for uv to resolve")
            elif root:
                why = (f"neither this project nor a workspace member depends on "
                       f"`{ref.package}`")
            else:
                why = f"this project does not depend on `{ref.package}`"
            yield ctx.finding(
                self, ref.source.key_start, ref.source.key_end,
                f"this source of `{ref.package}` pins nothing: {why}; uv never reads it. "
                "Add the dependency, or remove the entry")
