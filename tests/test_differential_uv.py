"""Differential test: the checker against real uv.

Every configuration below is written into a fresh project directory and given to
`uv lock --offline`. uv's verdict (accepted or rejected, and where) is computed at run time;
the checker must agree with it:

* a configuration uv rejects must get an ERROR finding in the file uv names, on the line uv
  names (for table-level errors, which uv reports at the first index header, anywhere within
  the index tables; for "references an undeclared index", which has no line, a UIG107);
* a configuration uv accepts may have no ERROR finding other than UIG301 (credentials in a
  URL, which uv accepts but which we refuse on purpose).

Each case is also annotated with the verdict it is meant to provoke (and a phrase of uv's
message), which is checked separately, so that a change in uv's behaviour is noticed instead
of silently turning a case into one that no longer tests what it claims.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from uv_index_guard.engine import analyze
from uv_index_guard.finding import Finding, Severity

ACCEPT, REJECT = "accept", "reject"
PYPROJECT, UV_TOML = "pyproject.toml", "uv.toml"

URL = "https://pypi.example.com/simple"
GITLAB = "https://gitlab.example.com/api/v4/projects/42/packages/pypi"
# Token-shaped, synthesised, and never written whole in this file.
FAKE_PAT = "glpat-" + "Ab3dE5gH7jK9" + "mN1pQ2rS"


# --- the configurations ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]
    expect: str  # ACCEPT or REJECT: what this case is meant to provoke in uv
    uv_says: str = ""  # a phrase uv's output must contain (sanity check of the case)


def project(body: str = "", deps: tuple[str, ...] = (), head: str = "") -> str:
    """A pyproject.toml: ``head`` (root-level keys), a valid `[project]`, then ``body``."""
    dependencies = ", ".join(f'"{d}"' for d in deps)
    return (f"{head}[project]\nname = \"demo\"\nversion = \"0.1.0\"\n"
            f"requires-python = \">=3.10\"\ndependencies = [{dependencies}]\n\n{body}")


def table(header: str = "[[tool.uv.index]]", **raw: str) -> str:
    """A table whose values are raw TOML (`explicit="true"`); `_` in keys becomes `-`."""
    return "\n".join([header] + [f"{k.replace('_', '-')} = {v}" for k, v in raw.items()]) + "\n"


def index(name: str | None = "private", url: str | None = URL, **raw: str) -> str:
    """A `[[tool.uv.index]]` table with this name and URL (None: left out) and ``raw`` keys."""
    keys = {key: f'"{value}"' for key, value in (("name", name), ("url", url))
            if value is not None}
    return table(**keys, **raw)


def pyproject_case(id: str, body: str, expect: str, uv_says: str = "", *,
                   deps: tuple[str, ...] = ("sandbox",), head: str = "") -> Case:
    return Case(id, {PYPROJECT: project(body, deps, head)}, expect, uv_says)


def bad_value_case(id: str, uv_says: str, **raw: str) -> Case:
    """An index `private` whose keys ``raw`` (raw TOML, replacing name or url) uv rejects."""
    keys = {"name": '"private"', "url": f'"{URL}"', **raw}
    return pyproject_case(id, table(**keys), REJECT, uv_says)


SOURCES_ONE = '[tool.uv.sources]\nsandbox = { index = "private" }\n'
UNREACHABLE = "references an undeclared index"

# Known differences left out on purpose (each is a decision, not an oversight):
# - A `[tool.uv.sources]` entry naming an undeclared index for a package that is not a
#   dependency: uv never looks at it, the checker reports UIG107 (in a workspace root such an
#   entry applies to the members' dependencies, which one file does not show).

CASES: list[Case] = [
    # Valid configurations in many TOML spellings.
    pyproject_case("valid-array-of-tables", index(explicit="true") + "\n" + SOURCES_ONE, ACCEPT),
    pyproject_case("valid-two-indexes-default", index() + "\n"
                   + index("fallback", "https://mirror.example.com/simple", default="true"),
                   ACCEPT),
    pyproject_case("valid-uv-table-index-array",
                   f'[tool.uv]\nindex = [{{ name = "private", url = "{URL}" }}]\n', ACCEPT),
    pyproject_case("valid-uv-table-index-array-multiline",
                   "[tool.uv]\nindex = [\n"
                   f'  {{ name = "private", url = "{URL}", explicit = true }},\n'
                   '  { name = "mirror", url = "https://mirror.example.com/simple" },\n'
                   "]\n\n" + SOURCES_ONE, ACCEPT),
    pyproject_case("valid-root-dotted-keys", "", ACCEPT,
                   head=f'tool.uv.index = [{{ name = "private", url = "{URL}" }}]\n\n'),
    pyproject_case("valid-tool-table-dotted-keys",
                   f'[tool]\nuv.index = [{{ name = "private", url = "{URL}" }}]\n', ACCEPT),
    pyproject_case("valid-quoted-keys",
                   f'[[tool."uv".index]]\nname = "private"\nurl = "{URL}"\n', ACCEPT),
    pyproject_case("valid-quoted-keys-spaced",
                   f"[[ \"tool\" . 'uv' . \"index\" ]]\nname = 'private'\nurl = '{URL}'\n",
                   ACCEPT),
    pyproject_case("valid-inline-cache-control",
                   index(cache_control='{ api = "max-age=600", files = "max-age=3600" }'),
                   ACCEPT),
    pyproject_case("valid-cache-control-subtable",
                   index() + '\n[tool.uv.index.cache-control]\napi = "max-age=600"\n', ACCEPT),
    pyproject_case("valid-every-key",
                   index(explicit="true", format='"simple"', authenticate='"always"',
                         ignore_error_codes="[401, 403]", publish_url=f'"{GITLAB}"')
                   + "\n" + SOURCES_ONE, ACCEPT),
    pyproject_case("valid-flat-index-never-authenticate",
                   index("links", "https://links.example.com/wheels/", format='"flat"',
                         authenticate='"never"'), ACCEPT),
    pyproject_case("valid-gitlab-project-index", index("gitlab", GITLAB + "/simple"), ACCEPT),
    pyproject_case("valid-name-with-dots-and-underscores", index("my-index.v2_b"), ACCEPT),
    pyproject_case("valid-names-differ-in-case", index("Private") + "\n" + index("private"),
                   ACCEPT),
    pyproject_case("valid-escaped-name", index("priv\\u0061te") + "\n" + SOURCES_ONE, ACCEPT),
    pyproject_case("valid-multiline-string-url",
                   f'[[tool.uv.index]]\nname = "private"\nurl = """{URL}"""\n', ACCEPT),
    pyproject_case("valid-port-and-ipv6",
                   index("ported", "https://pypi.example.com:8443/simple") + "\n"
                   + index("v6", "http://[::1]:8080/simple"), ACCEPT),
    # WHATWG URL parsing, as uv does: extra slashes are skipped, `%41` is `A`, `127.1` is an
    # IPv4 address, and only lower-case `http:`/`https:`/`file:` make an index URL (the rest
    # is a path).
    pyproject_case("valid-url-three-slashes", index(url="https:///pypi.example.com/simple"),
                   ACCEPT),
    pyproject_case("valid-publish-url-without-slashes",
                   index(publish_url='"https:upload.example.com/legacy/"'), ACCEPT),
    pyproject_case("valid-url-percent-encoded-host",
                   index(url="https://pypi%2Dmirror.example.com/simple"), ACCEPT),
    pyproject_case("valid-url-short-ipv4", index(url="http://127.1:8080/simple"), ACCEPT),
    pyproject_case("silent-uppercase-scheme-is-a-path",
                   index(url="HTTPS://pypi.example.com:99999/simple"), ACCEPT),
    pyproject_case("valid-hash-algorithm-and-exclude-newer",
                   index(hash_algorithm='"sha256"', exclude_newer='"3 days"'), ACCEPT),
    pyproject_case("valid-legacy-index-url",
                   f'[tool.uv]\nindex-url = "{URL}"\n'
                   'extra-index-url = ["https://mirror.example.com/simple"]\n', ACCEPT),
    pyproject_case("valid-sources-list-with-markers",
                   index("linux", explicit="true") + "\n"
                   + index("other", "https://other.example.com/simple", explicit="true") + "\n"
                   "[tool.uv.sources]\nsandbox = [\n"
                   '  { index = "linux", marker = "sys_platform == \'linux\'" },\n'
                   '  { index = "other", marker = "sys_platform != \'linux\'" },\n]\n', ACCEPT),
    pyproject_case("valid-sources-subtable",
                   index(explicit="true") + '\n[tool.uv.sources.sandbox]\nindex = "private"\n',
                   ACCEPT),
    pyproject_case("valid-token-in-url-uig301",
                   index("gitlab", f"https://__token__:{FAKE_PAT}@gitlab.example.com"
                                   "/api/v4/projects/42/packages/pypi/simple"), ACCEPT),
    # Accepted silently by uv (the checker may warn, but must not report an error).
    pyproject_case("silent-username-key", index(username='"oauth2"'), ACCEPT),
    pyproject_case("silent-password-key", index(password='"not-a-real-password"'), ACCEPT),
    pyproject_case("silent-typo-explict", index(explict="true"), ACCEPT),
    pyproject_case("silent-empty-name", index(""), ACCEPT),
    pyproject_case("silent-unreferenced-explicit", index(explicit="true"), ACCEPT),
    pyproject_case("silent-env-var-collision", index("a-b") + "\n" + index("a_b"), ACCEPT),
    pyproject_case("silent-unknown-tool-uv-key",
                   index() + "\n[tool.uv]\nindex-urls = []\n", ACCEPT,
                   "Failed to parse `pyproject.toml` during settings discovery"),
    pyproject_case("silent-no-dependencies", index(), ACCEPT, deps=()),
    # Rejected by uv.
    pyproject_case("reject-missing-url", index(url=None), REJECT, "missing field `url`"),
    pyproject_case("reject-missing-url-second-index",
                   index() + "\n" + index("other", None), REJECT, "missing field `url`"),
    pyproject_case("reject-name-with-space", index("my index"), REJECT, "unsupported character"),
    pyproject_case("reject-name-with-slash", index("team/private"), REJECT,
                   "unsupported character"),
    pyproject_case("reject-non-ascii-name", index("privé"), REJECT, "must be ASCII"),
    pyproject_case("reject-duplicate-names",
                   index() + "\n" + index("private", "https://other.example.com/simple"),
                   REJECT, "duplicate index name"),
    pyproject_case("reject-duplicate-names-inline",
                   "[tool.uv]\nindex = [\n"
                   f'  {{ name = "private", url = "{URL}" }},\n'
                   '  { name = "private", url = "https://other.example.com/simple" },\n]\n',
                   REJECT, "duplicate index name"),
    pyproject_case("reject-multiple-defaults",
                   index(default="true") + "\n"
                   + index("other", "https://other.example.com/simple", default="true"),
                   REJECT, "multiple indexes with `default = true`"),
    pyproject_case("reject-explicit-without-name", index(None, explicit="true"), REJECT,
                   "requires a `name`"),
    pyproject_case("reject-explicit-without-name-inline",
                   f'[tool.uv]\nindex = [{{ url = "{URL}", explicit = true }}]\n', REJECT,
                   "requires a `name`"),
    bad_value_case("reject-authenticate-sometimes", "unknown variant", authenticate='"sometimes"'),
    bad_value_case("reject-authenticate-capitalised", "unknown variant", authenticate='"Always"'),
    bad_value_case("reject-format-pep503", "unknown variant", format='"pep503"'),
    bad_value_case("reject-explicit-string", "invalid type", explicit='"yes"'),
    bad_value_case("reject-default-integer", "invalid type", default="1"),
    bad_value_case("reject-url-integer", "invalid type", url="42"),
    bad_value_case("reject-name-integer", "invalid type", name="7"),
    bad_value_case("reject-error-codes-strings", "expected u16", ignore_error_codes='["401"]'),
    bad_value_case("reject-error-codes-out-of-range", "u16", ignore_error_codes="[70000]"),
    bad_value_case("reject-error-codes-negative", "u16", ignore_error_codes="[-1]"),
    bad_value_case("reject-error-codes-not-array", "invalid type", ignore_error_codes="401"),
    bad_value_case("reject-error-codes-float", "invalid type", ignore_error_codes="[401.0]"),
    bad_value_case("reject-hash-algorithm-unknown", "unknown variant", hash_algorithm='"md4"'),
    bad_value_case("reject-hash-algorithm-uppercase", "unknown variant",
                   hash_algorithm='"SHA256"'),
    bad_value_case("reject-exclude-newer-word", "could not be parsed",
                   exclude_newer='"yesterday"'),
    bad_value_case("reject-cache-control-string", "invalid type", cache_control='"no-cache"'),
    bad_value_case("reject-empty-host", "empty host", url='"https://:8443/simple"'),
    bad_value_case("reject-empty-host-after-userinfo", "empty host",
                   url='"https://__token__@/simple"'),
    bad_value_case("reject-url-empty-string", "absolute path", url='""'),
    bad_value_case("reject-host-with-space", "invalid international domain name",
                   url='"https://pypi example.com/simple"'),
    bad_value_case("reject-ipv4-out-of-range", "invalid IPv4 address",
                   url='"https://10.0.0.256/simple"'),
    bad_value_case("reject-ipv6-unclosed", "invalid IPv6 address", url='"https://[::1/simple"'),
    bad_value_case("reject-port-out-of-range", "invalid port",
                   url='"https://pypi.example.com:99999/simple"'),
    bad_value_case("reject-port-not-a-number", "invalid port",
                   url='"https://pypi.example.com:http/simple"'),
    bad_value_case("reject-publish-url-relative", "relative URL", publish_url='"upload/here"'),
    pyproject_case("reject-index-not-array", f'[tool.uv]\nindex = "{URL}"\n', REJECT,
                   "invalid type"),
    pyproject_case("reject-undeclared-source-index", SOURCES_ONE, REJECT, UNREACHABLE),
    pyproject_case("reject-source-index-integer",
                   index() + '\n[tool.uv.sources]\nsandbox = { index = 1 }\n', REJECT,
                   "invalid type: integer"),
    pyproject_case("reject-source-index-array",
                   index() + '\n[tool.uv.sources]\nsandbox = [{ index = ["private"] }]\n',
                   REJECT, "invalid type: sequence"),
    pyproject_case("reject-source-is-a-string",
                   index() + '\n[tool.uv.sources]\nsandbox = "private"\n', REJECT,
                   "expected a single source"),
    pyproject_case("reject-source-index-typo",
                   index("privat", explicit="true") + "\n" + SOURCES_ONE, REJECT, UNREACHABLE),
    pyproject_case("reject-source-list-one-undeclared",
                   index("linux", explicit="true") + "\n[tool.uv.sources]\nsandbox = [\n"
                   '  { index = "linux", marker = "sys_platform == \'linux\'" },\n'
                   '  { index = "windows", marker = "sys_platform == \'win32\'" },\n]\n',
                   REJECT, UNREACHABLE),
    pyproject_case("reject-toml-unterminated-string",
                   f'[[tool.uv.index]]\nname = "private\nurl = "{URL}"\n', REJECT,
                   "TOML parse error"),
    pyproject_case("reject-toml-bad-header",
                   f'[[tool.uv.index]\nname = "private"\nurl = "{URL}"\n', REJECT,
                   "TOML parse error"),
    pyproject_case("reject-toml-duplicate-key",
                   index() + 'name = "again"\n', REJECT, "duplicate key"),
    pyproject_case("reject-toml-table-defined-twice",
                   '[tool.uv]\nindex-strategy = "first-index"\n\n'
                   '[tool.uv]\nprerelease = "allow"\n', REJECT, "TOML parse error"),
    # uv.toml next to pyproject.toml.
    Case("uv-toml-valid",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[index]]\nname = "private"\nurl = "{URL}"\n'}, ACCEPT),
    Case("uv-toml-and-tool-uv-both-present",
         {PYPROJECT: project(index("other", "https://other.example.com/simple"), ("sandbox",)),
          UV_TOML: f'index-url = "{URL}"\n'}, ACCEPT),
    Case("uv-toml-duplicate-names-unchecked",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[index]]\nname = "private"\nurl = "{URL}"\n\n'
                   '[[index]]\nname = "private"\nurl = "https://other.example.com/simple"\n'},
         ACCEPT),
    Case("uv-toml-multiple-defaults-unchecked",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[index]]\nname = "private"\nurl = "{URL}"\ndefault = true\n\n'
                   '[[index]]\nname = "other"\nurl = "https://other.example.com/simple"\n'
                   "default = true\n"},
         ACCEPT),
    Case("uv-toml-unknown-top-level-key",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[indexes]]\nname = "private"\nurl = "{URL}"\n'}, REJECT, "unknown field"),
    Case("uv-toml-bad-name",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[index]]\nname = "my index"\nurl = "{URL}"\n'}, REJECT,
         "unsupported character"),
    Case("uv-toml-missing-url",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: '[[index]]\nname = "private"\n'}, REJECT, "missing field `url`"),
    Case("uv-toml-index-url-integer",
         {PYPROJECT: project(deps=("sandbox",)), UV_TOML: "index-url = 42\n"}, REJECT,
         "invalid type"),
    Case("uv-toml-extra-index-url-empty-host",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: 'extra-index-url = ["https://:8080/simple"]\n'}, REJECT, "empty host"),
    Case("uv-toml-index-url-empty-string",
         {PYPROJECT: project(deps=("sandbox",)), UV_TOML: 'index-url = ""\n'}, REJECT,
         "absolute path"),
    Case("uv-toml-explicit-without-name",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[index]]\nurl = "{URL}"\nexplicit = true\n'}, REJECT,
         "requires a `name`"),
    Case("uv-toml-sources-not-allowed",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: f'[[index]]\nname = "private"\nurl = "{URL}"\n\n'
                   '[sources]\nsandbox = { index = "private" }\n'}, REJECT,
         "not allowed in a `uv.toml` file"),
    Case("uv-toml-managed-not-allowed",
         {PYPROJECT: project(deps=("sandbox",)), UV_TOML: "managed = true\n"}, REJECT,
         "not allowed in a `uv.toml` file"),
    Case("uv-toml-present-pyproject-duplicate-names",
         {PYPROJECT: project(index() + "\n" + index(), ("sandbox",)),
          UV_TOML: f'index-url = "{URL}"\n'}, REJECT, "duplicate index name"),
    Case("uv-toml-syntax-error",
         {PYPROJECT: project(deps=("sandbox",)), UV_TOML: '[[index]\nname = "private"\n'},
         REJECT, "TOML parse error"),
    # TOML 1.1 syntax: uv 0.13 reads it (the checker warns with UIG003, no error).
    pyproject_case("toml11-multiline-inline-table-index",
                   '[tool.uv]\nindex = [\n  { name = "private",\n    url = "' + URL
                   + '", explicit = true },\n]\n\n' + SOURCES_ONE, ACCEPT),
    pyproject_case("toml11-trailing-comma-inline-table",
                   '[tool.uv]\nindex = [{ name = "private", url = "' + URL + '", }]\n', ACCEPT),
    pyproject_case("toml11-hex-escape", index("private", URL, format='"\\x73imple"'), ACCEPT),
    Case("uv-toml-toml11-multiline-inline-table",
         {PYPROJECT: project(deps=("sandbox",)),
          UV_TOML: 'index = [\n  { name = "private",\n    url = "' + URL + '" },\n]\n'},
         ACCEPT),
    Case("uv-toml-index-used-by-source",
         {PYPROJECT: project(SOURCES_ONE, ("sandbox",)),
          UV_TOML: f'[[index]]\nname = "private"\nurl = "{URL}"\n'}, REJECT, UNREACHABLE),
]


# --- running uv --------------------------------------------------------------------------

_LINE = re.compile(r"TOML parse error at line (\d+), column (\d+)")
# "Failed to parse: pyproject.toml", "Failed to parse: `uv.toml`", "Failed to parse `uv.toml`. ..."
_FAILED = re.compile(r"^error: Failed to parse:? `?([^`\s]+?)`?(?:\.\s|\s*$)", re.M)
_NOT_ALLOWED = re.compile(r"The `([^`]+)` field is not allowed in a `uv.toml` file")
# With the network disabled and an empty cache, no registry package can be resolved: a failure
# that only says so means uv read and accepted the configuration.
_OFFLINE = re.compile(
    r"network connectivity is disabled|not found in the cache|because the network was disabled|"
    r"^error: No solution found when resolving dependencies", re.M
)


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    file: str | None  # the file uv names in its error (basename)
    line: int | None  # 0-based line of "TOML parse error at line L"
    refused_key: str | None  # "The `sources` field is not allowed in a `uv.toml` file"
    output: str = field(repr=False)


def uv_binary() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.fail("`uv` is not installed: it is a test dependency (pip install -e '.[test]')",
                    pytrace=False)
    return found


def parse_verdict(returncode: int, output: str) -> Verdict:
    """uv's verdict from its exit code and its stderr."""
    start = re.search(r"^error:", output, re.M)
    error = output[start.start():] if start else ""
    if returncode == 0 or (error and _OFFLINE.search(error) and "Failed to parse" not in error):
        return Verdict(True, None, None, None, output)
    failed = _FAILED.search(error)
    file = Path(failed.group(1)).name if failed else None
    line = _LINE.search(error)
    not_allowed = _NOT_ALLOWED.search(error)
    return Verdict(False, file, int(line.group(1)) - 1 if line else None,
                   not_allowed.group(1) if not_allowed else None, output)


