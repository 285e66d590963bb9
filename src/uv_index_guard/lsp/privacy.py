"""Showing URLs and names without their secrets (for hovers, titles and logs)."""

from __future__ import annotations

from uv_index_guard.tokens import find_tokens, kind_of, mask
from uv_index_guard.urls import redact, split_url


def safe_url(url: str) -> str:
    """The URL with its password as `****`, and any token in it (user, path) masked."""
    parts = split_url(url)
    shown = redact(url)
    if parts is not None and parts.password is None and parts.username:
        user_end = parts.userinfo_end
        raw_user = url[parts.userinfo_start:user_end]
        if kind_of(parts.username) is not None or kind_of(raw_user) is not None:
            shown = url[: parts.userinfo_start] + mask(parts.username) + url[user_end:]
    for match in sorted(find_tokens(shown), key=lambda m: m.start, reverse=True):
        token = shown[match.start : match.end]
        shown = shown[: match.start] + mask(token) + shown[match.end :]
    return shown


def safe_name(text: str) -> str:
    """A user name shown as is, unless it is a token."""
    return mask(text) if kind_of(text) is not None else text
