"""Benchmark: in-process analysis time against `tomllib.loads` of the same text.

Run from the repository root with the venv active::

    python bench/bench_check.py [--repeat N] [--clock wall|cpu]

It prints a table and writes ``bench/results/check.json`` (git-ignored). Each case is timed
in the same run as its ``tomllib.loads`` baseline, interleaved round by round, so machine load
affects both alike. Every figure is the median and the minimum over ``N`` timed calls (the
typical file: ``20 * N``), after a warm-up, with the garbage collector disabled during each
call and run between rounds, as :mod:`timeit` does. ``--clock cpu`` uses the thread's CPU
time instead of wall time, which is steadier on a busy machine.

Cases:

* ``typical``: a realistic ~150-line pyproject.toml (project metadata, dependency groups,
  four indexes of which two on GitLab, sources, ruff / pytest / mypy / coverage settings).
* ``typical_findings``: the same file with two mistakes in its indexes (a typo'd key,
  GitLab's upload URL as ``url``).
* ``typical_config_finding``: the same file with a source naming an undeclared index
  (UIG107, a finding about the whole configuration).
* ``large``: a generated 12,500-line file, 2,500 ``[[tool.uv.index]]`` tables of five lines,
  500 of them explicit indexes that no source uses (500 UIG205 findings).
* ``large_config_finding``: the same with one duplicate index name (UIG103).
* ``incremental``: what the language server does after a one-character edit of ``large``:
  ``Session.edit`` (untimed), then ``Session.analysis()``, whose
  ``syntax.parse_incremental`` lets tree-sitter reuse the old tree and reuses the built
  tables whose text did not change, and whose unchanged tables keep their findings; against
  ``tomllib.loads(new_text)``.

The headline is ``engine.analyze``, the one analysis that ``check``, the pre-commit hook,
the language server and ``fix`` all run (tree-sitter, the whole value tree, the model, every
rule). Its parts: tree-sitter's parse alone, ``syntax.parse`` (tree-sitter plus building the
value tree), and ``tomli.loads`` (compiled, TOML 1.1) for scale.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli

from uv_index_guard import engine, syntax

RESULTS = Path(__file__).resolve().parent / "results" / "check.json"

TYPICAL = '''\
[build-system]
requires = ["hatchling>=1.25", "hatch-vcs>=0.4"]
build-backend = "hatchling.build"

[project]
name = "acme-data-pipeline"
dynamic = ["version"]
description = "Ingestion and transformation jobs for the ACME data platform."
readme = "README.md"
requires-python = ">=3.10"
license = { text = "Proprietary" }
authors = [
    { name = "Data Platform Team", email = "data-platform@acme.example" },
]
keywords = ["etl", "data", "pipeline"]
classifiers = [
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Operating System :: OS Independent",
    "Private :: Do Not Upload",
]
dependencies = [
    "acme-core>=4.2,<5",
    "acme-auth>=1.8",
    "pandas>=2.1",
    "pyarrow>=15",
    "sqlalchemy>=2.0.25",
    "psycopg[binary]>=3.1",
    "pydantic>=2.6",
    "httpx>=0.27",
    "structlog>=24.1",
    "typer>=0.12",
    "torch>=2.3 ; platform_system != 'Darwin'",
]

[project.optional-dependencies]
s3 = ["boto3>=1.34", "s3fs>=2024.2"]
gcs = ["gcsfs>=2024.2"]

[project.scripts]
acme-pipeline = "acme_pipeline.cli:app"

[project.urls]
Homepage = "https://gitlab.acme.example/data/acme-data-pipeline"
Issues = "https://gitlab.acme.example/data/acme-data-pipeline/-/issues"

[dependency-groups]
dev = [
    "pytest>=8",
    "pytest-cov>=5",
    "hypothesis>=6.100",
    "ruff>=0.5",
    "mypy>=1.10",
    "pandas-stubs",
]
docs = ["mkdocs-material>=9.5", "mkdocstrings[python]>=0.25"]

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.targets.wheel]
packages = ["src/acme_pipeline"]

[tool.uv]
default-groups = ["dev"]
required-version = ">=0.5"
index-strategy = "first-index"
keyring-provider = "subprocess"

[[tool.uv.index]]
name = "acme"
url = "https://gitlab.acme.example/api/v4/projects/1234/packages/pypi/simple"
publish-url = "https://gitlab.acme.example/api/v4/projects/1234/packages/pypi"
authenticate = "always"
explicit = true

[[tool.uv.index]]
name = "acme-group"
url = "https://gitlab.acme.example/api/v4/groups/42/-/packages/pypi/simple"
explicit = true

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

[[tool.uv.index]]
name = "mirror"
url = "https://artifactory.acme.example/artifactory/api/pypi/pypi-remote/simple"
default = true
ignore-error-codes = [401, 403]
cache-control = { api = "max-age=600", files = "max-age=365000000, immutable" }

[tool.uv.sources]
acme-core = { index = "acme" }
acme-auth = { index = "acme-group" }
torch = [
    { index = "pytorch-cpu", marker = "platform_system == 'Linux'" },
]

[tool.ruff]
line-length = 100
target-version = "py310"
src = ["src", "tests"]

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF", "PT", "TCH"]
ignore = ["E501", "B008"]

[tool.ruff.lint.per-file-ignores]
"tests/**" = ["S101", "PLR2004"]

[tool.ruff.lint.isort]
known-first-party = ["acme_pipeline"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-ra --strict-markers --cov=acme_pipeline"
markers = [
    "slow: long-running tests",
    "integration: needs a database",
]
filterwarnings = ["error", "ignore::DeprecationWarning:botocore.*"]

[tool.mypy]
strict = true
python_version = "3.10"
plugins = ["pydantic.mypy"]
files = ["src/acme_pipeline"]

[[tool.mypy.overrides]]
module = ["s3fs.*", "gcsfs.*", "pyarrow.*"]
ignore_missing_imports = true

[tool.coverage.run]
branch = true
source = ["acme_pipeline"]

[tool.coverage.report]
exclude_lines = ["pragma: no cover", "if TYPE_CHECKING:", "raise NotImplementedError"]
fail_under = 85
'''

_INDEX_VARIANTS = (
    "explicit = true\n",
    'authenticate = "always"\n',
    'format = "simple"\n',
    "explicit = false\n",
    'publish-url = "https://upload.example.com/{i}/"\n',
)


def large_pyproject(indexes: int = 2500) -> str:
    """A 12,500-line file: 2,500 five-line indexes (header, name, url, one setting, blank)."""
    parts = []
    for i in range(indexes):
        parts.append(
            "[[tool.uv.index]]\n"
            f'name = "index-{i}"\n'
            f'url = "https://pkgs{i % 7}.example.com/simple/{i}/"\n'
            + _INDEX_VARIANTS[i % len(_INDEX_VARIANTS)].format(i=i)
            + "\n"
        )
    return "".join(parts)


def typical_with_findings() -> str:
    """``TYPICAL`` with a typo'd key (UIG201) and an upload URL used as ``url`` (UIG208)."""
    text = TYPICAL.replace('name = "acme-group"\n', 'name = "acme-group"\nexplict = true\n')
    return text.replace('pypi/simple"\npublish-url', 'pypi"\npublish-url')


