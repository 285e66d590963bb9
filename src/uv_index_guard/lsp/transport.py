"""The message loop over a byte stream: LSP base-protocol framing that survives bad input.

pygls's loop (``pygls.io_.run_async``) trusts every frame: a `Content-Length` that is not a
number, too short or too long, missing, or header lines ended by LF alone leave it reading
bodies as headers and headers as bodies, deaf for the rest of the session; and a request
whose params lsprotocol cannot read is dropped before its id is seen, so the client waits
forever. This loop hands each message to pygls's protocol as pygls does, but:

- headers end at an empty line ended by CRLF or LF; a header block without a usable
  `Content-Length` is skipped, and the loop looks for the next `Content-Length:` even in the
  middle of a line (the rest of a body whose length was wrong);
- a body that is not JSON is answered with -32700 (Parse error, id null);
- a request whose params cannot be read is answered with -32602 (Invalid params) under its
  id, any other failure to read it with -32603;
- a request before `initialize` gets -32002 (Server not initialized), one after `shutdown`
  -32600 (Invalid request), instead of silence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any, Final

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import JsonRPCProtocol

logger = logging.getLogger(__name__)

_CONTENT_LENGTH: Final = re.compile(rb"content-length[ \t]*:[ \t]*(\S*)", re.I)
#: The largest body accepted (a frame claiming more is a broken header).
MAX_BODY: Final = 64 * 1024 * 1024

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
SERVER_NOT_INITIALIZED: Final = -32002


class _Stream:
    """An asyncio stream with bytes that can be put back in front of it."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.pending = b""

    def unread(self, data: bytes) -> None:
        self.pending = data + self.pending

    async def readline(self) -> bytes:
        if self.pending:
            at = self.pending.find(b"\n")
            if at != -1:
                line, self.pending = self.pending[: at + 1], self.pending[at + 1 :]
                return line
            line, self.pending = self.pending, b""
            return line + await self.reader.readline()
        return await self.reader.readline()

    async def readexactly(self, n: int) -> bytes:
        head, self.pending = self.pending[:n], self.pending[n:]
        return head + (await self.reader.readexactly(n - len(head)) if len(head) < n else b"")


def _split_body(body: bytes) -> tuple[bytes, bytes]:
    """A body, and what follows its JSON value when the frame claimed more bytes than the
    message has (those belong to the next message)."""
    text = body.decode("utf-8", "replace")
    start = len(text) - len(text.lstrip())
    try:
        _value, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return body, b""
    used = len(text[:end].encode("utf-8"))
    return body[:used], body[used:]


async def read_frames(reader: asyncio.StreamReader, on_body: Callable[[bytes], None],
                      stopped: Callable[[], bool]) -> None:
    """Call ``on_body`` with each message body of the stream until it ends."""
    stream = _Stream(reader)
    length: int | None = None
    seen_header = False
    while not stopped():
        try:
            line = await stream.readline()
        except ValueError:  # a line longer than the stream's limit: not a header
            await reader.read(64 * 1024)
            length, seen_header = None, False
            continue
        if not line:
            return
        if line.strip() == b"":
            if length is not None:
                try:
                    body = await stream.readexactly(length)
                except asyncio.IncompleteReadError as exc:
                    body = exc.partial
                    if not body.strip():
                        return
                body, rest = _split_body(body)
                if rest.strip():
                    logger.warning("Content-Length longer than the message: resynchronised")
                    stream.unread(rest)
                on_body(body)
            elif seen_header:
                logger.warning("message without a usable Content-Length: skipped")
            length, seen_header = None, False
            continue
        match = _CONTENT_LENGTH.search(line)
        if match is not None:
            if match.start() != 0:  # the rest of a body whose length was wrong
                logger.warning("bytes before a header: skipped")
            value = match.group(1)
            length = int(value) if value.isdigit() and int(value) <= MAX_BODY else None
            if length is None:
                logger.warning("unusable Content-Length: skipped")  # never its bytes
            seen_header = True
        elif not seen_header and not line.lower().startswith(b"content-type"):
            logger.warning("bytes outside a message: skipped")
        else:
            seen_header = True


class Dispatcher:
    """Reads each body as JSON-RPC and hands it to pygls's protocol, answering what pygls
    would leave unanswered."""

    def __init__(self, protocol: JsonRPCProtocol, is_initialized: Callable[[], bool],
                 on_error: Callable[[Exception], None]) -> None:
        self.protocol = protocol
        self.is_initialized = is_initialized
        self.on_error = on_error

    def __call__(self, body: bytes) -> None:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            self._error(None, PARSE_ERROR, "Parse error: the message body is not JSON")
            return
        if not isinstance(data, dict):
            self._error(None, INVALID_REQUEST, "Invalid request: not a JSON object")
            return
        msg_id = data.get("id")
        method = data.get("method")
        is_request = isinstance(method, str) and isinstance(msg_id, (int, str))
        if is_request and method not in (types.INITIALIZE, types.EXIT):
            if getattr(self.protocol, "_shutdown", False):
                self._error(msg_id, INVALID_REQUEST, "Invalid request: the server is shut down")
                return
            if not self.is_initialized():
                self._error(msg_id, SERVER_NOT_INITIALIZED, "Server not initialized")
                return
        try:
            message = self.protocol.structure_message(data)
        except JsonRpcInvalidParams:
            if is_request:
                self._error(msg_id, INVALID_PARAMS, f"Invalid params for {method}")
            else:
                logger.warning("notification %r with invalid params: ignored", method)
            return
        except Exception as exc:
            if is_request:
                self._error(msg_id, INTERNAL_ERROR, f"Cannot read the request {method}")
            self.on_error(exc)
            return
        try:
            self.protocol.handle_message(message)
        except Exception as exc:
            if is_request:
                self._error(msg_id, INTERNAL_ERROR, f"{method} failed")
            self.on_error(exc)

    def _error(self, msg_id: Any, code: int, message: str) -> None:
        self.protocol._send_data({"jsonrpc": "2.0", "id": msg_id,
                                  "error": {"code": code, "message": message}})
