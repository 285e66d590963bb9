from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import URL_KEYS, IndexDef
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.syntax import Scalar
from uv_index_guard.tokens import find_tokens, mask

# `password = "..."` is UIG202's (a secret in the file, whatever its shape); URLs are UIG301's.
_OTHERS = (*URL_KEYS, "password")


class TokenInIndex(Rule):
    """UIG302: a token written into an index table outside its URLs: its `name` (which uv
    also turns into the `UV_INDEX_<NAME>_*` variable names), another value, or a key."""

    code = "UIG302"
    name = "token-in-index"
    severity = Severity.ERROR
    summary = "A token is written into an index's name, keys or values"
    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> Iterator[Finding]:
        table = index.table
        if table is None:
            return
        for key, entry in table.entries.items():
            for match in find_tokens(key):
                yield self._report(ctx, entry.key_start, entry.key_end, f"the key `{key}`",
                                   match.kind.description, mask(match.text(key)))
            value = entry.value
            if key in _OTHERS or not isinstance(value, Scalar) or value.kind != "string":
                continue
            text = str(value.py)
            for match in find_tokens(text):
                where = ("the index `name` (uv also names the `UV_INDEX_<NAME>_*` variables "
                         "after it)" if key == "name" else f"`{key}`")
                yield self._report(ctx, value.start, value.end, where,
                                   match.kind.description, mask(match.text(text)))

    def _report(self, ctx: Context, start: int, end: int, where: str, kind: str,
                shown: str) -> Finding:
        return ctx.finding(
            self, start, end,
            f"{where} holds a {kind} (`{shown}`); it ends up in git and in every clone. "
            "Revoke it if it was ever committed, and keep the token in "
            "`UV_INDEX_<NAME>_PASSWORD` or keyring instead")
