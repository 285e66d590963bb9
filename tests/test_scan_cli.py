"""`uv-index-guard scan` end to end: a corpus the tests build, git modes, reports, failures."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import GITLAB_SECRET_SCHEMA, SARIF_SCHEMA, validate
from scan_samples import TRUE_POSITIVES, p, rand, routable

from uv_index_guard.cli import main
from uv_index_guard.hooks import git as git_mod
from uv_index_guard.hooks import scan as scan_mod

PAT = p("pat") + rand(20)
DEPLOY = p("dt") + rand(20)
PASSWORD = rand(14)
CUSTOM_PAT = "acme" + "_pat_" + rand(20)  # under an instance's own prefix
SECRETS = [PAT, DEPLOY, PASSWORD, CUSTOM_PAT, *(s for _, s in TRUE_POSITIVES)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    for secret in SECRETS:
        assert secret not in out and secret not in err, "a secret was printed"
    return code, out, err


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "Dev")
    git(tmp_path, "config", "commit.gpgsign", "false")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def commit(repo: Path, message: str) -> str:
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


# --- the corpus --------------------------------------------------------------------------

CORPUS = {
    ".env": f"DEBUG=1\nGITLAB_TOKEN={PAT}\n",
    ".pypirc": f"[gitlab]\nrepository = https://gitlab.example.com/api/v4/projects/1/"
               f"packages/pypi\nusername = __token__\npassword = {DEPLOY}\n",
    ".gitlab-ci.yml": f"build:\n  script:\n    - pip install --index-url "
                      f"https://ci:{PASSWORD}@gitlab.acme.dev/simple app\n",
    "conf/pip.conf": f"[global]\nindex-url = https://user:{PASSWORD}@gitlab.acme.dev/s\n",
    "requirements.txt": f"--extra-index-url https://u:{PASSWORD}@gitlab.acme.dev/s\nrich\n",
    "Dockerfile": f"FROM python:3.12\nENV GL={routable()}\n",
    "notebook.ipynb": json.dumps({"cells": [{"source": [f"token = '{PAT}'\n"]}]}),
    "deploy.sh": f"#!/bin/sh\ncurl -H 'PRIVATE-TOKEN: {PAT}' https://gitlab.example.com\n",
    "dir with space/naïve.py": f"T = '{DEPLOY}'\n",
    "src/clean.py": "print('hello')\nURL = 'https://user:${PASSWORD}@example.com'\n",
    "docs/example.md": f"Use `{p('pat')}xxxxxxxxxxxxxxxxxxxx` or `{p('pat')}<token>`.\n",
}
EXPECTED = {  # path -> (line, rule)
    ".env": (2, "gitlab-pat"),
    ".pypirc": (4, "gitlab-deploy-token"),
    ".gitlab-ci.yml": (3, "url-credentials"),
    "conf/pip.conf": (2, "url-credentials"),
    "requirements.txt": (1, "url-credentials"),
    "Dockerfile": (2, "gitlab-pat"),
    "notebook.ipynb": (1, "gitlab-pat"),
    "deploy.sh": (2, "gitlab-pat"),
    "dir with space/naïve.py": (1, "gitlab-deploy-token"),
}


def write_corpus(root: Path) -> None:
    for name, text in CORPUS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any]]:
    code, out, _ = run(capsys, "--format", "json", *args)
    return code, json.loads(out)["findings"]


def test_corpus(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    code, findings = scan_json(capsys)
    assert code == 1
    got = {f["path"]: (f["line"], f["rule"]) for f in findings}
    assert got == EXPECTED
    for f in findings:
        assert list(f) == ["path", "line", "column", "end_line", "end_column", "rule",
                           "severity", "message", "fingerprint"]
        assert f["column"] >= 1 and f["end_column"] > f["column"]


def test_text_format(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    code, out, _ = run(capsys)
    assert code == 1
    assert f".env:2:14: gitlab-pat GitLab personal, project or group access token " \
           f"`{p('pat')}…{PAT[-4:]}`" in out.splitlines()
    summary = out.splitlines()[-1]
    assert summary.startswith("Found 9 secrets in 11 files.")
    # The summary says what to do: move, revoke, baseline.
    for step in ("an environment variable or a CI/CD variable", "fix --to env|keyring",
                 "revoke any that was pushed", "--write-baseline"):
        assert step in summary, step


def test_paths_and_gitignore(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    (repo / ".gitignore").write_text(".env\nconf/\n")
    code, findings = scan_json(capsys, ".")
    assert {f["path"] for f in findings} == set(EXPECTED) - {".env", "conf/pip.conf"}
    # Named files are scanned even if ignored (pre-commit passes what git tracks).
    code, findings = scan_json(capsys, ".env", "src/clean.py")
    assert code == 1 and [f["path"] for f in findings] == [".env"]


def test_clean_exit_zero(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "a.py").write_text("x = 1\n")
    code, out, _ = run(capsys)
    assert code == 0 and "No secrets found (1 file scanned)." in out


def test_pyproject_excludes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    (repo / "pyproject.toml").write_text(
        '[tool.uv-index-guard]\nexclude = ["*.ipynb", "dir with space/", "/.env"]\n')
    code, findings = scan_json(capsys)
    assert {f["path"] for f in findings} == set(EXPECTED) - {
        "notebook.ipynb", "dir with space/naïve.py", ".env"}
    # A file named itself is scanned (ruff's rule), unless --force-exclude (pre-commit's).
    code, findings = scan_json(capsys, "notebook.ipynb")
    assert code == 1 and [f["path"] for f in findings] == ["notebook.ipynb"]
    code, findings = scan_json(capsys, "--force-exclude", "notebook.ipynb", "deploy.sh")
    assert code == 1 and [f["path"] for f in findings] == ["deploy.sh"]


def test_crlf_and_latin1(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "crlf.ini").write_bytes(f"a=1\r\nb=2\r\n\r\ntoken = {PAT}\r\n".encode())
    (repo / "latin1.txt").write_bytes("café=1\nclé: ".encode("latin-1") + PAT.encode() + b"\n")
    (repo / "bad-utf8.txt").write_bytes(b"\xff\xfe\xc3(\n" + DEPLOY.encode() + b"\n")
    code, findings = scan_json(capsys)
    assert code == 1
    got = {f["path"]: (f["line"], f["column"], f["end_column"]) for f in findings}
    assert got == {"crlf.ini": (4, 9, 9 + len(PAT)),
                   "latin1.txt": (2, 6, 6 + len(PAT)),
                   "bad-utf8.txt": (2, 1, 1 + len(DEPLOY))}


def test_huge_minified_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    filler = ("var a=function(b){return b+1};" * 200_000)[:5_000_000]
    data = filler[:2_500_000] + f'"{PAT}";' + filler[2_500_000:] + f'k="{DEPLOY}"'
    (repo / "bundle.min.js").write_text(data)
    code, findings = scan_json(capsys)
    assert code == 1
    assert [(f["line"], f["column"], f["rule"]) for f in findings] == [
        (1, 2_500_002, "gitlab-pat"), (1, len(data) - len(DEPLOY), "gitlab-deploy-token")]


@pytest.mark.parametrize("chunk", [9_000, 10_007, 65_536])
def test_secrets_across_window_cuts(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Every offset around the cuts, for long lines and for many short lines."""
    monkeypatch.setattr(scan_mod, "CHUNK", chunk)
    secret = routable()
    for start in range(chunk - 700, chunk + 40, 23):
        for filler in ("x" * start, ("y" * 60 + "\n") * (start // 61) + "z" * (start % 61)):
            data = (filler + " " + secret + " tail\n" + "w" * 3000).encode()
            found = scan_mod.scan_stream(io.BytesIO(data).read, "f")
            assert found is not None and len(found) == 1, (chunk, start)
            line = filler.count("\n")
            column = len(filler) - filler.rfind("\n")  # 0-based, after the space
            assert (found[0].range.start.line, found[0].range.start.column) == (line, column)
            assert found[0].range.end.column - found[0].range.start.column == len(secret)


def test_binary_skipped(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02" + PAT.encode())
    code, out, _ = run(capsys)
    assert code == 0 and "No secrets found" in out


def test_unreadable_inputs_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "ok.txt").write_text(PAT + "\n")
    code, out, err = run(capsys, "missing.txt", "ok.txt")
    assert code == 2 and "error: missing.txt: No such file or directory" in err
    assert out.splitlines()[-1] == "1 path could not be read."
    # A scan with a path it could not read is never called clean.
    code, out, err = run(capsys, "missing.txt")
    assert code == 2 and out.strip() == (
        "No secrets found in the 0 files scanned, but 1 path could not be read.")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(repo / "agent.sock"))
        code, _, err = run(capsys, "agent.sock")
    assert code == 2 and err.strip() == "error: agent.sock: not a regular file"


def test_read_error_exit_2(repo: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "disk.txt").write_text("x\n")
    if os.geteuid() != 0:
        (repo / "disk.txt").chmod(0)
    else:  # root reads mode-000 files: fail the read the way a broken disk would
        def broken(*_args: object, **_kwargs: object) -> object:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(scan_mod, "open", broken, raising=False)
    code, _, err = run(capsys, ".")
    assert code == 2 and "error: disk.txt: cannot read:" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_symlinks_are_not_followed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "dangling").symlink_to(repo / "nowhere")
    outside = repo.parent / f"{repo.name}-outside.txt"
    outside.write_text(PAT + "\n")
    (repo / "link").symlink_to(outside)
    code, _, _ = run(capsys)
    assert code == 0


