from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.model import UrlValue
from uv_index_guard.rules.base import Context, UrlRule, toml_string
from uv_index_guard.urls import gitlab_registry_tail, split_url


def registry_tail(url: str) -> str | None:
    """What follows `/packages/pypi` in a GitLab registry URL; None for other URLs."""
    if "/packages/pypi" not in url:
        return None  # not a GitLab registry (the common case; spares splitting the URL)
    parts = split_url(url)
    return gitlab_registry_tail(parts.path) if parts is not None else None


def misshapen(tail: str, publish: bool) -> bool:
    """Whether a registry URL ending in ``tail`` is of the wrong shape for its use."""
    return tail.startswith("/simple") if publish else tail != "/simple"


class GitlabRegistryUrl(UrlRule):
    """UIG208: a GitLab PyPI registry URL of the wrong shape for where it is used."""

    code = "UIG208"
    name = "gitlab-registry-url"
    severity = Severity.WARNING
    summary = "A GitLab registry URL has the wrong shape"

    def concerns(self, url: str) -> bool:
        return "/packages/pypi" in url


    def check_value(self, ctx: Context, value: UrlValue) -> Iterator[Finding]:
        url = value.url
        tail = registry_tail(url)
        publish = value.key == "publish-url"
        if tail is None or not misshapen(tail, publish):
            return
        scalar = value.value
        stripped = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        if publish:  # `tail` starts with `/simple`
            message = ("GitLab's upload URL is `.../packages/pypi`, without `/simple`; "
                       "`uv publish` to this URL fails")
            title, new = ("Remove `/simple` from the publish URL",
                          stripped[: len(stripped) - len(tail)])
        elif tail == "":
            message = ("this is GitLab's upload URL (`.../packages/pypi`); to install, uv needs "
                       "the simple index `.../packages/pypi/simple` (keep this one as "
                       "`publish-url`)")
            title, new = "Append `/simple`", stripped + "/simple"
        else:
            yield ctx.finding(
                self, scalar.start, scalar.end,
                f"GitLab's install URL ends in `/packages/pypi/simple`, not `...{tail}`")
            return
        yield ctx.finding(self, scalar.start, scalar.end, message,
                          [Fix(title, (ctx.replace_value(scalar, toml_string(new, scalar)),))])
