"""Fixes, suppressions, secret masking, TOML spellings, docs (each rule's fires / near-miss
cases are fixture files, checked against snapshots in test_rule_fixtures.py).

Positions are 1-based line and column, counted in code points, as the CLI prints them;
`Finding.range` is 0-based.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from functools import cache

import pytest
from helpers import (
    DOCS,
    REQUIRED_SECTIONS,
    RuleFixture,
    apply_edits,
    docs_files,
    example_files,
    missing_sections,
    rule_fixtures,
    sections,
)

from uv_index_guard.engine import check_files, check_text
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.rules import ALL_RULES, CODES
from uv_index_guard.tokens import find_tokens

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
PY, UV = "pyproject.toml", "uv.toml"
URL = "https://pypi.internal.example/simple"
GL = "https://gitlab.example.com/api/v4/projects/42/packages/pypi"


def check_block(block: str) -> list[Finding]:
    """What `check` reports on a docs example: one file, or a workspace of several."""
    return [f for findings in check_files(docs_files(block)).values() for f in findings]


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def where(finding: Finding) -> tuple[int, int]:
    return finding.range.start.line + 1, finding.range.start.column + 1


def test_codes_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in ALL_RULES]
    names = [rule.name for rule in ALL_RULES]
    assert len(codes) == len(set(codes)) == len(CODES)
    assert len(names) == len(set(names))
    for rule in ALL_RULES:
        assert re.fullmatch(r"UIG\d{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule.name), rule.name
        assert isinstance(rule.severity, Severity)
        assert rule.summary
        assert rule.docs_url.endswith(f"/docs/rules/{rule.code}.md")
        assert CODES[rule.code] is rule


# --- fixes -------------------------------------------------------------------------------


def _has_fix(case: RuleFixture) -> bool:
    return any(f.fixes for f in by_code(check_text(case.text, case.path), case.code))


FIXABLE = [c for c in rule_fixtures() if c.fires and c.single and _has_fix(c)]


def test_fixable_cases_are_the_expected_ones() -> None:
    assert {c.code for c in FIXABLE} == {
        "UIG102", "UIG104", "UIG105", "UIG106", "UIG107", "UIG201", "UIG202", "UIG207",
        "UIG208", "UIG214", "UIG215",
    }


UNSAFE_FIXES = {"UIG104", "UIG107", "UIG201", "UIG207"}


@pytest.mark.parametrize("case", FIXABLE, ids=[c.id for c in FIXABLE])
def test_fix_removes_the_finding(case: RuleFixture) -> None:
    before = check_text(case.text, case.path)
    errors_before = Counter(f.code for f in before if f.severity is ERR)
    for finding in by_code(before, case.code):
        for fix in finding.fixes:
            assert fix.title and fix.edits
            # Fixes that guess what was meant, or change what uv does, are unsafe (as in ruff).
            assert fix.safe is (case.code not in UNSAFE_FIXES), fix
            fixed = apply_edits(case.text, fix.edits)
            tomllib.loads(fixed)
            after = check_text(fixed, case.path)
            assert len(by_code(after, case.code)) == len(by_code(before, case.code)) - 1
            # A fix may reveal a warning (UIG105's new name is then unused), never a new error.
            errors_after = Counter(f.code for f in after if f.severity is ERR)
            assert not errors_after - errors_before, errors_after - errors_before


FIX_RESULTS = [
    pytest.param(
        PY, "UIG102",
        "[[tool.uv.index]]\nname = 'my index'\nurl = 'https://a.example/simple'\n"
        '[tool.uv.sources]\nfoo = { index = "my index" }\n',
        "[[tool.uv.index]]\nname = 'my-index'\nurl = 'https://a.example/simple'\n"
        '[tool.uv.sources]\nfoo = { index = "my-index" }\n',
        id="UIG102-rename-with-sources-keeps-quotes"),
    pytest.param(
        UV, "UIG102",
        '[[index]]\nname = "dépôt" # the ☃ index\nurl = "https://a.example/simple"\n',
        '[[index]]\nname = "d-p-t" # the ☃ index\nurl = "https://a.example/simple"\n',
        id="UIG102-non-ascii"),
    pytest.param(
        PY, "UIG104",
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\ndefault = true\n'
        '[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = true\n',
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\ndefault = true\n'
        '[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = false\n',
        id="UIG104"),
    pytest.param(
        PY, "UIG105",
        '[[tool.uv.index]]\nname = "packages"\nurl = "https://packages.example.com/simple"\n'
        '[[tool.uv.index]]\nurl = "https://packages.example.org/simple"\nexplicit = true\n',
        '[[tool.uv.index]]\nname = "packages"\nurl = "https://packages.example.com/simple"\n'
        '[[tool.uv.index]]\nname = "packages-2"\nurl = "https://packages.example.org/simple"\n'
        'explicit = true\n',
        id="UIG105-header-name-taken"),
    pytest.param(
        PY, "UIG105",
        '[tool.uv]\nindex = [{ url = "https://packages.example.com/simple", explicit = true }]',
        '[tool.uv]\nindex = [{ name = "packages", url = "https://packages.example.com/simple", '
        'explicit = true }]',
        id="UIG105-inline-no-final-newline"),
    pytest.param(
        PY, "UIG106",
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\nexplicit = "True"\n',
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\nexplicit = true\n',
        id="UIG106-bool"),
    pytest.param(
        PY, "UIG106",
        "[[tool.uv.index]]\nname = 'a'\nurl = 'https://a.example/simple'\nformat = 'Flat'\n",
        "[[tool.uv.index]]\nname = 'a'\nurl = 'https://a.example/simple'\nformat = 'flat'\n",
        id="UIG106-variant"),
    pytest.param(
        PY, "UIG106",
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\n'
        'ignore-error-codes = ["401", 403]\n',
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\n'
        'ignore-error-codes = [401, 403]\n',
        id="UIG106-status-codes"),
    pytest.param(
        PY, "UIG107",
        '[[tool.uv.index]]\nname = "internal"\nurl = "https://a.example/simple"\n'
        "[tool.uv.sources]\nfoo = { index = 'intrenal' }\n",
        '[[tool.uv.index]]\nname = "internal"\nurl = "https://a.example/simple"\n'
        "[tool.uv.sources]\nfoo = { index = 'internal' }\n",
        id="UIG107"),
    pytest.param(
        PY, "UIG201",
        '[tool.uv]\nindex = [{ url = "https://e.example/🐍/simple", name = "x", explict = true }]\n'
        '[tool.uv.sources]\nfoo = { index = "x" }\n',
        '[tool.uv]\nindex = [{ url = "https://e.example/🐍/simple", name = "x", '
        'explicit = true }]\n'
        '[tool.uv.sources]\nfoo = { index = "x" }\n',
        id="UIG201-after-emoji"),
    pytest.param(
        PY, "UIG202",
        '[[tool.uv.index]]\nname = "gitlab"\nurl = "https://gitlab.example.com/simple"\n'
        'username = "__token__"\nformat = "simple"\n',
        '[[tool.uv.index]]\nname = "gitlab"\nurl = "https://__token__@gitlab.example.com/simple"\n'
        'format = "simple"\n',
        id="UIG202-header"),
    pytest.param(
        PY, "UIG202",
        '[tool.uv]\nindex = [{ name = "g", url = "https://h.example/simple", user = "ci bot" }]\n',
        '[tool.uv]\nindex = [{ name = "g", url = "https://ci%20bot@h.example/simple" }]\n',
        id="UIG202-inline-percent-encoded"),
    pytest.param(
        UV, "UIG207",
        '[[index]]\nname = "a"\nurl = "https://a.example/simple"\ndefault = true\n'
        '[[index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = true\n',
        '[[index]]\nname = "a"\nurl = "https://a.example/simple"\ndefault = true\n'
        '[[index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = false\n',
        id="UIG207"),
    pytest.param(
        PY, "UIG208",
        f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/"\npublish-url = "{GL}/simple/"\n',
        f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/simple"\npublish-url = "{GL}"\n',
        id="UIG208-both"),
]


@pytest.mark.parametrize(("path", "code", "text", "expected"), FIX_RESULTS)
def test_fix_result(path: str, code: str, text: str, expected: str) -> None:
    fixed = text
    # Apply one fix per round, re-checking in between, until the code is gone.
    for _ in range(5):
        found = [f for f in by_code(check_text(fixed, path), code) if f.fixes]
        if not found:
            break
        fixed = apply_edits(fixed, found[0].fixes[0].edits)
    assert fixed == expected
    tomllib.loads(fixed)
    assert by_code(check_text(fixed, path), code) == []


def test_no_fix_for_a_token_used_as_username() -> None:
    token = "glpat-" + "Ab3dE5gH7jK9" + "mN1pQ2rS"
    text = f'[[tool.uv.index]]\nname = "g"\nurl = "https://h.example/simple"\nuser = "{token}"\n'
    (finding,) = by_code(check_text(text), "UIG202")
    assert finding.fixes == ()


def test_apply_edits_counts_code_points() -> None:
    from uv_index_guard.finding import TextEdit
    from uv_index_guard.text import Range

    text = "a🐍b\nçd\n"
    edits = [TextEdit(Range.of(0, 2, 0, 3), "B"), TextEdit(Range.of(1, 0, 1, 1), "c")]
    assert apply_edits(text, edits) == "a🐍B\ncd\n"
    with pytest.raises(ValueError):
        apply_edits(text, [TextEdit(Range.of(0, 0, 0, 2), ""), TextEdit(Range.of(0, 1, 0, 3), "")])


# --- suppression -------------------------------------------------------------------------

UNUSED = (f'[[tool.uv.index]]\nname = "private"{{comment}}\nurl = "{URL}"\nexplicit = true\n'
          'explict = 1\n')


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("", ["UIG205", "UIG201"]),
        ("  # uv-index-guard: ignore[UIG205]", ["UIG201"]),
        ("  # uv-index-guard: ignore[UIG201]", ["UIG205", "UIG201"]),
        ("  # uv-index-guard: ignore[UIG201, UIG205]", ["UIG201"]),
        ("  # uv-index-guard: ignore", ["UIG201"]),
        ("  # reviewed; uv-index-guard:ignore[UIG205] (publish-only)", ["UIG201"]),
    ],
    ids=["none", "code", "other-code", "code-list", "bare", "inside-longer-comment"],
)
def test_inline_suppression(comment: str, expected: list[str]) -> None:
    text = UNUSED.format(comment=comment)
    assert [f.code for f in check_text(text)] == expected


def test_inline_suppression_only_on_its_line() -> None:
    text = UNUSED.format(comment="").replace(
        "explicit = true\n", "explicit = true  # uv-index-guard: ignore[UIG205]\n")
    assert "UIG205" in [f.code for f in check_text(text)]


def test_suppression_text_inside_a_string_is_not_a_comment() -> None:
    text = ('[[tool.uv.index]]\nname = "a"\n'
            'url = "http://ci@pypi.example.com/simple#uv-index-guard: ignore[UIG209]"\n')
    assert [f.code for f in check_text(text)] == ["UIG209"]


def test_inline_suppression_in_uv_toml() -> None:
    text = ('[[index]]\nname = "a"\nurl = "https://a.example/simple"\n'
            'explict = true  # uv-index-guard: ignore[UIG201]\n')
    assert check_text(text, UV) == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("", ["UIG205", "UIG201"]),
        ('[tool.uv-index-guard]\nignore = ["UIG205"]\n', ["UIG201"]),
        ('[tool.uv-index-guard]\nignore = ["UIG205", "UIG201"]\n', []),
        ('[tool.uv-index-guard]\nignore = []\n', ["UIG205", "UIG201"]),
        ('[tool]\nuv-index-guard = { ignore = ["UIG201"] }\n', ["UIG205"]),
    ],
    ids=["none", "one", "two", "empty", "inline-table"],
)
def test_configured_ignore(settings: str, expected: list[str]) -> None:
    text = UNUSED.format(comment="") + "\n" + settings
    assert [f.code for f in check_text(text)] == expected


def test_ignore_argument() -> None:
    text = UNUSED.format(comment="")
    assert [f.code for f in check_text(text, ignore=["UIG201"])] == ["UIG205"]


# --- secrets in messages -----------------------------------------------------------------

# Synthetic, built at run time: no token-shaped literal in this file.
TOKEN = "glpat-" + "Ab3dE5gH7jK9" + "mN1pQ2rS"
MASKED = "glpat-…Q2rS"
HOST = "gitlab.example.com/api/v4/projects/42/packages/pypi"

SECRET_PLACES = [
    pytest.param(PY, f'[[tool.uv.index]]\nname = "gitlab"\nurl = "https://__token__:{TOKEN}@{HOST}/simple"\n',
                 True, id="url-password"),
    pytest.param(PY, f'[[tool.uv.index]]\nname = "gitlab"\nurl = "https://{TOKEN}@{HOST}/simple"\n',
                 True, id="url-username"),
    pytest.param(PY, f'[[tool.uv.index]]\nurl = "https://{TOKEN}@{HOST}/simple"\nexplicit = true\n',
                 True, id="explicit-without-name"),
    pytest.param(PY, f'[[tool.uv.index]]\nurl = "https://u:{TOKEN}@{HOST}/simple"\n'
                     'explicit = true\n',
                 True, id="explicit-without-name-password"),
    pytest.param(PY, f'[[tool.uv.index]]\nname = "g"\nurl = "https://{HOST}/simple"\n'
                     f'publish-url = "https://__token__:{TOKEN}@{HOST}/simple"\n',
                 True, id="publish-url"),
    pytest.param(PY, f'[[tool.uv.index]]\nname = "g"\nurl = "https://{HOST}/simple"\n'
                     f'publish-url = "__token__:{TOKEN}@{HOST}"\n',
                 False, id="relative-publish-url"),
    pytest.param(PY, f'[[tool.uv.index]]\nname = "g"\nurl = "https://{HOST}/simple"\n'
                     f'publish-url = "{HOST}?private_token={TOKEN}"\n',
                 False, id="relative-publish-url-query"),
    pytest.param(PY, f'[[tool.uv.index]]\nname = "g"\nurl = "http://__token__:{TOKEN}@{HOST}:99999/simple"\n',
                 True, id="bad-port-over-http"),
    pytest.param(PY, f'[tool.uv]\nindex-url = "https://__token__:{TOKEN}@{HOST}/simple"\n'
                     f'extra-index-url = ["https://{TOKEN}@{HOST}/simple"]\n'
                     f'check-url = "https://{TOKEN}@{HOST}"\n',
                 True, id="legacy-and-check-url"),
    pytest.param(UV, f'extra-index-url = "https://__token__:{TOKEN}@{HOST}/simple"\n',
                 False, id="uv-toml-wrong-type"),
    pytest.param(UV, f'[[index]]\nname = "g"\nurl = "https://__token__:{TOKEN}@{HOST}/simple"\n',
                 True, id="uv-toml-url"),
    pytest.param(PY, f'[[tool.uv.index]]\nname = "g"\nurl = "https://{HOST}/simple"\n'
                     f'password = "{TOKEN}"\ntoken = "{TOKEN}"\nusername = "{TOKEN}"\n',
                 False, id="credential-keys"),
]


@pytest.mark.parametrize(("path", "text", "reported_masked"), SECRET_PLACES)
def test_secret_never_in_messages(path: str, text: str, reported_masked: bool) -> None:
    findings = check_text(text, path)
    assert findings
    body = TOKEN.removeprefix("glpat-")
    for finding in findings:
        shown = [finding.message, *(fix.title for fix in finding.fixes)]
        for line in shown:
            assert TOKEN not in line, finding.code
            assert body[:-4] not in line, finding.code
    if reported_masked:
        secret = by_code(findings, "UIG301")
        assert secret and all(MASKED in f.message for f in secret)
        assert all("GitLab personal, project or group access token" in f.message for f in secret)


def test_plain_password_is_shown_as_stars() -> None:
    password = "hunter" + "2"
    text = f'[[tool.uv.index]]\nname = "a"\nurl = "https://ci:{password}@pypi.example.com/simple"\n'
    (finding,) = check_text(text)
    assert finding.code == "UIG301"
    assert "`****`" in finding.message
    assert password not in finding.message


def test_secret_finding_covers_exactly_the_secret() -> None:
    text = f'[[tool.uv.index]]\nname = "g"\nurl = "https://__token__:{TOKEN}@{HOST}/simple"\n'
    (finding,) = by_code(check_text(text), "UIG301")
    line = text.split("\n")[2]
    start, end = finding.range.start, finding.range.end
    assert start.line == end.line == 2
    assert line[start.column : end.column] == TOKEN


# --- TOML spellings ----------------------------------------------------------------------

ENTRY = 'name = "internal", url = "http://ci:hunter2@pypi.internal.example/simple", explict = true'
SOURCES = '\n[tool.uv.sources]\nfoo = { index = "intrenal" }\n'
PY_SPELLINGS = {
    "array-of-tables": '[[tool.uv.index]]\nname = "internal"\n'
                       'url = "http://ci:hunter2@pypi.internal.example/simple"\nexplict = true\n',
    "tool-uv-index-key": f"[tool.uv]\nindex = [{{ {ENTRY} }}]\n",
    "dotted-at-root": f"tool.uv.index = [{{ {ENTRY} }}]\n",
    "quoted-header": '[[tool."uv".index]]\nname = "internal"\n'
                     'url = "http://ci:hunter2@pypi.internal.example/simple"\nexplict = true\n',
    "spaced-literal-header": "[[ tool . 'uv' . \"index\" ]]\nname = \"internal\"\n"
                             'url = "http://ci:hunter2@pypi.internal.example/simple"\n'
                             'explict = true\n',
    "dotted-under-tool": f"[tool]\nuv.index = [{{ {ENTRY} }}]\n",
    "multiline-array": f"[tool.uv]\nindex = [\n  # the internal index\n  {{ {ENTRY} }},\n]\n",
    "uv-then-array-of-tables": '[tool.uv]\n\n[[tool.uv.index]]\nname = "internal"\n'
                               'url = "http://ci:hunter2@pypi.internal.example/simple"\n'
                               'explict = true\n',
}
UV_SPELLINGS = {
    "array-of-tables": '[[index]]\nname = "internal"\n'
                       'url = "http://ci:hunter2@pypi.internal.example/simple"\nexplict = true\n',
    "index-key": f"index = [{{ {ENTRY} }}]\n",
    "quoted-header": '[["index"]]\nname = "internal"\n'
                     'url = "http://ci:hunter2@pypi.internal.example/simple"\nexplict = true\n',
}


def signature(text: str, path: str) -> list[tuple[str, Severity, str]]:
    return sorted((f.code, f.severity, f.message) for f in check_text(text, path))


def fixed_data(text: str, path: str) -> dict[str, object]:
    for finding in check_text(text, path):
        if finding.fixes:
            text = apply_edits(text, finding.fixes[0].edits)
            return fixed_data(text, path)
    return tomllib.loads(text)


@pytest.mark.parametrize("spelling", sorted(PY_SPELLINGS))
def test_pyproject_spellings_agree(spelling: str) -> None:
    reference = PY_SPELLINGS["array-of-tables"] + SOURCES
    text = PY_SPELLINGS[spelling] + SOURCES
    assert tomllib.loads(text) == tomllib.loads(reference)
    expected = signature(reference, PY)
    assert [code for code, _, _ in expected] == ["UIG107", "UIG201", "UIG209", "UIG301"]
    assert signature(text, PY) == expected
    assert fixed_data(text, PY) == fixed_data(reference, PY)


@pytest.mark.parametrize("spelling", sorted(UV_SPELLINGS))
def test_uv_toml_spellings_agree(spelling: str) -> None:
    expected = signature(UV_SPELLINGS["array-of-tables"], UV)
    assert [code for code, _, _ in expected] == ["UIG201", "UIG209", "UIG301"]
    assert signature(UV_SPELLINGS[spelling], UV) == expected
    assert fixed_data(UV_SPELLINGS[spelling], UV) == fixed_data(UV_SPELLINGS["array-of-tables"], UV)


# --- code-point columns ------------------------------------------------------------------

ZURICH = '[tool.uv]\nindex = [{ name = "zürich", url = "http://ci@pypi.example.com/simple" }]\n'
NON_ASCII = [
    pytest.param('[tool.uv]\nindex = [{ url = "https://e.example/🐍/simple", name = "x", '
                 'explict = true }]\n[tool.uv.sources]\nfoo = { index = "x" }\n',
                 "UIG201", "explict", id="emoji-in-url"),
    pytest.param(ZURICH, "UIG209", '"http://', id="after-non-ascii-name"),
    pytest.param(ZURICH, "UIG102", '"zürich"', id="non-ascii-name"),
    pytest.param('[[tool.uv.index]]\nname = "internal"\nurl = "https://a.example/simple"\n'
                 '[tool.uv.sources]\n"café-ñ-lib" = { index = "intrenal" }  # ☕\n',
                 "UIG107", '"intrenal"', id="non-ascii-key"),
    pytest.param('[[tool.uv.index]] # 日本語 ✓ 🐍\nname = "a"\nurl = "https://a.example/simple"\n'
                 'explicit = "yes"\n', "UIG106", '"yes"', id="non-ascii-earlier-line"),
]


@pytest.mark.parametrize(("text", "code", "needle"), NON_ASCII)
def test_columns_count_code_points(text: str, code: str, needle: str) -> None:
    (finding,) = by_code(check_text(text), code)
    lines = text.split("\n")
    line = next(i for i, t in enumerate(lines) if needle in t)
    assert finding.range.start.line == line
    assert finding.range.start.column == lines[line].index(needle)


# --- docs ----------------------------------------------------------------------------------

PAGES = sorted(CODES)


@cache
def page(code: str) -> str:
    return (DOCS / f"{code}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", PAGES)
def test_docs_page_is_complete(code: str) -> None:
    assert (DOCS / f"{code}.md").is_file(), f"docs/rules/{code}.md is missing"
    text = page(code)
    rule = CODES[code]
    assert text.splitlines()[0] == f"# {code}: {rule.name}"
    assert f"**Severity:** {rule.severity.label}" in text
    assert missing_sections(text) == []
    found = sections(text)
    assert [s for s in found if s in REQUIRED_SECTIONS] == list(REQUIRED_SECTIONS)
    assert example_files(found["Example"])
    assert example_files(found["Use instead"])
    fix = found["Fix"]
    assert fix.startswith("No automatic fix") or "safe" in fix


@pytest.mark.parametrize("section", REQUIRED_SECTIONS)
def test_missing_section_is_detected(section: str) -> None:
    text = page("UIG104")
    assert missing_sections(text) == []
    without_heading = re.sub(rf"^## {re.escape(section)}\n", "", text, flags=re.M)
    assert section in missing_sections(without_heading)
    found = sections(text)
    emptied = text.replace(found[section], "", 1)
    assert section in missing_sections(emptied)


@pytest.mark.parametrize("code", PAGES)
def test_docs_example_triggers_the_rule(code: str) -> None:
    found = sections(page(code))
    example = example_files(found["Example"])
    findings = by_code([f for fs in check_files(example).values() for f in fs], code)
    assert findings, f"the Example of {code}.md does not trigger {code}"
    documented = not found["Fix"].startswith("No automatic fix")
    assert any(f.fixes for f in findings) == documented, "the Fix section disagrees with the code"


@pytest.mark.parametrize("code", PAGES)
def test_docs_use_instead_is_clean(code: str) -> None:
    files = example_files(sections(page(code))["Use instead"])
    for path, text in files.items():
        if path.endswith(".toml"):
            tomllib.loads(text)
    assert [f.code for fs in check_files(files).values() for f in fs] == []


def test_docs_index_lists_every_rule() -> None:
    text = (DOCS / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[(UIG\d{3})\]\((\S+)\) \| `([a-z0-9-]+)` \| (\w+) \| (.+?) \|$",
                      text, re.M)
    assert [row[0] for row in rows] == PAGES
    for code, link, name, severity, summary in rows:
        rule = CODES[code]
        assert link == f"{code}.md"
        assert (name, severity, summary) == (rule.name, rule.severity.label, rule.summary)


@pytest.mark.parametrize("name", ["README", *PAGES])
def test_docs_hold_no_token(name: str) -> None:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    assert [m.text(text) for m in find_tokens(text)] == []


def test_a_token_as_index_name_is_never_shown() -> None:
    """Every message that quotes an index name masks a token-shaped one, and the
    `UV_INDEX_<NAME>_*` names derived from it (UIG101, UIG203..UIG205, UIG302, ...)."""
    from helpers import SYNTHETIC

    from uv_index_guard.index_env import env_name

    token = SYNTHETIC["{GLPAT}"]
    texts = [
        f'[[tool.uv.index]]\nname = "{token}"\nexplicit = true\n',  # UIG101, UIG205, UIG302
        f'[[tool.uv.index]]\nname = "{token}"\nurl = "{URL}"\nusername = "x"\n'
        f'[[tool.uv.index]]\nname = "{token.upper()}"\nurl = "{URL}"\n',  # UIG202, UIG204
        f'[[tool.uv.index]]\nname = "{token}"\nurl = "{URL}"\n'
        f'[tool.uv.sources]\nfoo = {{ index = "{token}x" }}\n',  # UIG107's did-you-mean
    ]
    for text in texts:
        findings = check_text(text)
        assert {"UIG302"} <= {f.code for f in findings}, findings
        for finding in findings:
            shown = finding.message + " ".join(fix.title for fix in finding.fixes)
            assert token not in shown and env_name(token) not in shown, shown
            assert token.upper() not in shown
