"""Index URLs: userinfo with offsets, redaction, GitLab registry shapes. Pure string work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True, slots=True)
class UrlParts:
    scheme: str
    # Offsets into the URL string; userinfo_* cover "user:password@" without the "@" at end.
    userinfo_start: int
    userinfo_end: int  # == userinfo_start when there is no userinfo
    username: str
    password: str | None
    password_start: int
    host: str  # host[:port], lower-cased
    path: str

    @property
    def has_userinfo(self) -> bool:
        return self.userinfo_end > self.userinfo_start or self.username != ""

    @property
    def hostname(self) -> str:
        host = self.host
        if host.startswith("["):
            return host[1 : host.find("]")] if "]" in host else host
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def split_url(url: str) -> UrlParts | None:
    """Split ``scheme://[user[:password]@]host/path``; None when ``url`` has no scheme."""
    m = _SCHEME.match(url)
    if m is None:
        return None
    start = m.end()
    end = len(url)
    for sep in "/?#":
        i = url.find(sep, start)
        if i != -1:
            end = min(end, i)
    authority = url[start:end]
    at = authority.rfind("@")
    if at == -1:
        return UrlParts(m.group(1).lower(), start, start, "", None, start,
                        authority.lower(), url[end:])
    userinfo = authority[:at]
    colon = userinfo.find(":")
    if colon == -1:
        username, password, pw_start = userinfo, None, start + at
    else:
        username, password, pw_start = userinfo[:colon], userinfo[colon + 1 :], start + colon + 1
    return UrlParts(
        m.group(1).lower(), start, start + at, unquote(username),
        unquote(password) if password is not None else None, pw_start,
        authority[at + 1 :].lower(), url[end:],
    )


def without_userinfo(url: str) -> str:
    parts = split_url(url)
    if parts is None or not parts.has_userinfo:
        return url
    return url[: parts.userinfo_start] + url[parts.userinfo_end + 1 :]


def with_username(url: str, username: str) -> str:
    """``url`` with its userinfo replaced by ``username`` only."""
    from urllib.parse import quote

    parts = split_url(url)
    if parts is None:
        return url
    bare = without_userinfo(url)
    return bare[: parts.userinfo_start] + quote(username, safe="") + "@" + bare[
        parts.userinfo_start :]


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")


_GITLAB_API = re.compile(
    r"/api/v4/(?:projects/[^/]+|groups/[^/]+/-)/packages/pypi(?P<tail>/.*)?$"
)


def gitlab_registry_tail(path: str) -> str | None:
    """For a GitLab PyPI registry path, what follows `/packages/pypi` ("" when nothing)."""
    m = _GITLAB_API.search(path.split("?", 1)[0].split("#", 1)[0])
    if m is None:
        return None
    return (m.group("tail") or "").rstrip("/")
