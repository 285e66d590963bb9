"""The GitHub Action (`action.yml`): its range logic and summary (hooks/gh_action.py) on
event payloads, and its composite steps run as a runner would run them: each `run:` step with
bash, `${{ inputs.* }}` and `${{ github.action_path }}` filled in, `$GITHUB_ENV` /
`$GITHUB_OUTPUT` / `$GITHUB_STEP_SUMMARY` files, in a temporary repository with real commits.
The `uses:` steps (setup-python, upload-sarif) are GitHub's and left out. No token is in full
in any annotation, summary or report."""

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

from uv_index_guard.hooks.gh_action import ZEROS, annotation_lines, commit_range, summary

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


# --- the range, from event payloads -----------------------------------------------------

BASE, HEAD, BEFORE, AFTER = "a" * 40, "b" * 40, "c" * 40, "d" * 40


def test_pull_request_scans_base_to_head() -> None:
    payload = {"pull_request": {"base": {"sha": BASE}, "head": {"sha": HEAD}}}
    args, covered = commit_range("pull_request", payload, lambda sha: True)
    assert args == ["--git", f"{BASE}..{HEAD}"]
    assert "pull request" in covered


def test_push_scans_before_to_after() -> None:
    args, _ = commit_range("push", {"before": BEFORE, "after": AFTER}, lambda sha: True)
    assert args == ["--git", f"{BEFORE}..{AFTER}"]


def test_first_push_scans_the_whole_history_of_the_tip() -> None:
    args, covered = commit_range("push", {"before": ZEROS, "after": AFTER}, lambda sha: True)
    assert args == ["--git", AFTER]
    assert "new branch" in covered


def test_force_push_whose_old_tip_is_gone_scans_the_tip_history() -> None:
    args, covered = commit_range("push", {"before": BEFORE, "after": AFTER, "forced": True},
                                 lambda sha: sha != BEFORE)
    assert args == ["--git", AFTER]
    assert "force push" in covered


def test_other_events_scan_everything() -> None:
    assert commit_range("schedule", {}, lambda sha: True)[0] == ["--git", "--all"]
    assert commit_range("push", {"after": ZEROS}, lambda sha: True)[0] == ["--git", "--all"]


def test_annotations_and_summary_escape_and_mask() -> None:
    finding = {"path": "a,b:c.env", "line": 3, "column": 5, "end_line": 3, "end_column": 30,
               "rule": "gitlab-pat", "message": "token `glpat-…x4Tb`\n100%",
               "commit": "e" * 40}
    (line,) = annotation_lines([finding])
    assert line.startswith("::error file=a%2Cb%3Ac.env,line=3,col=5,endLine=3,endColumn=30,")
    assert line.endswith("::token `glpat-…x4Tb`%0A100%25 (commit eeeeeeeeeeee)")
    text = summary([finding], "the pushed commits", {"commits": 2}, True)
    assert "| `a,b:c.env` | 3 | `gitlab-pat` | `eeeeeeeeeeee` |" in text
    assert "the gate fails" in text
    assert "no secrets" in summary([], "x", {}, True)


