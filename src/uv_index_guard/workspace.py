"""A uv workspace as uv assembles it: which files belong together, and what one file may see
of the others (pure: the file system is read by :mod:`uv_index_guard.files`).

uv's rules (crates/uv-workspace, crates/uv-distribution lowering; checked with real uv):

- the workspace root is the first `pyproject.toml` above a project that has
  `[tool.uv.workspace]` and whose `members` globs include the project (and `exclude` does
  not); the first `pyproject.toml` above without that table ends the search;
- a member's `[tool.uv.sources]` may name an index declared in the member or in the root; the
  root's sources may name the root's indexes only, and apply to the members' dependencies too;
- settings (`index-url`, `find-links`, a non-explicit index to search, ...) are read from the
  workspace root only: a member's `[tool.uv]` settings and a `uv.toml` beside a member are
  ignored; a `uv.toml` beside the root takes precedence over the root's `[tool.uv]` settings;
- a workspace member must come from the workspace, never from an index.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from uv_index_guard.index_env import env_name
from uv_index_guard.kinds import Kind
from uv_index_guard.model import Config, IndexDef, ProjectFacts, SourceRef


class Role(Enum):
    ROOT = "root"  # the workspace root's pyproject.toml (a project or a virtual root)
    MEMBER = "member"  # a member's pyproject.toml, not the root
    ALONE = "alone"  # a pyproject.toml in no workspace
    SETTINGS = "settings"  # the uv.toml uv reads (beside the root or a lone project)
    IGNORED_SETTINGS = "ignored-settings"  # a uv.toml beside a member: uv never reads it


@dataclass(frozen=True, slots=True)
class Layout:
    """The files of one workspace (or one lone project), as paths with `/` separators.

    ``root`` is the root's pyproject.toml (a lone project's own), ``members`` the members'
    pyproject.toml files other than the root, ``settings`` the uv.toml beside the root (if
    any) and ``ignored`` the uv.toml files beside members.
    """

    root: str
    members: tuple[str, ...] = ()
    settings: str | None = None
    ignored: tuple[str, ...] = ()
    is_workspace: bool = False

    @property
    def files(self) -> tuple[str, ...]:
        return (self.root, *self.members,
                *((self.settings,) if self.settings else ()), *self.ignored)

    def role(self, path: str) -> Role:
        if path == self.root:
            return Role.ROOT if self.is_workspace else Role.ALONE
        if path in self.members:
            return Role.MEMBER
        if path == self.settings:
            return Role.SETTINGS
        if path in self.ignored:
            return Role.IGNORED_SETTINGS
        raise KeyError(path)


def _segments(path: str) -> list[str]:
    return [s for s in posixpath.normpath(path).split("/") if s not in ("", ".")]


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a workspace `members`/`exclude` glob matches a directory path (both relative
    to the root): `*`, `?` and `[...]` within one path segment, `**` across segments."""
    def match(pat: list[str], parts: list[str]) -> bool:
        if not pat:
            return not parts
        if pat[0] == "**":
            return any(match(pat[1:], parts[i:]) for i in range(len(parts) + 1))
        return bool(parts) and fnmatch.fnmatchcase(parts[0], pat[0]) and match(pat[1:], parts[1:])

    return match(_segments(pattern), _segments(path))


def is_member(relative_dir: str, members: Iterable[str], exclude: Iterable[str]) -> bool:
    """Whether a project directory (relative to a workspace root) is one of its members."""
    return (any(glob_matches(g, relative_dir) for g in members)
            and not any(glob_matches(g, relative_dir) for g in exclude))


