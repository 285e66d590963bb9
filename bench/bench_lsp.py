"""Benchmark: the language server against tombi 1.9.6, driven by the same pygls client.

Run with ``python bench/bench_lsp.py [--rounds N]`` after ``pip install tombi==1.9.6`` (a
benchmark-only dependency). Prints a table and writes ``bench/results/lsp.json``.

Both servers get the same client: pygls's ``LanguageClient`` over stdio, with push
diagnostics (``publishDiagnostics`` with ``versionSupport``) and no pull support, so both
publish. Each server is sent changes in the sync kind it asked for at ``initialize``:
incremental edits for uv-index-guard, the whole text for tombi (it declares ``Full``).

Measured, per server:

* ``keystroke``: typing a new ``[[tool.uv.index]]`` block, one character per ``didChange``,
  into the realistic ~150-line pyproject.toml of ``bench_check.py``. The next keystroke is
  sent when the diagnostics for the current version have arrived (or after a 2 s timeout),
  so the figure is the latency of one keystroke, without queueing. A server may legitimately
  skip a version (a debounce, or nothing new to say); such keystrokes are counted as
  ``missed`` and left out of p50/p95, never counted as fast. For a broken text,
  uv-index-guard's first push comes from tree-sitter's incremental reparse, and a fresh
  analysis follows after 50 ms of quiet if it would differ (see README, Language server);
  keystrokes here come faster than that, so the figure is the first push's.
* ``open_large`` / ``edit_large``: time to the first diagnostics after ``didOpen`` of the
  12,500-line file of ``bench_check.py``, and after one one-character edit in its middle
  (median over ``--rounds`` edits).
* ``peak_rss_mb``: the server process's VmHWM from ``/proc`` at the end of the run.
* ``long_line`` (uv-index-guard only): time from ``didOpen`` to the diagnostics of a text
  whose one line holds 500 (then 1,000) inline index tables with non-ASCII names, one
  finding each (about 40 and 80 kB).
* ``memory`` (uv-index-guard only, ``--edits N``, default 10,000): VmRSS after opening the
  typical file, after 1,000 one-character edits and after N (a character typed, then
  removed, each analysed and published): growth is what a day of typing costs.

A third server, ``floor`` (``bench/null_lsp.py``), does nothing: it publishes an empty list
for each version at once. Its figures are what the measuring client and the pipes cost; the
``above the floor`` line compares what is left of each server's figure after taking the
floor's away (a server cannot answer faster than the floor, so "half of tombi's time" is
only reachable where tombi's time is well above the floor).

tombi runs as ``tombi lsp --offline`` (no schema downloads). It checks TOML syntax and its
bundled schemas; uv-index-guard checks uv's index configuration. The comparison is about
responsiveness while typing, not about what is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import TYPICAL, large_pyproject

RESULTS = Path(__file__).resolve().parent / "results" / "lsp.json"
TIMEOUT = 2.0
OPEN_TIMEOUT = 30.0
BLOCK = ('[[tool.uv.index]]\nname = "internal"\n'
         'url = "https://gitlab.acme.example/api/v4/projects/99/packages/pypi/simple"\n'
         'explicit = true\n\n')
SERVERS = {
    "uv-index-guard": [sys.executable, "-m", "uv_index_guard", "lsp"],
    "tombi": ["tombi", "lsp", "--offline"],
    # The floor: a server that does nothing (null_lsp.py); what is left is the client's cost.
    "floor": [sys.executable, str(Path(__file__).resolve().parent / "null_lsp.py")],
}


@dataclass
class Session:
    client: LanguageClient
    full_sync: bool
    arrivals: dict[tuple[str, int | None], float] = field(default_factory=dict)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, uri: str, version: int, timeout: float) -> float | None:
        """Arrival time of the diagnostics for ``version`` (None after ``timeout``)."""
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.arrivals:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), left)
            except TimeoutError:
                return None
        return self.arrivals[(uri, version)]


async def start(command: list[str], root: Path) -> Session:
    client = LanguageClient("bench-lsp", "1")
    session: Session | None = None

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        assert session is not None
        session.arrivals.setdefault((params.uri, params.version), time.perf_counter())
        session.event.set()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params: types.LogMessageParams) -> None:
        return None

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: Any) -> None:
        return None

    @client.feature(types.WORKSPACE_WORKSPACE_FOLDERS)
    def folders(params: Any) -> list[types.WorkspaceFolder]:
        return [types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    await client.start_io(*command, cwd=str(root))
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True)),
        workspace=types.WorkspaceClientCapabilities(workspace_folders=True,
                                                    configuration=True))
    result = await client.initialize_async(types.InitializeParams(
        capabilities=caps, root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    client.initialized(types.InitializedParams())
    sync = result.capabilities.text_document_sync
    kind = sync.change if isinstance(sync, types.TextDocumentSyncOptions) else sync
    session = Session(client, kind == types.TextDocumentSyncKind.Full)
    return session


def position(text: str, at: int) -> types.Position:
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return types.Position(line=line, character=len(text[start:at].encode("utf-16-le")) // 2)


def change(session: Session, uri: str, version: int, text: str, start: int, end: int,
           new_text: str) -> str:
    """Send text[start:end] -> new_text; returns the new text."""
    new = text[:start] + new_text + text[end:]
    event: types.TextDocumentContentChangeEvent
    if session.full_sync:
        event = types.TextDocumentContentChangeWholeDocument(text=new)
    else:
        event = types.TextDocumentContentChangePartial(
            range=types.Range(start=position(text, start), end=position(text, end)),
            text=new_text)
    session.client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[event]))
    return new


def open_doc(session: Session, uri: str, text: str) -> float:
    t0 = time.perf_counter()
    session.client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1,
                                             text=text)))
    return t0


def write_doc(root: Path, folder: str, text: str) -> str:
    """Write ``text`` as ``root/folder/pyproject.toml``; its URI."""
    (root / folder).mkdir()
    path = root / folder / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path.as_uri()


async def typing(session: Session, root: Path, name: str) -> dict[str, Any]:
    text = TYPICAL
    uri = write_doc(root, name, text)
    open_doc(session, uri, text)
    await session.wait(uri, 1, OPEN_TIMEOUT)
    at = text.index("[tool.uv.sources]")
    latencies: list[float] = []
    missed = 0
    version = 1
    for i, ch in enumerate(BLOCK):
        version += 1
        t0 = time.perf_counter()
        text = change(session, uri, version, text, at + i, at + i, ch)
        arrived = await session.wait(uri, version, TIMEOUT)
        if arrived is None:
            missed += 1
        else:
            latencies.append((arrived - t0) * 1e3)
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    return {"latencies_ms": latencies, "missed": missed, "keystrokes": len(BLOCK)}


async def large(session: Session, root: Path, name: str, rounds: int) -> dict[str, Any]:
    text = large_pyproject()
    uri = write_doc(root, f"{name}-large", text)
    t0 = open_doc(session, uri, text)
    arrived = await session.wait(uri, 1, OPEN_TIMEOUT)
    opened = (arrived - t0) * 1e3 if arrived is not None else None
    edits: list[float] = []
    missed = 0
    version = 1
    marker = 'name = "index-1250"'
    # The third digit of that name; each round replaces this one character, so the document
    # stays valid and `at` stays put.
    at = text.index(marker) + len(marker) - 2
    for r in range(rounds):
        version += 1
        t0 = time.perf_counter()
        text = change(session, uri, version, text, at, at + 1, str((r + 6) % 10))
        arrived = await session.wait(uri, version, OPEN_TIMEOUT)
        if arrived is None:
            missed += 1
        else:
            edits.append((arrived - t0) * 1e3)
    return {"open_ms": opened, "edit_ms": edits, "edit_missed": missed,
            "lines": text.count("\n")}


def rss_mb(session: Session, field: str = "VmRSS:") -> float | None:
    server = getattr(session.client, "_server", None)
    pid = getattr(server, "pid", None)
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return None


async def memory(session: Session, root: Path, name: str, edits: int) -> dict[str, Any]:
    """Resident memory after ``edits`` one-character edits of the typical file (a character
    typed, then removed, ...), each analysed and published before the next is sent."""
    text = TYPICAL
    uri = write_doc(root, f"{name}-memory", text)
    open_doc(session, uri, text)
    await session.wait(uri, 1, OPEN_TIMEOUT)
    at = text.index("[tool.uv.sources]")
    out: dict[str, Any] = {"rss_start_mb": rss_mb(session)}
    version = 1
    for n in range(1, edits + 1):
        version += 1
        if n % 2:
            text = change(session, uri, version, text, at, at, "#")
        else:
            text = change(session, uri, version, text, at, at + 1, "")
        if n % 50 == 0 or n == edits:  # keep the pipe from filling without timing each one
            await session.wait(uri, version, OPEN_TIMEOUT)
        if n in (1000, edits):
            out[f"rss_after_{n}_edits_mb"] = rss_mb(session)
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    return out


def long_line(count: int) -> str:
    """One line of ``count`` inline index tables with non-ASCII names (each a UIG102)."""
    tables = ", ".join(f'{{ name = "dépôt-{i}", url = "https://h{i}.example/simple" }}'
                       for i in range(count))
    return f"[tool.uv]\nindex = [{tables}]\n"


async def long_lines(session: Session, root: Path, name: str) -> dict[str, Any]:
    """Time to the diagnostics of a text with one long non-ASCII line (500 and 1,000 inline
    index tables, about 40 and 80 kB, one finding per table): position conversion must be
    linear in the line's length."""
    out: dict[str, Any] = {}
    for count in (500, 1000):
        text = long_line(count)
        uri = write_doc(root, f"{name}-line-{count}", text)
        t0 = open_doc(session, uri, text)
        arrived = await session.wait(uri, 1, 120)
        out[f"line_{count}_tables_ms"] = (arrived - t0) * 1e3 if arrived is not None else None
        out[f"line_{count}_tables_kb"] = len(text.encode()) / 1000
        session.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    return out


