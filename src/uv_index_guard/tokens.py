"""Secret patterns: GitLab tokens of every kind, PyPI tokens, placeholders, masking.

One module for the config rules and the secret scanner. Every pattern reports the full span
of the token, never a prefix of it. Nothing here prints or keeps a secret: callers show
:func:`mask` and :func:`fingerprint` instead.
"""

from __future__ import annotations

import itertools
import math
import re
import string
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from uv_index_guard.prefilter import anchored


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

# Finders over bytes, one per literal lead so that `re` can skip ahead with its fast literal
# search (a single alternation of every prefix is several times slower). Each captures the
# kind's prefix and the run of token characters after it; the body is validated per kind.
# The body's run is taken whole and never given back (a possessive quantifier, Python 3.11+):
# on a dense text (`glpat-` repeated for megabytes) a failed match costs one pass over the
# run instead of a retry at each shorter length.
_POSSESSIVE = b"+" if sys.version_info >= (3, 11) else b""
_BODY = rb"([0-9A-Za-z_.=-]{8,520}" + _POSSESSIVE + rb")(?![0-9A-Za-z_.=-])"
_GL_PREFIXES = sorted((k.prefix[2:-1] for k in GITLAB_KINDS if k.prefix.startswith("gl")),
                      key=len, reverse=True)
FINDERS: Final[tuple[re.Pattern[bytes], ...]] = (
    re.compile(rb"(gl(?:" + "|".join(_GL_PREFIXES).encode() + rb")-)" + _BODY),
    re.compile(rb"(GR1348941)" + _BODY),
    re.compile(rb"(_gitlab_session=)" + _BODY),
    re.compile(rb"(pypi-)" + _BODY),
)
# Literal leads of the finders: a text without any of them holds no token.
KEYWORDS: Final = (b"gl", b"GR1348941", b"_gitlab_session=", b"pypi-")
_TEXT_LEAD: Final = re.compile("|".join(re.escape(k.decode("ascii")) for k in KEYWORDS))
_ALNUM: Final = frozenset((string.ascii_letters + string.digits).encode())
_TOKEN_CHARS: Final = _ALNUM | frozenset(b"_-")
_INSTANCE_CHARS: Final = _ALNUM | frozenset(b"-")
_INSTANCE_MAX: Final = 64
# The routable layout: base64url payload, optional version, 2-char length, 7-char CRC32.
_ROUTABLE = re.compile(r"([0-9A-Za-z_-]{27,300})\.(?:([0-9a-z]{2})\.)?([0-9a-z]{2})([0-9a-z]{7})")
# Words that make a short token-shaped string a documentation placeholder.
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
    # Under an instance's own prefix (`gitlab-token-prefixes`): that prefix's length, which
    # the mask shows as it shows `glpat-`. None: a built-in prefix.
    head: int | None = None

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def _token_start(data: bytes, lead: int, floor: int, instance: bool) -> int:
    """Where a token whose kind prefix starts at ``lead`` begins; -1 inside a longer word.

    An instance-wide prefix belongs to the token: GitLab writes it before the kind's prefix
    with a dash (`acme-glpat-...`, `instance-prefix-glptt-...`), so it is a run of
    alphanumerics and dashes of up to 64 bytes. A kind's prefix after a dash always starts a
    token. Otherwise the byte before must not be a token character.
    """
    if lead <= floor:
        return lead
    before = data[lead - 1]
    if instance and before == 0x2D:  # "-"
        k = lead - 1
        while k > floor and lead - k <= _INSTANCE_MAX and data[k - 1] in _INSTANCE_CHARS:
            k -= 1
        while k < lead - 1 and data[k] == 0x2D:
            k += 1  # the prefix starts with an alphanumeric
        return k if k < lead - 1 else lead
    return -1 if before in _TOKEN_CHARS else lead


