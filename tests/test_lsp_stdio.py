"""The server's stdio transports: a pipe (what editors give it) is read on the event loop;
anything else (a socket, a terminal) goes through pygls's own reader. Both must serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from typing import Any

import pytest

TIMEOUT = 20.0


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(read: Any) -> dict[str, Any]:
    length = None
    while True:
        line = read.readline()
        assert line, "the server closed its output"
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    assert length is not None
    result: dict[str, Any] = json.loads(read.read(length))
    return result


def converse(stdin: Any, stdout: Any) -> list[dict[str, Any]]:
    """initialize, didOpen of a config with a finding, shutdown: the messages received."""
    received = []
    stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}}))
    stdin.flush()
    received.append(read_message(stdout))
    stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    stdin.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": "file:///tmp/p/pyproject.toml", "languageId": "toml",
                         "version": 1,
                         "text": '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"'
                                 '\nexplict = true\n'}}}))
    stdin.flush()
    while True:
        message = read_message(stdout)
        received.append(message)
        if message.get("method") == "textDocument/publishDiagnostics":
            break
    stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    stdin.flush()
    received.append(read_message(stdout))
    stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    stdin.flush()
    return received


def check(received: list[dict[str, Any]]) -> None:
    assert received[0]["id"] == 1
    assert received[0]["result"]["capabilities"]["textDocumentSync"]["change"] == 2
    published = received[-2]["params"]
    assert [d["code"] for d in published["diagnostics"]] == ["UIG201"]
    assert received[-1] == {"jsonrpc": "2.0", "id": 2, "result": None}


def test_pipes() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "uv_index_guard", "lsp"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        check(converse(proc.stdin, proc.stdout))
        assert proc.wait(TIMEOUT) == 0
    finally:
        proc.kill()


@pytest.mark.skipif(not hasattr(socket, "socketpair") or os.name != "posix",
                    reason="a POSIX socket pair as stdio")
def test_socket_uses_pygls_reader() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        proc = subprocess.Popen([sys.executable, "-m", "uv_index_guard", "lsp"],
                                stdin=theirs.fileno(), stdout=theirs.fileno())
        theirs.close()
        try:
            ours.settimeout(TIMEOUT)
            with ours.makefile("rwb") as stream:
                check(converse(stream, stream))
            assert proc.wait(TIMEOUT) == 0
        finally:
            proc.kill()