# --- the composite steps, run -----------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def fill(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr.startswith("inputs."):
            name = expr.removeprefix("inputs.")
            return inputs.get(name, ACTION["inputs"][name]["default"])
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"unknown expression {expr}")
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_steps(repo: Path, runner: Path, event: str, payload: dict[str, Any],
              inputs: dict[str, str], only: set[str] | None = None) -> dict[str, Any]:
    """The composite's `run:` steps in order (``only``: those ids or names)."""
    event_path = runner / f"{event}.json"
    event_path.write_text(json.dumps(payload))
    files = {name: runner / name for name in ("output", "env", "summary")}
    for name, path in files.items():
        if name != "env" or not path.exists():  # `$GITHUB_ENV` lasts the whole job
            path.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV"))}
    env.update(GITHUB_EVENT_NAME=event, GITHUB_EVENT_PATH=str(event_path),
               GITHUB_OUTPUT=str(files["output"]), GITHUB_ENV=str(files["env"]),
               GITHUB_STEP_SUMMARY=str(files["summary"]), RUNNER_TEMP=str(runner),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    log: list[tuple[str, int, str]] = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or (only is not None and step.get("id", step["name"]) not in only):
            continue
        step_env = {**env, **{k: fill(str(v), inputs) for k, v in step.get("env", {}).items()}}
        for line in files["env"].read_text().splitlines():
            key, _, value = line.partition("=")
            step_env[key] = value
        done = subprocess.run(["bash", "-e", "-c", fill(step["run"], inputs)], cwd=repo,
                              env=step_env, capture_output=True, text=True, timeout=900,
                              check=False)
        log.append((step["name"], done.returncode, done.stdout + done.stderr))
        if done.returncode != 0:
            break
    return {"steps": log, "summary": files["summary"].read_text(),
            "outputs": dict(line.partition("=")[::2]
                            for line in files["output"].read_text().splitlines())}


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runner's temp dir with uv-index-guard installed by the action's own steps (once)."""
    runner = tmp_path_factory.mktemp("runner")
    repo = tmp_path_factory.mktemp("empty")
    git(repo, "init", "-q")
    result = run_steps(repo, runner, "push", {}, {}, only={"python", "Install uv-index-guard"})
    assert [code for _, code, _ in result["steps"]] == [0, 0], result["steps"]
    assert result["outputs"].get("found") == "true"  # this machine's python3 is >= 3.10
    return runner


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str, str]:
    """A repository: a clean base commit, then a push of two commits, one with a token."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for key, value in (("user.email", "d@example.com"), ("user.name", "D"),
                       ("commit.gpgsign", "false")):
        git(repo, "config", key, value)
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    token = p("pat") + rand(20)
    (repo / "ci.env").write_text(f"X=1\nT={token}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "leak")
    (repo / "more.txt").write_text("more\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "more")
    return repo, base, git(repo, "rev-parse", "HEAD"), token


def test_push_gate_fails_with_annotations_and_summary(
        runner: Path, repo: tuple[Path, str, str, str]) -> None:
    path, base, head, token = repo
    result = run_steps(path, runner, "push", {"before": base, "after": head},
                       {"sarif": "results.sarif"}, only={"gate"})
    (_, code, output), = result["steps"]
    assert code == 1, output
    assert f"scanning the pushed commits ({base[:8]}..{head[:8]})" in output
    annotation = next(line for line in output.splitlines() if line.startswith("::error "))
    assert annotation.startswith("::error file=ci.env,line=2,col=3,")
    assert "title=uv-index-guard gitlab-pat" in annotation
    assert "| `ci.env` | 2 | `gitlab-pat` |" in result["summary"]
    assert result["outputs"]["findings"] == "1"
    sarif = json.loads((path / "results.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "gitlab-pat"
    for text in (output, result["summary"], (path / "results.sarif").read_text()):
        assert token not in text


def test_pull_request_without_the_leak_passes(runner: Path,
                                              repo: tuple[Path, str, str, str]) -> None:
    path, _base, head, _token = repo
    leak = git(path, "rev-parse", "HEAD~1")
    payload = {"pull_request": {"base": {"sha": leak}, "head": {"sha": head}}}
    result = run_steps(path, runner, "pull_request", payload, {}, only={"gate"})
    (_, code, output), = result["steps"]
    assert code == 0, output
    assert "no secrets" in result["summary"] and "1 commit(s)" in result["summary"]


def test_report_only_and_first_push(runner: Path, repo: tuple[Path, str, str, str]) -> None:
    path, _base, head, token = repo
    result = run_steps(path, runner, "push", {"before": ZEROS, "after": head},
                       {"fail-on-findings": "false"}, only={"gate"})
    (_, code, output), = result["steps"]
    assert code == 0, output
    assert "the whole history" in output and "new branch" in output
    assert "reported only" in result["summary"] and token not in result["summary"]
