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

from uv_index_guard import sarif
from uv_index_guard.files import InputError, display_path, nearest_settings, walk
from uv_index_guard.finding import Finding
from uv_index_guard.hooks import verbose
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

Read = Callable[[int], bytes]
#: `scan --verify`: the tokens to ask the instance about, by fingerprint: (rule, token). Held
#: in memory only, for :func:`uv_index_guard.credentials.verify.verify`.
Kept = dict[str, tuple[str, str]]


def _keep(kept: Kept | None, secret: Secret, buf: bytes) -> None:
    if kept is not None and secret.rule != URL_RULE.id:  # verify() picks what it can ask
        kept[secret.fingerprint] = (secret.rule, buf[secret.start : secret.end].decode("ascii"))


class UsageError(Exception):
    """A bad invocation or environment (not a git repository, bad baseline); one line."""


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


def scan_stream(read: Read, path: str, size_hint: int = -1,
                detect: Detect = NO_DETECT, kept: Kept | None = None,
                ) -> list[Finding] | None:
    """Findings in one stream (a file or a blob); None when it is binary. ``detect``: what
    the project's settings add (:class:`~uv_index_guard.scanner.Detect`); ``kept`` collects
    the tokens to verify."""
    first = read(CHUNK if size_hint < 0 or size_hint >= CHUNK else size_hint + 1)
    if b"\0" in first[:SNIFF]:
        return None
    findings: list[Finding] = []
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
            findings.append(_finding(secret, path, cursor, buf, ctx))
            _keep(kept, secret, buf)
        if eof:
            return findings
        cursor.advance(buf, ctx, hi)
        keep = max(0, hi - CONTEXT)
        buf, ctx = buf[keep:], hi - keep
        data = read(CHUNK)
        buf += data


def _finding(secret: Secret, path: str, cursor: _Cursor, buf: bytes, ctx: int,
             commit: str | None = None) -> Finding:
    start = cursor.position(buf, ctx, secret.start)
    end = Position(start.line, start.column + _cp_len(buf[secret.start : secret.end]))
    return to_finding(secret, path, Range(start, end), commit)


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


def _git(args: Sequence[str], cwd: str | None = None) -> str:
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"cannot run `git`: {exc.strerror or exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"`git {args[0]}` failed: {reason[-1] if reason else done.returncode}")
    return done.stdout.decode("utf-8", "surrogateescape")


def git_toplevel() -> str:
    return _git(["rev-parse", "--show-toplevel"]).rstrip("\n")


def provenance(cwd: str | None = None) -> sarif.Provenance | None:
    """The repository a history scan reads, for SARIF's `versionControlProvenance`: the
    `origin` remote's URL without credentials (scp-like `git@host:path` as `ssh://`), else
    the checkout as a `file:` URI; the revision and branch HEAD is on. None outside git."""
    from pathlib import Path

    from uv_index_guard.urls import without_userinfo

    try:
        top = _git(["rev-parse", "--show-toplevel"], cwd).rstrip("\n")
        head = _git(["rev-parse", "--verify", "-q", "HEAD"], cwd).strip() or None
    except UsageError:
        return None
    try:
        remote = _git(["remote", "get-url", "origin"], cwd).strip()
    except UsageError:
        remote = ""
    scp = re.fullmatch(r"(?:[^@/:]+@)?([^/:]+):(?!/)(.+)", remote)
    if scp:
        remote = f"ssh://{scp[1]}/{scp[2]}"
    repository = (without_userinfo(remote) if "://" in remote else Path(top).as_uri())
    try:
        branch = _git(["symbolic-ref", "-q", "--short", "HEAD"], cwd).strip() or None
    except UsageError:
        branch = None
    return sarif.Provenance(repository, head, branch)


