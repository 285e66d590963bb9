"""`scan --verify`: ask the GitLab instance whether each GitLab token found is active.

Opt-in only: nothing here runs without ``--verify``. Each token goes to one host, the
instance (``--gitlab-url``, else ``CI_SERVER_URL``, else gitlab.com), over HTTPS (plain HTTP
only to a loopback address), to the one endpoint that authenticates its kind, with a
timeout; redirects are not followed, and proxy settings from the environment are not used
(a proxy would be another host). A token is sent once however often it was found. Nothing
that is returned or raised holds a token: a verdict is one of three words.

=========================  =========================================  ==================
kind                       request                                    active / inactive
=========================  =========================================  ==================
personal, project, group   ``GET /api/v4/personal_access_tokens/self``  200, 403 / 401
access token               with ``PRIVATE-TOKEN``
CI/CD job token            ``GET /api/v4/job`` with ``JOB-TOKEN``     200 / 401
runner authentication      ``POST /api/v4/runners/verify``, ``token``   200 / 403
token                      in the form
session cookie             ``GET /api/v4/user`` with the cookie         200 / 401
=========================  =========================================  ==================

Every other kind (deploy, feed, trigger, OAuth and other tokens), PyPI tokens and passwords
in URLs have no endpoint that says so without more than the token; they are ``unknown``,
as is any other answer, a timeout or a connection failure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from uv_index_guard import __version__

if TYPE_CHECKING:
    import httpx

ACTIVE: Final = "active"
INACTIVE: Final = "inactive"
UNKNOWN: Final = "unknown"
GITLAB_COM: Final = "https://gitlab.com"
TIMEOUT: Final = 10.0


class VerifyError(ValueError):
    """A GitLab URL that tokens must not be sent to (one line, for the user)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    send: str  # "PRIVATE-TOKEN", "JOB-TOKEN" (headers), "form" or "cookie"
    active: frozenset[int]
    inactive: frozenset[int]


#: The endpoint of each scanner rule whose tokens can be verified.
ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    "gitlab-pat": Endpoint("GET", "/api/v4/personal_access_tokens/self", "PRIVATE-TOKEN",
                           frozenset({200, 403}), frozenset({401})),
    "gitlab-cicd-job-token": Endpoint("GET", "/api/v4/job", "JOB-TOKEN", frozenset({200}),
                                      frozenset({401})),
    "gitlab-runner-token": Endpoint("POST", "/api/v4/runners/verify", "form",
                                    frozenset({200}), frozenset({403})),
    "gitlab-session-cookie": Endpoint("GET", "/api/v4/user", "cookie", frozenset({200}),
                                      frozenset({401})),
}


def instance_url(flag: str | None, environ: Mapping[str, str]) -> str:
    """The GitLab instance to ask: ``flag`` (``--gitlab-url``), else ``CI_SERVER_URL``, else
    gitlab.com; without a trailing slash. Refused: userinfo, a query, a fragment, and plain
    HTTP to anything but a loopback address (the tokens would cross the network in clear)."""
    url = flag or environ.get("CI_SERVER_URL") or GITLAB_COM
    where = "--gitlab-url" if flag else "CI_SERVER_URL" if environ.get("CI_SERVER_URL") \
        else "the default"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise VerifyError(f"{where}: not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise VerifyError(f"{where}: expected https://HOST[/PATH] of a GitLab instance")
    if parts.username is not None or parts.password is not None:
        raise VerifyError(f"{where}: a GitLab URL for --verify carries no credentials")
    if parts.query or parts.fragment:
        raise VerifyError(f"{where}: a GitLab URL for --verify has no query or fragment")
    if parts.scheme == "http" and not _loopback(host):
        raise VerifyError(f"{where}: tokens are only sent over https (plain http only to a "
                          "loopback address)")
    return url.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def verify(tokens: Mapping[str, tuple[str, str]], base: str, *, timeout: float = TIMEOUT,
           transport: httpx.BaseTransport | None = None) -> dict[str, str]:
    """The verdict for each token, by its key: ``tokens`` maps a key (the fingerprint) to
    (scanner rule, token). Only tokens of :data:`ENDPOINTS`' kinds are sent, each once."""
    verdicts = {key: UNKNOWN for key in tokens}
    wanted = {key: value for key, value in tokens.items() if value[0] in ENDPOINTS}
    if not wanted:
        return verdicts
    import httpx

    with httpx.Client(base_url=base, timeout=timeout, follow_redirects=False,
                      trust_env=False, transport=transport,
                      headers={"User-Agent": f"uv-index-guard/{__version__}"}) as client:
        for key, (rule, token) in wanted.items():
            verdicts[key] = _ask(client, ENDPOINTS[rule], token)
    return verdicts


def _ask(client: httpx.Client, endpoint: Endpoint, token: str) -> str:
    import httpx

    headers: dict[str, str] = {}
    data = None
    if endpoint.send == "form":
        data = {"token": token}
    elif endpoint.send == "cookie":
        headers["Cookie"] = token  # `_gitlab_session=...` as found
    else:
        headers[endpoint.send] = token
    try:
        # Relative to the instance's URL (a GitLab under a path prefix keeps it). Only the
        # status is read: the body, however large, is never downloaded.
        with client.stream(endpoint.method, endpoint.path.lstrip("/"), headers=headers,
                           data=data) as response:
            status = response.status_code
    except httpx.HTTPError:
        return UNKNOWN  # timeout, refused, DNS, TLS: the instance did not say
    if status in endpoint.active:
        return ACTIVE
    if status in endpoint.inactive:
        return INACTIVE
    return UNKNOWN
