"""The scanner core: true and false positives for every pattern (gitleaks' tps/fps style)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scan_samples import FALSE_POSITIVES, TRUE_POSITIVES, URLS, p, rand, routable

from uv_index_guard.engine import check_text
from uv_index_guard.finding import Severity
from uv_index_guard.scanner import RULES, Detect, find_secrets, scan_text
from uv_index_guard.tokens import FINDERS, find_tokens, mask

CONTEXTS = [
    "{}",
    "TOKEN={}\n",
    'token = "{}"\n',
    "  password: '{}'  # deploy\n",
    "curl -H 'PRIVATE-TOKEN: {}' https://gitlab.example.com\n",
    '{{"cells": [{{"source": ["t = \\"{}\\"\\n"]}}]}}',
]


@pytest.mark.parametrize(("rule", "secret"), TRUE_POSITIVES,
                         ids=[f"{r}-{i}" for i, (r, _) in enumerate(TRUE_POSITIVES)])
@pytest.mark.parametrize("context", CONTEXTS, ids=range(len(CONTEXTS)))
def test_true_positive_full_span(rule: str, secret: str, context: str) -> None:
    text = context.format(secret)
    found = scan_text(text)
    assert [f.code for f in found] == [rule]
    (finding,) = found
    start = text.index(secret)
    assert finding.range.start.line == text[:start].count("\n")
    line_start = text.rfind("\n", 0, start) + 1
    assert finding.range.start.column == start - line_start
    assert finding.range.end.column - finding.range.start.column == len(secret)
    assert secret not in repr(finding)
    assert finding.fingerprint and secret not in finding.fingerprint


@pytest.mark.parametrize(("why", "text"), FALSE_POSITIVES, ids=[w for w, _ in FALSE_POSITIVES])
def test_false_positive(why: str, text: str) -> None:
    assert scan_text(f"x = '{text}'\n") == [], why


@pytest.mark.parametrize(("url", "reported"), URLS, ids=range(len(URLS)))
@pytest.mark.parametrize("context", [
    "index-url = {}\n",  # pip.conf
    "--extra-index-url {}\n",  # requirements.txt
    "RUN pip install --index-url {} app\n",  # Dockerfile
    '  - pip install -i "{}" app\n',  # .gitlab-ci.yml
    "export UV_INDEX_URL='{}'\n",  # shell
])
def test_url_credentials(url: str, reported: bool, context: str) -> None:
    found = scan_text(context.format(url))
    assert [f.code for f in found] == (["url-credentials"] if reported else [])
    if reported:
        password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        text = context.format(url)
        assert found[0].range.start.column == text.index(":" + password + "@") + 1
        assert found[0].range.end.column - found[0].range.start.column == len(password)
        assert password not in found[0].message and "****" in found[0].message


def test_token_as_url_password_is_one_finding() -> None:
    token = p("pat") + rand(20)
    found = scan_text(f"https://oauth2:{token}@gitlab.example.com/group/repo.git\n")
    assert [f.code for f in found] == ["gitlab-pat"]


def test_token_as_url_username_is_masked_in_url_finding() -> None:
    token = p("pat") + rand(20)
    found = scan_text(f"https://{token}:{rand(12)}@gitlab.acme.dev/x\n")
    assert {f.code for f in found} == {"gitlab-pat", "url-credentials"}
    assert all(token not in f.message for f in found)


def test_routable_checksum_is_said() -> None:
    good, bad = routable(), routable(bad_crc=True)
    (ok,) = scan_text(good)
    (wrong,) = scan_text(bad)
    assert "checksum and routing payload verify" in ok.message
    assert ok.severity is Severity.ERROR
    assert "does not verify" in wrong.message and wrong.severity is Severity.WARNING
    assert wrong.range.end.column == len(bad)


@pytest.mark.parametrize("routing, size", [
    (b"c:1\nu:3", None),          # no `o`, which GitLab requires
    (b"o:2\nc:1", None),          # keys out of order
    (b"c:1\no:2\nx:3", None),     # a key GitLab does not know
    (b"c:1\no:", None),           # an empty value
    (b"c:1\no:2\nu:3", 5),        # a size byte that does not match
    (b"c:1\no:2\xff", None),       # not UTF-8
], ids=["no-o", "unsorted", "unknown-key", "empty-value", "wrong-size", "not-utf8"])
def test_routable_payload_is_validated_as_gitlab_lays_it_out(routing: bytes,
                                                              size: int | None) -> None:
    """A right CRC32 over a payload GitLab's generator cannot produce is not said to be
    GitLab-issued."""
    token = routable(routing=routing, size=size)
    (found,) = scan_text(token)
    assert "does not verify" in found.message and found.severity is Severity.WARNING
    assert found.range.end.column == len(token)


@pytest.mark.parametrize("marker", [
    "# uv-index-guard: allow", "# gitleaks:allow", "# pragma: allowlist secret",
    "// uv-index-guard:allow",
])
def test_allow_marker_on_the_line(marker: str) -> None:
    token = p("pat") + rand(20)
    assert scan_text(f"a = '{token}'  {marker}\n") == []
    assert len(scan_text(f"a = '{token}'\nb = 1  {marker}\n")) == 1


def test_allowlist_nextline() -> None:
    token = p("dt") + rand(20)
    assert scan_text(f"# pragma: allowlist nextline secret\na = '{token}'\n") == []
    assert len(scan_text(f"# pragma: allowlist nextline secret\n\na = '{token}'\n")) == 1


def test_fingerprint_is_stable_and_per_secret() -> None:
    one, two = p("pat") + rand(20), p("pat") + rand(20)
    a = scan_text(f"{one}\n{two}\n  {one}\n")
    assert a[0].fingerprint == a[2].fingerprint != a[1].fingerprint


def test_mask_shows_prefix_and_last_four() -> None:
    token = p("pat") + rand(20)
    assert mask(token) == p("pat") + "…" + token[-4:]
    assert "…" + token[-4:] in scan_text(token)[0].message


def test_find_tokens_on_non_ascii_text_counts_code_points() -> None:
    token = p("ft") + rand(20)
    text = "é€😋 " + token
    (m,) = find_tokens(text)
    assert m.text(text) == token


def test_find_secrets_window_bounds() -> None:
    token = p("pat") + rand(20)
    data = f"xx {token} yy\n".encode()
    start = data.index(b"gl")
    assert find_secrets(data, 0, len(data), stop=start) == []
    assert len(find_secrets(data, 0, len(data), stop=start + 1)) == 1
    # Context before `pos` still decides whether a token continues a longer word.
    glued = b"abc" + token.encode()
    assert find_secrets(glued, 3) == []


def test_every_rule_has_help() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {rule for rule, _ in TRUE_POSITIVES} | {"url-credentials"} == set(ids)
    assert all(r.help_uri.startswith("https://") for r in RULES)


def test_config_rule_uses_the_same_patterns() -> None:
    token = p("pat") + rand(20)
    text = ('[[tool.uv.index]]\nname = "gitlab"\n'
            f'url = "https://__token__:{token}@gitlab.example.com/api/v4/projects/1/packages/'
            'pypi/simple"\n')
    findings = check_text(text, "pyproject.toml")
    hits = [f for f in findings if f.code == "UIG301"]
    assert len(hits) == 1 and token not in hits[0].message
    assert mask(token) in hits[0].message
    placeholder = text.replace(token, "${GITLAB_TOKEN}")
    assert not [f for f in check_text(placeholder, "pyproject.toml") if f.code == "UIG301"]


# The finders take a token's body possessively (no backtracking on dense input); they find
# exactly what the backtracking pattern finds.
_LEADS = ["gl" + "pat-", "gl" + "dt-", "GR13" + "48941", "py" + "pi-", "_gitlab" + "_session="]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_LEADS), st.sampled_from(["a", "Z", "9", "-", "_",
                                                                  ".", "=", " ", "\n", "é"]),
                          st.text(alphabet="abcXYZ0123456789-_", min_size=1, max_size=30)),
                max_size=40).map("".join))
def test_possessive_finders_find_what_backtracking_ones_do(text: str) -> None:
    data = text.encode()
    greedy = [re.compile(f.pattern.replace(rb"{8,520}+", rb"{8,520}")) for f in FINDERS]
    assert all(b"{8,520}+" in f.pattern for f in FINDERS)
    for fast, slow in zip(FINDERS, greedy, strict=True):
        assert [m.span() for m in fast.finditer(data)] == [m.span() for m in slow.finditer(data)]


def test_dense_input_is_scanned_whole() -> None:
    """A megabyte of a lead repeated holds no token; one real token at its end is found."""
    token = "gl" + "pat-" + "Qx7" + "Rt2Lm9Vb4Np8Kw3Zd"
    for lead in _LEADS:
        text = lead * (200_000 // len(lead)) + "\n" + token + "\n"
        found = scan_text(text)
        assert [f.code for f in found] == ["gitlab-pat"], lead


@pytest.mark.parametrize("prefix", ["acme-", "instance-prefix-", "my-company-name-", "SIE-"])
def test_instance_prefixes_with_dashes_belong_to_the_token(prefix: str) -> None:
    """GitLab's instance token prefix (`instance-prefix-` in its own specs) goes before the
    kind's prefix with a dash, and may hold dashes itself."""
    trigger = "gl" + "ptt-" + rand(40, "0123456789abcdef")
    for token in (trigger, "gl" + "pat-" + rand(20)):
        text = f"TOKEN={prefix}{token}\n"
        found = scan_text(text)
        assert len(found) == 1, text
        assert found[0].range.start.column == len("TOKEN=")
        assert found[0].range.end.column == len(text) - 1
        assert f"`{prefix}{token[:4]}" in found[0].message


