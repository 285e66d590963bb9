"""`uv-index-guard scan`: the secret gate over files, the git index or git history.

The edges live here (files, git, baseline, excludes); detection is :mod:`uv_index_guard.scanner`.
Every input is read in windows of at most :data:`CHUNK` bytes with a small overlap, so memory
stays bounded for huge files and multi-megabyte lines alike.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, TextIO

from uv_index_guard import prefilter, sarif
from uv_index_guard.files import InputError, display_path, nearest_settings, walk
from uv_index_guard.finding import Finding
from uv_index_guard.hooks import verbose
from uv_index_guard.hooks.git import (
    Shard,
    ShardListing,
    UsageError,
    history_revs,
    run_git,
    toplevel,
)
from uv_index_guard.report import PLAIN, Style
from uv_index_guard.scanner import NO_DETECT, URL_RULE, Detect, Secret, find_secrets, to_finding
from uv_index_guard.text import Position, Range

CHUNK = 1 << 20
# Longer than any secret the finders match (tokens stop at 520 characters, URLs at ~650), so a
# secret that starts before a cut in a long line is always matched whole.
OVERLAP = 4096
# Bytes kept before each window: lookbehind context and the line above (for
# `pragma: allowlist nextline secret`).
CONTEXT = 4096
SNIFF = 8000  # like git: a NUL in the first 8000 bytes makes a file binary

if TYPE_CHECKING:
    import pathspec

    from uv_index_guard.scan_report import ShardId

Read = Callable[[int], bytes]
#: `scan --verify`: the tokens to ask the instance about, by fingerprint: (rule, token). Held
#: in memory only, for :func:`uv_index_guard.credentials.verify.verify`.
Kept = dict[str, tuple[str, str]]


def _keep(kept: Kept | None, secret: Secret, text: bytes) -> None:
    if kept is not None and secret.rule != URL_RULE.id:  # verify() picks what it can ask
        kept[secret.fingerprint] = (secret.rule, text.decode("ascii"))


def _cp_len(data: bytes) -> int:
    return len(data) if data.isascii() else len(data.decode("utf-8", "replace"))


@dataclass
class _Cursor:
    """Line and column (code points) of ``buf[ctx]`` while a stream is scanned in windows."""

    line: int = 0
    column: int = 0

    def position(self, buf: bytes, ctx: int, offset: int) -> Position:
        nl = buf.rfind(b"\n", ctx, offset)
        if nl == -1:
            return Position(self.line, self.column + _cp_len(buf[ctx:offset]))
        return Position(self.line + buf.count(b"\n", ctx, offset), _cp_len(buf[nl + 1 : offset]))

    def advance(self, buf: bytes, ctx: int, hi: int) -> None:
        self.column = self.position(buf, ctx, hi).column
        self.line += buf.count(b"\n", ctx, hi)


#: A secret found in a stream: what it is, where, and its text (held in memory only, to tell
#: whether a commit's parent already had it, and for `--verify`).
Hit = tuple[Secret, Range, bytes]


def stream_hits(read: Read, size_hint: int = -1, detect: Detect = NO_DETECT) -> list[Hit] | None:
    """The secrets in one stream (a file or a blob); None when it is binary. ``detect``: what
    the project's settings add (:class:`~uv_index_guard.scanner.Detect`)."""
    first = read(CHUNK if size_hint < 0 or size_hint >= CHUNK else size_hint + 1)
    if b"\0" in first[:SNIFF]:
        return None
    hits: list[Hit] = []
    cursor = _Cursor()
    buf, ctx, data = first, 0, first
    while True:
        eof = not data or 0 <= size_hint < CHUNK  # a small file is read in one go
        if eof:
            hi = endpos = len(buf)
        else:
            nl = buf.rfind(b"\n", ctx)
            if nl != -1:
                hi = endpos = nl + 1
            elif len(buf) - ctx > 2 * OVERLAP:  # a long line: cut it, the overlap rescans
                hi, endpos = len(buf) - OVERLAP, len(buf)
            else:
                data = read(CHUNK)
                buf += data
                continue
        for secret in find_secrets(buf, ctx, endpos, stop=hi, detect=detect):
            start = cursor.position(buf, ctx, secret.start)
            text = buf[secret.start : secret.end]
            hits.append((secret, Range(start, Position(start.line, start.column + _cp_len(text))),
                         text))
        if eof:
            return hits
        cursor.advance(buf, ctx, hi)
        keep = max(0, hi - CONTEXT)
        buf, ctx = buf[keep:], hi - keep
        data = read(CHUNK)
        buf += data


def _found(hit: Hit, path: str, kept: Kept | None, commit: str | None = None) -> Finding:
    secret, where, text = hit
    _keep(kept, secret, text)
    return to_finding(secret, path, where, commit)


