"""The VS Code extension from a clean checkout: vscode-client/ci.sh runs npm ci, typecheck,
mocha unit tests, packages the .vsix, installs code-server 4.100.3 and chromium (cached under
~/.cache/uv-index-guard-e2e), and checks in real VS Code that the Problems panel shows UIG301.

Needs node 20+ and npm, and root or sudo for apt-get the first time. Set UIG_SKIP_VSCODE=1 to
skip it on a machine without them (CI never sets it). Artifacts: vscode-client/e2e/artifacts/
(problems.png, not-found.png, code-server.log, extension.log, result.json, ci.log).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "vscode-client"
ARTIFACTS = CLIENT / "e2e" / "artifacts"
VSIX = CLIENT / "dist" / "uv-index-guard.vsix"
SERVER = Path(sys.executable).parent / (
    "uv-index-guard.exe" if os.name == "nt" else "uv-index-guard")
TIMEOUT_S = 40 * 60  # a cold machine: apt, npm ci, code-server's native builds


@pytest.fixture(scope="module")
def ci_run() -> dict[str, object]:
    if os.environ.get("UIG_SKIP_VSCODE") == "1":
        pytest.skip("UIG_SKIP_VSCODE=1")
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    assert not missing, f"{', '.join(missing)} not found: the VS Code extension needs node 20+"
    assert SERVER.exists(), "the package is not installed in this venv"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "ci.log"
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(["bash", str(CLIENT / "ci.sh")], cwd=CLIENT, stdin=subprocess.DEVNULL,
                              stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT_S,
                              env={**os.environ, "UIG_SERVER": str(SERVER)})
    elapsed = time.monotonic() - started
    text = log.read_text(errors="replace")
    assert proc.returncode == 0, (
        f"vscode-client/ci.sh exited {proc.returncode}; see {log}:\n{text[-6000:]}")
    lines = [line for line in text.splitlines() if line.startswith("E2E_RESULT ")]
    assert lines, f"no E2E_RESULT line in {log}"
    result: dict[str, object] = json.loads(lines[-1].removeprefix("E2E_RESULT "))
    result["ci_s"] = round(elapsed, 1)
    print(f"\nvscode-client/ci.sh: {elapsed:.0f} s in all; code-server e2e {result}")
    return result


def test_vsix_ships_the_bundle_and_no_node_modules(ci_run: dict[str, object]) -> None:
    with zipfile.ZipFile(VSIX) as vsix:
        names = vsix.namelist()
    assert "extension/dist/extension.js" in names
    assert "extension/package.json" in names
    assert not [n for n in names if "node_modules" in n]
    assert not [n for n in names if n.endswith((".ts", ".map"))]
    size = VSIX.stat().st_size
    print(f"\n{VSIX.name}: {size / 1024:.0f} KiB")
    assert size < 1024 * 1024


def test_code_server_problems_panel_shows_uig301(ci_run: dict[str, object]) -> None:
    assert ci_run["ok"] is True
    assert ci_run["stoppedCleanly"] is True
    assert (ARTIFACTS / "problems.png").stat().st_size > 10_000
    timings = ci_run["timings"]
    assert isinstance(timings, dict)
    assert "restartMs" in timings  # the Restart server command brought the server back
    log = (ARTIFACTS / "extension.log").read_text()
    assert f"uvIndexGuard.path: using {SERVER}" in log
    assert "finding the server (the Restart server command)" in log
    # With no server anywhere, one notification says how to install it.
    assert "notFoundMs" in timings
    assert "PATH: no uv-index-guard" in log
    assert (ARTIFACTS / "not-found.png").is_file()
    print(f"\ncode-server: diagnostic {timings['diagnosticMs']} ms after the test started")