@dataclass(slots=True)
class Workspace:
    """What the rules of one file may see of the others (:attr:`Context.workspace`)."""

    layout: Layout
    configs: Mapping[str, Config]  # by path; a file that could not be read is left out
    #: Workspace members by their normalized project name: the path of their pyproject.toml.
    member_names: dict[str, str] = field(init=False)
    _roles: dict[str, Role] = field(init=False, repr=False)
    _by_env_name: dict[str, list[tuple[str, str]]] | None = field(default=None, init=False,
                                                                   repr=False)

    def __post_init__(self) -> None:
        self._roles = {path: self.layout.role(path) for path in self.layout.files}
        names: dict[str, str] = {}
        if self.layout.is_workspace:
            for path in (self.layout.root, *self.layout.members):
                config = self.configs.get(path)
                name = config.project().name if config is not None else None
                if name is not None:
                    names.setdefault(name, path)
        self.member_names = names

    def role(self, path: str) -> Role:
        return self._roles[path]

    @property
    def root(self) -> Config | None:
        return self.configs.get(self.layout.root)

    def relative(self, path: str, to: str) -> str:
        """``path`` as seen from the directory of ``to`` (for messages)."""
        return posixpath.relpath(path, posixpath.dirname(to) or ".")

    def declared_for(self, path: str) -> dict[str, list[tuple[str, IndexDef]]]:
        """The named indexes a source in ``path`` may name, by name: its own, then (for a
        member) the root's, each with the file that declares it."""
        found: dict[str, list[tuple[str, IndexDef]]] = {}
        files = [path]
        if self.role(path) is Role.MEMBER:
            files.append(self.layout.root)
        for file in files:
            config = self.configs.get(file)
            for name, indexes in (config.by_name() if config is not None else {}).items():
                found.setdefault(name, []).extend((file, index) for index in indexes)
        return found

    def declared_elsewhere(self, name: str, path: str) -> list[str]:
        """The other pyproject.toml files of the workspace that declare index ``name``."""
        return [file for file, config in self.configs.items()
                if file != path and config.kind is Kind.PYPROJECT and name in config.by_name()]

    def consumers(self, path: str, package: str) -> list[str]:
        """The pyproject.toml files whose dependency on ``package`` (normalized) a source in
        ``path`` decides: ``path`` itself if it depends on it; for the root, also every
        member that depends on it and has no source of its own for it (the root's sources
        apply to the members)."""
        config = self.configs.get(path)
        if config is None:
            return []
        found = [path] if package in config.project().dependencies else []
        if self.role(path) is Role.ROOT:
            for file in self.layout.members:
                member = self.configs.get(file)
                facts = member.project() if member is not None else None
                if facts is not None and package in facts.dependencies and (
                        package not in facts.sourced):
                    found.append(file)
        return found

    def referencing(self, path: str) -> set[str]:
        """The index names that sources which can reach ``path``'s indexes name: its own
        sources; for the root, every pyproject.toml's; for a member, also the root's sources
        that apply to it."""
        config = self.configs.get(path)
        names = set(config.referenced()) if config is not None else set()
        role = self.role(path)
        if role is Role.ROOT:
            for file in self.layout.members:
                member = self.configs.get(file)
                if member is not None:
                    names |= member.referenced()
        elif role is Role.MEMBER and self.root is not None:
            names |= {ref.index for ref in self.root.sources
                      if path in self.consumers(self.layout.root, ref.normalized)}
        return names

    def named_indexes(self, env: str) -> list[tuple[str, str]]:
        """(file, index name) of every named index of the workspace whose credentials uv
        reads from the `UV_INDEX_<env>_*` variables (ignored files left out)."""
        if self._by_env_name is None:
            found: dict[str, list[tuple[str, str]]] = {}
            for file, config in self.configs.items():
                if self._roles.get(file) is Role.IGNORED_SETTINGS:
                    continue
                for name in config.by_name():
                    if name:
                        found.setdefault(env_name(name), []).append((file, name))
            self._by_env_name = found
        return self._by_env_name.get(env, [])


def _ancestors(directory: str) -> list[str]:
    """The directories above ``directory`` (a `/`-separated path), nearest first."""
    out: list[str] = []
    while directory:
        parent = posixpath.dirname(directory)
        if parent == directory:
            return out
        out.append(parent)
        directory = parent
    return out


def _join(directory: str, name: str) -> str:
    return posixpath.join(directory, name) if directory else name


def assemble(path: str, facts: Mapping[str, ProjectFacts], uv_tomls: Iterable[str] = (),
             ) -> Layout:
    """The workspace of the pyproject.toml ``path``, as uv finds it, among known files.

    ``facts`` holds the pyproject.toml files by path (`/`-separated, all relative or all
    absolute): ``path`` itself, every one above it up to the first (uv stops there), and,
    under a workspace root, every candidate member; ``uv_tomls`` the uv.toml files that
    exist beside them.
    """
    settings_files = set(uv_tomls)
    directory = posixpath.dirname(path)
    root = None
    for above in _ancestors(directory):
        candidate = _join(above, "pyproject.toml")
        if candidate not in facts:
            continue
        found = facts[candidate]
        relative = posixpath.relpath(directory, above or ".")
        if found.workspace and is_member(relative, found.members, found.exclude):
            root = candidate
        break  # the first pyproject.toml above decides
    if root is None:
        own = facts.get(path)
        if own is None or not own.workspace:
            beside = _join(directory, "uv.toml")
            return Layout(path, settings=beside if beside in settings_files else None)
        root = path
    root_dir = posixpath.dirname(root)
    spec = facts[root]
    members = []
    for other, found in facts.items():
        other_dir = posixpath.dirname(other)
        if other == root or not found.has_project:
            continue
        relative = posixpath.relpath(other_dir, root_dir or ".")
        if relative.startswith("..") or relative == ".":
            continue
        if is_member(relative, spec.members, spec.exclude):
            members.append(other)
    members.sort()
    beside = _join(root_dir, "uv.toml")
    ignored = tuple(u for u in (_join(posixpath.dirname(m), "uv.toml") for m in members)
                    if u in settings_files)
    return Layout(root, tuple(members), beside if beside in settings_files else None, ignored,
                  is_workspace=True)


def resolve(ws: Workspace | None, config: Config, path: str, name: str,
            package: str | None = None) -> list[tuple[str, IndexDef]]:
    """The declarations a source in ``path`` naming index ``name`` resolves to: in the file
    itself, then (a member) the root; for a root source, also in the members it applies to
    (for ``package``, normalized, or for any package when None)."""
    if ws is None:
        return [(path, index) for index in config.by_name().get(name, [])]
    found = list(ws.declared_for(path).get(name, []))
    if not found and ws.role(path) is Role.ROOT:
        for file in ws.layout.members:
            member = ws.configs.get(file)
            if member is None or name not in member.by_name():
                continue
            if package is None or file in ws.consumers(path, package):
                found.extend((file, index) for index in member.by_name()[name])
    return found


def references(ws: Workspace | None, config: Config, path: str, name: str,
               ) -> list[tuple[str, SourceRef]]:
    """Every source of the workspace that resolves to the index ``name`` declared in
    ``path``."""
    files: Mapping[str, Config] = ws.configs if ws is not None else {path: config}
    found = []
    for file, other in files.items():
        for ref in other.sources:
            if ref.index == name and any(decl_path == path for decl_path, _ in resolve(
                    ws, other, file, name, ref.normalized)):
                found.append((file, ref))
    return found