def test_a_kind_prefix_inside_a_word_is_no_token() -> None:
    assert scan_text("x" + "gl" + "pat-" + rand(20) + "\n") == []


@pytest.mark.parametrize("template", ["${{URL:-{url}}}", "f({url})", "[{url}]", "{{{url}}};"])
def test_the_host_of_a_url_in_a_template_is_shown_without_its_closers(template: str) -> None:
    url = "https://deploy:" + "Vb4Np8Kw3Zd" + "@bitbucket.org"
    (found,) = scan_text(template.format(url=url) + "\n")
    assert found.message.endswith("(`https://deploy:****@bitbucket.org`)")
    (ipv6,) = scan_text("x = https://deploy:" + "Vb4Np8Kw3Zd" + "@[2001:db8::7]\n")
    assert "@[2001:db8::7]`" in ipv6.message


# --- an instance's own personal access token prefix (`gitlab-token-prefixes`) -----------

CUSTOM = ("acme" + "-", "corp" + "_pat_")


@pytest.mark.parametrize("prefix", CUSTOM)
def test_a_custom_prefix_finds_tokens_only_when_configured(prefix: str) -> None:
    legacy = prefix + rand(20)
    text = f"TOKEN={legacy}\n"
    assert scan_text(text) == []
    (found,) = scan_text(text, detect=Detect(CUSTOM))
    assert found.code == "gitlab-pat"
    assert (found.range.start.column, found.range.end.column) == (6, 6 + len(legacy))
    assert legacy not in found.message and f"`{prefix}" in found.message
    # The same prefix inside a word, or with too short a body, is no token.
    assert scan_text(f"x{legacy}\n", detect=Detect(CUSTOM)) == []
    assert scan_text(f"TOKEN={prefix}{rand(12)}\n", detect=Detect(CUSTOM)) == []


