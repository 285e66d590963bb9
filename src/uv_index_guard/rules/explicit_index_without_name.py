from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.model import IndexDef, Origin
from uv_index_guard.redact import safe_url
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.rules.invalid_index_name import sanitize
from uv_index_guard.urls import split_url


def suggested_name(index: IndexDef, taken: set[str]) -> str:
    parts = split_url(index.url or "")
    host = parts.hostname if parts is not None else ""
    base = sanitize(host.split(".")[0]) if host else "private"
    name, n = base or "private", 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


class ExplicitIndexWithoutName(Rule):
    """UIG105: `explicit = true` on an index without `name`; uv fails."""

    code = "UIG105"
    name = "explicit-index-without-name"
    severity = Severity.ERROR
    summary = "An explicit index has no name"

    def check(self, ctx: Context) -> Iterator[Finding]:
        taken = set(ctx.config.by_name())
        for index in ctx.config.indexes:
            if index.origin is not Origin.INDEX or not index.flag("explicit") or index.has(
                    "name"):
                continue
            table = index.table
            assert table is not None  # an index of `index` is a table
            name = suggested_name(index, taken)
            if table.how == "inline":
                edit = ctx.edit(table.start + 1, table.start + 1, f' name = "{name}",')
            else:
                data = ctx.data
                eol = data.find(b"\n", table.header_end)
                at = len(data) if eol == -1 else eol + 1
                edit = ctx.edit(at, at, f'name = "{name}"\n' if eol != -1 else f'\nname = "{name}"')
            url = index.url or ""
            yield ctx.finding(
                self, index.anchor_start, index.anchor_end,
                f"an index with `explicit = true` needs a `name` so sources can refer to it "
                f"(uv: \"An index with `explicit = true` requires a `name`: {safe_url(url)}\")",
                [Fix(f"Add `name = \"{name}\"`", (edit,))])
