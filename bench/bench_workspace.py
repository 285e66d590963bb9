"""Benchmark: a generated uv workspace of 200 members.

Run from the repository root with the venv active (uv comes with the test dependencies)::

    python bench/bench_workspace.py [--members 200] [--runs 5]

* ``check .`` as a whole process against ``uv lock --offline`` on the same tree, in turn
  (A B A B ...), after a warm-up; medians and the pair-by-pair ratio (target: no slower
  than uv, ratio <= 1).
* Through the language server (pygls client over stdio): with a member open and the
  workspace loaded, the latency of ``textDocument/definition`` (to the root's index),
  ``textDocument/references`` (every member's source) and ``textDocument/rename``
  (target: each under 50 ms median).

The workspace: a virtual root with two indexes (one explicit), ``members = ["packages/*"]``;
each member depends on two packages, one pinned to the root's explicit index. Results go to
``bench/results/workspace.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

RESULTS = Path(__file__).resolve().parent / "results" / "workspace.json"
ROOT = """\
[tool.uv.workspace]
members = ["packages/*"]

[[tool.uv.index]]
name = "internal"
url = "http://127.0.0.1:9/internal/simple"
explicit = true

[[tool.uv.index]]
name = "mirror"
url = "http://127.0.0.1:9/mirror/simple"
default = true
"""


def member(n: int) -> str:
    return (f'[project]\nname = "member-{n}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
            f'dependencies = ["sandbox-{n}", "requests"]\n\n'
            f'[tool.uv.sources]\nsandbox-{n} = {{ index = "internal" }}\n')


def generate(root: Path, members: int) -> None:
    (root / "pyproject.toml").write_text(ROOT, encoding="utf-8")
    for n in range(members):
        directory = root / "packages" / f"member-{n}"
        directory.mkdir(parents=True)
        (directory / "pyproject.toml").write_text(member(n), encoding="utf-8")


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), (
        proc.returncode)


def processes(root: Path, runs: int) -> dict[str, object]:
    bin_dir = Path(sys.executable).parent
    ours = [str(bin_dir / "uv-index-guard"), "check", "."]
    uv = [shutil.which("uv", path=str(bin_dir)) or "uv", "lock", "--offline"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env.update(UV_CACHE_DIR=str(root.parent / "cache"), UV_PYTHON=sys.executable,
               UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", HOME=str(root.parent))
    for cmd in (ours, uv):  # warm-up
        timed(cmd, root, env)
    samples: dict[str, list[tuple[float, float, int]]] = {"check": [], "uv_lock": []}
    for _ in range(runs):
        samples["check"].append(timed(ours, root, env))
        samples["uv_lock"].append(timed(uv, root, env))
    out: dict[str, object] = {}
    for name, values in samples.items():
        out[name] = {"wall_median_ms": statistics.median(v[0] for v in values) * 1e3,
                     "cpu_median_ms": statistics.median(v[1] for v in values) * 1e3,
                     "exit": values[-1][2]}
    out["ratio_wall_median"] = statistics.median(
        a[0] / b[0] for a, b in zip(samples["check"], samples["uv_lock"], strict=True))
    return out


async def server(root: Path, rounds: int) -> dict[str, float]:
    client = LanguageClient("bench-workspace", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        return None

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log(params: types.LogMessageParams) -> None:
        return None

    await client.start_io(sys.executable, "-m", "uv_index_guard", "lsp", cwd=str(root))
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri()))
    client.initialized(types.InitializedParams())
    path = root / "packages" / "member-7" / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1,
                                             text=text)))
    line = text.splitlines().index('sandbox-7 = { index = "internal" }')
    position = types.Position(line=line, character=len('sandbox-7 = { index = "in'))
    doc = types.TextDocumentIdentifier(uri=uri)
    # Load the workspace (the first request reads and parses every member).
    t0 = time.perf_counter()
    await client.text_document_references_async(types.ReferenceParams(
        text_document=doc, position=position,
        context=types.ReferenceContext(include_declaration=True)))
    load = time.perf_counter() - t0
    timings: dict[str, list[float]] = {"definition": [], "references": [], "rename": []}
    found = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        await client.text_document_definition_async(types.DefinitionParams(
            text_document=doc, position=position))
        timings["definition"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        refs = await client.text_document_references_async(types.ReferenceParams(
            text_document=doc, position=position,
            context=types.ReferenceContext(include_declaration=True)))
        timings["references"].append(time.perf_counter() - t0)
        found = len(refs or [])
        t0 = time.perf_counter()
        await client.text_document_rename_async(types.RenameParams(
            text_document=doc, position=position, new_name="corp"))
        timings["rename"].append(time.perf_counter() - t0)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    out = {f"{name}_median_ms": statistics.median(values) * 1e3
           for name, values in timings.items()}
    out["load_ms"] = load * 1e3
    out["references_found"] = found
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="runs of each whole process")
    parser.add_argument("--rounds", type=int, default=20, help="requests of each kind")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="uig-bench-ws-"))
    try:
        root = scratch / "workspace"
        root.mkdir()
        generate(root, args.members)
        whole = processes(root, args.runs)
        lsp = asyncio.run(server(root, args.rounds))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    check, uv = whole["check"], whole["uv_lock"]
    assert isinstance(check, dict) and isinstance(uv, dict)
    print(f"workspace of {args.members} members")
    print(f"  check .              {check['wall_median_ms']:8.1f} ms wall (exit {check['exit']})")
    print(f"  uv lock --offline    {uv['wall_median_ms']:8.1f} ms wall (exit {uv['exit']})")
    print(f"  ratio check / uv     {whole['ratio_wall_median']:8.2f}  (target <= 1)")
    print(f"  language server: load {lsp['load_ms']:.1f} ms; median definition "
          f"{lsp['definition_median_ms']:.1f} ms, references {lsp['references_median_ms']:.1f} "
          f"ms ({lsp['references_found']:.0f} found), rename {lsp['rename_median_ms']:.1f} ms "
          "(target < 50 ms each)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"members": args.members, "processes": whole, "lsp": lsp},
                                  indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
