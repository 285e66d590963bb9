from __future__ import annotations

from collections.abc import Callable, Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.scanner import RULES as _SCAN_RULES
from uv_index_guard.syntax import Array, Scalar
from uv_index_guard.tool_settings import KEYS as SETTINGS_KEYS
from uv_index_guard.tool_settings import regex_problem, token_prefix_problem

SECRET_RULES = frozenset(rule.id for rule in _SCAN_RULES)


class InvalidSettings(Rule):
    """UIG002: `[tool.uv-index-guard]` has an unknown key, a wrong type or an unknown code."""

    code = "UIG002"
    name = "invalid-settings"
    severity = Severity.WARNING
    summary = "`[tool.uv-index-guard]` has a problem"

    def check(self, ctx: Context) -> Iterator[Finding]:
        from uv_index_guard.rules import CODES

        settings = ctx.config.settings
        if settings is None:
            return
        for key, entry in settings.entries.items():
            if key not in SETTINGS_KEYS:
                yield ctx.finding(self, entry.key_start, entry.key_end,
                                  f"unknown key `{key}` in `[tool.uv-index-guard]`; known keys: "
                                  + ", ".join(f"`{k}`" for k in SETTINGS_KEYS))
                continue
            value = entry.value
            if not isinstance(value, Array) or not all(
                    isinstance(i, Scalar) and i.kind == "string" for i in value.items):
                yield ctx.finding(self, value.start, value.end,
                                  f"`{key}` must be an array of strings")
                continue
            if key == "ignore":
                for item in value.items:
                    assert isinstance(item, Scalar)
                    if item.py not in CODES and item.py not in SECRET_RULES:
                        yield ctx.finding(self, item.start, item.end,
                                          f"unknown rule code `{item.py}` in `ignore` (a "
                                          "code such as `UIG205`, or a `scan` rule such as "
                                          "`url-credentials`)")
            elif key in _ENTRY_CHECKS:
                check, shown = _ENTRY_CHECKS[key]
                for item in value.items:
                    assert isinstance(item, Scalar)
                    problem = check(str(item.py))
                    if problem is not None:
                        what = f"`{item.py}`" if shown else f"this `{key}` entry"
                        yield ctx.finding(self, item.start, item.end,
                                          f"{what} is not used: {problem}")


# Keys whose entries are checked one by one: why an entry cannot be used, and whether the
# message may quote it (a regex of `allow` may spell out what it allows: it is not quoted).
_ENTRY_CHECKS: dict[str, tuple[Callable[[str], str | None], bool]] = {
    "gitlab-token-prefixes": (token_prefix_problem, True),
    "allow": (regex_problem, False),
}
