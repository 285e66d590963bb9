from __future__ import annotations

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import IndexDef, Origin
from uv_index_guard.rules.base import Context, Rule


class MissingIndexUrl(Rule):
    """UIG101: an index without `url`; uv fails with "missing field `url`"."""

    code = "UIG101"
    name = "missing-index-url"
    severity = Severity.ERROR
    summary = "An index has no `url`"

    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> list[Finding]:
        # A function, not a generator: it runs for every index, and mostly finds nothing.
        if index.origin is not Origin.INDEX or index.has("url"):
            return []
        label = f" `{index.name}`" if index.name else ""
        return [ctx.finding(
                self, index.anchor_start, index.anchor_end,
                f"index{label} has no `url` (uv: missing field `url`); add "
                "`url = \"https://.../simple\"`")]
