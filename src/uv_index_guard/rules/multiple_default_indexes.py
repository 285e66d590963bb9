from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.kinds import Kind
from uv_index_guard.rules.base import Context, Rule


class MultipleDefaultIndexes(Rule):
    """UIG104: more than one index with `default = true` in pyproject.toml; uv fails."""

    code = "UIG104"
    name = "multiple-default-indexes"
    severity = Severity.ERROR
    summary = "More than one index is marked `default = true`"
    kind = Kind.PYPROJECT
    consequence = ("uv fails with \"found multiple indexes with `default = true`; only one index "
                   "may be marked as default\"")

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.config.kind is not self.kind:
            return
        defaults = [i for i in ctx.config.indexes if i.flag("default")]
        for later in defaults[1:]:
            scalar = later.scalar("default")
            if scalar is None:
                continue
            first = defaults[0]
            line = ctx.range(first.anchor_start, first.anchor_start).start.line + 1
            fix = Fix("Set `default = false` on this index", (ctx.replace_value(scalar, "false"),),
                      safe=False)
            yield ctx.finding(
                self, scalar.start, scalar.end,
                f"the index on line {line} is already `default = true`; {self.consequence}",
                [fix])


class MultipleDefaultIndexesUvToml(MultipleDefaultIndexes):
    """UIG207: uv.toml marks several indexes default; uv does not check and uses the first."""

    code = "UIG207"
    name = "multiple-default-indexes-uv-toml"
    severity = Severity.WARNING
    summary = "More than one index in uv.toml is marked `default = true`"
    kind = Kind.UV_TOML
    consequence = "uv does not check this in uv.toml and silently ignores all but one"