def scan_stream(read: Read, path: str, size_hint: int = -1,
                detect: Detect = NO_DETECT, kept: Kept | None = None,
                ) -> list[Finding] | None:
    """Findings in one stream (a file or a blob); None when it is binary. ``kept`` collects
    the tokens to verify."""
    hits = stream_hits(read, size_hint, detect)
    return None if hits is None else [_found(hit, path, kept) for hit in hits]


def scan_file(path: str, shown: str, detect: Detect = NO_DETECT,
              kept: Kept | None = None) -> list[Finding] | None:
    try:
        with open(path, "rb", buffering=0) as fh:
            size = os.fstat(fh.fileno()).st_size
            return scan_stream(fh.read, shown, size, detect, kept)
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None


def _scan_batch(files: Sequence[str], detect: Detect = NO_DETECT, keep: bool = False,
                ) -> tuple[list[Finding], list[str], Kept | None]:
    findings: list[Finding] = []
    problems: list[str] = []
    kept: Kept | None = {} if keep else None
    cwd = os.getcwd()
    for path in files:
        # The shown path (relative to the current directory) is only worked out for the few
        # files that have something to show: os.path.relpath costs more than scanning.
        try:
            found = scan_file(path, path, detect, kept)
        except InputError as exc:
            problems.append(f"{_shown(path, cwd)}{str(exc).removeprefix(path)}")
            continue
        if found:
            shown = _shown(path, cwd)
            findings.extend(dataclasses.replace(f, path=shown) for f in found)
    return findings, problems, kept


def _shown(path: str, cwd: str = "") -> str:
    """The path as reports show it: relative to the current directory when below it."""
    if not os.path.isabs(path):
        return os.path.normpath(path) if not path.startswith("..") else display_path(path)
    cwd = cwd or os.getcwd()
    if path.startswith(cwd) and path[len(cwd) : len(cwd) + 1] == os.sep:
        return path[len(cwd) + 1 :]
    return display_path(path)


PARALLEL_FILES = 400  # below this, starting workers costs more than it saves