def find_token_spans(data: bytes, pos: int = 0, endpos: int | None = None,
                     starts: list[list[int]] | None = None,
                     custom: re.Pattern[bytes] | None = None) -> Iterator[TokenMatch]:
    """Every non-placeholder token starting in ``data[pos:endpos]``, as byte spans.

    Bytes before ``pos`` are only context (a token must not continue a longer word).
    ``starts``: where each finder's lead is (:func:`prefilter.lead_starts`), if known.
    ``custom``: the finder of an instance's own personal access token prefixes
    (:func:`custom_finder`), searched after the built-in ones.
    """
    if endpos is None:
        endpos = len(data)
    for i, finder in enumerate(FINDERS):
        instance = i == 0
        if starts is None and data.find(KEYWORDS[i], pos, endpos) == -1:
            continue  # no lead, no token: a substring search is cheaper than the regex's
        matches = (finder.finditer(data, pos, endpos) if starts is None
                   else anchored(finder, data, starts[i], endpos))
        for m in matches:
            start = _token_start(data, m.start(), 0, instance)
            if start < 0:
                continue
            whole = data[start : m.end()].decode("ascii")
            found = classify(whole, m.group(1).decode("ascii"), m.group(2).decode("ascii"))
            if found is None:
                continue
            kind, length, routable, ok = found
            yield TokenMatch(start, start + length, kind, routable, ok)
    if custom is None:
        return
    for m in custom.finditer(data, pos, endpos):
        start = _token_start(data, m.start(), 0, False)
        if start < 0:
            continue
        whole = data[start : m.end()].decode("ascii")
        found = classify(whole, m.group(1).decode("ascii"), m.group(2).decode("ascii"),
                         GITLAB_KINDS[0])
        if found is not None:
            kind, length, routable, ok = found
            yield TokenMatch(start, start + length, kind, routable, ok, m.end(1) - start)


@lru_cache(maxsize=16)
def custom_finder(prefixes: tuple[str, ...]) -> re.Pattern[bytes] | None:
    """The finder of personal access tokens under an instance's own prefixes (GitLab's
    `personal_access_token_prefix` setting replaces `glpat-`, e.g. with `acme-`); None for
    none. The prefixes are matched as written (see :mod:`uv_index_guard.tool_settings` for
    which are valid); longer ones first, so `acme-pat-` wins over `acme-`."""
    if not prefixes:
        return None
    ordered = sorted(set(prefixes), key=len, reverse=True)
    return re.compile(b"(" + b"|".join(re.escape(p.encode("ascii")) for p in ordered) + b")"
                      + _BODY)


def find_tokens(text: str) -> list[TokenMatch]:
    """Every token in ``text`` that is not a placeholder, with its full span (code points),
    in text order."""
    if _TEXT_LEAD.search(text) is None:
        return []  # most values: no lead, nothing to encode or search
    data = text.encode("utf-8", "surrogatepass")
    matches = sorted(find_token_spans(data), key=lambda t: t.start)
    if len(data) == len(text):
        return matches
    out = []
    for t in matches:
        start = len(data[: t.start].decode("utf-8", "surrogatepass"))
        out.append(TokenMatch(start, start + (t.end - t.start), t.kind, t.routable,
                              t.checksum_ok))
    return out


def classify(whole: str, prefix: str, body: str, custom: TokenKind | None = None,
             ) -> tuple[TokenKind, int, bool, bool | None] | None:
    """Validate one candidate; returns (kind, length of the match, routable, checksum ok).

    ``whole`` is the candidate from its start (with any instance prefix) to the end of
    ``body``, the run of token characters after the kind's ``prefix``. ``custom``: the kind
    that an instance's own ``prefix`` stands for (not a built-in prefix).
    """
    kind = custom or _BY_PREFIX.get(prefix.lower())
    if kind is None or (custom is None and prefix != kind.prefix
                        and kind.prefix != "GR1348941"):
        return None
    head = len(whole) - len(body)
    body = body.rstrip(".=")
    if kind.prefix.startswith("gl"):
        routable = _ROUTABLE.fullmatch(body)
        if routable is not None:
            if is_placeholder(routable.group(1)):
                return None
            return kind, head + len(body), True, routable_checksum_ok(
                whole[: head + len(body)], head)
    body = body.split(".", 1)[0]
    if kind.prefix != "_gitlab_session=":
        body = body.split("=", 1)[0]
    if kind.legacy is None or kind.legacy.match(body) is None:
        return None
    # A legacy token of a fixed length followed by more token characters is reported whole,
    # so no part of it is left out of the span (and out of a redaction).
    if is_placeholder(body):
        return None
    return kind, head + len(body), False, None


