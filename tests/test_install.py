"""The package installs from a clone with `uv tool install .` and `pipx install .`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = os.path.dirname(sys.executable)


def tool(name: str) -> str:
    found = shutil.which(name, path=BIN) or shutil.which(name)
    assert found, f"{name} is a test dependency"
    return found


def copy_source(dst: Path) -> Path:
    src = dst / "src-copy"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".venv", ".git", "node_modules", "__pycache__", "*.egg-info", ".*_cache", "build"))
    return src


@pytest.mark.parametrize("installer", ["uv", "pipx"])
def test_tool_install_from_clone(installer: str, tmp_path: Path) -> None:
    src = copy_source(tmp_path)
    bin_dir = tmp_path / "bin"
    env = {**os.environ, "UV_TOOL_DIR": str(tmp_path / "tools"), "UV_TOOL_BIN_DIR": str(bin_dir),
           "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "PIPX_HOME": str(tmp_path / "pipx"),
           "PIPX_BIN_DIR": str(bin_dir), "PIPX_DEFAULT_PYTHON": sys.executable,
           "UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never"}
    cmd = ([tool("uv"), "tool", "install", str(src)] if installer == "uv"
           else [tool("pipx"), "install", str(src)])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    exe = bin_dir / "uv-index-guard"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("uv-index-guard ")
    (tmp_path / "uv.toml").write_text('[[index]]\nurl = "https://x.example/simple"\n'
                                      'explicit = true\n')
    check = subprocess.run([str(exe), "check", str(tmp_path / "uv.toml")], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 1 and "UIG105" in check.stdout
    # The rule pages travel in the wheel: `rule` explains a code from its page, installed.
    rule = subprocess.run([str(exe), "rule", "UIG105"], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    page = (ROOT / "docs" / "rules" / "UIG105.md").read_text(encoding="utf-8")
    assert rule.stdout == page.rstrip("\n") + "\n"