def scan_files(files: Sequence[str], detect: Detect = NO_DETECT,
               kept: Kept | None = None) -> tuple[list[Finding], list[str]]:
    """(findings, unreadable files); large sets are split over the CPUs (fork only).
    ``kept`` collects the tokens to verify."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FILES or workers < 2 or sys.platform != "linux":
        verbose.say(f"scanning {len(files)} file(s) in this process")
        parts = [_scan_batch(files, detect, kept is not None)]
    else:
        verbose.say(f"scanning {len(files)} file(s) in {workers} worker processes")
        import functools
        import multiprocessing

        batches = [files[i::workers] for i in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(functools.partial(_scan_batch, detect=detect,
                                               keep=kept is not None), batches)
    for _, _, tokens in parts:
        if kept is not None and tokens:
            kept.update(tokens)
    return ([f for found, _, _ in parts for f in found], [p for _, ps, _ in parts for p in ps])


# --- which files -------------------------------------------------------------------------


@dataclass
class ScanSettings:
    """`[tool.uv-index-guard]` as the scanner reads it: `exclude` (gitignore-style patterns
    relative to ``root``), `ignore` (the scan rules among it) and what detection takes from
    `gitlab-token-prefixes` and `allow` (valid entries only)."""

    root: str = ""
    spec: pathspec.GitIgnoreSpec | None = None
    detect: Detect = NO_DETECT
    ignore: frozenset[str] = frozenset()  # scan rules (`url-credentials`) not to report

    def excluded(self, path: str) -> bool:
        if self.spec is None:
            return False
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return not rel.startswith("..") and self.spec.match_file(rel.replace(os.sep, "/"))


def load_settings(start: str = ".") -> ScanSettings:
    """The settings of the nearest pyproject.toml at or above ``start`` that has them, up to
    the git root."""
    found = nearest_settings(start, stop_at_git=True)
    if found is None:
        verbose.say("settings: none ([tool.uv-index-guard] in no pyproject.toml up to the "
                    "git root)")
        return ScanSettings()
    import pathspec

    directory, settings = found
    verbose.say(f"settings: [tool.uv-index-guard] of {display_path(directory)}/pyproject.toml")
    return ScanSettings(directory, pathspec.GitIgnoreSpec.from_lines(settings.exclude),
                        Detect(settings.gitlab_token_prefixes, settings.allow), settings.ignore)


def collect(paths: Sequence[str], settings: ScanSettings, force_exclude: bool = False,
            ) -> tuple[list[str], list[str]]:
    """(files to scan, errors). Symlinks are skipped: git stores the link, not the target.
    `exclude` applies to what directories hold; a file named itself is scanned unless
    ``force_exclude`` (as in ruff: pre-commit names every file, and passes that flag)."""
    files: list[str] = []
    errors: list[str] = []
    for path in paths:
        try:
            st = os.lstat(path)
        except OSError as exc:
            errors.append(f"{path}: {exc.strerror or exc}")
            continue
        if stat.S_ISLNK(st.st_mode):
            continue
        if stat.S_ISDIR(st.st_mode):
            files.extend(f for f in walk(path, lambda _name: True, links=False)
                         if not settings.excluded(f))
        elif not stat.S_ISREG(st.st_mode):
            errors.append(f"{display_path(path)}: not a regular file")
        elif not (force_exclude and settings.excluded(path)):
            files.append(path)
    return list(dict.fromkeys(files)), errors


# --- git ---------------------------------------------------------------------------------


def provenance(cwd: str | None = None) -> sarif.Provenance | None:
    """The repository a history scan reads, for SARIF's `versionControlProvenance`: the
    `origin` remote's URL without credentials (scp-like `git@host:path` as `ssh://`), else
    the checkout as a `file:` URI; the revision and branch HEAD is on. None outside git."""
    from pathlib import Path

    from uv_index_guard.urls import without_userinfo

    try:
        top = toplevel(cwd)
        head = run_git(["rev-parse", "--verify", "-q", "HEAD"], cwd).strip() or None
    except UsageError:
        return None
    try:
        remote = run_git(["remote", "get-url", "origin"], cwd).strip()
    except UsageError:
        remote = ""
    scp = re.fullmatch(r"(?:[^@/:]+@)?([^/:]+):(?!/)(.+)", remote)
    if scp:
        remote = f"ssh://{scp[1]}/{scp[2]}"
    repository = (without_userinfo(remote) if "://" in remote else Path(top).as_uri())
    try:
        branch = run_git(["symbolic-ref", "-q", "--short", "HEAD"], cwd).strip() or None
    except UsageError:
        branch = None
    return sarif.Provenance(repository, head, branch)


def staged_blobs(top: str) -> list[tuple[str, str]]:
    """(object id, path from the top) of every added or modified file in the index."""
    out = run_git(["diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
                "--diff-filter=ACMT"], cwd=top)
    fields = out.split("\0")
    blobs = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) >= 4 and parts[1] not in ("120000", "160000"):  # symlinks, submodules
            blobs.append((parts[3], path))
    return blobs


def scan_staged(settings: ScanSettings, kept: Kept | None = None) -> tuple[list[Finding], int]:
    import subprocess

    top = toplevel()
    blobs = [(oid, path) for oid, path in staged_blobs(top)
             if not settings.excluded(os.path.join(top, path))]
    findings: list[Finding] = []
    if not blobs:
        return findings, 0
    with subprocess.Popen(["git", "cat-file", "--batch"], cwd=top, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for oid, path in blobs:
            proc.stdin.write(oid.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3:
                raise UsageError(f"`git cat-file` cannot read the staged `{path}`")
            remaining = int(header[2])
            stream = proc.stdout

            def read(n: int, stream: IO[bytes] = stream) -> bytes:
                nonlocal remaining
                data = stream.read(min(n, remaining)) if remaining else b""
                remaining -= len(data)
                return data

            found = scan_stream(read, display_path(os.path.join(top, path)), remaining,
                                settings.detect, kept)
            while read(CHUNK):  # the rest of a binary blob
                pass
            stream.read(1)  # the LF after each object
            findings.extend(found or ())
        proc.stdin.close()
    return findings, len(blobs)


_HUNK = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)")
# The line `--format=%x00%H` writes before each commit. A diff's own lines all start with
# `+`, `-`, ` `, `@`, `\` or a header word, so a line that starts with NUL and holds only a
# sha can only be this marker, whatever NUL bytes a text diff carries (a `.ai` file's).
_COMMIT = re.compile(rb"\n\x00([0-9a-f]{40}|[0-9a-f]{64})(?=\n)")


@dataclass
class _History:
    """Where the diff stream of `git log -p` stands at the start of a window."""

    commit: str = ""
    path: str = ""
    next_line: int = 0  # new-file line number of the next added line
    commits: int = 0


def _diff_path(header: bytes) -> str:
    """The path of a `+++ b/path` line (C-quoted by git for odd names)."""
    raw = header[4:].rstrip(b"\r\n").rstrip(b"\t")
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = raw[1:-1].decode("unicode_escape").encode("latin-1")
    return raw[2:].decode("utf-8", "surrogateescape") if raw.startswith(b"b/") else ""


def _last_file_header(buf: bytes, lo: int, hi: int) -> int:
    """Offset of the last `+++ ` file header line in ``buf[lo:hi]`` (after a `--- ` line)."""
    at = hi
    while True:
        at = buf.rfind(b"\n+++ ", lo, at)
        if at == -1:
            return -1
        previous = buf.rfind(b"\n", 0, at) + 1
        if buf.startswith(b"--- ", previous):
            return at + 1


def _last_commit(buf: bytes, lo: int, hi: int) -> str | None:
    """The sha of the last commit marker whose NUL is in ``buf[lo:hi]``."""
    at = hi
    while (at := buf.rfind(b"\n\x00", lo - 1, at)) != -1:
        m = _COMMIT.match(buf, at)
        if m is not None:
            return m.group(1).decode("ascii")
    return None


def _history_window(buf: bytes, lo: int, hi: int, state: _History, top: str,
                    settings: ScanSettings, kept: Kept | None = None) -> Iterator[Finding]:
    """Findings on the added lines of ``buf[lo:hi]`` (whole lines of `git log -p -U0`)."""
    for secret in find_secrets(buf, lo, hi, detect=settings.detect):
        start = buf.rfind(b"\n", 0, secret.start) + 1
        if buf[start] != 0x2B or _last_file_header(buf, start - 1, start + 4) == start:
            continue  # only added lines ("+..."), not "+++ b/path" headers
        commit = _last_commit(buf, lo, start) or state.commit
        header = _last_file_header(buf, max(lo - 1, 0), start)
        path = (_diff_path(buf[header : buf.find(b"\n", header)]) if header != -1
                else state.path)
        hunk = buf.rfind(b"\n@@ ", max(lo - 1, 0), start)
        if hunk != -1:
            m = _HUNK.match(buf, hunk + 1)
            line = (int(m.group(1)) if m else 1) + buf.count(b"\n+", hunk, start - 1)
        else:
            line = state.next_line + buf.count(b"\n+", max(lo - 1, 0), start - 1)
        full = os.path.join(top, path)
        if settings.excluded(full):
            continue
        column = _cp_len(buf[start + 1 : secret.start])
        where = Range(Position(line - 1, column),
                      Position(line - 1, column + _cp_len(buf[secret.start : secret.end])))
        _keep(kept, secret, buf[secret.start : secret.end])
        yield to_finding(secret, display_path(full), where, commit)
    # Carry the state to the next window.
    state.commits += sum(1 for _ in _COMMIT.finditer(buf, lo - 1, hi))
    state.commit = _last_commit(buf, lo, hi) or state.commit
    header = _last_file_header(buf, max(lo - 1, 0), hi)
    if header != -1:
        state.path = _diff_path(buf[header : buf.find(b"\n", header)])
    hunk = buf.rfind(b"\n@@ ", max(lo - 1, 0), hi)
    if hunk != -1:
        m = _HUNK.match(buf, hunk + 1)
        state.next_line = (int(m.group(1)) if m else 1) + buf.count(b"\n+", hunk, hi - 1)
    else:
        state.next_line += buf.count(b"\n+", max(lo - 1, 0), hi - 1)


def scan_history(revs: Sequence[str], settings: ScanSettings, shard: Shard | None = None,
                 kept: Kept | None = None, listing: ShardListing | None = None,
                 ) -> tuple[list[Finding], int, Shard | None]:
    """(findings on the lines each commit in ``revs`` adds, with its sha; commits scanned;
    ``shard`` with the history it split). With ``shard``, only its commits are read, placed
    by ``listing`` (one started early) or a listing made here.

    Git's diffing is most of what a `git log -p` costs, so the history is read as its blobs
    instead: `git log --raw` names each commit's changed files (old and new blob), each new
    blob is scanned once (`git cat-file --batch`, streamed while the log is still walked),
    and a secret in a blob is put on each commit that wrote that blob at a path from a
    parent without that secret. A commit whose parent's blob already holds one of the
    secrets (a moved line, a rename with edits) is diffed by `git log -p` as before, so the
    findings are what a walk of the diffs gives."""
    commits: list[str] | None = None
    args = [*revs, "--"]
    if shard is not None:
        if listing is None or listing.revs != tuple(revs):
            listing = ShardListing(revs)
        prefilter.available()  # readied while git lists the commits
        top, parents = listing.read()
        shard, commits = shard.split(parents)
        if not commits:
            return [], 0, shard
        args = ["--no-walk=unsorted", "--stdin", "--"]
        verbose.say(f"reading {len(commits)} commit(s) of shard {shard.index}/{shard.count}")
    else:
        top = toplevel()
    changes, found, scanned = _scan_blobs(top, args, commits, settings)
    wanted: dict[str, set[bytes]] = {}
    for _, _, old, new in changes:
        if old and new in found:
            wanted.setdefault(old, set()).update(text for _, _, text in found[new])
    held = _held(top, wanted)
    by_commit: dict[str, list[Finding]] = {}
    doubtful: dict[str, None] = {}  # in log order
    for commit, path, old, new in changes:
        hits = found.get(new)
        if not hits or commit in doubtful:
            continue
        if any(text in held.get(old, ()) for _, _, text in hits):
            doubtful[commit] = None
            by_commit.pop(commit, None)
            continue
        shown = display_path(os.path.join(top, path))
        by_commit.setdefault(commit, []).extend(_found(h, shown, kept, commit) for h in hits)
    if doubtful:
        verbose.say(f"diffing {len(doubtful)} commit(s) whose parent already held a secret")
        exact, _ = _read_log(top, ["--no-walk=unsorted", "--stdin", "--"], list(doubtful),
                             settings, kept)
        for finding in exact:
            by_commit.setdefault(finding.commit or "", []).append(finding)
    return [f for found_in in by_commit.values() for f in found_in], scanned, shard


#: One change `git log --raw` names: (commit, path, old blob or "" for an added file, new blob)
Change = tuple[str, str, str, str]


def _raw_changes(stream: IO[bytes], tally: list[int]) -> Iterator[Change]:
    """The changes in `git log --raw -z --format=%x00%H` output, as it is read. Every field
    ends in NUL: a commit is an empty field and its sha, a change a `:meta` field and its
    path (two for a rename or copy), so no path or content can pass for either.
    ``tally[0]`` counts the commits (merges, which name no change, too)."""
    def fields() -> Iterator[bytes]:
        rest = b""
        while data := stream.read(CHUNK):
            parts = (rest + data).split(b"\0")
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest

    commit = ""
    it = fields()
    for field in it:
        if not field:
            commit = next(it, b"").decode("ascii")
            tally[0] += 1
            continue
        meta = field.lstrip(b"\n").split(b" ")
        if len(meta) != 5 or not meta[0].startswith(b":"):
            raise UsageError("`git log --raw` wrote what it should not")
        path = next(it, b"")
        if meta[4][:1] in b"RC":
            path = next(it, b"")  # the source, then the destination
        if meta[4][:1] == b"D" or meta[1] == b"160000":  # deletions, submodules
            continue
        old = meta[2].decode("ascii").strip("0")  # the null id: an added file
        yield (commit, path.decode("utf-8", "surrogateescape"),
               meta[2].decode("ascii") if old else "", meta[3].decode("ascii"))


def _objects(stream: IO[bytes]) -> Iterator[tuple[str, int, Read]]:
    """(id, size, read) of each object `git cat-file --batch` writes; a missing object (a
    shallow or partial clone) is passed over. Each must be read to its end before the next."""
    while header := stream.readline():
        parts = header.split()
        if len(parts) != 3:
            continue  # `<id> missing`
        remaining = int(parts[2])

        def read(n: int) -> bytes:
            nonlocal remaining
            data = stream.read(min(n, remaining)) if remaining else b""
            remaining -= len(data)
            return data

        yield parts[0].decode("ascii"), remaining, read
        while read(CHUNK):  # what the reader left (a binary blob's rest)
            pass
        stream.read(1)  # the LF after each object


def _scan_blobs(top: str, args: list[str], commits: list[str] | None, settings: ScanSettings,
                ) -> tuple[list[Change], dict[str, list[Hit]], int]:
    """(the changes the log names at paths not excluded, the secrets in each new blob that
    has some, commits walked). `git log --raw` is read on a thread that hands each blob, the
    first time it is named, to `git cat-file`, while this thread scans what cat-file writes:
    the walk, the inflating and the scan run at once."""
    import subprocess
    import threading

    log_cmd = ["git", "log", "--raw", "--no-abbrev", "-z", "--no-color", "--format=%x00%H",
               *args]
    changes: list[Change] = []
    tally = [0]
    failure: list[BaseException] = []
    with subprocess.Popen(log_cmd, cwd=top, stdin=subprocess.PIPE if commits else None,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as log, \
            subprocess.Popen(["git", "cat-file", "--batch", "--buffer"], cwd=top,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE) as cat:
        assert log.stdout is not None and log.stderr is not None
        assert cat.stdin is not None and cat.stdout is not None
        feed, log_out = cat.stdin, log.stdout

        def walk() -> None:
            seen: set[str] = set()
            excluded: dict[str, bool] = {}
            try:
                if log.stdin is not None and commits:
                    log.stdin.write("".join(f"{c}\n" for c in commits).encode())
                    log.stdin.close()  # git reads its revisions before it writes a byte
                for change in _raw_changes(log_out, tally):
                    path = change[1]
                    if path not in excluded:
                        excluded[path] = settings.excluded(os.path.join(top, path))
                    if excluded[path]:
                        continue
                    changes.append(change)
                    if change[3] not in seen:
                        seen.add(change[3])
                        feed.write(change[3].encode("ascii") + b"\n")
            except BaseException as exc:  # handed to the scanning thread
                failure.append(exc)
                log.kill()
            finally:
                feed.close()

        walker = threading.Thread(target=walk, daemon=True)
        walker.start()
        _widen(cat.stdout)
        _widen(log.stdout)
        found = _batch_hits(cat.stdout, settings.detect)
        walker.join()
        error = log.stderr.read().decode("utf-8", "replace").strip().splitlines()
    if failure:
        raise failure[0]
    if log.returncode != 0:
        raise UsageError(f"`git log` failed: {error[-1] if error else log.returncode}")
    return changes, found, tally[0]


def _widen(pipe: IO[bytes]) -> None:
    """Let the pipe hold a window (Linux: 64 KiB by default, raised up to
    /proc/sys/fs/pipe-max-size): `git cat-file` then writes the next window while this one
    is scanned, where a full pipe made the two take turns."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), CHUNK)
    except (ImportError, OSError):
        pass  # another system, or a lower limit: the default pipe still works


