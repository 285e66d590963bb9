from __future__ import annotations

import re
from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.rules.base import Context, Rule, toml_string

_BAD = re.compile(r"[^A-Za-z0-9._-]")


def is_valid_name(name: str) -> bool:
    return _BAD.search(name) is None


def sanitize(name: str) -> str:
    return _BAD.sub("-", name)


class InvalidIndexName(Rule):
    """UIG102: an index name with characters uv rejects."""

    code = "UIG102"
    name = "invalid-index-name"
    severity = Severity.ERROR
    summary = "An index name has characters uv does not allow"

    def check(self, ctx: Context) -> Iterator[Finding]:
        config = ctx.config
        for index in config.indexes:
            name = index.name
            if name is None:
                continue
            bad = _BAD.search(name)
            scalar = index.scalar("name") if bad is not None else None  # offenders only
            if bad is None or scalar is None:
                continue
            char = bad.group(0)
            if not char.isascii():
                reason = (f"index names must be ASCII, but found non-ASCII character `{char}` in "
                          f"`{name}`")
            else:
                shown = repr(char)[1:-1] if not char.isprintable() else char
                reason = ("index names may only contain letters, digits, hyphens, underscores, "
                          f"and periods, but found unsupported character `{shown}` in `{name}`")
            new = sanitize(name)
            edits = [ctx.replace_value(scalar, toml_string(new, scalar))]
            edits += [ctx.replace_value(ref.value, toml_string(new, ref.value))
                      for ref in config.sources if ref.index == name]
            fix = Fix(f"Rename the index to `{new}`", tuple(edits))
            yield ctx.finding(self, scalar.start, scalar.end, f"{reason}; rename it (e.g. `{new}`)",
                              [fix])