def routable_checksum_ok(token: str, payload_start: int) -> bool:
    """Check a routable token's base64 length field, CRC32 and routing payload (GitLab 18.3+
    layout): only then is it a token GitLab issued. ``payload_start``: where the payload
    starts in ``token``, after its prefixes."""
    m = re.search(r"([0-9A-Za-z_-]+)\.(?:(\d\d)\.)?([0-9a-z]{2})([0-9a-z]{7})$", token)
    if m is None:
        return False
    _payload, _version, length, crc = m.groups()
    payload = token[payload_start : m.start(3) - 1].split(".", 1)[0]
    try:
        if int(length, 36) != len(payload):
            return False
        if int(crc, 36) != zlib.crc32(token[: m.start(4)].encode("ascii", "replace")):
            return False
    except ValueError:
        return False
    return routing_payload_ok(payload)


# GitLab's routable token generator (lib/authn/token_field/generator/routable_token.rb):
# base64url, unpadded, of 16 random bytes, the routing payload (`key:value` lines, keys
# sorted, each one of c g o p u t, `o` required, at most 159 bytes) and its size as one byte.
_ROUTING_KEYS: Final = frozenset("cgoptu")
_RANDOM_BYTES: Final = 16
_MAX_ROUTING: Final = 159


def routing_payload_ok(payload: str) -> bool:
    """Whether a routable token's base64 payload decodes as GitLab lays it out."""
    import base64
    import binascii

    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (ValueError, binascii.Error):
        return False
    size = raw[-1] if raw else -1
    if not 0 < size <= _MAX_ROUTING or len(raw) != _RANDOM_BYTES + size + 1:
        return False
    try:
        routing = raw[_RANDOM_BYTES:-1].decode("utf-8")
    except UnicodeDecodeError:
        return False
    keys = []
    for line in routing.split("\n"):
        key, sep, value = line.partition(":")
        if not sep or key not in _ROUTING_KEYS or not value or not value.isprintable():
            return False
        keys.append(key)
    return "o" in keys and keys == sorted(set(keys))


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
    if len(s) <= 64 and any(word in low for word in _PLACEHOLDER_WORDS):
        return True
    return len(s) >= 8 and (shannon_entropy(s) < 3.0 or _sequential(s))


_GENERIC_PLACEHOLDERS: Final = frozenset(
    {"password", "passwd", "pass", "pwd", "token", "secret", "changeme", "none", "null",
     "redacted", "hidden", "masked", "example", "test", "dummy", "placeholder", "xxx"}
)


@lru_cache(maxsize=4096)  # dense or repetitive input repeats its passwords
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


#: The username GitLab wants with a CI/CD job token.
JOB_TOKEN_USER: Final = "gitlab-ci-token"


def username_mismatch(secret: str | None, user: str | None) -> str | None:
    """Why GitLab refuses ``secret`` with the username ``user``, by the token's kind; None
    when they fit or the kind says nothing about the username."""
    kind = kind_of(secret) if secret else None
    if kind is None:
        return None
    if kind.rule == "gitlab-cicd-job-token" and user != JOB_TOKEN_USER:
        return f"a CI job token needs the username `{JOB_TOKEN_USER}`"
    if kind.rule == "gitlab-deploy-token" and (
            user is None or not user.startswith("gitlab+deploy-token")):
        return ("a deploy token needs its own username (`gitlab+deploy-token-N`, shown when "
                "the token was created)")
    if kind.rule == "gitlab-pat" and user == JOB_TOKEN_USER:
        return (f"the username `{JOB_TOKEN_USER}` is for CI job tokens; GitLab reads this "
                "token as one and refuses it (use `__token__` for an access token)")
    return None


def mask(secret: str, head: int | None = None) -> str:
    """Show a secret safely: `glpat-…x4Tb` for a known token kind (or the first ``head``
    characters, an instance's own prefix, of a long enough secret), `****` otherwise."""
    if head is not None and len(secret) >= head + 16:
        return f"{secret[:head]}…{secret[-4:]}"
    kind = kind_of(secret)
    if kind is not None and len(secret) >= len(kind.prefix) + 16:
        start = secret.find(kind.prefix) + len(kind.prefix)
        return f"{secret[:start]}…{secret[-4:]}"
    return "****"


def fingerprint(secret: str) -> str:
    """A stable, non-reversible identifier for a secret (for baselines and reports)."""
    data = b"uv-index-guard:" + secret.encode("utf-8", "surrogatepass")
    import hashlib  # only where secrets are found (keeps start-up short)

    return hashlib.sha256(data).hexdigest()[:32]
