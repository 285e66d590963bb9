from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.kinds import Kind
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.rules.invalid_index_value import legacy_type_errors
from uv_index_guard.rules.unknown_uv_toml_key import unknown_settings

_CONSEQUENCE = ("uv only warns \"Failed to parse `pyproject.toml` during settings discovery\" and "
                "ignores the settings in `[tool.uv]`")


class UnreadableUvSettings(Rule):
    """UIG211: `[tool.uv]` has an unknown key or a settings value of the wrong type."""

    code = "UIG211"
    name = "unreadable-uv-settings"
    severity = Severity.WARNING
    summary = "uv cannot read `[tool.uv]` and ignores its settings"

    def check(self, ctx: Context) -> Iterator[Finding]:
        uv = ctx.config.uv
        if ctx.config.kind is not Kind.PYPROJECT or uv is None:
            return
        for key, entry, hint in unknown_settings(uv):
            yield ctx.finding(self, entry.key_start, entry.key_end,
                              f"unknown field `{key}` in `[tool.uv]`: {_CONSEQUENCE}{hint}")
        for message, value in legacy_type_errors(uv):
            yield ctx.finding(self, value.start, value.end, f"{message}: {_CONSEQUENCE}")
