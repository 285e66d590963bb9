from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.kinds import Kind
from uv_index_guard.model import Config, IndexDef
from uv_index_guard.rules.base import Context, Rule


def duplicates(config: Config) -> Iterator[tuple[IndexDef, IndexDef]]:
    """(first, later) pairs of indexes with the same name (case-sensitive, as uv compares)."""
    for defs in config.by_name().values():
        for later in defs[1:]:
            yield defs[0], later


class DuplicateIndexName(Rule):
    """UIG103: two indexes in pyproject.toml share a name; uv fails."""

    code = "UIG103"
    name = "duplicate-index-name"
    severity = Severity.ERROR
    summary = "Two indexes have the same name"
    kind = Kind.PYPROJECT
    consequence = "uv fails with \"duplicate index name\""

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.config.kind is not self.kind:
            return
        for first, later in duplicates(ctx.config):
            scalar = later.scalar("name")
            if scalar is None:
                continue
            line = ctx.range(first.anchor_start, first.anchor_start).start.line + 1
            yield ctx.finding(
                self, scalar.start, scalar.end,
                f"index name `{later.name}` is already used by the index on line {line}; "
                f"{self.consequence}. Give each index its own name")


class DuplicateIndexNameUvToml(DuplicateIndexName):
    """UIG206: two indexes in uv.toml share a name; uv does not check, the later is shadowed."""

    code = "UIG206"
    name = "duplicate-index-name-uv-toml"
    severity = Severity.WARNING
    summary = "Two indexes in uv.toml have the same name"
    kind = Kind.UV_TOML
    consequence = ("uv does not check this in uv.toml, so sources and credentials silently go to "
                   "the first one")
