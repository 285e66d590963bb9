from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity, Tag
from uv_index_guard.model import Origin
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.rules.unknown_uv_toml_key import SETTINGS_KEYS
from uv_index_guard.workspace import Role


class SettingsBesideUvToml(Rule):
    """UIG212: `[tool.uv]` settings in a pyproject.toml that has a uv.toml beside it."""

    code = "UIG212"
    name = "settings-beside-uv-toml"
    severity = Severity.WARNING
    tags = (Tag.UNNECESSARY,)
    summary = "uv.toml beside this file overrides `[tool.uv]` settings"

    def check(self, ctx: Context) -> Iterator[Finding]:
        ws, uv = ctx.workspace, ctx.config.uv
        if ws is None or uv is None or ws.role(ctx.path) not in (Role.ROOT, Role.ALONE):
            return
        settings = ws.layout.settings
        if settings is None:
            return
        used = ctx.config.referenced()
        for key, entry in uv.entries.items():
            if key not in SETTINGS_KEYS:
                continue
            if key == "index" and all(
                    i.flag("explicit") and i.name in used
                    for i in ctx.config.indexes if i.origin is Origin.INDEX):
                continue  # explicit indexes that sources name still serve them: nothing lost
            where = f"`{ws.relative(settings, ctx.path)}`"
            warns = ("uv warns: \"The following fields from `[tool.uv]` will be ignored in "
                     "favor of the `uv.toml` file\"")
            if key == "index":
                message = (f"`index` in `[tool.uv]` is ignored for resolution in favour of "
                           f"{where} beside this file ({warns}); only the explicit indexes that "
                           "`[tool.uv.sources]` name still serve their packages. Declare the "
                           "indexes uv should search in uv.toml")
            else:
                message = (f"`{key}` in `[tool.uv]` is ignored in favour of {where} beside "
                           f"this file ({warns}). Move it into uv.toml")
            yield ctx.finding(self, entry.key_start, entry.key_end, message)
