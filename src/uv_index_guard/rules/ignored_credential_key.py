from __future__ import annotations

from collections.abc import Iterable, Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.index_env import env_vars
from uv_index_guard.model import IndexDef
from uv_index_guard.rules.base import Context, Rule, toml_string
from uv_index_guard.rules.unknown_index_key import CREDENTIAL_KEYS
from uv_index_guard.syntax import Scalar, Table
from uv_index_guard.tokens import kind_of
from uv_index_guard.urls import split_url, with_username

USERNAME_KEYS = frozenset({"username", "user"})


class IgnoredCredentialKey(Rule):
    """UIG202: `username` / `password` keys in an index: uv ignores them."""

    code = "UIG202"
    name = "ignored-credential-key"
    severity = Severity.WARNING
    summary = "uv ignores `username` and `password` keys in an index"

    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> Iterable[Finding]:
        table = index.table
        if table is None or CREDENTIAL_KEYS.isdisjoint(table.entries):
            return ()  # the common case, without starting a generator
        return self.credential_keys(ctx, index, table)

    def credential_keys(self, ctx: Context, index: IndexDef, table: Table) -> Iterator[Finding]:
        for key, entry in table.entries.items():
            if key not in CREDENTIAL_KEYS:
                continue
            user_var, pass_var = env_vars(index.name or "<NAME>")
            fixes = []
            if key in USERNAME_KEYS:
                message = (f"uv ignores `{key}` in an index, so this username is never sent "
                           "and keyring is never asked. Put it in the URL "
                           f"(`https://USER@host/...`) or set `{user_var}`")
                value, url = entry.value, index.scalar("url")
                parts = split_url(index.url or "")
                if (isinstance(value, Scalar) and value.kind == "string" and url is not None
                        and parts is not None and parts.password is None and value.py
                        and kind_of(value.py) is None):
                    new_url = with_username(index.url or "", value.py)
                    fixes.append(Fix(
                        f"Put the username `{value.py}` into the URL and remove `{key}`",
                        (ctx.replace_value(url, toml_string(new_url, url)),
                         ctx.delete_entry(entry, table))))
            else:
                message = (f"uv ignores `{key}` in an index, and a secret in this file ends "
                           f"up in git. Set `{pass_var}` or store it in keyring (which also "
                           "needs the username in the URL or "
                           f"`{user_var}`), then remove this key")
            yield ctx.finding(self, entry.key_start, entry.key_end, message, fixes)