def run_uv(uv: str, case: Case, root: Path, cache: Path) -> Verdict:
    where = root / case.id
    where.mkdir()
    for name, text in case.files.items():
        (where / name).write_text(text, encoding="utf-8")
    home = root / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CONFIG_DIRS=str(home / "etc"), XDG_DATA_HOME=str(home / "data"),
        UV_CACHE_DIR=str(cache), UV_PYTHON=sys.executable, UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1", NO_COLOR="1",
    )
    proc = subprocess.run([uv, "lock", "--offline"], cwd=where, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    return parse_verdict(proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verdict]:
    """uv's verdict on every case, computed in parallel once per module."""
    uv = uv_binary()
    root = tmp_path_factory.mktemp("uv-differential")
    (root / "home").mkdir()
    cache = root / "cache"
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 2)) as pool:
        results = pool.map(lambda case: run_uv(uv, case, root, cache), CASES)
        return {case.id: verdict for case, verdict in zip(CASES, results, strict=True)}


# --- comparing ---------------------------------------------------------------------------


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def show(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.range.start.line}: {f.code} {f.severity.label} {f.message}"
                     for f in findings) or "  (none)"


def index_lines(text: str, path: str) -> tuple[set[int], range]:
    """The lines where uv anchors table-level errors, and the lines of all index tables."""
    analysis = analyze(text, path)
    config, doc = analysis.config, analysis.doc
    entry = config.index_entry
    tables = [i for i in config.indexes if i.table is not None]
    if entry is None or not tables:
        return set(), range(0)
    line = doc.range(entry.item_start, entry.item_start).start.line
    first = doc.range(tables[0].anchor_start, tables[0].anchor_start).start.line
    anchors = {line, first, doc.range(entry.value.start, entry.value.start).start.line}
    last = max(doc.range(t.value.end, t.value.end).end.line for t in tables)
    return anchors, range(min(anchors), last + 1)


