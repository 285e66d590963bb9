"""Synthetic secrets for the scanner tests, built in code so no token sits in the repository.

Every sample is random (seeded) text in the shape of a real token; none was ever issued.
Prefixes are assembled from pieces so that this file itself holds nothing token-shaped.
"""

from __future__ import annotations

import base64
import random
import string
import zlib

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "_-"
HEX = "0123456789abcdef"
_rng = random.Random(20251122)


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def p(name: str) -> str:
    """A kind prefix such as `glpat-`, from `"pat"` (kept apart from any body in the source)."""
    return "gl" + name + "-"


def b36(n: int, width: int) -> str:
    digits = string.digits + string.ascii_lowercase
    out = ""
    while n:
        out = digits[n % 36] + out
        n //= 36
    return out.rjust(width, "0")


def routable(prefix: str | None = None, *, version: bool = True, bad_crc: bool = False,
             routing: bytes = b"c:1\no:2\nu:3", size: int | None = None) -> str:
    """A routable token laid out like GitLab 18.3+ issues them (16 random bytes, the routing
    payload, its size as a byte; base64url), with a correct CRC32."""
    prefix = prefix or p("pat")
    raw = (bytes(_rng.randrange(256) for _ in range(16)) + routing
           + bytes([len(routing) if size is None else size]))
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    head = prefix + payload + (".01." if version else ".") + b36(len(payload), 2)
    crc = zlib.crc32(head.encode())
    if bad_crc:
        crc ^= 0x5A5A
    return head + b36(crc, 7)


def pypi() -> str:
    return "pyp" + "i-AgEIcHlwaS5vcmc" + rand(120, B64)


# (rule, sample) for every kind: several shapes of some.
TRUE_POSITIVES: list[tuple[str, str]] = [
    ("gitlab-pat", p("pat") + rand(20, B64)),
    ("gitlab-pat", "acme-" + p("pat") + rand(20)),
    ("gitlab-pat", routable()),
    ("gitlab-pat", routable(version=False)),
    ("gitlab-oauth-app-secret", p("oas") + rand(64, B64)),
    ("gitlab-deploy-token", p("dt") + rand(20)),
    ("gitlab-runner-token", p("rt") + rand(20)),
    ("gitlab-runner-token", p("rtr") + rand(20)),
    ("gitlab-runner-token", routable(p("rt") + "t1_")),
    ("gitlab-cicd-job-token", p("cbt") + "64_" + rand(20)),
    ("gitlab-pipeline-trigger-token", p("ptt") + rand(40, HEX)),
    ("gitlab-feed-token", p("ft") + rand(20)),
    ("gitlab-feed-token", p("ft") + rand(64, HEX) + "-4821"),
    ("gitlab-incoming-mail-token", p("imt") + rand(25)),
    ("gitlab-kubernetes-agent-token", p("agent") + rand(50)),
    ("gitlab-workspace-token", p("wt") + rand(20)),
    ("gitlab-scim-token", p("soat") + rand(20)),
    ("gitlab-feature-flag-client-token", p("ffct") + rand(20)),
    ("gitlab-runner-registration-token", "GR134" + "8941" + rand(20)),
    ("gitlab-session-cookie", "_gitlab_" + "session=" + rand(32, HEX)),
    ("pypi-token", pypi()),
]

# (why, text): nothing here may be reported.
FALSE_POSITIVES: list[tuple[str, str]] = [
    ("wrong prefix", "glpot-" + rand(20)),
    ("wrong prefix case", "GLPAT-" + rand(20)),
    ("wrong length", p("pat") + rand(19)),
    ("wrong length deploy", p("dt") + rand(12)),
    ("low entropy x", p("pat") + "x" * 20),
    ("low entropy X", p("pat") + "X" * 20),
    ("zeros", p("pat") + "0" * 20),
    ("repeated pair", p("pat") + "ab" * 10),
    ("sequential", p("pat") + "abcdefghijklmnopqrst"),
    ("too short doc example", p("pat") + "secret-token"),
    ("doc example word", p("pat") + "your-token-goes-here"),
    ("angle placeholder", p("pat") + "<token>"),
    ("env placeholder", p("pat") + "${GITLAB_TOKEN}"),
    ("part of a long unrelated blob", rand(40) + p("pat") + rand(20)),
    ("blob with underscore", rand(10) + "_" + p("pat") + rand(20)),
    ("routable with low-entropy payload", p("pat") + "A" * 30 + ".01.1e" + "0000000"),
    ("pypi word", "pyp" + "i-token"),
    ("session too short", "_gitlab_" + "session=" + rand(20, HEX)),
]

# URLs: (text, reported?)
URLS: list[tuple[str, bool]] = [
    ("https://deploy:" + rand(16) + "@gitlab.acme.dev/api/v4/projects/1/packages/pypi/simple",
     True),
    ("https://__token__:" + rand(12) + "@pypi.corp.internal/simple/", True),
    ("postgres://app:" + rand(10) + "@db.internal:5432/app", True),
    ("https://user:${PASSWORD}@gitlab.example.com/simple", False),
    ("https://user:$PASSWORD@gitlab.example.com/simple", False),
    ("https://user:<token>@gitlab.example.com/simple", False),
    ("https://user:{password}@gitlab.example.com/simple", False),
    ("https://user:****@gitlab.example.com/simple", False),
    ("https://user:@gitlab.example.com/simple", False),
    ("https://user:password@gitlab.example.com/simple", False),
    ("https://user:%(password)s@gitlab.example.com/simple", False),
    ("https://user@gitlab.example.com/simple", False),
    ("git+ssh://git@gitlab.example.com/group/repo.git", False),
    ("https://gitlab.example.com/simple", False),
    # Examples: documentation hosts, one-letter passwords, placeholder words.
    ("https://deploy:" + rand(16) + "@gitlab.example.com/simple", False),
    ("https://deploy:" + rand(16) + "@registry.test/simple", False),
    ("http://u:p@proxy.acme.dev:3128", False),
    ("http://user:pass%23pass@proxy.acme.dev/", False),
]
