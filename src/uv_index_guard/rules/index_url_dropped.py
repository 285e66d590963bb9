from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity, Tag
from uv_index_guard.model import Origin
from uv_index_guard.rules.base import Context, Rule


class IndexUrlDropped(Rule):
    """UIG215: `index-url` beside an index with `default = true`; uv drops `index-url`."""

    code = "UIG215"
    name = "index-url-dropped"
    severity = Severity.WARNING
    tags = (Tag.UNNECESSARY,)
    summary = "`index-url` is dropped in favour of a default index"

    def check(self, ctx: Context) -> Iterator[Finding]:
        uv = ctx.config.uv
        if uv is None:
            return
        entry = uv.entries.get("index-url")
        if entry is None or not any(i.origin is Origin.INDEX_URL for i in ctx.config.indexes):
            return
        default = next((i for i in ctx.config.indexes
                        if i.origin is Origin.INDEX and i.flag("default")), None)
        if default is None:
            return
        what = f"`{default.name}`" if default.name else "the index"
        yield ctx.finding(
            self, entry.key_start, entry.key_end,
            f"uv uses {what} (`default = true`) as the default index and silently drops "
            "`index-url`; remove `index-url`",
            [Fix("Remove `index-url`", (ctx.delete_entry(entry, uv),))])
