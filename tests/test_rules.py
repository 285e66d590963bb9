"""Per-rule tables (fires / near miss), fixes, suppressions, secret masking, TOML spellings, docs.

Positions in the tables are 1-based line and column, counted in code points, as the CLI prints
them; `Finding.range` is 0-based.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache

import pytest
from helpers import (
    DOCS,
    REQUIRED_SECTIONS,
    apply_edits,
    block_path,
    missing_sections,
    sections,
    toml_block,
)

from uv_index_guard.engine import check_text
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.rules import CODES, RULES
from uv_index_guard.tokens import find_tokens

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
PY, UV = "pyproject.toml", "uv.toml"
URL = "https://pypi.internal.example/simple"
GL = "https://gitlab.example.com/api/v4/projects/42/packages/pypi"


@dataclass(frozen=True)
class Fires:
    """``code`` reports a finding starting at ``line``:``column`` whose message has ``words``."""

    name: str
    code: str
    severity: Severity
    text: str
    line: int
    column: int
    words: tuple[str, ...]
    path: str = PY

    @property
    def id(self) -> str:
        return f"{self.code}-{self.name}"


@dataclass(frozen=True)
class Quiet:
    """``code`` must not report anything for ``text``."""

    name: str
    code: str
    text: str
    path: str = PY

    @property
    def id(self) -> str:
        return f"{self.code}-{self.name}"


FIRES = [
    # UIG001 invalid-toml
    Fires("unquoted-url", "UIG001", ERR,
          f'[[tool.uv.index]]\nname = "internal"\nurl = {URL}\n',
          3, 7, ("invalid TOML", "uv cannot read this file")),
    Fires("table-twice", "UIG001", ERR,
          '[tool.uv]\nindex-strategy = "first-index"\n[tool.uv]\n',
          3, 1, ("invalid TOML", "Cannot declare", "uv cannot read")),
    Fires("key-twice", "UIG001", ERR,
          f'[[tool.uv.index]]\nname = "a"\n  name = "b"\nurl = "{URL}"\n',
          3, 3, ("invalid TOML", "Cannot overwrite a value")),
    # UIG003 toml-1-1-syntax
    Fires("multiline-inline-table", "UIG003", WARN,
          f'[tool.uv]\nindex = [\n  {{ name = "a",\n    url = "{URL}" }},\n]\n',
          3, 16, ("TOML 1.1 syntax", "tomllib", "cannot analyse this part")),
    Fires("hex-escape", "UIG003", WARN,
          f'[[tool.uv.index]]\nname = "\\x61"\nurl = "{URL}"\n',
          2, 11, ("TOML 1.1 syntax", "`\\u00XX` instead of `\\xXX`")),
    Fires("uv-toml-trailing-comma", "UIG003", WARN,
          f'index = [{{ name = "a", url = "{URL}", }}]\n',
          1, 70, ("TOML 1.1 syntax", "TOML 1.0 parsers do not"), UV),
    # UIG002 invalid-settings
    Fires("unknown-key", "UIG002", WARN,
          '[tool.uv-index-guard]\nexcludes = ["vendor/"]\n',
          2, 1, ("unknown key `excludes`", "`ignore`", "`exclude`")),
    Fires("not-an-array", "UIG002", WARN,
          '[tool.uv-index-guard]\nignore = "UIG205"\n',
          2, 10, ("`ignore` must be an array of strings",)),
    Fires("unknown-code", "UIG002", WARN,
          '[tool.uv-index-guard]\nignore = ["UIG205", "unused-explicit-index"]\n',
          2, 21, ("unknown rule code `unused-explicit-index`",)),
    # UIG101 missing-index-url
    Fires("header", "UIG101", ERR,
          '[[tool.uv.index]]\nname = "internal"\n',
          1, 1, ("index `internal` has no `url`", "missing field `url`")),
    Fires("inline-uv-toml", "UIG101", ERR,
          'index = [{ name = "internal" }]\n',
          1, 10, ("has no `url`",), UV),
    # UIG102 invalid-index-name
    Fires("space", "UIG102", ERR,
          f'[[tool.uv.index]]\nname = "my index"\nurl = "{URL}"\n',
          2, 8, ("unsupported character ` `", "`my index`", "`my-index`")),
    Fires("non-ascii", "UIG102", ERR,
          f'[[index]]\nname = "dépôt"\nurl = "{URL}"\n',
          2, 8, ("must be ASCII", "non-ASCII character `é`", "`d-p-t`"), UV),
    # UIG103 duplicate-index-name
    Fires("same-name", "UIG103", ERR,
          f'[[tool.uv.index]]\nname = "pytorch"\nurl = "{URL}"\n\n'
          '[[tool.uv.index]]\nname = "pytorch"\nurl = "https://b.example/simple"\n',
          6, 8, ("`pytorch`", "on line 1", "duplicate index name")),
    # UIG104 multiple-default-indexes
    Fires("two-defaults", "UIG104", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\ndefault = true\n'
          '[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = true\n',
          8, 11, ("on line 1", "multiple indexes with `default = true`")),
    # UIG105 explicit-index-without-name
    Fires("header", "UIG105", ERR,
          f'[[tool.uv.index]]\nurl = "{URL}"\nexplicit = true\n',
          1, 1, ("`explicit = true`", f"requires a `name`: {URL}")),
    Fires("inline", "UIG105", ERR,
          f'[tool.uv]\nindex = [{{ url = "{URL}", explicit = true }}]\n',
          2, 10, ("requires a `name`",)),
    # UIG106 invalid-index-value
    Fires("bool-as-string", "UIG106", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nexplicit = "yes"\n',
          4, 12, ("`explicit`", 'invalid type: string "yes", expected a boolean')),
    Fires("variant-case", "UIG106", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nauthenticate = "Always"\n',
          4, 16, ("unknown variant `Always`", "`auto`, `always`, `never`")),
    Fires("codes-as-strings", "UIG106", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nignore-error-codes = ["401", "403"]\n',
          4, 22, ('invalid type: string "401", expected u16',)),
    Fires("code-out-of-range", "UIG106", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nignore-error-codes = [70000]\n',
          4, 22, ("integer `70000`", "expected u16")),
    Fires("index-is-a-table", "UIG106", ERR,
          f'[tool.uv]\nindex = {{ name = "a", url = "{URL}" }}\n',
          2, 9, ("expected an array of index tables",)),
    Fires("bad-port", "UIG106", ERR,
          '[[tool.uv.index]]\nname = "a"\nurl = "https://pypi.example.com:99999/simple"\n',
          3, 7, ("invalid URL: invalid port number",)),
    Fires("space-in-host", "UIG106", ERR,
          '[[tool.uv.index]]\nname = "a"\nurl = "https://pypi example.com/simple"\n',
          3, 7, ("invalid international domain name",)),
    Fires("relative-publish-url", "UIG106", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\npublish-url = "upload"\n',
          4, 15, ('relative URL without a base: "upload"',)),
    Fires("cache-control-string", "UIG106", ERR,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\ncache-control = "no-cache"\n',
          4, 17, ("`cache-control`", "expected a table")),
    Fires("legacy-uv-toml", "UIG106", ERR,
          f'extra-index-url = "{URL}"\n',
          1, 19, ("`extra-index-url`", "expected a sequence"), UV),
    # UIG107 undeclared-index-reference
    Fires("typo", "UIG107", ERR,
          f'[[tool.uv.index]]\nname = "internal"\nurl = "{URL}"\n'
          '[tool.uv.sources]\nfoo = { index = "intrenal" }\n',
          5, 17, ("package `foo`", "undeclared index: `intrenal`", "did you mean `internal`")),
    Fires("marker-list", "UIG107", ERR,
          f'[[tool.uv.index]]\nname = "internal"\nurl = "{URL}"\n[tool.uv.sources]\n'
          "torch = [\n  { index = \"internal\", marker = \"sys_platform == 'linux'\" },\n"
          "  { index = \"cuda\", marker = \"sys_platform == 'win32'\" },\n]\n",
          7, 13, ("package `torch`", "`cuda`", 'name = "cuda"')),
    # UIG108 unknown-uv-toml-key
    Fires("typo", "UIG108", ERR,
          f'[[indexes]]\nname = "internal"\nurl = "{URL}"\n',
          1, 3, ("unknown field `indexes`", "refuses the whole file", "did you mean `index`"), UV),
    Fires("plain-key", "UIG108", ERR,
          'keyring_provider = "subprocess"\n',
          1, 1, ("unknown field `keyring_provider`", "did you mean `keyring-provider`"), UV),
    Fires("project-only-key", "UIG108", ERR,
          '[sources]\nfoo = { index = "internal" }\n',
          1, 2, ("`sources` is not allowed in uv.toml", "pyproject.toml"), UV),
    # UIG201 unknown-index-key
    Fires("typo", "UIG201", WARN,
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nexplict = true\n',
          4, 1, ("unknown index key `explict`", "silently ignores", "did you mean `explicit`")),
    Fires("no-guess", "UIG201", WARN,
          f'[tool.uv]\nindex = [{{ name = "a", url = "{URL}", priority = 1 }}]\n',
          2, 70, ("unknown index key `priority`", "known keys: `name`")),
    # UIG202 ignored-credential-key
    Fires("username", "UIG202", WARN,
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/simple"\nusername = "__token__"\n',
          4, 1, ("ignores `username`", "never sent", "UV_INDEX_GITLAB_USERNAME")),
    Fires("password", "UIG202", WARN,
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/simple"\npassword = "hunter2"\n',
          4, 1, ("ignores `password`", "ends up in git", "UV_INDEX_GITLAB_PASSWORD")),
    # UIG203 empty-index-name
    Fires("empty", "UIG203", WARN,
          f'[[tool.uv.index]]\nname = ""\nurl = "{URL}"\n',
          2, 8, ("empty index name", "UV_INDEX__PASSWORD")),
    # UIG204 index-env-name-collision
    Fires("dash-underscore", "UIG204", WARN,
          f'[[tool.uv.index]]\nname = "my-index"\nurl = "{URL}"\n'
          '[[tool.uv.index]]\nname = "my_index"\nurl = "https://b.example/simple"\n',
          5, 8, ("`my-index`", "`my_index`", "UV_INDEX_MY_INDEX_PASSWORD")),
    Fires("case", "UIG204", WARN,
          f'[[index]]\nname = "a.b"\nurl = "{URL}"\n'
          '[[index]]\nname = "A-B"\nurl = "https://b.example/simple"\n',
          5, 8, ("`a.b`", "`A-B`", "UV_INDEX_A_B_USERNAME"), UV),
    # UIG205 unused-explicit-index
    Fires("unused", "UIG205", WARN,
          f'[[tool.uv.index]]\nname = "private"\nurl = "{URL}"\nexplicit = true\n',
          2, 8, ("explicit index `private`", "never queries it", 'pkg = { index = "private" }')),
    # UIG206 duplicate-index-name-uv-toml
    Fires("same-name", "UIG206", WARN,
          f'[[index]]\nname = "a"\nurl = "{URL}"\n[[index]]\nname = "a"\nurl = "https://b.example/simple"\n',
          5, 8, ("index name `a`", "on line 1", "does not check this in uv.toml"), UV),
    # UIG207 multiple-default-indexes-uv-toml
    Fires("two-defaults", "UIG207", WARN,
          f'[[index]]\nname = "a"\nurl = "{URL}"\ndefault = true\n'
          '[[index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = true\n',
          8, 11, ("on line 1", "does not check this in uv.toml"), UV),
    # UIG208 gitlab-registry-url
    Fires("upload-url-as-url", "UIG208", WARN,
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}"\n',
          3, 7, ("upload URL", "/packages/pypi/simple", "publish-url")),
    Fires("simple-as-publish-url", "UIG208", WARN,
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/simple"\npublish-url = "{GL}/simple"\n',
          4, 15, ("without `/simple`", "`uv publish`")),
    Fires("other-suffix", "UIG208", WARN,
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/files"\n',
          3, 7, ("ends in `/packages/pypi/simple`", "`.../files`")),
    Fires("group-extra-index-url", "UIG208", WARN,
          '[tool.uv]\nextra-index-url = ["https://gitlab.example.com/api/v4/groups/7/-/packages/pypi"]\n',
          2, 20, ("upload URL",)),
    # UIG209 credentials-over-http
    Fires("userinfo", "UIG209", WARN,
          '[[tool.uv.index]]\nname = "a"\nurl = "http://ci@pypi.internal.example/simple"\n',
          3, 7, ("`pypi.internal.example`", "unencrypted", "`https://`")),
    Fires("authenticate-always", "UIG209", WARN,
          '[[tool.uv.index]]\nname = "a"\nurl = "http://pypi.internal.example/simple"\n'
          'authenticate = "always"\n',
          3, 7, ("unencrypted",)),
    # UIG210 deprecated-index-url
    Fires("index-url", "UIG210", INFO,
          f'[tool.uv]\nindex-url = "{URL}"\n',
          2, 1, ("`index-url` is deprecated", "[[tool.uv.index]]", "`default = true`")),
    Fires("extra-index-url", "UIG210", INFO,
          f'[tool.uv]\nextra-index-url = ["{URL}"]\n',
          2, 20, ("`extra-index-url` is deprecated",)),
    Fires("uv-toml", "UIG210", INFO,
          f'index-url = "{URL}"\n',
          1, 1, ("[[index]]",), UV),
    # UIG211 unreadable-uv-settings
    Fires("unknown-key", "UIG211", WARN,
          '[tool.uv]\ndev-dependancies = []\n',
          2, 1, ("unknown field `dev-dependancies`", "settings discovery",
                 "did you mean `dev-dependencies`")),
    Fires("legacy-type", "UIG211", WARN,
          f'[tool.uv]\nextra-index-url = "{URL}"\n',
          2, 19, ("`extra-index-url`", "expected a sequence", "ignores the settings")),
    # UIG301 credentials-in-url
    Fires("password", "UIG301", ERR,
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "https://__token__:hunter2@{GL[8:]}/simple"\n',
          3, 26, ("`url` of index `gitlab`", "a password (`****`)", "UV_INDEX_GITLAB_PASSWORD")),
    Fires("publish-url", "UIG301", ERR,
          f'[tool.uv]\npublish-url = "https://__token__:hunter2@{GL[8:]}"\n',
          2, 34, ("`publish-url`", "UV_PUBLISH_PASSWORD", "uv publish --token")),
    Fires("unnamed", "UIG301", ERR,
          'extra-index-url = ["https://ci:hunter2@pypi.internal.example/simple"]\n',
          1, 32, ("`extra-index-url`", "declare the index"), UV),
]

QUIET = [
    Quiet("toml-1.0", "UIG003",
          f'[tool.uv]\nindex = [{{ name = "a", url = "{URL}" }}]\n[tool.uv.sources]\n'
          'x = { index = "a" }\n'),
    Quiet("invalid-in-1.1-too", "UIG003", 'a = {x=1,,}\n'),
    Quiet("valid-toml-forms", "UIG001",
          "[tool.uv]\nindex = [\n  { name = 'a', url = '''https://a.example/simple''' },\n]\n"),
    Quiet("valid-settings", "UIG002",
          '[tool.uv-index-guard]\nignore = ["UIG205", "UIG210"]\nexclude = ["vendor/"]\n'),
    Quiet("settings-only-in-pyproject", "UIG002", 'index-url = "https://a.example/simple"\n', UV),
    Quiet("has-url", "UIG101", f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\n'),
    Quiet("legacy-index-url", "UIG101", f'[tool.uv]\nindex-url = "{URL}"\n'),
    Quiet("allowed-characters", "UIG102",
          f'[[tool.uv.index]]\nname = "Team_A-2.b"\nurl = "{URL}"\n'),
    Quiet("case-sensitive", "UIG103",
          f'[[tool.uv.index]]\nname = "A"\nurl = "{URL}"\n'
          '[[tool.uv.index]]\nname = "a"\nurl = "https://b.example/simple"\n'),
    Quiet("uv-toml-is-UIG206", "UIG103",
          f'[[index]]\nname = "a"\nurl = "{URL}"\n[[index]]\nname = "a"\nurl = "{URL}"\n', UV),
    Quiet("one-default", "UIG104",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\ndefault = true\n'
          '[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = false\n'),
    Quiet("uv-toml-is-UIG207", "UIG104",
          f'[[index]]\nname = "a"\nurl = "{URL}"\ndefault = true\n'
          '[[index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = true\n', UV),
    Quiet("has-name", "UIG105",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nexplicit = true\n'
          '[tool.uv.sources]\nfoo = { index = "a" }\n'),
    Quiet("not-explicit", "UIG105", f'[[tool.uv.index]]\nurl = "{URL}"\nexplicit = false\n'),
    Quiet("all-valid", "UIG106",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nexplicit = true\ndefault = false\n'
          'format = "simple"\nauthenticate = "never"\nignore-error-codes = [401, 403]\n'
          'cache-control = { api = "max-age=600", files = "max-age=3600" }\n'
          'publish-url = "https://pypi.internal.example/upload"\n'
          '[[tool.uv.index]]\nname = "wheels"\nurl = "./wheels"\nformat = "flat"\n'
          '[tool.uv.sources]\nfoo = { index = "a" }\n'),
    Quiet("declared", "UIG107",
          f'[[tool.uv.index]]\nname = "internal"\nurl = "{URL}"\n'
          '[tool.uv.sources]\nfoo = { index = "internal" }\n'
          'bar = { git = "https://example.com/bar" }\n'),
    Quiet("known-keys", "UIG108",
          'torch-backend = "auto"\ncache-keys = [{ file = "pyproject.toml" }]\n'
          'upgrade-package = []\n'
          'require-build-hashes = true\nbuild-constraint-dependencies = []\n'
          'keyring-provider = "subprocess"\n', UV),
    Quiet("pyproject-is-UIG211", "UIG108", '[tool.uv]\nindexes = []\n'),
    Quiet("all-known", "UIG201",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nformat = "simple"\n'
          'exclude-newer = "2025-01-01T00:00:00Z"\n'),
    Quiet("credential-key-is-UIG202", "UIG201",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\nusername = "ci"\n'),
    Quiet("username-in-url", "UIG202",
          '[[tool.uv.index]]\nname = "a"\nurl = "https://ci@pypi.internal.example/simple"\n'),
    Quiet("no-name-key", "UIG203", f'[[tool.uv.index]]\nurl = "{URL}"\n'),
    Quiet("distinct", "UIG204",
          f'[[tool.uv.index]]\nname = "team-a"\nurl = "{URL}"\n'
          '[[tool.uv.index]]\nname = "team-b"\nurl = "https://b.example/simple"\n'),
    Quiet("used-by-source", "UIG205",
          f'[[tool.uv.index]]\nname = "private"\nurl = "{URL}"\nexplicit = true\n'
          '[tool.uv.sources]\n'
          'foo = [{ index = "private", marker = "sys_platform == \'linux\'" }]\n'),
    Quiet("has-publish-url", "UIG205",
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/simple"\npublish-url = "{GL}"\n'
          'explicit = true\n'),
    Quiet("uv-toml", "UIG205",
          f'[[index]]\nname = "private"\nurl = "{URL}"\nexplicit = true\n', UV),
    Quiet("pyproject-is-UIG103", "UIG206",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\n'
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\n'),
    Quiet("pyproject-is-UIG104", "UIG207",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\ndefault = true\n'
          '[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\ndefault = true\n'),
    Quiet("correct-urls", "UIG208",
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{GL}/simple/"\npublish-url = "{GL}"\n'
          '[[tool.uv.index]]\nname = "group"\n'
          'url = "https://gitlab.example.com/api/v4/groups/7/-/packages/pypi/simple"\n'),
    Quiet("not-gitlab-api", "UIG208",
          '[[tool.uv.index]]\nname = "a"\nurl = "https://example.com/packages/pypi"\n'),
    Quiet("loopback", "UIG209",
          '[[tool.uv.index]]\nname = "a"\nurl = "http://ci@127.0.0.1:8080/simple"\n'
          '[[tool.uv.index]]\nname = "b"\nurl = "http://ci@localhost/simple"\n'),
    Quiet("http-without-credentials", "UIG209",
          '[[tool.uv.index]]\nname = "a"\nurl = "http://pypi.internal.example/simple"\n'),
    Quiet("https", "UIG209",
          '[[tool.uv.index]]\nname = "a"\nurl = "https://ci@pypi.internal.example/simple"\n'
          'authenticate = "always"\n'),
    Quiet("named-index", "UIG210",
          f'[[tool.uv.index]]\nname = "a"\nurl = "{URL}"\ndefault = true\n'),
    Quiet("known-keys", "UIG211",
          '[tool.uv]\nkeyring-provider = "subprocess"\nindex-strategy = "first-index"\n'
          'dev-dependencies = []\nmanaged = true\n'
          f'extra-index-url = ["{URL}"]\n[tool.uv.sources]\n'),
    Quiet("uv-toml-is-UIG108", "UIG211", 'dev-dependancies = []\n', UV),
    Quiet("placeholder-token", "UIG301",
          f'[[tool.uv.index]]\nname = "gitlab"\n'
          f'url = "https://__token__:glpat-xxxxxxxxxxxxxxxxxxxx@{GL[8:]}/simple"\n'),
    Quiet("env-reference", "UIG301",
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "https://__token__:${{GITLAB_TOKEN}}@{GL[8:]}/simple"\n'),
    Quiet("username-only", "UIG301",
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "https://__token__@{GL[8:]}/simple"\n'),
    Quiet("stars", "UIG301",
          f'[[tool.uv.index]]\nname = "gitlab"\nurl = "https://__token__:****@{GL[8:]}/simple"\n'),
]


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def where(finding: Finding) -> tuple[int, int]:
    return finding.range.start.line + 1, finding.range.start.column + 1


@pytest.mark.parametrize("case", FIRES, ids=[c.id for c in FIRES])
def test_rule_fires(case: Fires) -> None:
    found = by_code(check_text(case.text, case.path), case.code)
    assert found, f"{case.code} did not fire"
    at = {where(f): f for f in found}
    assert (case.line, case.column) in at, f"{case.code} fired at {sorted(at)}"
    finding = at[(case.line, case.column)]
    assert finding.severity is case.severity
    assert finding.severity is CODES[case.code].severity
    assert finding.path == case.path
    assert finding.range.end >= finding.range.start
    for word in case.words:
        assert word in finding.message


@pytest.mark.parametrize("case", QUIET, ids=[c.id for c in QUIET])
def test_rule_does_not_fire(case: Quiet) -> None:
    found = by_code(check_text(case.text, case.path), case.code)
    assert found == [], [f.message for f in found]


def test_every_code_has_a_firing_and_a_quiet_case() -> None:
    assert {c.code for c in FIRES} == set(CODES)
    assert {c.code for c in QUIET} == set(CODES)
    assert len({c.id for c in FIRES}) == len(FIRES)
    assert len({c.id for c in QUIET}) == len(QUIET)


def test_codes_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(codes) == len(set(codes)) == len(CODES)
    assert len(names) == len(set(names))
    for rule in RULES:
        assert re.fullmatch(r"UIG\d{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule.name), rule.name
        assert isinstance(rule.severity, Severity)
        assert rule.summary
        assert rule.docs_url.endswith(f"/docs/rules/{rule.code}.md")
        assert CODES[rule.code] is rule


# --- fixes -------------------------------------------------------------------------------


def _has_fix(case: Fires) -> bool:
    return any(f.fixes for f in by_code(check_text(case.text, case.path), case.code))


FIXABLE = [c for c in FIRES if _has_fix(c)]


def test_fixable_cases_are_the_expected_ones() -> None:
    assert {c.code for c in FIXABLE} == {
        "UIG102", "UIG104", "UIG105", "UIG106", "UIG107", "UIG201", "UIG202", "UIG207",
        "UIG208",
    }


UNSAFE_FIXES = {"UIG104", "UIG107", "UIG201", "UIG207"}


@pytest.mark.parametrize("case", FIXABLE, ids=[c.id for c in FIXABLE])
def test_fix_removes_the_finding(case: Fires) -> None:
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
    assert toml_block(found["Example"]) is not None
    assert toml_block(found["Use instead"]) is not None
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
    example = toml_block(found["Example"])
    assert example is not None
    findings = by_code(check_text(example, block_path(example)), code)
    assert findings, f"the Example of {code}.md does not trigger {code}"
    documented = not found["Fix"].startswith("No automatic fix")
    assert any(f.fixes for f in findings) == documented, "the Fix section disagrees with the code"


@pytest.mark.parametrize("code", PAGES)
def test_docs_use_instead_is_clean(code: str) -> None:
    block = toml_block(sections(page(code))["Use instead"])
    assert block is not None
    tomllib.loads(block)
    assert [f.code for f in check_text(block, block_path(block))] == []


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
