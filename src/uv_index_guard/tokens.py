"""Secret patterns: GitLab tokens of every kind, PyPI tokens, placeholders, masking.

One module for the config rules and the secret scanner. Every pattern reports the full span
of the token, never a prefix of it. Nothing here prints or keeps a secret: callers show
:func:`mask` and :func:`fingerprint` instead.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class TokenKind:
    rule: str  # stable kebab id, e.g. "gitlab-pat"
    prefix: str
    description: str
    # Validates the part after the prefix of a legacy (non-routable) token.
    legacy: re.Pattern[str] | None


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_B64 = "[0-9A-Za-z_-]"

GITLAB_KINDS: Final[tuple[TokenKind, ...]] = (
    TokenKind("gitlab-pat", "glpat-", "GitLab personal, project or group access token",
              _p(f"{_B64}{{20}}")),
    TokenKind("gitlab-oauth-app-secret", "gloas-", "GitLab OAuth application secret",
              _p(f"{_B64}{{64}}")),
    TokenKind("gitlab-deploy-token", "gldt-", "GitLab deploy token", _p(f"{_B64}{{20}}")),
    TokenKind("gitlab-runner-token", "glrtr-", "GitLab runner authentication token",
              _p(f"{_B64}{{20}}")),
    TokenKind("gitlab-runner-token", "glrt-", "GitLab runner authentication token",
              _p(f"(?:{_B64}{{20}}|t\\d_{_B64}{{20,300}})")),
    TokenKind("gitlab-cicd-job-token", "glcbt-", "GitLab CI/CD job token",
              _p(f"[0-9A-Za-z]{{1,5}}_{_B64}{{20}}")),
    TokenKind("gitlab-pipeline-trigger-token", "glptt-", "GitLab pipeline trigger token",
              _p("[0-9a-f]{40}")),
    TokenKind("gitlab-feed-token", "glft-", "GitLab feed token",
              _p(f"(?:{_B64}{{20}}|[0-9a-f]{{64}}-\\d+)")),
    TokenKind("gitlab-incoming-mail-token", "glimt-", "GitLab incoming mail token",
              _p(f"{_B64}{{25}}")),
    TokenKind("gitlab-kubernetes-agent-token", "glagent-", "GitLab agent for Kubernetes token",
              _p(f"{_B64}{{50,}}")),
    TokenKind("gitlab-workspace-token", "glwt-", "GitLab workspace token", _p(f"{_B64}{{20,}}")),
    TokenKind("gitlab-scim-token", "glsoat-", "GitLab SCIM token", _p(f"{_B64}{{20}}")),
    TokenKind("gitlab-feature-flag-client-token", "glffct-",
              "GitLab feature flags client token", _p(f"{_B64}{{20}}")),
    TokenKind("gitlab-runner-registration-token", "GR1348941",
              "GitLab runner registration token (deprecated)", _p(f"{_B64}{{20}}")),
    TokenKind("gitlab-session-cookie", "_gitlab_session=", "GitLab session cookie",
              _p("[0-9a-z]{32}")),
)
PYPI_KIND: Final = TokenKind("pypi-token", "pypi-", "PyPI API token",
                             _p(f"AgE[A-Za-z0-9]{{3,4}}{_B64}{{50,}}"))
ALL_KINDS: Final = (*GITLAB_KINDS, PYPI_KIND)
_BY_PREFIX: Final = {k.prefix.lower(): k for k in ALL_KINDS}

# One scan for every prefix; the body is validated per kind afterwards. An instance-wide
# prefix (`acme-glpat-...`) is part of the match but not of the kind's prefix.
_PREFIXES = sorted((re.escape(k.prefix) for k in ALL_KINDS), key=len, reverse=True)
TOKEN_RE: Final = re.compile(
    r"(?<![0-9A-Za-z_-])(?:[0-9A-Za-z]{1,20}-)?(" + "|".join(_PREFIXES) + r")"
    r"([0-9A-Za-z_.=-]{8,520})",
)
# The routable layout: base64url payload, optional version, 2-char length, 7-char CRC32.
_ROUTABLE = re.compile(r"([0-9A-Za-z_-]{27,300})\.(?:(\d\d)\.)?([0-9a-z]{2})([0-9a-z]{7})")
# Words that make a token-shaped string a documentation placeholder.
_PLACEHOLDER_WORDS = ("xxxx", "your", "token", "example", "placeholder", "redacted", "changeme",
                      "dummy", "secret", "sample", "here", "fake", "insert")


@dataclass(frozen=True, slots=True)
class TokenMatch:
    start: int
    end: int
    kind: TokenKind
    routable: bool
    # For routable tokens: whether the length field and CRC32 check out. None: not routable.
    checksum_ok: bool | None

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def find_tokens(text: str) -> Iterator[TokenMatch]:
    """Every token in ``text`` that is not a placeholder, with its full span."""
    for m in TOKEN_RE.finditer(text):
        found = classify(m.group(0), m.group(1), m.group(2))
        if found is None:
            continue
        kind, length, routable, ok = found
        start = m.start()
        yield TokenMatch(start, start + length, kind, routable, ok)


def classify(whole: str, prefix: str, body: str) -> tuple[TokenKind, int, bool, bool | None] | None:
    """Validate one candidate; returns (kind, length of the match, routable, checksum ok)."""
    kind = _BY_PREFIX.get(prefix.lower())
    if kind is None or (prefix != kind.prefix and kind.prefix != "GR1348941"):
        return None
    head = len(whole) - len(body)
    body = body.rstrip(".=")
    if kind.prefix.startswith("gl"):
        routable = _ROUTABLE.match(body)
        if routable is not None and routable.end() == len(body):
            if is_placeholder(routable.group(1)):
                return None
            return kind, head + len(body), True, routable_checksum_ok(whole[: head + len(body)])
    body = body.split(".", 1)[0].split("=", 1)[0]
    if kind.legacy is None:
        return None
    m = kind.legacy.match(body)
    if m is None:
        return None
    # A legacy token is exactly its length unless the kind has an open-ended length; a longer
    # run of token characters is still reported whole so no suffix is left behind.
    if is_placeholder(body):
        return None
    return kind, head + len(body), False, None


def routable_checksum_ok(token: str) -> bool:
    """Check a routable token's base64 length field and CRC32 (GitLab 18.3+ layout)."""
    m = re.search(r"([0-9A-Za-z_-]+)\.(?:(\d\d)\.)?([0-9a-z]{2})([0-9a-z]{7})$", token)
    if m is None:
        return False
    payload, _version, length, crc = m.groups()
    # The payload starts after the kind prefix ("glpat-") inside the match.
    for kind in GITLAB_KINDS:
        idx = token.find(kind.prefix)
        if idx != -1:
            start = idx + len(kind.prefix)
            payload = token[start : m.start(3) - 1].split(".", 1)[0]
            break
    try:
        if int(length, 36) != len(payload):
            return False
        return int(crc, 36) == zlib.crc32(token[: m.start(4)].encode("ascii", "replace"))
    except ValueError:
        return False


