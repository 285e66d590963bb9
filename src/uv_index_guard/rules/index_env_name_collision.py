from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import env_name, env_vars
from uv_index_guard.rules.base import Context, Rule


class IndexEnvNameCollision(Rule):
    """UIG204: two index names map to the same `UV_INDEX_<NAME>_*` variables."""

    code = "UIG204"
    name = "index-env-name-collision"
    severity = Severity.WARNING
    summary = "Two indexes share credential variable names"

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: dict[str, str] = {}
        for name in ctx.config.by_name():
            if not name:
                continue
            key = env_name(name)
            other = seen.setdefault(key, name)
            if other == name:
                continue
            for index in ctx.config.by_name()[name]:
                scalar = index.scalar("name")
                if scalar is None:
                    continue
                user, password = env_vars(name)
                yield ctx.finding(
                    self, scalar.start, scalar.end,
                    f"indexes `{other}` and `{name}` both read `{user}` / `{password}`, so they "
                    "cannot have different credentials; rename one")
