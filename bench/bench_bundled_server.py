"""How long the server a platform .vsix bundles takes from spawn to the first diagnostic.

    python bench/bench_bundled_server.py --bundled vscode-client/bundled [--python /usr/bin/python3]
                                         [--runs 3]

`--bundled` is the `bundled/` directory `npm run package:platform -- linux-x64` writes (or the
`extension/bundled` of an unpacked .vsix). Each run spawns `python -I bundled/server.py` as the
extension does, sends `initialize`, `initialized` and a `didOpen` of a pyproject.toml whose
index URL embeds a synthetic token, and stops the clock at the `publishDiagnostics` that
carries UIG301. "cold" runs first remove every `__pycache__` of the bundle (the first start
after install, compiling every module); "warm" runs reuse what the cold run wrote. The same is
measured for the `uv-index-guard lsp` installed in this venv, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def token() -> str:
    alphabet = string.ascii_letters + string.digits
    return "gl" + "pat-" + "".join(secrets.choice(alphabet) for _ in range(20))


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: Any) -> dict[str, Any]:
    length = 0
    while True:
        line = stream.readline()
        if not line:
            raise EOFError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    result: dict[str, Any] = json.loads(stream.read(length))
    return result


def first_diagnostic(command: list[str], workdir: Path, env: dict[str, str]) -> float:
    """Seconds from spawn to the publishDiagnostics that holds UIG301."""
    pyproject = workdir / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\n\n[[tool.uv.index]]\nname = "acme"\n'
        f'url = "https://__token__:{token()}@gitlab.example.com/api/v4/projects/7/packages/'
        'pypi/simple"\n')
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=workdir, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": workdir.as_uri(), "capabilities": {}}}))
        proc.stdin.flush()
        while read_message(proc.stdout).get("id") != 1:
            pass
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": pyproject.as_uri(), "languageId": "toml", "version": 1,
                             "text": pyproject.read_text()}}}))
        proc.stdin.flush()
        while True:
            message = read_message(proc.stdout)
            if message.get("method") == "textDocument/publishDiagnostics" and any(
                    d.get("code") == "UIG301" for d in message["params"]["diagnostics"]):
                return time.perf_counter() - started
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundled", type=Path, required=True)
    parser.add_argument("--python", default=shutil.which("python3") or sys.executable)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = args.bundled.resolve() / "server.py"
    if not server.is_file():
        parser.error(f"{server} does not exist: run `npm run package:platform -- <target>`")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    installed = shutil.which("uv-index-guard", path=str(Path(sys.executable).parent))
    cases: list[tuple[str, list[str], bool]] = [
        ("bundled, cold (no __pycache__)", [args.python, "-I", str(server)], True),
        ("bundled, warm", [args.python, "-I", str(server)], False),
    ]
    if installed:
        cases.append(("installed uv-index-guard lsp (this venv)", [installed, "lsp"], False))
    with tempfile.TemporaryDirectory(prefix="uig-bench-bundled-") as tmp:
        for name, command, cold in cases:
            times = []
            for _ in range(args.runs):
                if cold:
                    for cache in args.bundled.resolve().rglob("__pycache__"):
                        shutil.rmtree(cache)
                times.append(first_diagnostic(command, Path(tmp), env))
            print(f"{name}: median {statistics.median(times):.2f} s "
                  f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
