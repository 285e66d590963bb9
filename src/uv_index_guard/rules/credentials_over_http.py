from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import url_values
from uv_index_guard.rules.base import Context, Rule
from uv_index_guard.urls import is_loopback, split_url


class CredentialsOverHttp(Rule):
    """UIG209: credentials would be sent over plain `http://` to a non-loopback host."""

    code = "UIG209"
    name = "credentials-over-http"
    severity = Severity.WARNING
    summary = "Credentials are sent over plain HTTP"

    def check(self, ctx: Context) -> Iterator[Finding]:
        for value in url_values(ctx.config):
            if value.url[:7].lower() != "http://":
                continue  # not plain HTTP (the common case; spares splitting the URL)
            parts = split_url(value.url)
            if parts is None or parts.scheme != "http" or is_loopback(parts.hostname):
                continue
            index = value.index
            always = index is not None and index.string("authenticate") == "always"
            if not parts.has_userinfo and not always:
                continue
            scalar = value.value
            yield ctx.finding(
                self, scalar.start, scalar.end,
                f"credentials for `{parts.host}` would travel unencrypted over `http://`; "
                "anyone on the network can read them. Use `https://`")
