"""A probe's outcome in words: what a 401, 403, 404 or a forward to pypi.org means for this
index, where the credentials came from and which username the token kind wants. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from uv_index_guard.credentials.probe import ProbeResult
from uv_index_guard.credentials.resolve import Resolution, Source
from uv_index_guard.credentials.service import host_port, realm
from uv_index_guard.redact import safe_name
from uv_index_guard.tokens import JOB_TOKEN_USER, kind_of, username_mismatch
from uv_index_guard.urls import gitlab_registry_tail, split_url


@dataclass(frozen=True, slots=True)
class IndexFacts:
    name: str | None
    url: str  # without userinfo
    package: str | None  # the package whose page was asked for
    env: tuple[str, str] | None  # the UV_INDEX_<NAME>_* variable names
    authenticate: str = "auto"
    timeout: float = 10.0

    @property
    def gitlab(self) -> bool:
        return is_gitlab(self.url)


def is_gitlab(url: str) -> bool:
    parts = split_url(url)
    if parts is None:
        return False
    return gitlab_registry_tail(parts.path) is not None or "gitlab" in parts.host


def hint(result: ProbeResult, resolution: Resolution, facts: IndexFacts) -> str | None:
    """One or two sentences for a failed probe (None when it succeeded plainly)."""
    if result.error_kind is not None:
        return _no_status(result, facts)
    status = result.status
    assert status is not None
    if result.forwarded_to is not None:
        return _forwarded(result, facts)
    if 200 <= status < 300:
        if result.redirects and realm(result.redirects[-1]) != realm(result.url):
            return (f"answered by `{result.final_host}` after a redirect; as uv, the probe "
                    "did not send the credentials there")
        return None
    if status == 401:
        return _unauthorized(resolution, facts)
    if status == 403:
        return _forbidden(resolution, facts)
    if status == 404:
        return _not_found(resolution, facts)
    if status in (301, 302, 303, 307, 308):
        return f"a redirect ({status}) without a usable `Location`"
    if status >= 500:
        return f"the index failed ({status}); uv retries server errors, then gives up"
    return f"unexpected status {status}"


def _no_status(result: ProbeResult, facts: IndexFacts) -> str:
    kind = result.error_kind
    where = host_port(facts.url) or facts.url
    if kind == "missing-credentials":
        return ('`authenticate = "always"` and no credentials anywhere: uv fails with '
                f"\"Missing credentials for: {facts.url}\"; {_where_to_put(facts)}")
    if kind == "refused":
        return (f"connection refused: nothing listens on `{where}`; check the URL's host and "
                "port, or start the index")
    if kind == "timeout":
        return (f"no answer from `{where}` within {facts.timeout:g} s: the host is down, "
                "filtered or slow (uv's own limit is `UV_HTTP_TIMEOUT`, 30 s by default)")
    if kind == "dns":
        return f"`{where}` does not resolve: check the host name in the URL"
    if kind == "tls":
        return (f"{result.error}; uv checks certificates too (`SSL_CERT_FILE`, "
                "`--native-tls`)")
    if kind == "redirects":
        return f"{result.error}: the index redirects in a loop"
    return f"the request failed: {result.error}"


def _where_to_put(facts: IndexFacts) -> str:
    if facts.env is not None:
        user_var, pass_var = facts.env
        return (f"set `{pass_var}` (and `{user_var}`), store them with `uv auth login` or "
                "keyring, or run `uv-index-guard fix`")
    return "add them with `uv auth login`, netrc or keyring"


def _forwarded(result: ProbeResult, facts: IndexFacts) -> str:
    what = f"`{facts.package}`" if facts.package else "the request"
    text = (f"the index forwarded {what} to pypi.org ({result.status}): "
            f"{'it is' if facts.package else 'this is'} not in this registry, and uv would "
            "install pypi.org's package of that name instead")
    if facts.gitlab:
        text += ("; GitLab forwards packages it does not have (turn off \"Package forwarding\" "
                 "for the group), so publish it to the project or check the name")
    return text


def _unauthorized(resolution: Resolution, facts: IndexFacts) -> str:
    if resolution.source is Source.NONE:
        text = "credentials missing: uv finds none for this index"
        if resolution.username:
            text += f" (only the username `{safe_name(resolution.username)}`)"
        if any(note.code == "keyring-provider-off" for note in resolution.notes):
            return (f"{text}: keyring holds the password, but uv does not ask keyring while "
                    "its keyring provider is off (set `UV_KEYRING_PROVIDER=subprocess` or "
                    '`keyring-provider = "subprocess"`)')
        return f"{text}; {_where_to_put(facts)}"
    user = resolution.username
    text = (f"credentials wrong: the index rejected those from {resolution.where}"
            + (f" (username `{safe_name(user)}`)" if user else ""))
    advice = _username_advice(resolution, facts)
    if advice:
        text += f"; {advice}"
    return text


def _username_advice(resolution: Resolution, facts: IndexFacts) -> str | None:
    secret = resolution.secret
    kind = kind_of(secret) if secret else None
    user = resolution.username
    mismatch = username_mismatch(secret, user)
    if mismatch is not None:
        return mismatch
    if kind is not None and kind.rule == "gitlab-pat":
        return ("any username works with a personal, project or group access token: check "
                "that it has not expired or been revoked")
    if facts.gitlab:
        return ("GitLab takes a personal, project or group access token (any username, e.g. "
                f"`__token__`), a deploy token (its own username) or a CI job token "
                f"(username `{JOB_TOKEN_USER}`)")
    return "check the username and password"


def _forbidden(resolution: Resolution, facts: IndexFacts) -> str:
    if resolution.source is Source.NONE:
        return f"forbidden without credentials: {_where_to_put(facts)}"
    if facts.gitlab:
        return ("the token was accepted but lacks a scope: `read_api` for a personal, project "
                "or group access token, `read_package_registry` for a deploy token")
    user = resolution.username
    return (f"forbidden: the index refuses the credentials from {resolution.where}"
            + (f" (username `{safe_name(user)}`)" if user else "")
            + ": they are wrong, or lack the permission to read this index")


def _not_found(resolution: Resolution, facts: IndexFacts) -> str:
    parts = split_url(facts.url)
    tail = gitlab_registry_tail(parts.path) if parts is not None else None
    if tail is not None and tail != "/simple":
        return ("wrong URL shape: a GitLab registry's index URL ends in "
                "`/packages/pypi/simple`")
    if facts.gitlab:
        text = ("GitLab answers 404 when the project is not visible to this token, or the "
                "project or group id in the URL is wrong")
        if resolution.source is Source.NONE:
            text += "; no credentials were sent, and GitLab hides private projects from those"
        return text
    if facts.package:
        return (f"`{facts.package}` is not on this index, or the URL is wrong; uv moves on to "
                "the next index on a 404")
    return "not found: check the index URL"