def _batch_hits(stream: IO[bytes], detect: Detect) -> dict[str, list[Hit]]:
    """The secrets in each blob `git cat-file --batch` writes to ``stream``, by blob id.

    Most blobs are small, and a call per blob would cost more than its scan: the output is
    read in windows, and each run of whole text blobs in a window is searched at once,
    headers and all (a header line, `<id> blob <size>`, holds no secret and stands between
    two blobs as a line of its own); a secret is kept when it lies inside one blob. A blob
    larger than a window is read as a stream (:func:`stream_hits`)."""
    import bisect

    found: dict[str, list[Hit]] = {}
    buf, pos, eof = b"", 0, False
    while True:
        bodies: list[tuple[int, int, str]] = []  # (start, end, id) of whole text blobs
        while True:
            nl = buf.find(b"\n", pos)
            if nl == -1:
                break
            parts = buf[pos:nl].split()
            if len(parts) != 3:  # `<id> missing` (a shallow or partial clone)
                pos = nl + 1
                continue
            start, size = nl + 1, int(parts[2])
            if start + size + 1 > len(buf):
                if size < 4 * CHUNK or eof:
                    break  # read on
                _window_hits(buf, bodies, detect, found, bisect.bisect_right)
                bodies = []
                held = [buf[start:]]
                remaining = size - len(held[0])

                def read(n: int, held: list[bytes] = held) -> bytes:
                    nonlocal remaining
                    if held:
                        return held.pop()
                    data = stream.read(min(n, remaining)) if remaining else b""
                    remaining -= len(data)
                    return data

                hits = stream_hits(read, size, detect)
                while read(CHUNK):  # what the reader left (a binary blob's rest)
                    pass
                stream.read(1)  # the LF after the blob
                if hits:
                    found[parts[0].decode("ascii")] = hits
                buf, pos = b"", 0
                continue
            text = buf.find(b"\0", start, min(start + SNIFF, start + size)) == -1
            bodies.append((start, start + size, parts[0].decode("ascii") if text else ""))
            pos = start + size + 1
        _window_hits(buf, bodies, detect, found, bisect.bisect_right)
        if eof:
            return found
        data = stream.read(CHUNK)
        eof = not data
        buf, pos = buf[pos:] + data, 0


