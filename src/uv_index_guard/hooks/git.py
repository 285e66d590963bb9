"""Running git for the secret gate: its commands, their failures, and where a shard job
stands in a history.

Light on purpose: the CLI makes a :class:`ShardListing` before it loads the scanner, so that
git walks the history's graph (most of a shard job's fixed cost) while Python imports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded when git runs: a scan of files (the hook) runs none
    import subprocess


class UsageError(Exception):
    """A bad invocation or environment (not a git repository, bad baseline); one line."""


def run_git(args: Sequence[str], cwd: str | None = None) -> str:
    return finish(start(args, cwd), args[0])


def start(args: Sequence[str], cwd: str | None = None) -> subprocess.Popen[bytes]:
    """`git ARGS` started, its output to be read by :func:`finish`."""
    import subprocess

    try:
        return subprocess.Popen(["git", *args], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise UsageError(f"cannot run `git`: {exc.strerror or exc}") from None


def finish(started: subprocess.Popen[bytes], name: str) -> str:
    """What the git command ``started`` writes; a failure as a UsageError naming ``name``."""
    out, err = started.communicate()
    if started.returncode != 0:
        reason = err.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"`git {name}` failed: {reason[-1] if reason else started.returncode}")
    return out.decode("utf-8", "surrogateescape")


def toplevel(cwd: str | None = None) -> str:
    return run_git(["rev-parse", "--show-toplevel"], cwd).rstrip("\n")


def history_revs(git: str | None, all_refs: bool) -> list[str]:
    """The revisions `scan --git [REV_RANGE]` or `scan --git --all` reads."""
    return ["--all"] if all_refs else [git or "HEAD"]


class ShardListing:
    """The commits of ``revs`` with their parents, as `git rev-list` lists them for a shard
    job to place itself among them (:meth:`Shard.split`). git starts when this is made;
    :meth:`read` waits for it. Making one never fails: a failure (no git, not a repository)
    is raised by :meth:`read`, where the scan reports it."""

    def __init__(self, revs: Sequence[str]) -> None:
        self.revs = tuple(revs)
        self._top = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._failure: UsageError | None = None
        try:
            self._top = toplevel()
            # A parent outside `revs` (`A..B`) counts as generation 0: ranges are not for
            # sharding.
            self._proc = start(["rev-list", "--topo-order", "--reverse", "--parents",
                                *self.revs, "--"], cwd=self._top)
        except UsageError as exc:
            self._failure = exc

    def read(self) -> tuple[str, str]:
        """(the repository's top directory, `git rev-list --parents` of the history)."""
        if self._failure is not None:
            raise self._failure
        assert self._proc is not None
        return self._top, finish(self._proc, "rev-list")

    def close(self) -> None:
        """Stop git if nothing read it (the scan failed before it got there)."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            self._proc.communicate()


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count`` of a history.

    The history's commits are ordered by generation (1 for a root commit, else one more
    than its parents' highest), then sha, an order only the commits decide, and cut into
    ``count`` runs of equal length: every commit is in exactly one shard, and each shard
    reads neighbouring commits, whose blobs are deltas of each other (git then inflates a
    shard's blobs nearly as cheaply as a whole walk's; runs of 64 generations dealt out in
    turn cost git a third more). ``history`` names the history split (a digest of its
    commits): jobs that fetched different refs split different histories, and
    `merge-reports` refuses to join their shards.
    """

    index: int
    count: int
    history: str = ""

    @classmethod
    def parse(cls, text: str) -> Shard:
        k, sep, n = text.partition("/")
        if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
            raise UsageError(f"`--shard {text}`: expected K/N with 1 <= K <= N (e.g. 2/4)")
        return cls(int(k), int(n))

    def split(self, parents: str) -> tuple[Shard, list[str]]:
        """(this shard with its ``history``, its commits newest first: git stores older
        blobs as deltas of newer ones, so newest first inflates each base once), from
        `git rev-list --topo-order --reverse --parents` (a commit and its parents a line,
        parents first)."""
        import hashlib

        generations: dict[str, int] = {}
        get = generations.get
        for line in parents.splitlines():  # (a shard job's fixed cost: kept to few steps)
            commit, _, above = line.partition(" ")
            if not above:
                generations[commit] = 1
            elif " " not in above:
                generations[commit] = get(above, 0) + 1
            else:  # a merge
                generations[commit] = 1 + max([get(p, 0) for p in above.split()])
        order = [commit for _, commit in sorted(zip(generations.values(), generations,
                                                     strict=True))]
        digest = hashlib.sha256("\n".join(sorted(generations)).encode("ascii")).hexdigest()[:16]
        n = len(order)
        mine = order[(self.index - 1) * n // self.count : self.index * n // self.count]
        return dataclasses.replace(self, history=digest), mine[::-1]
