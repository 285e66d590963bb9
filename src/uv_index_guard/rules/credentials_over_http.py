from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.model import UrlValue
from uv_index_guard.rules.base import Context, UrlRule
from uv_index_guard.urls import UrlParts, is_loopback, split_url


def cleartext_credentials(url: str, always: bool) -> UrlParts | None:
    """The parts of ``url`` when credentials would go over plain HTTP to a host that is not
    this machine (``always``: the index has `authenticate = "always"`); None otherwise."""
    parts = split_url(url)
    if parts is None or parts.scheme != "http" or is_loopback(parts.hostname):
        return None
    return parts if parts.has_userinfo or always else None


class CredentialsOverHttp(UrlRule):
    """UIG209: credentials would be sent over plain `http://` to a non-loopback host."""

    code = "UIG209"
    name = "credentials-over-http"
    severity = Severity.WARNING
    summary = "Credentials are sent over plain HTTP"

    def concerns(self, url: str) -> bool:
        return url[:7].lower() == "http://"  # (spares splitting most URLs)


    def check_value(self, ctx: Context, value: UrlValue) -> Iterator[Finding]:
        index = value.index
        always = index is not None and index.string("authenticate") == "always"
        parts = cleartext_credentials(value.url, always)
        if parts is None:
            return
        scalar = value.value
        yield ctx.finding(
            self, scalar.start, scalar.end,
            f"credentials for `{parts.host}` would travel unencrypted over `http://`; "
            "anyone on the network can read them. Use `https://`")