def _window_hits(buf: bytes, bodies: list[tuple[int, int, str]], detect: Detect,
                 found: dict[str, list[Hit]],
                 bisect_right: Callable[[list[int], int], int]) -> None:
    """The secrets of the blobs ``bodies`` (start, end, id; a binary one's id is "") in
    ``buf``, into ``found``: one search over each run of text blobs between binary ones."""
    starts = [start for start, _, _ in bodies]
    run_from = 0
    for i in range(len(bodies) + 1):
        if i < len(bodies) and bodies[i][2]:
            continue
        if run_from < i:
            for secret in find_secrets(buf, bodies[run_from][0], bodies[i - 1][1],
                                       detect=detect):
                start, end, oid = bodies[bisect_right(starts, secret.start) - 1]
                if not (start <= secret.start and secret.end <= end):
                    continue  # (cannot be: a header line holds no secret)
                line_start = buf.rfind(b"\n", start, secret.start) + 1 or start
                text = buf[secret.start : secret.end]
                at = Position(buf.count(b"\n", start, secret.start),
                              _cp_len(buf[line_start : secret.start]))
                found.setdefault(oid, []).append(
                    (secret, Range(at, Position(at.line, at.column + _cp_len(text))), text))
        run_from = i + 1


def _held(top: str, wanted: dict[str, set[bytes]]) -> dict[str, set[bytes]]:
    """Which of the texts wanted in each blob it holds (the parents' blobs of the few blobs
    with secrets), read as a stream: a huge blob costs no more memory than a window."""
    import subprocess

    held: dict[str, set[bytes]] = {}
    if not wanted:
        return held
    with subprocess.Popen(["git", "cat-file", "--batch"], cwd=top, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as cat:
        assert cat.stdin is not None and cat.stdout is not None
        cat.stdin.write("".join(f"{oid}\n" for oid in wanted).encode())  # a small list
        cat.stdin.close()
        for oid, _size, read in _objects(cat.stdout):
            texts = wanted[oid]
            reach = max(map(len, texts)) - 1
            tail, present = b"", set[bytes]()
            while data := read(CHUNK):
                window = tail + data
                present.update(t for t in texts if t in window)
                tail = window[-reach:] if reach else b""
            held[oid] = present
    return held


def _read_log(top: str, args: list[str], commits: list[str] | None, settings: ScanSettings,
              kept: Kept | None) -> tuple[list[Finding], int]:
    """One `git log -p` over ``args`` (with ``commits`` on its stdin, if given), read in
    windows: (findings, commits scanned)."""
    import subprocess

    cmd = ["git", "-c", "core.quotePath=false", "log", "-p", "--unified=0", "--no-color",
           "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/",
           "--format=%x00%H", *args]
    state = _History()
    findings: list[Finding] = []
    with subprocess.Popen(cmd, cwd=top, stdin=subprocess.PIPE if commits is not None else None,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        if proc.stdin is not None and commits is not None:
            # git reads its revisions before it writes a byte
            proc.stdin.write("".join(f"{c}\n" for c in commits).encode())
            proc.stdin.close()
        buf, lo = b"\n", 1  # a newline before the stream: every line starts after one
        while True:
            data = proc.stdout.read(4 * CHUNK)
            buf += data
            hi = len(buf) if not data else buf.rfind(b"\n", lo) + 1
            if data and hi == 0:
                continue  # a line longer than the window: read on
            findings.extend(_history_window(buf, lo, hi, state, top, settings, kept))
            if not data:
                break
            keep = max(0, hi - CONTEXT)
            buf, lo = buf[keep:], hi - keep
        error = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0:
        raise UsageError(f"`git log` failed: {error[-1] if error else proc.returncode}")
    return findings, state.commits


# --- baseline ----------------------------------------------------------------------------


def read_baseline(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read the baseline `{path}`: {exc.strerror or exc}") from None
    except ValueError:
        raise UsageError(f"the baseline `{path}` is not JSON") from None
    prints = data.get("fingerprints") if isinstance(data, dict) else None
    if not isinstance(prints, list) or not all(isinstance(p, str) for p in prints):
        raise UsageError(f"the baseline `{path}` has no `fingerprints` list")
    return set(prints)


def baseline_json(findings: Sequence[Finding]) -> str:
    prints = sorted({f.fingerprint for f in findings if f.fingerprint})
    return json.dumps({"tool": "uv-index-guard", "version": 1, "fingerprints": prints},
                      indent=2) + "\n"


# --- the command -------------------------------------------------------------------------


@dataclass
class Options:
    paths: Sequence[str] = ()
    staged: bool = False
    git: str | None = None
    all_refs: bool = False
    baseline: str | None = None
    write_baseline: str | None = None
    format: str = "text"
    output: str | None = None
    shard: str | None = None
    verify: bool = False
    gitlab_url: str | None = None
    force_exclude: bool = False
    stdin: Read | None = None  # `scan -`: read standard input through this
    stdin_name: str | None = None  # the name standard input is reported under
    style: Style = PLAIN  # text: -q, --statistics, colour
    listing: ShardListing | None = None  # with `shard`: the commits, listed from the start


def run(opts: Options, out: TextIO, err: TextIO) -> int:
    from uv_index_guard import scan_report

    started = datetime.now(timezone.utc)
    problems: list[str] = []
    shard: Shard | None = None
    kept: Kept | None = {} if opts.verify else None
    try:
        instance = _instance(opts.gitlab_url) if opts.verify else ""
        settings = load_settings()
        known = read_baseline(opts.baseline) if opts.baseline else set()
        if opts.staged:
            findings, scanned = scan_staged(settings, kept)
        elif opts.git is not None or opts.all_refs:
            shard = Shard.parse(opts.shard) if opts.shard else None
            findings, scanned, shard = scan_history(history_revs(opts.git, opts.all_refs),
                                                    settings, shard, kept, opts.listing)
        else:
            paths = [p for p in opts.paths if p != "-"]
            piped = len(paths) != len(opts.paths)  # `-`: standard input, as one file
            from_stdin = (scan_stream(opts.stdin or (lambda n: b""), opts.stdin_name or "-",
                                      -1, settings.detect, kept) or []) if piped else []
            files, problems = collect(paths or ([] if piped else ["."]), settings,
                                      opts.force_exclude)
            findings, unreadable = scan_files(files, settings.detect, kept)
            findings += from_stdin
            problems += unreadable
            scanned = len(files) + piped
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return 2
    finally:
        if opts.listing is not None:
            opts.listing.close()
    for problem in problems:
        print(f"error: {problem}", file=err)
    verbose.say(f"scanned {scanned} {'commit' if opts.git or opts.all_refs else 'file'}(s): "
                f"{len(findings)} finding(s) before the baseline and `ignore`")
    if opts.write_baseline:
        try:
            with open(opts.write_baseline, "w", encoding="utf-8") as fh:
                fh.write(baseline_json(findings))
        except OSError as exc:
            print(f"error: cannot write `{opts.write_baseline}`: {exc.strerror or exc}",
                  file=err)
            return 2
        print(f"Wrote {len({f.fingerprint for f in findings})} fingerprint(s) to "
              f"`{opts.write_baseline}`.", file=out)
        return 2 if problems else 0
    findings = scan_report.ordered([f for f in findings if f.fingerprint not in known
                                    and f.code not in settings.ignore])
    if kept is not None:
        findings = _verified(findings, kept, instance)
    history = opts.git is not None or opts.all_refs
    return emit(findings, history, scanned, opts.format, opts.output, started, out, err,
                shard=(shard.index, shard.count, shard.history) if shard else None,
                source=provenance() if history and opts.format == "sarif" else None,
                unreadable=len(problems), style=opts.style)


def _instance(flag: str | None) -> str:
    from uv_index_guard.credentials import verify

    try:
        return verify.instance_url(flag, os.environ)
    except verify.VerifyError as exc:
        raise UsageError(str(exc)) from None


def _verified(findings: list[Finding], kept: Kept, instance: str) -> list[Finding]:
    """``findings`` with what the instance says of their tokens (those left after the
    baseline only: a known finding's token is not sent)."""
    from uv_index_guard.credentials import verify

    wanted = {f.fingerprint for f in findings}
    verdicts = verify.verify({k: v for k, v in kept.items() if k in wanted}, instance)
    kept.clear()
    return [dataclasses.replace(f, verified=verdicts.get(f.fingerprint or "", verify.UNKNOWN))
            for f in findings]


def emit(findings: Sequence[Finding], history: bool, scanned: int, fmt: str,
         output: str | None, started: datetime, out: TextIO, err: TextIO, *,
         shard: ShardId | None = None, unreadable: int = 0, style: Style = PLAIN,
         source: sarif.Provenance | None = None) -> int:
    """Write the report (to ``output``, with the text summary on the terminal, or to
    ``out``); the exit status: 2 when a path could not be read (``unreadable``) or the
    report cannot be written, else 1 for findings, 0 for none."""
    from uv_index_guard import scan_report

    if output or fmt != "text":
        report = scan_report.render(fmt, findings, history=history, started=started,
                                    scanned=scanned, shard=shard, unreadable=unreadable,
                                    provenance=source)
        if output:
            try:
                with open(output, "w", encoding="utf-8") as fh:
                    fh.write(report + "\n")
            except OSError as exc:
                print(f"error: cannot write `{output}`: {exc.strerror or exc}", file=err)
                return 2
        else:
            print(report, file=out)
    if output or fmt == "text":
        text = scan_report.text_report(findings, scanned, history=history,
                                       unreadable=unreadable, style=style)
        if text:
            print(text, file=out)
    if unreadable:
        return 2
    return 1 if findings else 0


def merge_reports(paths: Sequence[str], fmt: str, output: str | None, out: TextIO,
                  err: TextIO, *, style: Style = PLAIN) -> int:
    """`uv-index-guard merge-reports`: join the JSON reports of a scan's shards into one
    report, each finding once; exits as `scan` would have on the unsharded input."""
    from uv_index_guard import scan_report

    started = datetime.now(timezone.utc)
    texts = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                texts.append((path, fh.read()))
        except OSError as exc:
            print(f"error: cannot read `{path}`: {exc.strerror or exc}", file=err)
            return 2
        except UnicodeDecodeError:
            print(f"error: {path}: not UTF-8 text", file=err)
            return 2
    try:
        findings, history, scanned = scan_report.merge_json_reports(texts)
    except scan_report.ReportError as exc:
        print(f"error: {exc}", file=err)
        return 2
    # The shards' jobs and this one run in the same repository's checkout.
    return emit(findings, history, scanned, fmt, output, started, out, err, style=style,
                source=provenance() if history and fmt == "sarif" else None)