def test_baseline_round_trip(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    code, out, _ = run(capsys, "--write-baseline", "baseline.json")
    assert code == 0 and "Wrote" in out
    text = (repo / "baseline.json").read_text()
    assert all(secret not in text for secret in SECRETS)
    assert len(json.loads(text)["fingerprints"]) == 4  # PAT, DEPLOY, PASSWORD, routable
    code, out, _ = run(capsys, "--baseline", "baseline.json")
    assert code == 0
    other = p("pat") + rand(20)
    (repo / "new.env").write_text(f"T={other}\n")
    code, findings = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1 and [f["path"] for f in findings] == ["new.env"]
    (repo / "broken.json").write_text("{")
    code, _, err = run(capsys, "--baseline", "broken.json")
    assert code == 2 and "not JSON" in err


def test_output_file_and_terminal_text(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    code, out, _ = run(capsys, "--format", "sarif", "--output", "report.sarif")
    assert code == 1 and out.splitlines()[0].startswith(".env:2:14: gitlab-pat")
    sarif = (repo / "report.sarif").read_text()
    assert all(secret not in sarif for secret in SECRETS)
    check_sarif(json.loads(sarif), expected=len(EXPECTED))


def check_sarif(doc: dict[str, Any], expected: int) -> None:
    validate(doc, SARIF_SCHEMA)
    assert doc["version"] == "2.1.0" and doc["$schema"].startswith("https://")
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "uv-index-guard" and isinstance(driver["version"], str)
    assert driver["informationUri"].startswith("https://")
    rule_ids = [r["id"] for r in driver["rules"]]
    for rule in driver["rules"]:
        assert isinstance(rule["shortDescription"]["text"], str)
        assert rule["helpUri"].startswith("https://")
    assert len(run_["results"]) == expected
    for result in run_["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert isinstance(result["message"]["text"], str)
        (loc,) = result["locations"]
        phys = loc["physicalLocation"]
        assert isinstance(phys["artifactLocation"]["uri"], str)
        region = phys["region"]
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            assert isinstance(region[key], int) and region[key] >= 1
        assert (region["endLine"], region["endColumn"]) > (region["startLine"],
                                                           region["startColumn"])
        assert isinstance(result["partialFingerprints"]["secretFingerprint/v1"], str)
        # GitHub tracks results by this hash; it cannot compute one for history-only files.
        assert re.fullmatch(r"[0-9a-f]{32}:\d+",
                            result["partialFingerprints"]["primaryLocationLineHash"])
        assert re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=:@/%-]+",
                            phys["artifactLocation"]["uri"]), "not a uri-reference"
    for rule in driver["rules"]:  # what GitHub code scanning requires and filters by
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
        assert "uv-index-guard fix" in rule["help"]["markdown"]
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
        assert "security" in rule["properties"]["tags"]
        assert rule["properties"]["precision"] == "high"


def check_gitlab(doc: dict[str, Any], expected: int, commits: set[str] | None = None) -> None:
    validate(doc, GITLAB_SECRET_SCHEMA)
    assert doc["version"].startswith("15.")
    scan = doc["scan"]
    for part in ("analyzer", "scanner"):
        tool = scan[part]
        assert all(isinstance(tool[k], str) for k in ("id", "name", "version"))
        assert isinstance(tool["vendor"]["name"], str)
    for key in ("start_time", "end_time"):
        assert len(scan[key]) == 19 and scan[key][10] == "T"
    assert scan["status"] == "success" and scan["type"] == "secret_detection"
    vulns = doc["vulnerabilities"]
    assert len(vulns) == expected
    assert len({v["id"] for v in vulns}) == expected
    for v in vulns:
        assert all(isinstance(v[k], str) for k in ("id", "name", "description"))
        assert v["severity"] in ("Critical", "High", "Medium", "Low", "Info", "Unknown")
        assert v["identifiers"] and all(
            isinstance(i[k], str) for i in v["identifiers"] for k in ("type", "name", "value"))
        loc = v["location"]
        assert isinstance(loc["file"], str) and loc["start_line"] >= 1
        assert loc["end_line"] >= loc["start_line"]
        assert isinstance(loc["commit"]["sha"], str)
        if commits is not None:
            assert loc["commit"]["sha"] in commits
        assert "…" in v["raw_source_code_extract"] or "****" in v["raw_source_code_extract"]
        assert "Revoke" in v["solution"] or "Change the password" in v["solution"]
        assert v["links"] and v["links"][0]["url"].startswith("https://")
        assert v["identifiers"][0] in scan["primary_identifiers"]


def test_gitlab_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    code, out, _ = run(capsys, "--format", "gitlab")
    assert code == 1
    doc = json.loads(out)
    check_gitlab(doc, expected=len(EXPECTED))
    # A token is Critical, a password in a URL High (not everything Critical).
    by_file = {v["location"]["file"]: v["severity"] for v in doc["vulnerabilities"]}
    assert by_file[".env"] == "Critical" and by_file["conf/pip.conf"] == "High"


def test_sarif_uris_are_percent_encoded(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_corpus(repo)
    code, out, _ = run(capsys, "--format", "sarif")
    assert code == 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert "dir%20with%20space/na%C3%AFve.py" in uris and ".env" in uris
    validate(json.loads(out), SARIF_SCHEMA)  # `uri-reference` checked as a format


def test_sarif_of_a_history_scan_names_repository_and_commits(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`versionControlProvenance` (the remote without its credentials, HEAD, the branch)
    and, per result, the commit that added the secret: in the message and in
    `partialFingerprints.commitSha`, as gitleaks puts it."""
    token = p("pat") + rand(20)
    (repo / "a.env").write_text(f"T={token}\n")
    git(repo, "add", "a.env")
    sha = commit(repo, "add")
    git(repo, "checkout", "-q", "-b", "feature")
    password = "hunter" + "2hunter2"
    git(repo, "remote", "add", "origin", f"https://ci:{password}@gitlab.acme.dev/g/app.git")
    code, out, _ = run(capsys, "--git", "--format", "sarif")
    assert code == 1 and token not in out and password not in out
    doc = json.loads(out)
    validate(doc, SARIF_SCHEMA)
    (run_,) = doc["runs"]
    assert run_["versionControlProvenance"] == [{
        "repositoryUri": "https://gitlab.acme.dev/g/app.git", "revisionId": sha,
        "branch": "feature"}]
    (result,) = run_["results"]
    assert result["partialFingerprints"]["commitSha"] == sha
    assert result["message"]["text"].endswith(f"(commit {sha[:12]})")
    git(repo, "remote", "set-url", "origin", "git@gitlab.acme.dev:g/app.git")
    code, out, _ = run(capsys, "--git", "--format", "sarif")
    assert json.loads(out)["runs"][0]["versionControlProvenance"][0]["repositoryUri"] == (
        "ssh://gitlab.acme.dev/g/app.git")
    git(repo, "remote", "remove", "origin")
    code, out, _ = run(capsys, "--git", "--format", "sarif")
    assert json.loads(out)["runs"][0]["versionControlProvenance"][0]["repositoryUri"] == (
        repo.resolve().as_uri())
    code, out, _ = run(capsys, "--format", "sarif")  # files, not history: no provenance
    assert "versionControlProvenance" not in json.loads(out)["runs"][0]


# --- git modes ---------------------------------------------------------------------------


def test_gitlab_token_prefixes_in_every_mode(repo: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`gitlab-token-prefixes` of `[tool.uv-index-guard]`: tokens under an instance's own
    prefix are found in files (also by the parallel workers), the index and history."""
    (repo / "deploy.env").write_text(f"TOKEN={CUSTOM_PAT}\n")
    code, findings = scan_json(capsys)
    assert code == 0 and findings == []  # not configured: an ordinary word
    (repo / "pyproject.toml").write_text(
        '[tool.uv-index-guard]\ngitlab-token-prefixes = ["acme_pat_", "x"]\n')
    code, out, _ = run(capsys)
    assert code == 1 and "deploy.env:1:7: gitlab-pat" in out
    assert f"`acme_pat_…{CUSTOM_PAT[-4:]}`" in out
    monkeypatch.setattr(scan_mod, "PARALLEL_FILES", 1)
    code, findings = scan_json(capsys)
    assert code == 1 and [f["path"] for f in findings] == ["deploy.env"]
    git(repo, "add", "deploy.env", "pyproject.toml")
    code, findings = scan_json(capsys, "--staged")
    assert code == 1 and [f["path"] for f in findings] == ["deploy.env"]
    commit(repo, "one")
    code, findings = scan_json(capsys, "--git")
    assert code == 1 and [(f["path"], f["line"]) for f in findings] == [("deploy.env", 1)]
    # The invalid entry ("x", too short) is reported by `check`, and not used by `scan`.
    main(["check", "pyproject.toml"])
    out, _ = capsys.readouterr()
    assert "pyproject.toml:2:39: UIG002 `x` is not used: a token prefix is 3 to 20" in out


def test_staged_sees_only_the_index(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text("x = 1\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(f"x = '{PAT}'\n")  # unstaged
    (repo / "untracked.env").write_text(f"T={PAT}\n")
    code, out, _ = run(capsys, "--staged")
    assert code == 0, out
    git(repo, "add", "app.py")
    (repo / "app.py").write_text("x = 1\n")  # the index keeps the token
    code, findings = scan_json(capsys, "--staged")
    assert code == 1 and [(f["path"], f["line"]) for f in findings] == [("app.py", 1)]
    # Only files the commit changes: a committed file left alone is not rescanned.
    commit(repo, "one")
    (repo / "other.py").write_text("y = 2\n")
    git(repo, "add", "other.py")
    code, _, _ = run(capsys, "--staged")
    assert code == 0


def test_staged_from_a_subdirectory(repo: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "pkg").mkdir()
    (repo / "pkg" / "conf.ini").write_text(f"t = {DEPLOY}\n")
    git(repo, "add", ".")
    monkeypatch.chdir(repo / "pkg")
    code, findings = scan_json(capsys, "--staged")
    assert code == 1 and findings[0]["path"] == "conf.ini"


def test_history_reports_removed_secret_with_commit(repo: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "settings.py").write_text("A = 1\nB = 2\n")
    git(repo, "add", ".")
    first = commit(repo, "start")
    (repo / "settings.py").write_text(f"A = 1\nTOKEN = '{PAT}'\nB = 2\n")
    (repo / "odd näme.txt").write_text(f"x\n\n{DEPLOY}\n")
    git(repo, "add", ".")
    added = commit(repo, "add a token")
    (repo / "settings.py").write_text("A = 1\nB = 2\n")
    git(repo, "add", ".")
    removed = commit(repo, "remove it")
    assert "gl" not in (repo / "settings.py").read_text()

    code, out, _ = run(capsys)  # the work tree no longer holds it …
    assert "settings.py" not in out
    code, findings = scan_json(capsys, "--git")  # … history does
    assert code == 1
    got = sorted((f["path"], f["line"], f["column"], f["rule"], f["commit"]) for f in findings)
    assert got == [("odd näme.txt", 3, 1, "gitlab-deploy-token", added),
                   ("settings.py", 2, 10, "gitlab-pat", added)]
    code, findings = scan_json(capsys, "--git", f"{added}..{removed}")
    assert code == 0 and findings == []
    code, findings = scan_json(capsys, "--git", f"{first}..{removed}")
    assert len(findings) == 2
    code, out, _ = run(capsys, "--git", "--all", "--format", "gitlab")
    check_gitlab(json.loads(out), expected=2, commits={added})
    code, out, _ = run(capsys, "--git", "--all")
    assert "settings.py:2:10: gitlab-pat" in out and f"(commit {added[:12]})" in out
    assert "in 3 commits" in out


def test_history_many_commits_and_hunks(repo: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Line numbers from hunk headers stay right when windows cut the log anywhere."""
    monkeypatch.setattr(scan_mod, "CHUNK", 300)
    lines = [f"line {i}" for i in range(60)]
    (repo / "f.txt").write_text("\n".join(lines) + "\n")
    git(repo, "add", ".")
    commit(repo, "base")
    expected = []
    for n, at in enumerate((5, 17, 40)):
        token = p("ft") + rand(20)
        lines.insert(at, f"k{n} = {token}")
        lines[at + 3] = "changed " + rand(8)
        (repo / "f.txt").write_text("\n".join(lines) + "\n")
        git(repo, "add", ".")
        expected.append(("f.txt", at + 1, commit(repo, f"c{n}")))
    code, findings = scan_json(capsys, "--git")
    assert code == 1
    assert sorted((f["path"], f["line"], f["commit"]) for f in findings) == sorted(expected)


@pytest.mark.parametrize("chunk", [300, 1 << 20])
def test_history_with_nul_bytes_and_invalid_utf8_in_a_text_diff(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        chunk: int) -> None:
    """git diffs a file as text when its NULs come after the first 8,000 bytes (an `.ai`
    file's): those NULs, and invalid UTF-8 after them, neither split commits nor end the
    scan; a token after them is reported in its own commit, and merges without a diff
    count as commits."""
    monkeypatch.setattr(scan_mod, "CHUNK", chunk)
    (repo / "a.txt").write_text("base\n")
    git(repo, "add", ".")
    commit(repo, "base")
    blob = (b"%!PS-Adobe\n" + b"x" * 9000 + b"\n\x00" + b"f" * 40 + b"\n\x00\xff\xfe\xc3("
            + b"\nstream \x00\x00 \x9d\n" + f"key = {PAT}\n".encode())
    (repo / "logo.ai").write_bytes(blob)
    git(repo, "add", ".")
    added = commit(repo, "logo")
    git(repo, "checkout", "-q", "-b", "side", f"{added}~1")
    (repo / "b.txt").write_text("side\n")
    git(repo, "add", ".")
    commit(repo, "side")
    git(repo, "checkout", "-q", "-")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "merge", "-q",
        "--no-edit", "side")
    total = int(git(repo, "rev-list", "--count", "--all").strip())
    code, findings = scan_json(capsys, "--git", "--all")
    assert code == 1
    assert [(f["path"], f["line"], f["rule"], f["commit"]) for f in findings] == [
        ("logo.ai", 6, "gitlab-pat", added)]
    code, out, _ = run(capsys, "--git", "--all")
    assert f"in {total} commits" in out


def test_history_allow_marker(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "fixture.py").write_text(f"T = '{PAT}'  # uv-index-guard: allow\n")
    git(repo, "add", ".")
    commit(repo, "fixture")
    code, _, _ = run(capsys, "--git")
    assert code == 0


def test_usage_errors(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path_factory:
                      pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--staged", "x.py"])
    assert exc.value.code == 2
    capsys.readouterr()
    monkeypatch.chdir(tmp_path_factory.mktemp("not-a-repo"))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(Path.cwd().parent))
    code, _, err = run(capsys, "--staged")
    assert code == 2 and err.startswith("error: `git rev-parse` failed")
    assert len(err.strip().splitlines()) == 1


def test_an_internal_error_exits_2_without_the_input(repo: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug exits 2 (1 means "secrets found") and names no input text."""
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise UnicodeDecodeError("utf-8", PAT.encode(), 0, 1, "bad")
    monkeypatch.setattr(scan_mod, "scan_files", broken)
    (repo / "a.txt").write_text("x\n")
    code, out, err = run(capsys, ".")
    assert code == 2
    assert err.startswith("error: internal error: UnicodeDecodeError at ")
    assert PAT not in err and PAT not in out



# --- history split across CI jobs: `--shard K/N` and `merge-reports` --------------------


def history_with_branches(repo: Path) -> int:
    """A history of 24 commits on two branches and a merge, a secret in most; its size."""
    (repo / "base.txt").write_text("x\n")
    git(repo, "add", ".")
    commit(repo, "base")
    git(repo, "checkout", "-q", "-b", "side")
    for i in range(8):
        (repo / f"side{i}.env").write_text(f"T={p('dt')}{rand(20)}\n")
        git(repo, "add", ".")
        commit(repo, f"side {i}")
    git(repo, "checkout", "-q", "-")
    for i in range(14):
        token = p("pat") + rand(20) if i % 3 else "nothing here"
        (repo / f"main{i}.env").write_text(f"T={token}\nU=https://u:{rand(12)}@h.acme.dev\n")
        git(repo, "add", ".")
        commit(repo, f"main {i}")
    git(repo, "merge", "-q", "--no-edit", "side")
    return 24


def test_shards_partition_history_and_merge_to_the_unsharded_report(
        repo: Path, capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory,
        ) -> None:
    total = history_with_branches(repo)
    out_dir = tmp_path_factory.mktemp("reports")
    whole = out_dir / "whole.json"
    code, _, _ = run(capsys, "--git", "--all", "--format", "json", "--output", str(whole))
    assert code == 1
    unsharded = json.loads(whole.read_text())
    assert unsharded["scanned"] == {"commits": total}
    for n in (1, 3, 4):
        shards = []
        for k in range(1, n + 1):
            path = out_dir / f"shard-{k}-of-{n}.json"
            code, _, _ = run(capsys, "--git", "--all", "--shard", f"{k}/{n}",
                             "--output-format", "json", "--output", str(path))
            assert code in (0, 1)
            shards.append(json.loads(path.read_text()))
        # Every commit in exactly one shard; every finding in exactly one shard.
        assert sum(s["scanned"]["commits"] for s in shards) == total
        assert {s["scanned"]["commits"] for s in shards} <= {total // n, -(-total // n)}
        keys = [(f["commit"], f["path"], f["line"], f["column"]) for s in shards
                for f in s["findings"]]
        assert len(keys) == len(set(keys)) == len(unsharded["findings"])
        names = [str(out_dir / f"shard-{k}-of-{n}.json") for k in range(1, n + 1)]
        for fmt in ("json", "sarif"):
            merged = out_dir / f"merged.{fmt}"
            code, _, _ = run_merge(capsys, *names, "--output-format", fmt, "--output",
                                   str(merged))
            assert code == 1
            if fmt == "json":
                assert json.loads(merged.read_text()) == unsharded
            else:
                run(capsys, "--git", "--all", "--format", "sarif", "--output",
                    str(out_dir / "whole.sarif"))
                assert merged.read_text() == (out_dir / "whole.sarif").read_text()
        history = shards[0]["shard"]["history"]
        assert all(s["shard"] == {"index": k, "count": n, "history": history}
                   for k, s in enumerate(shards, 1))
    # A job that fetched fewer refs splits another history: its shard cannot be joined.
    side = out_dir / "side-2-of-4.json"
    code, _, _ = run(capsys, "--git", "side", "--shard", "2/4", "--output-format", "json",
                     "--output", str(side))
    assert code == 1 and json.loads(side.read_text())["shard"]["history"] != history
    code, out, err = run_merge(capsys, names[0], str(side), *names[2:])
    assert code == 2 and "the shards split different histories" in err and out == ""
    assert "GIT_DEPTH: 0" in err
    # A shard given twice (a retried job's) counts once; the summary counts the shards'.
    code, out, _ = run_merge(capsys, names[0], names[0], *names[1:])
    assert code == 1 and out.splitlines()[-1].startswith(
        f"Found {len(unsharded['findings'])} secrets in {total} commits.")
    # A missing shard, or shards of two splits, would cover less than the history: refused.
    code, out, err = run_merge(capsys, *names[1:])
    assert code == 2 and "shard 1/4 is missing" in err and out == ""
    code, _, err = run_merge(capsys, *names, str(out_dir / "shard-1-of-3.json"))
    assert code == 2 and "shards of different splits" in err


def run_merge(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["merge-reports", *args])
    out, err = capsys.readouterr()
    for secret in SECRETS:
        assert secret not in out and secret not in err
    return code, out, err


def test_a_shard_job_lists_the_history_once_started_before_the_scan(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """The CLI starts git's walk of the graph before it loads the scanner, and the scan uses
    that listing rather than walking again; a listing nothing read is stopped; outside a
    repository the shard job fails with git's reason (exit 2), not a traceback."""
    history_with_branches(repo)
    made: list[git_mod.ShardListing] = []
    real = git_mod.ShardListing

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, revs: Any) -> None:
            super().__init__(revs)
            made.append(self)

    monkeypatch.setattr(git_mod, "ShardListing", Counted)
    monkeypatch.setattr(scan_mod, "ShardListing", Counted)
    code, _, _ = run(capsys, "--git", "--all", "--shard", "1/2", "--output-format", "json",
                     "--output", str(tmp_path / "s.json"))
    assert code in (0, 1) and len(made) == 1
    assert made[0]._proc is not None and made[0]._proc.returncode == 0
    # The baseline is read before the history: the listing is stopped, not left running.
    code, _, err = run(capsys, "--git", "--all", "--shard", "1/2", "--baseline",
                       str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read the baseline" in err and len(made) == 2
    assert made[1]._proc is not None and made[1]._proc.returncode is not None
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, _, err = run(capsys, "--git", "--all", "--shard", "1/2")
    assert code == 2 and "`git rev-parse` failed: fatal: not a git repository" in err


def test_shard_and_merge_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history_with_branches(repo)
    for bad in ("0/4", "5/4", "1/0", "x", "2-4", "1/"):
        code, _, err = run(capsys, "--git", "--all", "--shard", bad)
        assert code == 2 and f"`--shard {bad}`: expected K/N" in err, bad
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--shard", "1/2"])
    assert exc.value.code == 2
    assert "`--shard` splits a history scan" in capsys.readouterr().err
    (repo / "not-json.json").write_text("{")
    (repo / "other.json").write_text('{"results": []}')
    (repo / "bad-row.json").write_text('{"findings": [{"path": "a"}]}')
    files = json.dumps({"findings": [], "scanned": {"files": 3}})
    commits = json.dumps({"findings": [], "scanned": {"commits": 3}})
    (repo / "files.json").write_text(files)
    (repo / "commits.json").write_text(commits)
    for args, message in ((["not-json.json"], "not-json.json: not JSON"),
                          (["other.json"], "no `findings` list"),
                          (["bad-row.json"], "finding 1 lacks one of"),
                          (["missing.json"], "cannot read `missing.json`"),
                          (["files.json", "commits.json"], "mix a history scan and a file")):
        code, out, err = run_merge(capsys, *args)
        assert code == 2 and message in err and out == "", args
    code, out, _ = run_merge(capsys, "files.json", "files.json")
    assert code == 0 and "No secrets found (6 files scanned)." in out


def random_history(repo: Path, seed: int, steps: int = 40) -> None:
    """A history built by random edits that move secrets about as people do: files added,
    lines edited, swapped and duplicated, files renamed (with and without edits), copied,
    deleted and restored from an earlier commit, on two branches with a merge."""
    import random

    rng = random.Random(seed)
    secrets = [p("pat") + rand(20), p("dt") + rand(20), f"https://ci:{rand(12)}@h.acme.dev/x",
               p("pat") + rand(20)]

    def line() -> str:
        return (f"KEY={rng.choice(secrets)}" if rng.random() < 0.3
                else f"x = {rng.randrange(10**6)}")

    files: dict[str, list[str]] = {}
    done: list[str] = []
    for step in range(steps):
        if step == steps // 2:
            git(repo, "checkout", "-q", "-b", f"side{seed}")
        if step == 3 * steps // 4:
            git(repo, "checkout", "-q", "-")
            files = {f.name: f.read_text().splitlines() for f in repo.glob("*.env")}
        op = rng.choice(["add", "edit", "edit", "swap", "dup", "rename", "copy", "delete",
                         "restore"] if files else ["add"])
        name = rng.choice(sorted(files)) if files else ""
        if op == "add":
            name = f"f{step}.env"
            files[name] = [line() for _ in range(rng.randrange(1, 8))]
        elif op == "edit":
            body = files[name]
            body.insert(rng.randrange(len(body) + 1), line())
            if len(body) > 1 and rng.random() < 0.5:
                body.pop(rng.randrange(len(body)))
        elif op in ("swap", "dup"):
            body = files[name]
            i, j = rng.randrange(len(body)), rng.randrange(len(body))
            if op == "swap":
                body[i], body[j] = body[j], body[i]
            else:
                body.insert(j, body[i])
        elif op == "rename":
            new = f"r{step}.env"
            git(repo, "mv", name, new)
            files[new] = files.pop(name)
            if rng.random() < 0.5:
                files[new].append(line())
            name = new
        elif op == "copy":
            files[f"c{step}.env"] = list(files[name])
            name = f"c{step}.env"
        elif op == "delete":
            git(repo, "rm", "-q", name)
            del files[name]
            commit(repo, f"{step} delete")
            continue
        elif op == "restore" and done:
            git(repo, "checkout", rng.choice(done), "--", ".")
            files = {f.name: f.read_text().splitlines() for f in repo.glob("*.env")}
            git(repo, "add", "-A")
            if git(repo, "status", "--porcelain"):
                done.append(commit(repo, f"{step} restore"))
            continue
        (repo / name).write_text("".join(f"{text}\n" for text in files[name]))
        git(repo, "add", "-A")
        if git(repo, "status", "--porcelain"):
            done.append(commit(repo, f"{step} {op}"))
    git(repo, "merge", "-q", "--no-edit", "-s", "ours", f"side{seed}")
    if seed == 1:  # a blob larger than a window, and binary blobs amid text ones
        big = "".join(f"x = {i}\n" for i in range(700_000))
        (repo / "big.txt").write_text(f"KEY={secrets[0]}\n{big}KEY={secrets[1]}\n")
        (repo / "logo.png").write_bytes(b"\x89PNG\0\0" + secrets[2].encode())
        (repo / "after.env").write_text(f"KEY={secrets[3]}\n")
        git(repo, "add", "-A")
        commit(repo, "big and binary")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_history_read_as_blobs_gives_the_findings_of_a_walk_of_its_diffs(
        repo: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`scan --git` scans each blob once and puts its secrets on the commits that wrote it;
    what it reports is what reading every commit's diff (`git log -p`) reports, on histories
    where secrets are moved, duplicated, renamed, copied and restored."""
    random_history(repo, seed)
    settings = scan_mod.load_settings(str(repo))
    top = git_mod.toplevel()
    walk, walked = scan_mod._read_log(top, ["--all", "--"], None, settings, None)
    exact: list[int] = []
    read_log = scan_mod._read_log

    def counted(*args: Any) -> Any:
        exact.append(len(args[2]))
        return read_log(*args)

    monkeypatch.setattr(scan_mod, "_read_log", counted)
    blobs, scanned, _ = scan_mod.scan_history(["--all"], settings)
    assert scanned == walked
    assert walk, "the history holds secrets"

    def key(f: Any) -> tuple[str, str, int, int]:
        return (f.commit, f.path, f.range.start.line, f.range.start.column)

    assert sorted(blobs, key=key) == sorted(walk, key=key)
    # Only the commits whose parent already held one of their secrets were diffed.
    assert not exact or exact[0] < walked


def test_merge_reports_never_prints_a_secret_a_hostile_report_holds(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = {"path": f"x/{PAT}.env", "line": 1, "column": 1, "end_line": 1, "end_column": 9,
           "rule": "gitlab-pat", "severity": "error",
           "message": f"leaked {DEPLOY} and https://ci:{PASSWORD}@gitlab.acme.dev/s",
           "fingerprint": "f" * 32}
    (repo / "hostile.json").write_text(json.dumps({"findings": [row]}))
    for fmt in ("text", "json", "sarif", "gitlab"):
        code, out, _ = run_merge(capsys, "hostile.json", "--output-format", fmt)
        assert code == 1 and "leaked" in out, fmt  # (run_merge asserts no secret is shown)
    for bad in ({"line": 0}, {"column": -3}, {"end_line": "x"}, {"line": True}):
        (repo / "bad.json").write_text(json.dumps({"findings": [{**row, **bad}]}))
        code, _, err = run_merge(capsys, "bad.json")
        assert code == 2 and "bad position" in err, bad


def test_the_walk_honours_gits_other_ignore_sources(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Files `git status` calls ignored through `.git/info/exclude`, `core.excludesFile` or
    the default global file (`$XDG_CONFIG_HOME/git/ignore`) are not scanned either."""
    config_home = tmp_path_factory.mktemp("xdg")
    (config_home / "git").mkdir()
    (config_home / "git" / "ignore").write_text("*.xdg-ignored\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    for name in ("local.env", "global.secret", "a.xdg-ignored", "kept.env"):
        (repo / name).write_text(f"T={p('pat')}{rand(20)}\n")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("local.env\n")
    code, findings = scan_json(capsys)
    assert code == 1
    assert sorted(f["path"] for f in findings) == ["global.secret", "kept.env"]
    excludes = tmp_path_factory.mktemp("global") / "excludes"
    excludes.write_text("*.secret\n")
    git(repo, "config", "core.excludesFile", str(excludes))
    code, findings = scan_json(capsys)
    assert code == 1
    # The configured file replaces XDG's, as in git.
    assert sorted(f["path"] for f in findings) == ["a.xdg-ignored", "kept.env"]
    untracked = git(repo, "status", "--porcelain", "--untracked-files=all")
    assert untracked.splitlines() == ["?? a.xdg-ignored", "?? kept.env"]  # git agrees
    # A .gitignore's `!` still wins over the excludes, as in git.
    (repo / ".gitignore").write_text("!local.env\n")
    code, findings = scan_json(capsys)
    assert code == 1
    assert sorted(f["path"] for f in findings) == ["a.xdg-ignored", "kept.env", "local.env"]


def test_ignore_takes_scan_rules(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ignore = ["url-credentials"]` silences that scan rule (and is no unknown code)."""
    write_corpus(repo)
    (repo / "pyproject.toml").write_text(
        '[tool.uv-index-guard]\nignore = ["url-credentials", "UIG205"]\n')
    code, findings = scan_json(capsys)
    assert code == 1 and {f["rule"] for f in findings} == {
        rule for _, rule in EXPECTED.values()} - {"url-credentials"}
    assert main(["check", "pyproject.toml"]) == 0
    assert "UIG002" not in capsys.readouterr().out


def test_allow_regexes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`allow = [...]` of `[tool.uv-index-guard]` (gitleaks' allowlist `regexes`): a secret
    whose text a regex matches is not reported, in files and in history alike."""
    test_token = p("pat") + "TESTONLY" + rand(12)
    (repo / "fixture.env").write_text(f"A={test_token}\nB={PAT}\n")
    (repo / "pyproject.toml").write_text(
        '[tool.uv-index-guard]\nallow = ["TESTONLY", "(", ".*"]\n')
    code, findings = scan_json(capsys)
    assert code == 1 and [(f["path"], f["line"]) for f in findings] == [("fixture.env", 2)]
    git(repo, "add", ".")
    commit(repo, "one")
    code, findings = scan_json(capsys, "--git")
    assert code == 1 and [(f["path"], f["line"]) for f in findings] == [("fixture.env", 2)]
    main(["check", "pyproject.toml"])
    out = capsys.readouterr().out
    assert "2:22: UIG002 this `allow` entry is not used: not a regular expression" in out
    assert "2:27: UIG002 this `allow` entry is not used: it matches the empty string" in out
    assert test_token not in out


def test_a_secret_in_uv_config_names_the_fix(repo: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    token = p("pat") + rand(20)
    (repo / "sub").mkdir()
    url = f"https://__token__:{token}@gitlab.com/api/v4/projects/1/packages/pypi/simple"
    (repo / "sub" / "uv.toml").write_text(f'[[index]]\nname = "g"\nurl = "{url}"\n')
    (repo / "ci.env").write_text(f"T={token}\n")
    code, findings = scan_json(capsys)
    assert code == 1
    by_path = {f["path"]: f["message"] for f in findings}
    assert by_path["sub/uv.toml"].endswith("`uv-index-guard fix --to env|keyring`")
    assert "fix --to" not in by_path["ci.env"]