def one_char_edit(text: str) -> tuple[str, dict[str, Any]]:
    """Change one character in the middle of the text (a digit of an index name)."""
    marker = 'name = "index-1250"'
    at = text.index(marker) + len(marker) - 2  # the "5"
    new_text = text[:at] + "7" + text[at + 1 :]
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    edit = {
        "start_byte": at, "old_end_byte": at + 1, "new_end_byte": at + 1,
        "start_point": (line, column), "old_end_point": (line, column + 1),
        "new_end_point": (line, column + 1),
    }
    return new_text, edit


Timer = Callable[[], float]


def time_call(fn: Callable[[], object], clock: Timer) -> float:
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = clock()
        fn()
        return clock() - t0
    finally:
        if gc_was_enabled:
            gc.enable()


Job = tuple[Callable[[], object], Callable[[], object] | None]  # (timed call, untimed setup)


def measure(jobs: dict[str, Job], repeat: int, clock: Timer) -> dict[str, dict[str, float]]:
    """Time every job once per round, in rotating order; median and min in milliseconds."""
    names = list(jobs)
    for name in names * 3:  # warm-up
        fn, setup = jobs[name]
        if setup is not None:
            setup()
        fn()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            fn, setup = jobs[name]
            if setup is not None:
                setup()
            times[name].append(time_call(fn, clock))
        gc.collect()
    return {name: {"median_ms": statistics.median(ts) * 1e3, "min_ms": min(ts) * 1e3}
            for name, ts in times.items()}


