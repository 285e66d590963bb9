from __future__ import annotations

from collections.abc import Iterable, Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.model import INDEX_KEYS, IndexDef
from uv_index_guard.rules.base import Context, Rule, did_you_mean
from uv_index_guard.syntax import Table

CREDENTIAL_KEYS = frozenset({"username", "password", "token", "user", "pass", "passwd"})
_KNOWN = frozenset(INDEX_KEYS) | CREDENTIAL_KEYS


class UnknownIndexKey(Rule):
    """UIG201: a key uv does not know in an index table; uv silently ignores it."""

    code = "UIG201"
    name = "unknown-index-key"
    severity = Severity.WARNING
    summary = "An index has a key uv ignores"

    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> Iterable[Finding]:
        table = index.table
        if table is None or table.entries.keys() <= _KNOWN:
            return ()  # the common case, without starting a generator
        return self.unknown_keys(ctx, table)

    def unknown_keys(self, ctx: Context, table: Table) -> Iterator[Finding]:
        for key, entry in table.entries.items():
            if key in INDEX_KEYS or key in CREDENTIAL_KEYS:
                continue
            guess = did_you_mean(key, INDEX_KEYS)
            fixes = []
            if guess and guess not in table.entries:
                rename = ctx.edit(entry.key_start, entry.key_end, guess)
                fixes.append(Fix(f"Rename `{key}` to `{guess}`", (rename,), safe=False))
            hint = f"; did you mean `{guess}`?" if guess else (
                "; known keys: " + ", ".join(f"`{k}`" for k in INDEX_KEYS))
            yield ctx.finding(self, entry.key_start, entry.key_end,
                              f"unknown index key `{key}`: uv silently ignores it{hint}",
                              fixes)