def peak_rss_mb(session: Session) -> float | None:
    return rss_mb(session, "VmHWM:")


async def stop(session: Session, name: str) -> None:
    client = session.client
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
    finally:
        try:
            await asyncio.wait_for(client.stop(), 5)
        except TimeoutError:
            # Seen with tombi 1.9.6 after about 20 typing rounds: it answers `shutdown` but
            # its process does not end on `exit`.
            server = getattr(client, "_server", None)
            if server is not None and server.returncode is None:
                server.kill()
                await asyncio.wait_for(client.stop(), 5)
            print(f"note: {name} had not exited 5 s after `exit`; killed it", file=sys.stderr)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


async def run(rounds: int, edits: int = 0) -> dict[str, Any]:
    results: dict[str, Any] = {}
    raw: dict[str, dict[str, Any]] = {name: {"latencies_ms": [], "missed": 0, "keystrokes": 0}
                                      for name in SERVERS}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sessions = {name: await start(cmd, root) for name, cmd in SERVERS.items()}
        try:
            for r in range(rounds):  # interleaved, so machine load hits both alike
                for name, session in sessions.items():
                    t = await typing(session, root, f"{name}-{r}")
                    raw[name]["latencies_ms"] += t["latencies_ms"]
                    raw[name]["missed"] += t["missed"]
                    raw[name]["keystrokes"] += t["keystrokes"]
            for name, session in sessions.items():
                big = await large(session, root, name, rounds)
                lat = raw[name]["latencies_ms"]
                results[name] = {
                    "keystroke_p50_ms": percentile(lat, 0.5),
                    "keystroke_p95_ms": percentile(lat, 0.95),
                    "keystrokes": raw[name]["keystrokes"],
                    "keystrokes_missed": raw[name]["missed"],
                    "open_large_ms": big["open_ms"],
                    "edit_large_ms": statistics.median(big["edit_ms"]) if big["edit_ms"]
                    else None,
                    "edit_large_missed": big["edit_missed"],
                    "large_lines": big["lines"],
                    "peak_rss_mb": peak_rss_mb(session),
                }
            results["long_line"] = await long_lines(sessions["uv-index-guard"], root,
                                                    "uv-index-guard")
            if edits:
                results["memory"] = await memory(sessions["uv-index-guard"], root,
                                                 "uv-index-guard", edits)
        finally:
            for name, session in sessions.items():
                await stop(session, name)
    ours, theirs, floor = results["uv-index-guard"], results["tombi"], results["floor"]
    keys = ("keystroke_p50_ms", "keystroke_p95_ms", "open_large_ms", "edit_large_ms",
            "peak_rss_mb")
    results["ratios"] = {key: (ours[key] / theirs[key]) if ours[key] and theirs[key] else None
                         for key in keys}
    # The servers' own share: each figure less the floor's (the client, the pipes).
    results["ratios_above_floor"] = {
        key: ((ours[key] - floor[key]) / (theirs[key] - floor[key]))
        if ours[key] and theirs[key] and floor[key] is not None and theirs[key] > floor[key]
        else None for key in keys[:4]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5,
                        help="typing rounds (and big-file edits) per server; at most about 20"
                        " (tombi 1.9.6 stops publishing after more)")
    parser.add_argument("--edits", type=int, default=10_000,
                        help="one-character edits of the memory phase (uv-index-guard only; "
                             "0 skips it)")
    args = parser.parse_args()
    if shutil.which("tombi") is None:
        raise SystemExit("error: `tombi` not found\nhint: pip install tombi==1.9.6")
    results = asyncio.run(run(args.rounds, args.edits))

    def fmt(v: float | None) -> str:
        return f"{v:9.1f}" if v is not None else "        -"

    keys = ("keystroke_p50_ms", "keystroke_p95_ms", "open_large_ms", "edit_large_ms",
            "peak_rss_mb")
    print(f"{'server':<16}" + "".join(f"{k:>18}" for k in keys) + "   missed")
    for name in SERVERS:
        r = results[name]
        print(f"{name:<16}" + "".join(f"{fmt(r[k]):>18}" for k in keys)
              + f"   {r['keystrokes_missed']}/{r['keystrokes']}")
    if "long_line" in results:
        line = results["long_line"]
        print("one long non-ASCII line (uv-index-guard, open to diagnostics): "
              f"500 tables ({line['line_500_tables_kb']:.0f} kB) "
              f"{line['line_500_tables_ms']:.0f} ms, 1,000 tables "
              f"({line['line_1000_tables_kb']:.0f} kB) {line['line_1000_tables_ms']:.0f} ms "
              "(target: under 200 ms for 500, linear)")
    if "memory" in results:
        mem = results["memory"]
        print("memory (uv-index-guard, VmRSS): "
              + ", ".join(f"{k.removeprefix('rss_').removesuffix('_mb').replace('_', ' ')} "
                          f"{v:.1f} MB" for k, v in mem.items() if v is not None)
              + " (target: growth under 5 MB)")
    print(f"{'ratio ours/tombi':<16}" + "".join(
        f"{(f'{v:.2f}' if v is not None else '-'):>18}" for v in results["ratios"].values()))
    print(f"{'above the floor':<16}" + "".join(
        f"{(f'{v:.2f}' if v is not None else '-'):>18}"
        for v in results["ratios_above_floor"].values()))
    results["meta"] = {"python": sys.version.split()[0], "platform": platform.platform(),
                       "rounds": args.rounds, "tombi": "1.9.6"}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
