from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.model import IndexDef, UrlValue, index_url_values, top_url_values
from uv_index_guard.rules.base import Context, Rule, toml_string
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


class GitlabRegistryUrl(Rule):
    """UIG208: a GitLab PyPI registry URL of the wrong shape for where it is used."""

    code = "UIG208"
    name = "gitlab-registry-url"
    severity = Severity.WARNING
    summary = "A GitLab registry URL has the wrong shape"

    per_index = True

    def check_index(self, ctx: Context, index: IndexDef) -> list[Finding]:
        # The test that `check_value` begins with, first: most URLs pass no further.
        return [finding for value in index_url_values(index) if "/packages/pypi" in value.url
                for finding in self.check_value(ctx, value)]

    def check_after(self, ctx: Context) -> Iterator[Finding]:
        for value in top_url_values(ctx.config):
            yield from self.check_value(ctx, value)

    def check_value(self, ctx: Context, value: UrlValue) -> Iterator[Finding]:
        url = value.url
        tail = registry_tail(url)
        if tail is None or not misshapen(tail, value.key == "publish-url"):
            return
        stripped = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        scalar = value.value
        if value.key == "publish-url":  # `tail` starts with `/simple`
            new = stripped[: len(stripped) - len(tail)]
            yield ctx.finding(
                self, scalar.start, scalar.end,
                "GitLab's upload URL is `.../packages/pypi`, without `/simple`; "
                "`uv publish` to this URL fails",
                [Fix("Remove `/simple` from the publish URL",
                     (ctx.replace_value(scalar, toml_string(new, scalar)),))])
        elif tail == "":
            new = stripped + "/simple"
            yield ctx.finding(
                self, scalar.start, scalar.end,
                "this is GitLab's upload URL (`.../packages/pypi`); to install, uv needs the "
                "simple index `.../packages/pypi/simple` (keep this one as `publish-url`)",
                [Fix("Append `/simple`",
                     (ctx.replace_value(scalar, toml_string(new, scalar)),))])
        else:
            yield ctx.finding(
                self, scalar.start, scalar.end,
                f"GitLab's install URL ends in `/packages/pypi/simple`, not `...{tail}`")