def staged_blobs(top: str) -> list[tuple[str, str]]:
    """(object id, path from the top) of every added or modified file in the index."""
    out = _git(["diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
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

    top = git_toplevel()
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
        _keep(kept, secret, buf)
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


#: Commits go to shards in runs of this many generations, so each shard reads stretches of
#: neighbouring commits (git's delta caches then serve it nearly as well as a whole walk:
#: scattering single commits cost a third more `git log` time).
SHARD_GENERATIONS = 64


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``.

    A commit's shard follows from its generation (1 for a root commit, else one more than
    its parents' highest), which only its ancestry decides: every commit is in exactly one
    shard, the same in every job and on every machine, whatever refs each job sees.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        k, sep, n = text.partition("/")
        if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
            raise UsageError(f"`--shard {text}`: expected K/N with 1 <= K <= N (e.g. 2/4)")
        return cls(int(k), int(n))

    def holds(self, generation: int) -> bool:
        return (generation // SHARD_GENERATIONS) % self.count == self.index - 1

    def commits(self, parents: str) -> list[str]:
        """This shard's commits, from `git rev-list --topo-order --reverse --parents`
        (each line a commit and its parents, parents first)."""
        generations: dict[str, int] = {}
        mine = []
        for line in parents.splitlines():
            commit, *above = line.split()
            generation = 1 + max((generations.get(p, 0) for p in above), default=0)
            generations[commit] = generation
            if self.holds(generation):
                mine.append(commit)
        return mine


#: A history of at least this many commits is read by several `git log` processes at once.
PARALLEL_COMMITS = 400


def _history_workers() -> int:
    """How many `git log` processes read one history at once: git's diffing is most of a
    history scan's time, and each process diffs its own stretch of commits. One more than
    the CPUs (up to 4): a process waiting on its pipe leaves a CPU to another (on 2 CPUs, 3
    processes read psf/requests' history in 0.70-0.72 s, 2 in 0.76-0.87 s)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return 1 if cpus < 2 else min(cpus + 1, 4)


def scan_history(revs: Sequence[str], settings: ScanSettings, shard: Shard | None = None,
                 kept: Kept | None = None) -> tuple[list[Finding], int]:
    """(findings on the lines each commit in ``revs`` adds, with its sha; commits scanned).
    With ``shard``, only that shard's commits are read.

    On a machine with several CPUs, a long history is cut into as many stretches of
    neighbouring commits (in topological order), each diffed by its own `git log`; the
    findings are the same as from one walk."""
    top = git_toplevel()
    workers = _history_workers()
    if shard is None and workers == 1:
        verbose.say("reading the history with one `git log -p`")
        return _read_log(top, [*revs, "--"], None, settings, kept)
    # A parent outside `revs` (`A..B`) counts as generation 0: ranges are not for sharding.
    parents = _git(["rev-list", "--topo-order", "--reverse", "--parents", *revs, "--"], cwd=top)
    commits = (shard.commits(parents) if shard is not None
               else [line.split(" ", 1)[0] for line in parents.splitlines()])
    if not commits:
        return [], 0
    parts = workers if len(commits) >= PARALLEL_COMMITS else 1
    verbose.say(f"reading {len(commits)} commit(s)"
                + (f" of shard {shard.index}/{shard.count}" if shard is not None else "")
                + f" with {parts} `git log -p`")
    stretches = [commits[i * len(commits) // parts : (i + 1) * len(commits) // parts]
                 for i in range(parts)]
    # Each commit's own diff, as in a walk.
    stdin_args = ["--no-walk=unsorted", "--stdin", "--"]
    if parts == 1:
        return _read_log(top, stdin_args, stretches[0], settings, kept)
    from concurrent.futures import ThreadPoolExecutor

    kepts: list[Kept | None] = [{} if kept is not None else None for _ in stretches]
    with ThreadPoolExecutor(parts) as pool:
        done = list(pool.map(lambda i: _read_log(top, stdin_args, stretches[i], settings,
                                                 kepts[i]), range(parts)))
    for part in kepts:
        if kept is not None and part:
            kept.update(part)
    return [f for found, _ in done for f in found], sum(n for _, n in done)


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
            revs = ["--all"] if opts.all_refs else [opts.git or "HEAD"]
            shard = Shard.parse(opts.shard) if opts.shard else None
            findings, scanned = scan_history(revs, settings, shard, kept)
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
                shard=(shard.index, shard.count) if shard else None,
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
         shard: tuple[int, int] | None = None, unreadable: int = 0, style: Style = PLAIN,
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
