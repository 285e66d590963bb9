from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.rules.base import Context, Rule


class WorkspaceMemberFromIndex(Rule):
    """UIG109: a `[tool.uv.sources]` entry takes a workspace member from an index."""

    code = "UIG109"
    name = "workspace-member-from-index"
    severity = Severity.ERROR
    summary = "A source takes a workspace member from an index"

    def check(self, ctx: Context) -> Iterator[Finding]:
        ws = ctx.workspace
        if ws is None or not ws.member_names:
            return
        own = ctx.config.project().name
        for ref in ctx.config.sources:
            member = ws.member_names.get(ref.normalized)
            if member is None or ref.normalized == own or not ws.consumers(ctx.path,
                                                                          ref.normalized):
                continue
            value = ref.source.value
            fixes = []
            if value is ref.table and value.how == "inline" and len(ref.table.entries) == 1:
                fixes.append(Fix(f"Take `{ref.package}` from the workspace",
                                 (ctx.replace_value(value, "{ workspace = true }"),), safe=False))
            yield ctx.finding(
                self, ref.value.start, ref.value.end,
                f"`{ref.package}` is a member of this workspace "
                f"(`{ws.relative(member, ctx.path)}`), but this source takes it from index "
                f"`{ref.index}`; uv refuses it (\"`{ref.package}` is included as a workspace "
                "member, but references a registry in `tool.uv.sources`\"). Use "
                f"`{ref.package} = {{ workspace = true }}`", fixes)
