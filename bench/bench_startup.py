"""Benchmark: `uv-index-guard check examples/` as a whole process against bare start-up.

Run from the repository root with the venv active::

    python bench/bench_startup.py [--runs N]

Both commands run as whole processes (the installed `uv-index-guard` script), in turn
(A B A B ...) after a warm-up, so machine load affects both alike. It prints the median and
minimum wall and CPU time of each and the median of the pair-by-pair ratios A/B, and writes
``bench/results/startup.json`` (git-ignored). Target: `check examples/` at most 2.5x
`uv-index-guard --version`.

First it compiles the package's bytecode (``compileall``), as ``pip install`` does for a
regular install: an editable install under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise
compile every module from source in every run, which no installed copy does.
``--no-compile`` skips that step.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "startup.json"


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run of ``cmd``, output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="counted runs of each command")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not compile the package's bytecode first")
    args = parser.parse_args()
    if not args.no_compile:
        import compileall

        import uv_index_guard

        compileall.compile_dir(os.path.dirname(uv_index_guard.__file__), quiet=1)
    exe = shutil.which("uv-index-guard", path=os.path.dirname(sys.executable)) or shutil.which(
        "uv-index-guard")
    if exe is None:
        sys.exit("uv-index-guard is not installed in this environment")
    a = [exe, "check", "examples/"]
    b = [exe, "--version"]
    for cmd in (a, b, a, b):  # warm-up (page cache, .pyc files)
        timed(cmd)
    runs: dict[str, list[tuple[float, float]]] = {"check": [], "version": []}
    for _ in range(args.runs):
        runs["check"].append(timed(a))
        runs["version"].append(timed(b))
    result: dict[str, object] = {}
    for name, samples in runs.items():
        walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
        result[name] = {"wall_median_ms": statistics.median(walls) * 1e3,
                        "wall_min_ms": min(walls) * 1e3,
                        "cpu_median_ms": statistics.median(cpus) * 1e3}
        print(f"{name:<8} wall median {statistics.median(walls) * 1e3:7.1f} ms "
              f"(min {min(walls) * 1e3:6.1f}), cpu median {statistics.median(cpus) * 1e3:7.1f} ms")
    ratios = [x[0] / y[0] for x, y in zip(runs["check"], runs["version"], strict=True)]
    cpu_ratios = [x[1] / y[1] for x, y in zip(runs["check"], runs["version"], strict=True)
                  if y[1] > 0]
    result["ratio_wall_median"] = statistics.median(ratios)
    result["ratio_cpu_median"] = statistics.median(cpu_ratios) if cpu_ratios else None
    print(f"check examples/ / --version: wall {statistics.median(ratios):.2f}x"
          + (f", cpu {statistics.median(cpu_ratios):.2f}x" if cpu_ratios else "")
          + " (pair by pair, median); target <= 2.5x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
