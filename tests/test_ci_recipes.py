"""README's CI recipes (a merge request gate, a history split across jobs), run here as CI would
run them.

The GitLab jobs' `script:` lines and the GitHub jobs' `run:` steps are taken from README.md
as written and run with bash in a real repository, with the variables CI sets (`parallel:`'s
`CI_NODE_INDEX`/`CI_NODE_TOTAL`, the matrix value); what CI itself does (`pip install`,
artifact upload and download: the files stay in one directory here) is left out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from scan_samples import p, rand

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = str(Path(sys.executable).parent)


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(block)
            for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)]


def block_with(job: str) -> dict[str, Any]:
    """The one YAML block of README with the job ``job`` (GitLab's at the top level,
    GitHub's under `jobs:`)."""
    found = [b for b in yaml_blocks() if isinstance(b, dict)
             and (job in b or job in (b.get("jobs") or {}))]
    assert len(found) == 1, job
    return found[0]


def sh(line: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], **env}
    return subprocess.run(["bash", "-e", "-c", line], cwd=cwd, env=environ, text=True,
                          capture_output=True, check=False)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "Dev")
    git("config", "commit.gpgsign", "false")
    for i in range(16):
        token = p("pat") + rand(20) if i % 2 else "none"
        (tmp_path / f"f{i}.env").write_text(f"T={token}\n")
        git("add", ".")
        git("commit", "-q", "-m", f"c{i}")
    return tmp_path


def whole(history: Path, fmt: str) -> Any:
    done = sh(f"uv-index-guard scan --git --all --output-format {fmt}", history)
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)


def steps(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("pip install")]


def test_gitlab_parallel_recipe(history: Path) -> None:
    jobs = block_with("secret-history")
    shard_job = jobs["secret-history"]
    total = shard_job["parallel"]
    for node in range(1, total + 1):
        for line in steps(shard_job["script"]):
            done = sh(line, history, CI_NODE_INDEX=str(node), CI_NODE_TOTAL=str(total))
            assert done.returncode == 0, (line, done.stderr)
    assert sorted(x.name for x in history.glob("shard-*.json")) == [
        f"shard-{k}.json" for k in range(1, total + 1)]
    for line in steps(jobs["secret-history-report"]["script"]):
        done = sh(line, history)
        assert done.returncode == 0, (line, done.stderr)  # the report job keeps its report
    report = json.loads((history / jobs["secret-history-report"]["artifacts"]["reports"]
                         ["secret_detection"]).read_text())
    expected = whole(history, "gitlab")
    assert [v["id"] for v in report["vulnerabilities"]] == [
        v["id"] for v in expected["vulnerabilities"]] and len(expected["vulnerabilities"]) == 8
    (gate,) = steps(jobs["secret-history-gate"]["script"])
    done = sh(gate, history)
    assert done.returncode == 1 and "Found 8 secrets in 16 commits." in done.stdout


def test_github_matrix_recipe(history: Path) -> None:
    workflow = block_with("shard")
    assert workflow.get(True) or workflow.get("on")  # a trigger (YAML 1.1 reads `on` as True)
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert merge_job["needs"] == "shard"
    for shard in shard_job["strategy"]["matrix"]["shard"]:
        for step in shard_job["steps"]:
            if "run" in step and not step["run"].startswith("pip install"):
                line = step["run"].replace("${{ matrix.shard }}", str(shard))
                done = sh(line, history)
                assert done.returncode == 0, (line, done.stderr)
    (merge,) = [s["run"] for s in merge_job["steps"] if "run" in s
                and not s["run"].startswith("pip install")]
    done = sh(merge, history)
    assert done.returncode == 1, done.stderr  # the gate: secrets fail the job
    upload = merge_job["steps"][-1]
    assert upload["if"] == "always()" and upload["uses"].endswith("upload-sarif@v4")
    sarif = json.loads((history / upload["with"]["sarif_file"]).read_text())
    assert sarif == whole(history, "sarif")


def test_gitlab_merge_request_recipe(tmp_path: Path) -> None:
    """The report job passes and fills the widget; the gate job fails on the secret."""
    def git(cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)

    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(work))
    for key, value in (("user.email", "d@example.com"), ("user.name", "D"),
                       ("commit.gpgsign", "false")):
        git(work, "config", key, value)
    (work / "a.txt").write_text("a\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "base")
    git(work, "push", "-q", "origin", "HEAD:main")
    git(work, "checkout", "-q", "-b", "feature")
    (work / "ci.env").write_text(f"T={p('pat')}{rand(20)}\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "leak")
    jobs = block_with("secret-detection")
    env = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    for line in steps(jobs["secret-detection"]["script"]):
        done = sh(line, work, **env)
        assert done.returncode == 0, (line, done.stderr)
    report = json.loads((work / jobs["secret-detection"]["artifacts"]["reports"]
                         ["secret_detection"]).read_text())
    assert [v["location"]["file"] for v in report["vulnerabilities"]] == ["ci.env"]
    *setup, gate = steps(jobs["secret-gate"]["script"])
    for line in setup:
        assert sh(line, work, **env).returncode == 0
    done = sh(gate, work, **env)
    assert done.returncode == 1 and "ci.env:1:3: gitlab-pat" in done.stdout