def test_a_routable_token_under_a_custom_prefix_is_checked_from_its_payload() -> None:
    good, bad = routable("acme" + "-"), routable("acme" + "-", bad_crc=True)
    (found,) = scan_text(f"T={good}\n", detect=Detect(CUSTOM))
    assert found.severity is Severity.ERROR and "GitLab-issued" in found.message
    (altered,) = scan_text(f"T={bad}\n", detect=Detect(CUSTOM))
    assert altered.severity is Severity.WARNING and "does not verify" in altered.message


def test_a_token_under_a_custom_and_a_built_in_prefix_is_reported_once() -> None:
    token = "acme" + "-" + p("pat") + rand(20)
    (found,) = scan_text(f"T={token}\n", detect=Detect(CUSTOM))
    assert found.range.end.column - found.range.start.column == len(token)


def test_severity_follows_what_a_kind_can_do() -> None:
    """Not every token is Critical: a feed token reads, a job token dies with its job."""
    by_id = {r.id: r for r in RULES}
    assert by_id["gitlab-pat"].gitlab_severity == "Critical"
    assert by_id["gitlab-feed-token"].gitlab_severity == "Medium"
    assert by_id["gitlab-cicd-job-token"].gitlab_severity == "Medium"
    assert by_id["gitlab-feature-flag-client-token"].gitlab_severity == "Low"
    order = ["Low", "Medium", "High", "Critical"]
    for rule in RULES:  # the two scales agree
        bands = {"Low": (0.1, 3.9), "Medium": (4.0, 6.9), "High": (7.0, 8.9),
                 "Critical": (9.0, 10.0)}[rule.gitlab_severity]
        assert bands[0] <= float(rule.score) <= bands[1], rule.id
    assert len({r.gitlab_severity for r in RULES}) == len(order)


def test_gitlab_report_severity_is_the_rules_capped_for_doubtful_findings() -> None:
    import json
    from datetime import datetime, timezone

    from uv_index_guard.finding import Finding, Severity
    from uv_index_guard.scan_report import gitlab_report
    from uv_index_guard.text import Position, Range

    where = Range(Position(0, 0), Position(0, 4))

    def severity(code: str, level: Severity) -> str:
        f = Finding("a.env", where, level, code, "`x…y`", fingerprint="f" + code)
        doc = json.loads(gitlab_report([f], datetime.now(timezone.utc)))
        return str(doc["vulnerabilities"][0]["severity"])

    assert severity("gitlab-pat", Severity.ERROR) == "Critical"
    assert severity("gitlab-pat", Severity.WARNING) == "Medium"
    assert severity("gitlab-feature-flag-client-token", Severity.ERROR) == "Low"
    assert severity("gitlab-feature-flag-client-token", Severity.WARNING) == "Low"
    assert severity("gitlab-feed-token", Severity.INFO) == "Low"
