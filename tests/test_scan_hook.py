"""The `detect-gitlab-tokens` hook for real: `pre-commit try-repo` on this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scan_samples import p, rand

ROOT = Path(__file__).resolve().parents[1]
HOOK = "detect-gitlab-tokens"


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, check=False, capture_output=True, text=True)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for args in (("init", "-q"), ("config", "user.email", "dev@example.com"),
                 ("config", "user.name", "Dev"), ("config", "commit.gpgsign", "false")):
        git(tmp_path, *args)
    return tmp_path


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit, "pre-commit is a test dependency"
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([pre_commit, "try-repo", str(ROOT), HOOK], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def test_staged_token_blocks_the_commit(repo: Path, home: Path) -> None:
    token = p("pat") + rand(20)
    (repo / "deploy").mkdir()
    (repo / "deploy" / "ci vars.env").write_text(f"A=1\nGITLAB_TOKEN={token}\n")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + token.encode())
    (repo / "app.py").write_text("print('hi')\n")
    git(repo, "add", ".")
    proc = try_repo(repo, home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "deploy/ci vars.env:2:14: gitlab-pat" in output
    assert "logo.png" not in output and "app.py" not in output
    assert token not in output and token[6:] not in output and token[6:-4] not in output


def test_clean_commit_passes(repo: Path, home: Path) -> None:
    # `exclude` holds under pre-commit too, which names every staged file (--force-exclude).
    (repo / "pyproject.toml").write_text('[tool.uv-index-guard]\nexclude = ["fixtures/"]\n')
    (repo / "fixtures").mkdir()
    (repo / "fixtures" / "sample.env").write_text(f"T={p('pat')}{rand(20)}\n")
    (repo / ".gitlab-ci.yml").write_text(
        "build:\n  script:\n    - pip install -i "
        "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/api/v4/projects/1/"
        "packages/pypi/simple app\n")
    (repo / "README.md").write_text(f"Set `{p('pat')}<your token>` in `.env`.\n")
    git(repo, "add", ".")
    proc = try_repo(repo, home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
