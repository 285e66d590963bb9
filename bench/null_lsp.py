"""The measuring floor for ``bench_lsp.py``: a language server that does nothing.

It reads LSP frames from stdin with the standard library only, answers ``initialize``
(incremental sync) and ``shutdown``, and publishes an empty diagnostics list for the version
of every ``didOpen`` and ``didChange`` at once. What the benchmark measures for it is the
cost of the measuring client, the pipes and one Python process parsing each message: no real
server can answer a keystroke faster through the same client.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def send(out: Any, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    shutdown = False
    while True:
        length = None
        while True:
            line = stdin.readline()
            if not line:
                return 0 if shutdown else 1
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            continue
        message = json.loads(stdin.read(length))
        method = message.get("method")
        if method == "initialize":
            send(stdout, {"jsonrpc": "2.0", "id": message["id"], "result": {
                "capabilities": {"textDocumentSync": 2}}})
        elif method == "shutdown":
            shutdown = True
            send(stdout, {"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif method == "exit":
            return 0 if shutdown else 1
        elif method in ("textDocument/didOpen", "textDocument/didChange"):
            doc = message["params"]["textDocument"]
            send(stdout, {"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                          "params": {"uri": doc["uri"], "version": doc.get("version"),
                                     "diagnostics": []}})
        elif "id" in message:
            send(stdout, {"jsonrpc": "2.0", "id": message["id"], "result": None})


if __name__ == "__main__":
    sys.exit(main())
