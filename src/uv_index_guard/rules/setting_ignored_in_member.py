from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity, Tag
from uv_index_guard.model import Origin
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.rules.unknown_uv_toml_key import SETTINGS_KEYS
from uv_index_guard.workspace import Role


class SettingIgnoredInMember(Rule):
    """UIG213: settings that uv reads from the workspace root only, written in a member (its
    `[tool.uv]` settings, an index that no source of the member names, a uv.toml beside it)."""

    code = "UIG213"
    name = "setting-ignored-in-member"
    severity = Severity.WARNING
    tags = (Tag.UNNECESSARY,)
    summary = "uv reads this setting from the workspace root only"

    def check(self, ctx: Context) -> Iterator[Finding]:
        ws = ctx.workspace
        if ws is None:
            return
        role = ws.role(ctx.path)
        root = ws.relative(ws.layout.root, ctx.path)
        if role is Role.IGNORED_SETTINGS:
            entries = list(ctx.config.doc.root.entries.values())
            start, end = ((entries[0].key_start, entries[0].key_end) if entries else (0, 0))
            yield ctx.finding(
                self, start, end,
                "uv never reads this uv.toml: it sits beside a workspace member, and uv reads "
                f"settings from the workspace root only (`{root}` and a uv.toml beside it). "
                "Move these settings there")
            return
        uv = ctx.config.uv
        if role is not Role.MEMBER or uv is None:
            return
        for key, entry in uv.entries.items():
            if key in SETTINGS_KEYS and key != "index":
                yield ctx.finding(
                    self, entry.key_start, entry.key_end,
                    f"`{key}` in a workspace member is ignored: uv reads settings from the "
                    f"workspace root only (`{root}`). Move it there")
        used = ctx.config.referenced()
        for index in ctx.config.indexes:
            if index.origin is not Origin.INDEX or index.flag("explicit") or (
                    index.name and index.name in used):
                continue
            yield ctx.finding(
                self, index.anchor_start, index.anchor_end,
                f"uv searches only the workspace root's indexes (`{root}`); an index of a "
                "member serves only the member's own `[tool.uv.sources]`, and none names "
                f"{'this one' if not index.name else f'`{index.name}`'}. Declare it in the "
                "workspace root, or pin packages to it here")