def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _sequential(text: str) -> bool:
    steps = sum(1 for a, b in itertools.pairwise(text) if ord(b) - ord(a) in (0, 1))
    return steps >= (len(text) - 1) * 0.6


def is_placeholder(secret: str) -> bool:
    """True for fillers and documentation values that no tool should report as a secret."""
    s = secret.strip()
    if not s or set(s) <= set("*xX.-_#0•"):
        return True
    if s.startswith(("$", "%", "<", "{", "[")) or "${" in s or "{{" in s:
        return True
    low = s.lower()
    if any(word in low for word in _PLACEHOLDER_WORDS):
        return True
    return len(s) >= 8 and (shannon_entropy(s) < 3.0 or _sequential(s))


_GENERIC_PLACEHOLDERS: Final = frozenset(
    {"password", "passwd", "pass", "pwd", "token", "secret", "changeme", "none", "null",
     "redacted", "hidden", "masked", "example", "test", "dummy", "placeholder", "xxx"}
)


def is_password_placeholder(password: str) -> bool:
    """Placeholders for a URL password: env references, template fields, fillers, words."""
    s = password.strip()
    if not s:
        return True
    if s.startswith(("$", "%", "<", "{", "[")) or "${" in s or "{{" in s or "$(" in s:
        return True
    if set(s) <= set("*xX.-_#•"):
        return True
    if s.lower() in _GENERIC_PLACEHOLDERS:
        return True
    found = list(find_tokens(s))
    if not found and any(s.startswith(k.prefix) for k in ALL_KINDS):
        return is_placeholder(s)
    return False


def kind_of(secret: str) -> TokenKind | None:
    """The token kind of a whole secret, or None for a plain password."""
    for match in find_tokens(secret):
        if match.start == 0 or secret[: match.start].isalnum():
            return match.kind
    return None


def mask(secret: str) -> str:
    """Show a secret safely: `glpat-…x4Tb` for a known token kind, `****` otherwise."""
    kind = kind_of(secret)
    if kind is not None and len(secret) >= len(kind.prefix) + 16:
        start = secret.find(kind.prefix) + len(kind.prefix)
        return f"{secret[:start]}…{secret[-4:]}"
    return "****"


def fingerprint(secret: str) -> str:
    """A stable, non-reversible identifier for a secret (for baselines and reports)."""
    data = b"uv-index-guard:" + secret.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]
