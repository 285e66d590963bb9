from __future__ import annotations

import re
from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.index_env import env_vars
from uv_index_guard.model import UrlValue
from uv_index_guard.rules.base import Context, UrlRule
from uv_index_guard.tokens import find_tokens, is_password_placeholder, kind_of, mask
from uv_index_guard.urls import UrlParts, split_url

# Where a token can start (see tokens.FINDERS): a cheap test before looking for one.
_TOKEN_LEAD = re.compile(r"gl[a-z]{1,6}-|GR1348941|_gitlab_session=|pypi-")


def secret_of(parts: UrlParts) -> tuple[int, int, str] | None:
    """Where the secret is in a URL (password, or a token as username), and its text."""
    if parts.password is not None and not is_password_placeholder(parts.password):
        return parts.password_start, parts.userinfo_end, parts.password
    if parts.password is None and parts.username and kind_of(parts.username) is not None:
        return parts.userinfo_start, parts.userinfo_end, parts.username
    return None


def secret_span(value: UrlValue, parts: UrlParts) -> tuple[int, int, str] | None:
    """Byte span and text of the secret in a URL string (password, or a token as username)."""
    url = value.url
    found = secret_of(parts)
    if found is None:
        return None
    start, end, secret = found
    scalar = value.value
    if scalar.is_single_line_plain:
        base = scalar.content_start
        return (base + len(url[:start].encode()), base + len(url[:end].encode()), secret)
    return scalar.start, scalar.end, secret


def where(value: UrlValue) -> str:
    if value.index is not None and value.index.name:
        return f"`{value.key}` of index `{value.index.name}`"
    return f"`{value.key}`"


def advice(value: UrlValue) -> str:
    index = value.index
    if value.key in ("publish-url", "check-url"):
        return ("pass it at upload time instead: `UV_PUBLISH_PASSWORD` (with "
                "`UV_PUBLISH_USERNAME`) or `uv publish --token`")
    if index is not None and index.name:
        user, password = env_vars(index.name)
        return (f"move it to `{password}` (and the username to `{user}`) or to keyring: "
                "`uv-index-guard fix --to env` or `--to keyring` does it")
    return ("declare the index with `[[tool.uv.index]]` and a `name`, then keep the secret in "
            "`UV_INDEX_<NAME>_PASSWORD` or keyring")


class CredentialsInUrl(UrlRule):
    """UIG301: a password or token written into an index or upload URL."""

    code = "UIG301"
    name = "credentials-in-url"
    severity = Severity.ERROR
    summary = "A password or token is embedded in a URL"

    def concerns(self, url: str) -> bool:
        # Userinfo needs an `@`; a token elsewhere (path, `?private_token=`) needs its lead.
        return "@" in url or _TOKEN_LEAD.search(url) is not None

    def check_value(self, ctx: Context, value: UrlValue) -> Iterator[Finding]:
        url = value.url
        parts = split_url(url)
        userinfo = (parts.userinfo_start, parts.userinfo_end) if (
            parts is not None and parts.has_userinfo) else (0, 0)
        span = secret_span(value, parts) if parts is not None and parts.has_userinfo else None
        if span is not None:
            start, end, secret = span
            kind = kind_of(secret)
            what = f"a {kind.description} (`{mask(secret)}`)" if kind else "a password (`****`)"
            yield ctx.finding(
                self, start, end,
                f"{where(value)} embeds {what}; it ends up in git and in every clone. "
                f"Revoke it if it was ever committed, and {advice(value)}")
        scalar = value.value
        for match in find_tokens(url):
            if userinfo[0] <= match.start < userinfo[1]:
                continue  # the userinfo's, reported above
            token = match.text(url)
            if scalar.is_single_line_plain:
                base = scalar.content_start
                start = base + len(url[: match.start].encode())
                end = base + len(url[: match.end].encode())
            else:
                start, end = scalar.start, scalar.end
            yield ctx.finding(
                self, start, end,
                f"{where(value)} carries a {match.kind.description} (`{mask(token)}`) in its "
                "path or query; it ends up in git, in every clone and in server logs. Revoke "
                f"it if it was ever committed, and {advice(value)}")
