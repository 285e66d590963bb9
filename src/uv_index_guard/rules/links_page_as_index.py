from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.model import IndexDef, Origin
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.urls import split_url

_PAGE_SUFFIXES = (".html", ".htm")


def is_links_page(url: str) -> bool:
    """Whether ``url`` names an HTML page (a find-links page) rather than an index root."""
    parts = split_url(url)
    path = parts.path if parts is not None else url.split("?", 1)[0].split("#", 1)[0]
    return path.lower().endswith(_PAGE_SUFFIXES)


class LinksPageAsIndex(Rule):
    """UIG214: an index URL that is an HTML page of links, without `format = "flat"`."""

    code = "UIG214"
    name = "links-page-as-index"
    severity = Severity.WARNING
    summary = "A page of links is declared as a simple index"
    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> Iterator[Finding]:
        url = index.url
        if index.origin is not Origin.INDEX or url is None or not is_links_page(url):
            return
        if index.string("format") == "flat" or index.has("format"):
            return  # `flat`, or a value UIG106 reports
        scalar = index.scalar("url")
        table = index.table
        assert scalar is not None and table is not None
        fixes = []
        if table.how != "inline":
            data = ctx.data
            eol = data.find(b"\n", scalar.end)
            at = len(data) if eol == -1 else eol + 1
            fixes.append(Fix('Add `format = "flat"`', (ctx.edit(
                at, at, 'format = "flat"\n' if eol != -1 else '\nformat = "flat"'),)))
        yield ctx.finding(
            self, scalar.start, scalar.end,
            "this URL is an HTML page of links (a find-links page), but without "
            '`format = "flat"` uv reads it as a simple index and asks for '
            "`<url>/<package>/`, which finds nothing; add `format = \"flat\"`", fixes)
