"""The GitLab CI/CD components in `templates/`: their YAML (a `spec:` document, then the jobs)
is valid with the inputs' defaults interpolated, and their script lines, run with bash in a
simulated runner (a repository with a target branch and a merge request's commits, the
`CI_*` variables GitLab sets), do what the jobs promise: the report job passes and writes a
report that validates against GitLab's secret detection schema 15.0.7, the gate job fails on
the secret, a schedule scans the whole history, and the code quality job writes a Code
Quality report. What CI itself does (the image, `pip install`, artifact upload) is left out:
the package is installed in this venv. No token is in full in any report or log."""

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
from helpers import GITLAB_SECRET_SCHEMA, validate
from scan_samples import p, rand

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"


def component(name: str, inputs: dict[str, Any] | None = None,
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec and the jobs of ``templates/<name>.yml``, with ``inputs`` (else the
    defaults) interpolated as GitLab does (`$[[ inputs.NAME ]]`)."""
    text = (TEMPLATES / f"{name}.yml").read_text()
    spec_text, jobs_text = text.split("\n---\n", 1)
    spec = yaml.safe_load(spec_text)["spec"]
    given = inputs or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in spec["inputs"], f"$[[ inputs.{name} ]] is not declared"
        found = given.get(name, spec["inputs"][name].get("default"))
        return json.dumps(found) if isinstance(found, bool) else str(found)

    jobs = yaml.safe_load(re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", value, jobs_text))
    return spec, jobs


def resolved(jobs: dict[str, Any], name: str) -> dict[str, Any]:
    """A job with its `extends:` merged in (one level, as these templates use it)."""
    job = dict(jobs[name])
    parent = job.pop("extends", None)
    return {**jobs[parent], **job} if parent else job


def test_secret_gate_spec_and_jobs() -> None:
    spec, jobs = component("secret-gate")
    assert set(spec["inputs"]) >= {"stage", "args", "python-image", "allow-failure"}
    assert spec["inputs"]["allow-failure"]["type"] == "boolean"
    report, gate = resolved(jobs, "uv-index-guard-secret-report"), resolved(
        jobs, "uv-index-guard-secret-gate")
    for job in (report, gate):
        assert job["stage"] == "test" and job["image"] == "python:3.12-slim"
        assert job["variables"]["GIT_DEPTH"] == "0"
        conditions = [rule["if"] for rule in job["rules"]]
        assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in conditions
        assert any("schedule" in c and "CI_DEFAULT_BRANCH" in c for c in conditions)
    assert report["artifacts"]["reports"]["secret_detection"] == "gl-secret-detection-report.json"
    assert report["artifacts"]["when"] == "always"
    assert gate["allow_failure"] is False
    _, jobs = component("secret-gate", {"allow-failure": True, "stage": "security"})
    assert resolved(jobs, "uv-index-guard-secret-gate")["allow_failure"] is True
    assert resolved(jobs, "uv-index-guard-secret-gate")["stage"] == "security"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def merge_request(tmp_path: Path) -> tuple[Path, dict[str, str], str]:
    """A clone with `main` and a feature branch of two commits, one adding a token; the
    variables of its merge request pipeline."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(work))
    for key, value in (("user.email", "d@example.com"), ("user.name", "D"),
                       ("commit.gpgsign", "false")):
        git(work, "config", key, value)
    (work / "README.md").write_text("base\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "base")
    git(work, "push", "-q", "origin", "HEAD:main")
    base = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "-b", "feature")
    token = p("pat") + rand(20)
    (work / "deploy.env").write_text(f"REGISTRY_TOKEN={token}\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "deploy settings")
    (work / "notes.txt").write_text("notes\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "notes")
    env = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
           "CI_COMMIT_SHA": git(work, "rev-parse", "HEAD"), "CI_DEFAULT_BRANCH": "main",
           "CI_COMMIT_BRANCH": ""}
    return work, env, token


def run_job(job: dict[str, Any], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """A job's `before_script` and `script` in one shell, as a runner runs them (`pip
    install` left out: this venv has the package); the exit status and the log."""
    lines = [line for line in [*job.get("before_script", []), *job["script"]]
             if not line.startswith("pip install")]
    variables = {k: str(v) for k, v in (job.get("variables") or {}).items()}
    environ = {**os.environ, **variables, **env,
               "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(["bash", "-e", "-c", "\n".join(lines)], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


def test_merge_request_pipeline(merge_request: tuple[Path, dict[str, str], str]) -> None:
    work, env, token = merge_request
    _, jobs = component("secret-gate")
    code, log = run_job(resolved(jobs, "uv-index-guard-secret-report"), work, env)
    assert code == 0, log
    assert f"scan --git {env['CI_MERGE_REQUEST_DIFF_BASE_SHA']}..{env['CI_COMMIT_SHA']}" in log
    report = json.loads((work / "gl-secret-detection-report.json").read_text())
    validate(report, GITLAB_SECRET_SCHEMA)
    assert [v["location"]["file"] for v in report["vulnerabilities"]] == ["deploy.env"]
    code, gate_log = run_job(resolved(jobs, "uv-index-guard-secret-gate"), work, env)
    assert code == 1, gate_log
    assert "deploy.env:1:16: gitlab-pat" in gate_log
    for text in (log, gate_log, (work / "gl-secret-detection-report.json").read_text()):
        assert token not in text


def test_scheduled_pipeline_scans_the_whole_history(
        merge_request: tuple[Path, dict[str, str], str]) -> None:
    work, _env, token = merge_request
    git(work, "checkout", "-q", "main")  # the token is on the feature branch only
    env = {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main",
           "CI_DEFAULT_BRANCH": "main", "CI_MERGE_REQUEST_DIFF_BASE_SHA": ""}
    _, jobs = component("secret-gate")
    code, log = run_job(resolved(jobs, "uv-index-guard-secret-gate"), work, env)
    assert "scan --git --all" in log
    assert code == 1 and "deploy.env" in log and token not in log  # every ref is read
    _, jobs = component("secret-gate", {"args": "--git main"})
    code, log = run_job(resolved(jobs, "uv-index-guard-secret-gate"), work, env)
    assert code == 0 and "scan --git main" in log, log


def test_code_quality_component(tmp_path: Path) -> None:
    spec, jobs = component("code-quality")
    assert set(spec["inputs"]) >= {"stage", "args", "python-image", "allow-failure"}
    job = jobs["uv-index-guard-code-quality"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["allow_failure"] is True
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "a"\nversion = "1"\n\n[[tool.uv.index]]\nname = "gitlab"\n'
        'url = "https://gitlab.example.com/api/v4/projects/7/packages/pypi"\n')
    (tmp_path / ".gitlab-ci.yml").write_text(
        "publish:\n  script:\n    - uv publish --token $CI_JOB_TOKEN\n")
    code, log = run_job(job, tmp_path, {})
    assert code == 1, log  # `check` found an error (UIG401): the job fails, allowed to
    report = json.loads((tmp_path / "gl-code-quality-report.json").read_text())
    found = {(entry["check_name"], entry["location"]["path"]) for entry in report}
    assert ("UIG208", "pyproject.toml") in found and ("UIG401", ".gitlab-ci.yml") in found