def full_jobs(text: str) -> dict[str, Job]:
    data = text.encode()
    parser = syntax.new_parser()
    return {
        "analyze": (lambda: engine.analyze(text, "pyproject.toml"), None),
        "tomllib": (lambda: tomllib.loads(text), None),
        "tomli": (lambda: tomli.loads(text), None),
        "tree_sitter_parse": (lambda: parser.parse(data), None),
        "syntax_parse": (lambda: syntax.parse(text), None),
    }


def incremental_jobs(text: str) -> tuple[str, dict[str, Job]]:
    """Each timed call reanalyses just after a one-character edit (as the server does)."""
    new_text, edit = one_char_edit(text)
    at = edit["start_byte"]
    sessions: dict[str, engine.Session] = {}
    reparses: dict[str, syntax.Reparse] = {}

    def edited_session() -> None:
        session = engine.Session(text, "pyproject.toml")
        session.analysis()
        session.edit(at, at + 1, new_text[at].encode())
        sessions["analyze"] = session

    def edited_reparse() -> None:
        _doc, reparse = syntax.parse_incremental(text, None)
        assert reparse.tree is not None
        reparse.tree.edit(**edit)
        reparses["syntax_parse"] = reparse

    return new_text, {
        "analyze": (lambda: sessions["analyze"].analysis(), edited_session),
        "tomllib": (lambda: tomllib.loads(new_text), None),
        "syntax_parse": (lambda: syntax.parse_incremental(new_text, reparses["syntax_parse"]),
                         edited_reparse),
    }


def run(repeat: int, clock: Timer) -> dict[str, Any]:
    large = large_pyproject()
    results: dict[str, Any] = {}
    cases = (("typical", TYPICAL, repeat * 20),
             ("typical_findings", typical_with_findings(), repeat * 20),
             ("typical_config_finding", TYPICAL.replace('{ index = "acme-group" }',
                                                        '{ index = "acme-grp" }'), repeat * 20),
             ("large", large, repeat),
             ("large_config_finding",
              large.replace('name = "index-7"\n', 'name = "index-6"\n'), repeat))
    for case, text, n in cases:
        results[case] = {"lines": text.count("\n"), "headline": "analyze",
                         "findings": len(engine.check_text(text, "pyproject.toml")),
                         **measure(full_jobs(text), n, clock)}
    new_text, jobs = incremental_jobs(large)
    results["incremental"] = {"lines": new_text.count("\n"), "headline": "analyze",
                              **measure(jobs, repeat, clock)}
    for r in results.values():
        head = r[r["headline"]]
        r["ratio_median"] = head["median_ms"] / r["tomllib"]["median_ms"]
        r["ratio_min"] = head["min_ms"] / r["tomllib"]["min_ms"]
    return results


def report(results: dict[str, Any]) -> None:
    def ms(r: dict[str, float]) -> str:
        return f"{r['median_ms']:9.3f} {r['min_ms']:9.3f}"

    print(f"{'case':<20} {'lines':>6}  {'timed':<8} {'median':>9} {'min':>9}  "
          f"{'tomllib med':>11} {'min':>9}  {'ratio med':>9} {'min':>5}")
    for case, r in results.items():
        print(f"{case:<20} {r['lines']:>6}  {r['headline']:<8} {ms(r[r['headline']])}    "
              f"{ms(r['tomllib'])}  {r['ratio_median']:9.2f} {r['ratio_min']:5.2f}")
    print("\nparts (median / min ms; ratio of the median to tomllib's):")
    for case, r in results.items():
        parts = [f"{name} {r[name]['median_ms']:.3f} / {r[name]['min_ms']:.3f} "
                 f"({r[name]['median_ms'] / r['tomllib']['median_ms']:.2f})"
                 for name in ("analyze", "tomli", "tree_sitter_parse", "syntax_parse")
                 if name in r and name != r["headline"]]
        print(f"  {case:<20} " + ", ".join(parts))
        if "findings" in r:
            print(f"  {'':<20} findings: {r['findings']}")
    print("\nratio = the timed call / tomllib.loads of the same text")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40,
                        help="timed calls per job and case (x20 for the typical file)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (perf_counter) or this thread's CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.thread_time
    results = run(args.repeat, clock)
    report(results)
    results["meta"] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "tree_sitter": importlib.metadata.version("tree-sitter"),
        "tree_sitter_toml": importlib.metadata.version("tree-sitter-toml"),
        "repeat": args.repeat,
        "clock": args.clock,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
