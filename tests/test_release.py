"""A release a user can install: the sdist and wheel build and pass `twine check`, the wheel
installs and runs in a fresh virtualenv, README's git-URL install line works with the tag,
and the version, the tag README names and CHANGELOG agree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from uv_index_guard import __version__

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TAG = f"v{__version__}"
PUBLIC = "https://github.com/uv-index-guard/uv-index-guard"


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False,
                          **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend is a test dependency, so no download is needed.
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)])
    return out


def test_version_tag_and_changelog_agree() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## (\S+)", changelog, re.M)
    assert first and first[1] == __version__, "CHANGELOG's newest section is this version"
    tags = set(re.findall(r"\bv\d+\.\d+\.\d+\b", README))
    assert tags == {TAG}, "README's install lines and pre-commit `rev:` name this version's tag"
    assert re.search(rf"^    rev: {re.escape(TAG)}$", README, re.M)


def test_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    files = sorted(dist.iterdir())
    wheel = dist / f"uv_index_guard-{__version__}-py3-none-any.whl"
    sdist = dist / f"uv_index_guard-{__version__}.tar.gz"
    assert files == sorted([sdist, wheel])
    checked = run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)])
    assert checked.stdout.count("PASSED") == 2
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert f"uv_index_guard-{__version__}.dist-info/licenses/LICENSE" in names
    assert "uv_index_guard/rule_docs/UIG301.md" in names
    assert "uv_index_guard/rule_docs/scan/gitlab-pat.md" in names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    with tarfile.open(sdist) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml",
            "docs/rules/UIG301.md"} <= members


def test_wheel_and_git_url_install_in_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = str(bin_dir / "python")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    wheel = next(dist.glob("*.whl"))
    run([python, "-m", "pip", "install", "-q", str(wheel)], env=env)
    exe = str(bin_dir / "uv-index-guard")
    assert run([exe, "--version"]).stdout == f"uv-index-guard {__version__}\n"
    # Installed, not the checkout: the module comes from the venv.
    where = run([python, "-c", "import uv_index_guard; print(uv_index_guard.__file__)"],
                cwd=tmp_path)
    assert where.stdout.startswith(str(venv))
    (tmp_path / "uv.toml").write_text('[[index]]\nurl = "https://x.example/simple"\n'
                                      "explicit = true\n", encoding="utf-8")
    check = subprocess.run([exe, "check", "uv.toml"], cwd=tmp_path, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 1 and "UIG105" in check.stdout
    assert "UIG105" in run([exe, "rule", "UIG105"], cwd=tmp_path).stdout

    # README's git-URL line, with the public URL swapped for a clone of this repository
    # that has the tag (a checkout without tags gets it on the clone's HEAD).
    (line,) = set(re.findall(r'pip install "uv-index-guard @ git\+[^"]+"', README))
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(ROOT), str(clone)])
    if subprocess.run(["git", "rev-parse", "-q", "--verify", f"refs/tags/{TAG}"], cwd=clone,
                      capture_output=True, check=False).returncode != 0:
        run(["git", "tag", TAG], cwd=clone)
    # `file://localhost/...`: the pip that `venv` bundles wants a host in a direct URL.
    url = f"file://localhost{clone.as_posix()}"
    spec = line.split('"')[1].replace(PUBLIC, url)
    assert spec == f"uv-index-guard @ git+{url}@{TAG}"
    run([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", spec], env=env)
    assert run([exe, "--version"]).stdout == f"uv-index-guard {__version__}\n"
