from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.index_env import env_name, env_vars
from uv_index_guard.rules.base import Context, Rule


class IndexEnvNameCollision(Rule):
    """UIG204: two index names (in this file, or here and in another file of the workspace)
    map to the same `UV_INDEX_<NAME>_*` variables."""

    code = "UIG204"
    name = "index-env-name-collision"
    severity = Severity.WARNING
    summary = "Two indexes share credential variable names"

    def check(self, ctx: Context) -> Iterator[Finding]:
        by_name = ctx.config.by_name()
        seen: dict[str, str] = {}
        for name in by_name:
            if not name:
                continue
            key = env_name(name)
            other = seen.setdefault(key, name)
            if other == name:
                continue
            yield from self._report(ctx, name, f"`{other}`")
        ws = ctx.workspace
        if ws is None or len(ws.configs) < 2:
            return
        for name in by_name:
            if not name:
                continue
            clash = next(((file, n) for file, n in ws.named_indexes(env_name(name))
                          if file != ctx.path and n != name), None)
            if clash is not None:
                yield from self._report(
                    ctx, name, f"`{clash[1]}` (in `{ws.relative(clash[0], ctx.path)}`)")

    def _report(self, ctx: Context, name: str, other: str) -> Iterator[Finding]:
        user, password = env_vars(name)
        for index in ctx.config.by_name()[name]:
            scalar = index.scalar("name")
            if scalar is not None:
                yield ctx.finding(
                    self, scalar.start, scalar.end,
                    f"indexes {other} and `{name}` both read `{user}` / `{password}`, so they "
                    "cannot have different credentials; rename one")
