"""Where a secret can start: one multi-literal pass over the text instead of one per finder.

Every finder (the token kinds in :mod:`uv_index_guard.tokens`, the URL credentials of
:mod:`uv_index_guard.scanner`) begins with a literal lead (`glpat-`, `GR1348941`, `://`, ...).
With Hyperscan installed (the optional `hyperscan` package, which bundles Intel's
multi-pattern matcher) all leads are found in a single SIMD pass, and each finder's regex is
then tried only where its lead is. Without it, callers fall back to one `re` pass per finder;
the results are the same.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any, Final

# (literal lead, group): groups 0-3 are tokens.FINDERS in order, 4 is the URL finder.
LEADS: Final[tuple[tuple[bytes, int], ...]] = (
    *((b"gl" + k + b"-", 0) for k in (b"agent", b"soat", b"ffct", b"pat", b"oas", b"rtr",
                                       b"cbt", b"ptt", b"imt", b"dt", b"rt", b"ft", b"wt")),
    (b"GR1348941", 1),
    (b"_gitlab_session=", 2),
    (b"pypi-", 3),
    (b"://", 4),
)
GROUPS: Final = 5
# Below this size one `re` pass per finder is cheaper than setting up a Hyperscan scan.
MIN_BYTES: Final = 16 * 1024
# More than one lead per this many bytes (and at least DENSE_MIN of them) is dense text.
DENSE_BYTES: Final = 256
DENSE_MIN: Final = 1024

_database: Any = None
# Hyperscan's exception for a scan that a callback stopped (set with the database).
_terminated: type[Exception] = RuntimeError
_scratch_ok = True
# One Hyperscan scratch space per database: a second thread at the same time falls back.
_in_use = threading.Lock()


def _compile() -> Any:
    global _database, _scratch_ok, _terminated
    if _database is None and _scratch_ok:
        try:
            import hyperscan
        except ImportError:
            _scratch_ok = False
            return None
        db = hyperscan.Database()
        db.compile(expressions=[re.escape(lit) for lit, _ in LEADS],
                   ids=list(range(len(LEADS))), elements=len(LEADS), flags=[0] * len(LEADS))
        _database = db
        _terminated = hyperscan.ScanTerminated
    return _database


def available() -> bool:
    """Whether the single-pass prefilter (Hyperscan) can be used."""
    return _compile() is not None


def lead_starts(data: bytes, pos: int, endpos: int) -> list[list[int]] | None:
    """For each group, the sorted offsets in ``data[pos:endpos]`` where one of its leads
    starts; None when Hyperscan is not available or the span is small."""
    if endpos - pos < MIN_BYTES:
        return None
    db = _compile()
    if db is None:
        return None
    starts: list[list[int]] = [[] for _ in range(GROUPS)]
    lengths = [len(lit) for lit, _ in LEADS]
    groups = [group for _, group in LEADS]
    base = pos
    # A Python call per lead costs more than `re`'s own literal search once leads are dense
    # (a million `://` in 14 MB: 1.5 s against 0.6 s): past this many, give up on the scan.
    budget = [max(DENSE_MIN, (endpos - pos) // DENSE_BYTES)]

    def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: Any) -> bool:
        starts[groups[ident]].append(base + to - lengths[ident])
        budget[0] -= 1
        return budget[0] < 0  # True stops the scan

    if not _in_use.acquire(blocking=False):
        return None
    try:
        db.scan(data[pos:endpos], match_event_handler=on_match)
    except _terminated:
        return None  # dense: one `re` pass per finder is faster
    finally:
        _in_use.release()
    for group in starts:
        group.sort()
    return starts


def anchored(finder: re.Pattern[bytes], data: bytes, starts: list[int],
             endpos: int) -> Iterator[re.Match[bytes]]:
    """The matches ``finder.finditer`` would give, trying only at ``starts``."""
    last = -1
    for start in starts:
        if start < last:
            continue
        m = finder.match(data, start, endpos)
        if m is not None:
            last = m.end()
            yield m
