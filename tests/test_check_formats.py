"""`check --output-format`: every format, as the tool that reads it expects it; `--fix` that
cannot or must not write."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers import SARIF_SCHEMA, validate
from scan_samples import p, rand

from uv_index_guard.cli import main
from uv_index_guard.hooks import check as check_mod

BROKEN = """[project]
name = "demo"
version = "0.1.0"

[[tool.uv.index]]
name = "internal"
url = "https://pypi.internal.example/simple"
explict = true
default = true

[[tool.uv.index]]
name = "other"
url = "https://other.example/simple"
default = true
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir with space").mkdir()
    (tmp_path / "dir with space" / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def expected(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    code, out, _ = run(capsys, "check", "--output-format", "json", ".")
    assert code == 1
    found: list[dict[str, object]] = json.loads(out)["findings"]
    assert {f["code"] for f in found} == {"UIG104", "UIG201"}
    return found


def test_format_is_an_alias_and_a_bad_format_is_a_usage_error(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--format", "json", ".")[1] == run(
        capsys, "check", "--output-format", "json", ".")[1]
    with pytest.raises(SystemExit) as exc:
        main(["check", "--output-format", "nope", "."])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: uv-index-guard check") and "invalid choice: 'nope'" in err


def test_json_lines(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = expected(capsys)
    code, out, _ = run(capsys, "check", "--output-format", "json-lines", ".")
    assert code == 1 and [json.loads(line) for line in out.splitlines()] == rows
    assert [r["fixable"] for r in rows if r["code"] == "UIG201"] == [False]  # unsafe only


def test_sarif_is_valid_and_complete(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = expected(capsys)
    code, out, _ = run(capsys, "check", "--output-format", "sarif", ".")
    assert code == 1
    doc = json.loads(out)
    validate(doc, SARIF_SCHEMA)
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/uv-index-guard/uv-index-guard"
    rules = {r["id"]: r for r in driver["rules"]}
    assert len(rules) == len(list((Path(__file__).parents[1] / "docs" / "rules")
                                  .glob("UIG*.md")))
    for rule in rules.values():  # what GitHub code scanning requires of a rule
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["help"]["markdown"] and rule["helpUri"].endswith(f"{rule['id']}.md")
    assert rules["UIG301"]["properties"]["security-severity"] == "9.0"
    results = run_["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results] == [(row["code"], row["line"]) for row in rows]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               == "dir%20with%20space/pyproject.toml" for r in results)
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    assert {r["level"] for r in results} == {"error", "warning"}
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(hashes)) == len(hashes)


def test_line_hashes_survive_lines_moving(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    def hashes() -> list[str]:
        out = run(capsys, "check", "--output-format", "sarif", ".")[1]
        return [r["partialFingerprints"]["primaryLocationLineHash"]
                for r in json.loads(out)["runs"][0]["results"]]

    before = hashes()
    path = project / "dir with space" / "pyproject.toml"
    path.write_text("# a comment above\n\n" + BROKEN, encoding="utf-8")
    assert hashes() == before


def test_github_workflow_commands(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = expected(capsys)
    code, out, _ = run(capsys, "check", "--output-format", "github", ".")
    assert code == 1
    pattern = re.compile(r"::(error|warning|notice) title=uv-index-guard \((UIG\d+)\),"
                         r"file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+)"
                         r"::(.*)")
    lines = out.splitlines()
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        m = pattern.fullmatch(line)
        assert m, line
        assert (m[1], m[2], m[3], int(m[4]), int(m[5])) == (
            row["severity"] if row["severity"] != "info" else "notice", row["code"],
            row["path"], row["line"], row["column"])
        assert m[8].startswith(f"{row['path']}:{row['line']}:{row['column']}: {row['code']} ")


def test_github_escapes_what_would_end_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "a,b:c%d"
    odd.mkdir()
    (odd / "uv.toml").write_text('[[index]]\nurl = "https://x.example/simple"\n'
                                 "explicit = true\n", encoding="utf-8")
    out = run(capsys, "check", "--output-format", "github", ".")[1]
    assert "file=a%2Cb%3Ac%25d/uv.toml," in out and out.count("\n") == 1


def test_gitlab_code_quality(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = expected(capsys)
    code, out, _ = run(capsys, "check", "--output-format", "gitlab", ".")
    assert code == 1
    issues = json.loads(out)
    assert len(issues) == len(rows)
    for issue, row in zip(issues, rows, strict=True):
        # The fields GitLab's Code Quality widget reads.
        assert issue["check_name"] == row["code"]
        assert issue["description"] == f"{row['code']}: {row['message']}"
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] == row["path"]
        assert issue["location"]["positions"]["begin"] == {"line": row["line"],
                                                           "column": row["column"]}
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
    assert {i["check_name"]: i["severity"] for i in issues} == {"UIG104": "blocker",
                                                               "UIG201": "major"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    # An empty report is still a report (`[]`), which GitLab reads as "no issues".
    (project / "dir with space" / "pyproject.toml").write_text('[project]\nname = "a"\n')
    assert run(capsys, "check", "--output-format", "gitlab", ".")[:2] == (0, "[]\n")


def test_junit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = expected(capsys)
    code, out, _ = run(capsys, "check", "--output-format", "junit", ".")
    assert code == 1
    root = ElementTree.fromstring(out)
    assert root.tag == "testsuites" and root.get("failures") == str(len(rows))
    (suite,) = root
    assert suite.get("name") == "dir with space/pyproject.toml"
    cases = list(suite)
    assert [(c.get("name"), c.get("line")) for c in cases] == [
        (f"uv-index-guard.{r['code']}", str(r["line"])) for r in rows]
    assert all(c.find("failure") is not None for c in cases)
    (project / "dir with space" / "pyproject.toml").write_text('[project]\nname = "a"\n')
    code, out, _ = run(capsys, "check", "--output-format", "junit", ".")
    root = ElementTree.fromstring(out)
    assert code == 0 and root.get("failures") == "0" and root.find(".//failure") is None


def test_no_format_prints_a_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = p("pat") + rand(20)
    path = tmp_path / "pyproject.toml"
    path.write_text('[[tool.uv.index]]\nname = "gitlab"\n'
                    f'url = "https://__token__:{token}@gitlab.com/api/v4/projects/1/packages/'
                    'pypi/simple"\n', encoding="utf-8")
    for fmt in ("text", "json", "json-lines", "sarif", "github", "gitlab", "junit"):
        code, out, err = run(capsys, "check", "--output-format", fmt, str(path))
        assert code == 1 and "UIG301" in out, fmt
        assert token not in out + err and token[6:] not in out + err, fmt


NAMELESS = ('[[index]]\nurl = "https://gitlab.com/api/v4/projects/1/packages/pypi/'
            'simple"\nexplicit = true\n')


def test_fix_on_a_read_only_file_writes_nothing(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "uv.toml"
    path.write_text(NAMELESS, encoding="utf-8")
    path.chmod(0o444)
    try:
        code, out, err = run(capsys, "check", "--fix", str(path))
        assert code == 2 and f"error: {path}: the file is read-only; nothing written" in err
        assert path.read_text(encoding="utf-8") == NAMELESS
        assert "UIG105" in out  # the finding is still reported
        assert sorted(os.listdir(tmp_path)) == ["uv.toml"]  # no temporary file left
    finally:
        path.chmod(stat.S_IWUSR | stat.S_IRUSR)


def test_fix_that_uv_would_reject_is_not_written(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The engine checks the fixed text before it is written: were a fix to make uv reject
    the file (here a fix that adds a second default index), nothing is written."""
    path = tmp_path / "pyproject.toml"
    original = "[tool.uv]\n" + NAMELESS.replace("[[index]]", "[[tool.uv.index]]")
    path.write_text(original, encoding="utf-8")

    def broken(text: str, findings: object, *, unsafe: bool = False) -> tuple[str, int]:
        return text + ('[[tool.uv.index]]\nurl = "https://a.example/simple"\n'
                       'default = true\n') * 2, 1

    monkeypatch.setattr(check_mod, "apply_fixes", broken)
    code, _, err = run(capsys, "check", "--fix", str(path))
    assert code == 2 and "the fixes would make uv reject the file (UIG104)" in err
    assert path.read_text(encoding="utf-8") == original
    code, out, err = run(capsys, "check", "--diff", str(path))
    assert code == 2 and out == "" and "UIG104" in err
