"""The server over a raw pipe: malformed frames and invalid requests, byte for byte.

After each bad frame or request the server must answer a fresh, valid request: it stays in
sync with the stream and never leaves a request with an id unanswered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

TIMEOUT = 15.0


class Server:
    """`uv-index-guard lsp` on pipes, with the frames it writes parsed on a thread."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "uv_index_guard", "lsp"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 100

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line.strip() == b"":
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            assert length is not None
            message = json.loads(out.read(length))
            with self.lock:
                self.messages.append(message)
                self.lock.notify_all()

    def send(self, raw: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(raw)
        self.proc.stdin.flush()

    def frame(self, message: dict[str, Any]) -> bytes:
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send(self.frame({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                              "params": params}))
        return self.next_id

    def response(self, msg_id: Any) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        with self.lock:
            while True:
                for message in self.messages:
                    if "method" not in message and message.get("id") == msg_id:
                        return message
                left = deadline - time.monotonic()
                assert left > 0, f"no response to {msg_id!r}: {self.messages[-5:]}"
                self.lock.wait(left)

    def initialize(self) -> None:
        msg_id = self.request("initialize", {"processId": None, "rootUri": None,
                                             "capabilities": {}})
        assert "result" in self.response(msg_id)
        self.send(self.frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def alive(self) -> None:
        """A fresh, valid request is answered."""
        msg_id = self.request("textDocument/hover", {
            "textDocument": {"uri": "file:///nowhere/pyproject.toml"},
            "position": {"line": 0, "character": 0}})
        assert self.response(msg_id).get("result", "missing") is None

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait(TIMEOUT)


@pytest.fixture
def server() -> Any:
    s = Server()
    s.initialize()
    yield s
    s.close()


HOVER = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {
    "textDocument": {"uri": "file:///nowhere/pyproject.toml"},
    "position": {"line": 0, "character": 0}}}).encode()

BAD_FRAMES = {
    "length-not-a-number": b"Content-Length: twelve\r\n\r\n" + HOVER,
    "length-too-short": b"Content-Length: %d\r\n\r\n" % (len(HOVER) - 10) + HOVER,
    "length-too-long": b"Content-Length: %d\r\n\r\n" % (len(HOVER) + 10) + HOVER,
    "length-missing": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
                      + HOVER,
    "lf-only-headers": b"Content-Length: %d\n\n" % len(HOVER) + HOVER,
    "not-json": b"Content-Length: 9\r\n\r\n{not json",
    "garbage-between": b"\x00\x01garbage\r\n" + b"Content-Length: %d\r\n\r\n" % len(HOVER)
                       + HOVER,
}


@pytest.mark.parametrize("raw", list(BAD_FRAMES.values()), ids=list(BAD_FRAMES))
def test_bad_frame_then_a_request_is_answered(server: Server, raw: bytes) -> None:
    server.send(raw)
    if raw.endswith(b"{not json"):
        error = server.response(None)
        assert error["error"]["code"] == -32700
    server.alive()
    server.alive()


@pytest.mark.parametrize("params", [
    {}, "a string", {"textDocument": {"uri": "file:///x/pyproject.toml"},
                     "position": {"line": -1, "character": 0}},
    {"textDocument": {"uri": "file:///x/pyproject.toml"},
     "position": {"line": 2**40, "character": 0}},
], ids=["empty", "string", "negative-line", "huge-line"])
def test_invalid_params_are_answered(server: Server, params: Any) -> None:
    msg_id = server.request("textDocument/hover", params)
    answer = server.response(msg_id)
    assert answer["error"]["code"] == -32602
    server.alive()


def test_request_before_initialize() -> None:
    s = Server()
    try:
        msg_id = s.request("textDocument/hover", {
            "textDocument": {"uri": "file:///x/pyproject.toml"},
            "position": {"line": 0, "character": 0}})
        assert s.response(msg_id)["error"]["code"] == -32002
        s.initialize()
        s.alive()
    finally:
        s.close()


def test_request_after_shutdown_and_exit_status(server: Server) -> None:
    assert "result" in server.response(server.request("shutdown", None))
    msg_id = server.request("textDocument/hover", {
        "textDocument": {"uri": "file:///x/pyproject.toml"},
        "position": {"line": 0, "character": 0}})
    assert server.response(msg_id)["error"]["code"] == -32600
    server.send(server.frame({"jsonrpc": "2.0", "method": "exit"}))
    assert server.proc.wait(TIMEOUT) == 0


def test_exit_without_shutdown_is_status_1(server: Server) -> None:
    server.send(server.frame({"jsonrpc": "2.0", "method": "exit"}))
    assert server.proc.wait(TIMEOUT) == 1


@pytest.mark.skipif(os.name != "posix", reason="the event-loop pipe reader is POSIX only")
def test_many_requests_in_one_write(server: Server) -> None:
    ids = []
    raw = b""
    for _ in range(50):
        server.next_id += 1
        ids.append(server.next_id)
        raw += server.frame({"jsonrpc": "2.0", "id": server.next_id,
                             "method": "textDocument/hover", "params": {
                                 "textDocument": {"uri": "file:///x/pyproject.toml"},
                                 "position": {"line": 0, "character": 0}}})
    server.send(raw)
    for msg_id in ids:
        assert server.response(msg_id)["result"] is None
