"""The `uv-index-check` hook for real: pre-commit try-repo on this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "glpat-" + "Rt5Yp8Wq2Ls6" + "Vd9Kx3Mn"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def try_repo(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit, "pre-commit is a test dependency"
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([pre_commit, "try-repo", str(ROOT), hook], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "Dev")
    return tmp_path


def test_hook_blocks_token_in_staged_pyproject(repo: Path, pre_commit_home: Path) -> None:
    (repo / "pyproject.toml").write_text(f"""[project]
name = "demo"
version = "0.1.0"

[[tool.uv.index]]
name = "gitlab"
url = "https://__token__:{TOKEN}@gitlab.example.com/api/v4/projects/9/packages/pypi/simple"
""")
    (repo / "README.md").write_text("not checked\n")
    git(repo, "add", "pyproject.toml", "README.md")
    proc = try_repo(repo, pre_commit_home, "uv-index-check")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "pyproject.toml:7:" in output and "UIG301" in output
    assert "UV_INDEX_GITLAB_PASSWORD" in output
    assert TOKEN not in output and TOKEN[6:] not in output


def test_hook_checks_staged_ci_files(repo: Path, pre_commit_home: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\n\n[[tool.uv.index]]\nname = "gitlab"\n'
        'url = "https://gitlab.example.com/api/v4/projects/9/packages/pypi/simple"\n')
    (repo / ".gitlab-ci.yml").write_text(
        "include:\n  - local: ci/release.yml\n"
        "variables:\n  UV_INDEX_GITLB_PASSWORD: $CI_JOB_TOKEN\n")
    (repo / "ci").mkdir()
    (repo / "ci" / "release.yml").write_text(
        "release:\n  script:\n    - uv publish --token $CI_JOB_TOKEN\n")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "test.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: x\n    env:\n"
        "      UV_INDEX_GITLAB_USERNAME: __token__\n"
        "      UV_INDEX_GITLAB_PASSWORD: $CI_JOB_TOKEN\n    steps:\n      - run: uv sync\n")
    git(repo, "add", ".")
    proc = try_repo(repo, pre_commit_home, "uv-index-check")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert ".gitlab-ci.yml:4:3: UIG402" in output  # did-you-mean to the real variable
    assert "UV_INDEX_GITLAB_PASSWORD" in output
    assert "ci/release.yml:3:18: UIG401" in output  # read through the include
    assert ".github/workflows/test.yml:6:33: UIG403" in output


def test_hook_passes_clean_config(repo: Path, pre_commit_home: Path) -> None:
    (repo / "sub").mkdir()
    (repo / "sub" / "uv.toml").write_text(
        '[[index]]\nname = "gitlab"\n'
        'url = "https://__token__@gitlab.example.com/api/v4/projects/9/packages/pypi/simple"\n'
        'authenticate = "always"\n')
    git(repo, "add", "sub/uv.toml")
    proc = try_repo(repo, pre_commit_home, "uv-index-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_readme_config_with_the_release_tag(repo: Path, pre_commit_home: Path,
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    """README's `.pre-commit-config.yaml` as written, `rev:` the release tag, `repo:` a clone
    of this repository (as README allows: any git URL or a clone's path)."""
    import re

    import yaml

    from uv_index_guard import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)
                if b.startswith("repos:")]
    config = yaml.safe_load(block)
    (entry,) = config["repos"]
    assert entry["rev"] == f"v{__version__}"
    clone = tmp_path_factory.mktemp("uv-index-guard") / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if subprocess.run(["git", "rev-parse", "-q", "--verify", f"refs/tags/{entry['rev']}"],
                      cwd=clone, capture_output=True, check=False).returncode != 0:
        git(clone, "tag", entry["rev"])  # a checkout without tags: the tag on its HEAD
    (repo / ".pre-commit-config.yaml").write_text(
        block.replace(entry["repo"], str(clone), 1), encoding="utf-8")
    (repo / "deploy.env").write_text(f"TOKEN={TOKEN}\n")
    (repo / "uv.toml").write_text('[[index]]\nurl = "https://x.example/simple"\n'
                                  "explicit = true\n")
    git(repo, "add", ".")
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
    proc = subprocess.run([pre_commit, "run", "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "deploy.env:1:7: gitlab-pat" in output and "uv.toml:1:1: UIG105" in output
    assert output.count("Failed") == 2 and TOKEN not in output