def hits(verdict: Verdict, text: str, path: str, found: list[Finding]) -> bool:
    """Does the checker report uv's rejection where uv does?"""
    assert verdict.line is not None
    if any(f.range.start.line == verdict.line for f in found):
        return True
    anchors, tables = index_lines(text, path)
    return verdict.line in anchors and any(f.range.start.line in tables for f in found)


def describe(case: Case, verdict: Verdict, findings: dict[str, list[Finding]]) -> str:
    files = "\n".join(
        f"--- {name}\n" + "\n".join(f"{n:3}| {line}" for n, line in
                                    enumerate(text.splitlines()))
        + f"\n--- findings in {name}:\n{show(findings[name])}"
        for name, text in case.files.items())
    return f"{files}\n--- uv (exit verdict {verdict}):\n{verdict.output}"


PARAMS = [pytest.param(case, id=case.id) for case in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_case_provokes_what_it_claims(case: Case, verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts[case.id]
    got = ACCEPT if verdict.accepted else REJECT
    assert got == case.expect, f"uv 0.13 changed its mind?\n{verdict.output}"
    assert case.uv_says in verdict.output, verdict.output


@pytest.mark.parametrize("case", PARAMS)
def test_checker_agrees_with_uv(case: Case, verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts[case.id]
    findings = {name: analyze(text, name).findings for name, text in case.files.items()}
    context = describe(case, verdict, findings)
    if verdict.accepted:
        false_errors = [f for fs in findings.values() for f in errors(fs) if f.code != "UIG301"]
        assert not false_errors, f"uv accepts, but the checker reports errors\n{context}"
        return
    if verdict.refused_key is not None:
        key, path = verdict.refused_key, verdict.file
        assert path in case.files, f"uv names a file we did not write\n{context}"
        assert any(f"`{key}`" in f.message for f in errors(findings[path])), (
            f"uv refuses `{key}` in {path}, the checker has no error about it\n{context}")
        return
    if verdict.line is None:
        assert UNREACHABLE in verdict.output, f"uv rejects without naming a line\n{context}"
        assert any(f.code == "UIG107" for f in errors(findings[PYPROJECT])), (
            f"uv rejects an undeclared index, the checker has no UIG107\n{context}")
        return
    assert verdict.file in case.files, f"uv names a file we did not write\n{context}"
    path = verdict.file
    assert hits(verdict, case.files[path], path, errors(findings[path])), (
        f"uv rejects {path} at line {verdict.line} (0-based), the checker has no error "
        f"there\n{context}")
