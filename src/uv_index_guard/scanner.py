"""The secret scanner's core: bytes in, secrets (spans, rule, mask, fingerprint) out.

Pure: no I/O. Callers feed whole texts (:func:`scan_text`) or windows of a stream
(:func:`find_secrets` with ``pos``/``endpos``/``stop``). Nothing returned holds a secret:
only its masked form and a fingerprint (a hash).

Speed comes from the finders in :mod:`uv_index_guard.tokens` and :data:`_URL` all starting
with a literal, so `re` skips through text without candidates at memory speed; all
per-candidate work (placeholder checks, CRC, allow markers) happens in Python only for hits.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from urllib.parse import unquote

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.kinds import CONFIG_NAMES
from uv_index_guard.prefilter import anchored, lead_starts
from uv_index_guard.text import LineIndex, Range
from uv_index_guard.tokens import (
    ALL_KINDS,
    PYPI_KIND,
    TokenMatch,
    custom_finder,
    find_token_spans,
    fingerprint,
    is_password_placeholder,
    kind_of,
    mask,
)


@dataclass(frozen=True, slots=True)
class SecretRule:
    id: str  # kebab rule id, as in reports and baselines
    name: str
    help_uri: str
    solution: str  # what to do about a finding, for reports (SARIF help, GitLab solution)
    score: str  # CVSS-like 0.0-10.0, as GitHub's `security-severity` reads it
    gitlab_severity: str  # GitLab report severity of a confirmed finding


_MOVE_OUT = ("keep it out of the repository: in `UV_INDEX_<NAME>_PASSWORD`, in keyring "
             "(`uv-index-guard fix --to keyring`) or in a git-ignored `.env` "
             "(`uv-index-guard fix --to env`)")
GITLAB_HELP: Final = "https://docs.gitlab.com/security/tokens/"
URL_RULE: Final = SecretRule(
    "url-credentials", "Password embedded in a URL",
    "https://docs.astral.sh/uv/concepts/authentication/http/",
    "Change the password: deleting the line leaves it in git history. Remove it from the URL "
    "and " + _MOVE_OUT + "; uv also reads netrc.", "8.0", "High")
PYPI_HELP: Final = "https://packaging.python.org/en/latest/specifications/pypirc/"
_GITLAB_SOLUTION = ("Revoke the token in GitLab now (deleting the line leaves it in git "
                    "history), create a new one, and " + _MOVE_OUT + ".")
_PYPI_SOLUTION = ("Revoke the token on PyPI (Account settings, API tokens), create a new one, "
                  "and " + _MOVE_OUT + ".")
# How bad a leak of each kind is (GitHub's `security-severity`, GitLab's severity): what the
# token can do and for how long. Whatever reaches the API, a cluster, user provisioning or a
# release is Critical; what runs or receives pipelines, or reads repositories, High; a job
# token (dies with its job), read-only feeds and mail Medium; feature flags Low.
_IMPACT: Final = {
    "gitlab-pat": ("9.0", "Critical"),
    "gitlab-oauth-app-secret": ("9.0", "Critical"),
    "gitlab-kubernetes-agent-token": ("9.0", "Critical"),
    "gitlab-scim-token": ("9.0", "Critical"),
    "gitlab-session-cookie": ("9.0", "Critical"),
    "pypi-token": ("9.0", "Critical"),
    "gitlab-deploy-token": ("8.0", "High"),
    "gitlab-runner-token": ("8.0", "High"),
    "gitlab-pipeline-trigger-token": ("7.5", "High"),
    "gitlab-workspace-token": ("7.5", "High"),
    "gitlab-runner-registration-token": ("7.5", "High"),
    "gitlab-cicd-job-token": ("6.5", "Medium"),
    "gitlab-feed-token": ("5.0", "Medium"),
    "gitlab-incoming-mail-token": ("5.0", "Medium"),
    "gitlab-feature-flag-client-token": ("3.5", "Low"),
}
# Every rule the scanner reports, in a stable order (for SARIF's rule table and the docs).
RULES: Final[tuple[SecretRule, ...]] = (
    *{k.rule: SecretRule(k.rule, k.description, PYPI_HELP if k is PYPI_KIND else GITLAB_HELP,
                         _PYPI_SOLUTION if k is PYPI_KIND else _GITLAB_SOLUTION,
                         *_IMPACT[k.rule])
      for k in ALL_KINDS}.values(),
    URL_RULE,
)


@dataclass(frozen=True, slots=True)
class Secret:
    start: int  # byte offsets into the scanned data
    end: int
    rule: str
    description: str  # e.g. "GitLab personal access token"
    message: str  # safe to print: names the kind and shows the masked secret
    fingerprint: str
    severity: Severity


# `scheme://user:password@host`: the literal `://` lets `re` skip ahead fast. The password
# runs to the last `@` before the host (like urls.split_url); quotes and spaces end it.
_URL: Final = re.compile(
    rb"://([^\s:/?#@\"'<>`\\]{0,128}):([^\s/?#\"'<>`\\]{1,256})@"
    rb"([0-9A-Za-z\[][^\s/?#@\"'<>`\\]{0,255})")
_SCHEME_CHARS: Final = frozenset(string.ascii_letters.encode() + string.digits.encode() + b"+.-")
_ALLOW: Final = re.compile(rb"uv-index-guard:\s*allow|gitleaks:allow|pragma: allowlist secret")
_ALLOW_NEXT: Final = b"pragma: allowlist nextline secret"


@dataclass(frozen=True, slots=True)
class Detect:
    """What a project's `[tool.uv-index-guard]` adds to detection: its instance's own token
    prefixes (`gitlab-token-prefixes`) and regexes of secrets that are not secrets (`allow`,
    gitleaks' allowlist `regexes`: a secret whose text one of them matches is dropped)."""

    prefixes: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


NO_DETECT: Final = Detect()


@lru_cache(maxsize=16)
def _allowed_by(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def find_secrets(data: bytes, pos: int = 0, endpos: int | None = None,
                 stop: int | None = None, detect: Detect = NO_DETECT) -> list[Secret]:
    """Secrets starting in ``data[pos:stop]`` (searching up to ``endpos``), in order.

    Bytes before ``pos`` serve as context (a token must not continue a word; an allow marker
    may sit on the previous line), bytes between ``stop`` and ``endpos`` let a secret that
    starts before ``stop`` be matched whole. ``detect``: what the project's settings add
    (its own token prefixes, regexes of secrets not to report).
    """
    if endpos is None:
        endpos = len(data)
    if stop is None:
        stop = endpos
    found: list[Secret] = []
    starts = lead_starts(data, pos, endpos)
    taken: list[tuple[int, int]] = []
    for token in find_token_spans(data, pos, endpos, starts, custom_finder(detect.prefixes)):
        # An instance prefix may start before `pos`: that token is the previous window's.
        if not pos <= token.start < stop:
            continue
        if token.head is not None and any(a < token.end and token.start < b for a, b in taken):
            continue  # under a custom prefix and a built-in one (`acme-glpat-...`): once
        found.append(_token_secret(data, token))
        taken.append((token.start, token.end))
    urls = (_URL.finditer(data, pos, endpos) if starts is None
            else anchored(_URL, data, starts[4], endpos))
    for m in urls:
        secret = _url_secret(data, m)
        if secret is None or secret.start >= stop:
            continue
        if any(a < secret.end and secret.start < b for a, b in taken):
            continue  # a token as the password: the token finding says more
        found.append(secret)
    found = [s for s in found if not _allowed(data, s.start, s.end)]
    allowed = _allowed_by(detect.allow)
    if allowed is not None:
        found = [s for s in found if allowed.search(
            data[s.start : s.end].decode("utf-8", "replace")) is None]
    found.sort(key=lambda s: s.start)
    return found


def _token_secret(data: bytes, token: TokenMatch) -> Secret:
    text = data[token.start : token.end].decode("ascii")
    kind = token.kind
    detail = ""
    severity = Severity.ERROR
    if token.routable:
        if token.checksum_ok:
            detail = (" (routable; its CRC32 checksum and routing payload verify: a "
                      "GitLab-issued token)")
        else:
            detail = (" (routable shape, but its CRC32 checksum or routing payload does not "
                      "verify: altered, truncated or not GitLab-issued)")
            severity = Severity.WARNING
    return Secret(token.start, token.end, kind.rule, kind.description,
                  f"{kind.description} `{mask(text, token.head)}`{detail}",
                  fingerprint(text), severity)


def _url_secret(data: bytes, m: re.Match[bytes]) -> Secret | None:
    if m.end(2) - m.start(2) < 4:
        return None  # an example's password (`u:p@`); decoding only shortens it
    start = m.start()
    scheme_start = start
    while scheme_start > 0 and data[scheme_start - 1] in _SCHEME_CHARS:
        scheme_start -= 1
    while scheme_start < start and not data[scheme_start : scheme_start + 1].isalpha():
        scheme_start += 1  # a scheme starts with a letter (`${URL:-https://...}`)
    scheme = data[scheme_start:start]
    if not scheme or not scheme[:1].isalpha():
        return None
    password = unquote(m.group(2).decode("utf-8", "replace"))
    host = _host_of(m.group(3).decode("utf-8", "replace"))
    if is_example_credential(password, host) or is_password_placeholder(password):
        return None
    user = unquote(m.group(1).decode("utf-8", "replace"))
    if not user.isprintable() or kind_of(user) is not None:
        user = "****"
    shown = f"{scheme.decode('ascii', 'replace')}://{user}:****@{host}"
    return Secret(m.start(2), m.end(2), URL_RULE.id, URL_RULE.name,
                  f"Password embedded in a URL (`{shown}`)",
                  fingerprint(password), Severity.ERROR)


def _host_of(matched: str) -> str:
    """The host part of what the URL pattern took after the `@`: without the closers of a
    template or a call it sits in (`${X:-https://u:p@host}`, `f(https://u:p@host)`)."""
    host = matched.rstrip("}),;")
    if not host.startswith("["):
        host = host.rstrip("]")
    return host


# Hosts reserved for documentation (RFC 2606, RFC 6761): no credential for them works.
_DOC_HOST: Final = re.compile(
    r"(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid)(?::\d+)?\.?$", re.IGNORECASE)
_WORDS: Final = re.compile(r"[^A-Za-z0-9]+")


def is_example_credential(password: str, host: str) -> bool:
    """Free text is full of examples: `u:p@`, `user:pass#pass@`, passwords for example.com.

    Only the scanner uses this (the config rule reports any password in an index URL).
    """
    if len(password) < 4 or _DOC_HOST.search(host.split("@")[-1]):
        return True
    words = [w for w in _WORDS.split(password) if w]
    return bool(words) and all(is_password_placeholder(w) for w in words)


def _allowed(data: bytes, start: int, end: int) -> bool:
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    if line_end == -1:
        line_end = len(data)
    if _ALLOW.search(data, line_start, line_end):
        return True
    if line_start == 0:
        return False
    previous = data.rfind(b"\n", 0, line_start - 1) + 1
    return data.find(_ALLOW_NEXT, previous, line_start) != -1


def scan_text(text: str, path: str = "<text>", detect: Detect = NO_DETECT) -> list[Finding]:
    """Secret findings for one text (code-point positions, 0-based, like every Finding)."""
    data = text.encode("utf-8", "surrogateescape")
    index = LineIndex(data)
    return [to_finding(s, path, index.range(s.start, s.end))
            for s in find_secrets(data, detect=detect)]


#: What a secret found in uv's own configuration adds to its message: the command that moves
#: it out.
CONFIG_HINT: Final = "; move it out of the file with `uv-index-guard fix --to env|keyring`"


def to_finding(secret: Secret, path: str, where: Range, commit: str | None = None) -> Finding:
    message = secret.message
    if path.replace("\\", "/").rsplit("/", 1)[-1] in CONFIG_NAMES:
        message += CONFIG_HINT
    return Finding(path, where, secret.severity, secret.rule, message,
                   fingerprint=secret.fingerprint, commit=commit)
