"""Dogfooding: this repository passes its own secret gate (fixtures build tokens in code).

The baseline holds the fingerprint of the documentation password the config-rule tests and
docs use on purpose; any other secret-shaped text fails CI here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_repository_passes_its_own_scan() -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    proc = subprocess.run(
        [sys.executable, "-m", "uv_index_guard", "scan", "--baseline",
         ".uv-index-guard-baseline.json", *[f for f in files if f]],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_history_passes_its_own_scan() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "uv_index_guard", "scan", "--git", "--baseline",
         ".uv-index-guard-baseline.json"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
