"""`-v`/`--verbose`: what a command reads and how long it takes, on standard error.

Paths, counts and times only: nothing said here holds a secret. (A stream and a function,
not `logging`: the hook starts on every commit and `logging` costs more to import than
everything it would do here.)"""

from __future__ import annotations

import time
from typing import TextIO

_stream: TextIO | None = None
_start = time.perf_counter()


def enable(stream: TextIO) -> None:
    global _stream, _start
    _stream = stream
    _start = time.perf_counter()


def disable() -> None:
    global _stream
    _stream = None


def on() -> bool:
    return _stream is not None


def say(message: str) -> None:
    """One line, with the time since the command started, when `-v` is on."""
    if _stream is not None:
        print(f"uv-index-guard [{time.perf_counter() - _start:7.3f}s] {message}",
              file=_stream, flush=True)
