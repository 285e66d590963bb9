"""One request to an index, as uv makes it: the simple page of a package (or the index root),
credentials on the first request or only after a 401/403/404 as uv decides, and redirects
followed by hand so that credentials never reach another scheme, host or port.

The secret is sent in an ``Authorization`` header and is never part of a URL, a message or
the result.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from uv_index_guard import __version__
from uv_index_guard.credentials.resolve import Resolution, Source
from uv_index_guard.credentials.service import host_port, realm
from uv_index_guard.redact import scrub
from uv_index_guard.urls import without_userinfo

if TYPE_CHECKING:  # httpx is imported when a probe runs (the language server starts faster)
    import httpx

# What uv asks a simple index for (crates/uv-client ``registry_client.rs``).
SIMPLE_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;"
                 "q=0.2, text/html;q=0.01")
FLAT_ACCEPT = "text/html"
PYPI_HOSTS = frozenset({"pypi.org", "files.pythonhosted.org", "pypi.python.org"})
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({401, 403, 404})


def normalize_package(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def probe_url(index_url: str, package: str | None, flat: bool = False) -> str:
    """The URL uv requests: ``<index>/<package>/`` for a simple index, the URL itself for a
    flat one or when no package is known."""
    bare = without_userinfo(index_url)
    if flat or package is None:
        return bare
    return bare.rstrip("/") + "/" + normalize_package(package) + "/"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    url: str  # the URL requested first, without userinfo
    status: int | None
    elapsed_ms: int
    # None, or why there is no status: "missing-credentials", "refused", "timeout", "dns",
    # "tls", "redirects" or "error"; ``error`` says it in words (no secret).
    error_kind: str | None = None
    error: str | None = None
    sent_credentials: bool = False  # on the request that gave ``status``
    anonymous_first: bool = False  # uv's anonymous first try was answered 401/403/404
    redirects: tuple[str, ...] = ()  # the URLs redirected to, in order
    # A redirect to pypi.org, which the probe reports instead of following.
    forwarded_to: str | None = None

    @property
    def ok(self) -> bool:
        return (self.status is not None and 200 <= self.status < 300
                and self.forwarded_to is None)

    @property
    def final_host(self) -> str | None:
        return host_port(self.redirects[-1]) if self.redirects else None


def authorization(resolution: Resolution) -> str | None:
    """The ``Authorization`` header uv would send (Basic with an empty password when only a
    username is known)."""
    if resolution.bearer is not None:
        return f"Bearer {resolution.bearer}"
    if resolution.password is None and (resolution.source is not Source.NONE
                                        or resolution.username is None):
        return None
    pair = f"{resolution.username or ''}:{resolution.password or ''}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def probe(url: str, resolution: Resolution, *, timeout: float = 10.0, flat: bool = False,
          transport: httpx.BaseTransport | None = None) -> ProbeResult:
    """Request ``url`` (no userinfo) with the credentials of ``resolution`` as uv would."""
    import httpx

    started = time.perf_counter()

    def elapsed() -> int:
        return round((time.perf_counter() - started) * 1000)

    if resolution.missing:
        return ProbeResult(url, None, 0, "missing-credentials",
                           f"Missing credentials for {url}")
    auth = authorization(resolution)
    secrets = [s for s in (resolution.password, resolution.bearer, auth) if s]
    headers = {"Accept": FLAT_ACCEPT if flat else SIMPLE_ACCEPT,
               "User-Agent": f"uv-index-guard/{__version__} (doctor)"}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport,
                          headers=headers) as client:
            first_auth = auth if resolution.eager else None
            status, sent, hops, forwarded = _fetch(client, url, first_auth)
            retried = False
            if (first_auth is None and auth is not None and status in _RETRY_STATUSES
                    and resolution.source is not Source.NONE):
                retried = True
                status, sent, hops, forwarded = _fetch(client, url, auth)
    except _TooManyRedirects as exc:
        return ProbeResult(url, None, elapsed(), "redirects",
                           f"more than {MAX_REDIRECTS} redirects", redirects=exc.hops)
    except httpx.TimeoutException:
        return ProbeResult(url, None, elapsed(), "timeout",
                           f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        kind, message = _classify(exc)
        return ProbeResult(url, None, elapsed(), kind, scrub(message, secrets))
    return ProbeResult(url, status, elapsed(), sent_credentials=sent, anonymous_first=retried,
                       redirects=hops, forwarded_to=forwarded)


class _TooManyRedirects(Exception):
    def __init__(self, hops: tuple[str, ...]) -> None:
        super().__init__("too many redirects")
        self.hops = hops


def _fetch(client: httpx.Client, url: str, auth: str | None,
           ) -> tuple[int, bool, tuple[str, ...], str | None]:
    """GET ``url``, following redirects; credentials only within the first URL's realm.
    Returns (status, credentials sent on the last request, redirect URLs, pypi.org URL a
    redirect pointed to)."""
    origin = realm(url)
    current = url
    hops: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        send = auth is not None and realm(current) == origin
        extra = {"Authorization": auth} if send and auth is not None else {}
        response = client.get(current, headers=extra)
        location = response.headers.get("location")
        if response.status_code not in _REDIRECTS or not location:
            return response.status_code, send, tuple(hops), None
        target = without_userinfo(urljoin(current, location))
        target_realm = realm(target)
        if target_realm is not None and target_realm[1] in PYPI_HOSTS and target_realm != origin:
            return response.status_code, send, tuple(hops), target
        hops.append(target)
        current = target
    raise _TooManyRedirects(tuple(hops))


def _classify(exc: httpx.HTTPError) -> tuple[str, str]:
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if "refused" in low or "errno 111" in low or "errno 61" in low:
        return "refused", "connection refused"
    if ("name or service not known" in low or "nodename nor servname" in low
            or "getaddrinfo" in low or "name resolution" in low):
        return "dns", "the host name does not resolve"
    if "ssl" in low or "certificate" in low or "tls" in low:
        return "tls", f"TLS failed: {text}"
    return "error", f"{type(exc).__name__}: {text}"
