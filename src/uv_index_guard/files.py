"""Finding and reading the files to check: tree walks that honour .gitignore, the nearest
pyproject.toml and its `[tool.uv-index-guard]` settings. Used by every front end."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from uv_index_guard import tool_settings
from uv_index_guard.kinds import Kind

if TYPE_CHECKING:
    import pathspec

    from uv_index_guard.model import Config, ProjectFacts
    from uv_index_guard.workspace import Layout

SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__", ".hg", ".svn", ".tox", ".nox",
                       ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages"})


class InputError(Exception):
    """A file that cannot be checked; the message is one line, safe to print."""


def is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def walk(root: str, want: Callable[[str], bool], *, links: bool = True) -> Iterator[str]:
    """Files below ``root`` for which ``want(name)`` holds, skipping ignored paths.

    Directories are listed with one ``os.scandir`` each (file types come with the listing) and
    links to directories are never followed; with ``links=False`` links to files are skipped
    too (git stores the link, not the target).
    """
    yield from _walk(root, want, links, [])


def _walk(dirpath: str, want: Callable[[str], bool], links: bool,
          specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> Iterator[str]:
    try:
        with os.scandir(dirpath) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    if any(e.name == ".git" for e in entries):
        # A repository's root: git's other ignore sources first, as `git status` reads them
        # (a later source wins: the global excludes file, then `.git/info/exclude`).
        specs = [*specs, *_git_excludes(dirpath)]
    if any(e.name == ".gitignore" for e in entries):
        import pathspec  # only when a .gitignore is there (keeps hook start-up short)

        try:
            with open(os.path.join(dirpath, ".gitignore"), encoding="utf-8",
                      errors="replace") as fh:
                specs = [*specs, (dirpath, pathspec.GitIgnoreSpec.from_lines(fh))]
        except OSError:
            pass
    subdirs = []
    for entry in entries:
        try:
            if entry.is_symlink():
                if not links or entry.is_dir():
                    continue
            elif entry.is_dir():
                if not (entry.name in SKIP_DIRS or is_virtualenv(entry.path)
                        or _ignored(specs, entry.path, is_dir=True)):
                    subdirs.append(entry.path)
                continue
        except OSError:
            continue
        if want(entry.name) and not _ignored(specs, entry.path, is_dir=False):
            yield entry.path
    for sub in subdirs:
        yield from _walk(sub, want, links, specs)


def _git_excludes(root: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
    """The patterns of ``core.excludesFile`` (default `$XDG_CONFIG_HOME/git/ignore`) and of
    `.git/info/exclude` for the repository at ``root``, relative to it."""
    import subprocess

    import pathspec

    try:
        done = subprocess.run(["git", "config", "--path", "--get", "core.excludesFile"],
                              cwd=root, capture_output=True, text=True, check=False)
        configured = done.stdout.strip() if done.returncode == 0 else ""
    except OSError:
        configured = ""
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    sources = [configured or os.path.join(xdg, "git", "ignore"),
               os.path.join(root, ".git", "info", "exclude")]
    specs = []
    for source in sources:
        try:
            with open(source, encoding="utf-8", errors="replace") as fh:
                specs.append((root, pathspec.GitIgnoreSpec.from_lines(fh)))
        except OSError:
            continue
    return specs


def _ignored(specs: list[tuple[str, pathspec.GitIgnoreSpec]], path: str, *, is_dir: bool) -> bool:
    ignored = False
    for base, spec in specs:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if is_dir:
            rel += "/"
        result = spec.check_file(rel)
        if result.include is not None:
            ignored = bool(result.include)
    return ignored


def read_text(path: str) -> str:
    """A config file's text; InputError for unreadable, binary or non-UTF-8 files."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return decode_text(data, path)


def decode_text(data: bytes, path: str) -> str:
    """A config file's text from its bytes (read from ``path``, or standard input);
    InputError for binary or non-UTF-8 data."""
    if b"\0" in data[:8192]:
        raise InputError(f"{path}: is a binary file, not TOML")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} on line "
                         f"{line}); TOML files must be UTF-8") from None
    return text.removeprefix("\ufeff")


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def nearest_settings(start: str, *, stop_at_git: bool = False,
                     ) -> tuple[str, tool_settings.ToolSettings] | None:
    """The directory of the nearest pyproject.toml at or above ``start`` (a directory) that
    has a `[tool.uv-index-guard]` table, and its settings. Without ``stop_at_git`` the first
    pyproject.toml ends the search (the project a uv.toml belongs to); with it, one without
    the table (or that cannot be read: `check` reports it) is passed over, up to the directory
    holding `.git`."""
    import tomli  # TOML 1.1, as uv reads it

    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, Kind.PYPROJECT.value)
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as fh:
                    data = tomli.load(fh)
            except (OSError, ValueError):
                data = None
            found = tool_settings.from_pyproject(data)
            if found is not None:
                return directory, found
            if not stop_at_git:
                return None
        parent = os.path.dirname(directory)
        if parent == directory or (stop_at_git and os.path.exists(os.path.join(directory,
                                                                                ".git"))):
            return None
        directory = parent


@dataclass
class Discovered:
    """One workspace found on disk: its layout (in display paths), the texts of its files
    that could be read, and their configurations (parsed once, for discovery and analysis)."""

    layout: Layout
    texts: dict[str, str] = field(default_factory=dict)
    configs: dict[str, Config] = field(default_factory=dict)


class Discovery:
    """Finds the workspace of pyproject.toml files as uv does (:func:`workspace.assemble`),
    reading each file once; ``read`` gives a file's text (default: from disk), so that the
    language server can hand in what the editor has open."""

    def __init__(self, read: Callable[[str], str] | None = None,
                 display: Callable[[str], str] | None = None) -> None:
        self._read = read or read_text
        self._display = display or display_path
        self._configs: dict[str, Config | None] = {}  # by absolute path
        self._texts: dict[str, str] = {}
        self._found: dict[str, Discovered] = {}  # by the absolute path of each member

    def preload(self, path: str, config: Config) -> None:
        """Take ``config`` as the file at ``path`` (not parsed again) unless it is read
        already."""
        path = os.path.abspath(path)
        if path not in self._configs:
            self._configs[path] = config
            self._texts[path] = config.doc.text

    def update(self, path: str, config: Config) -> None:
        """``path`` now reads as ``config`` (an open document's newest analysis, whose project
        facts are those the workspaces were found with): no need to parse it again."""
        path = os.path.abspath(path)
        if path not in self._configs:
            return
        self._configs[path] = config
        self._texts[path] = config.doc.text
        shown = self._display(path)
        for found in self._found.values():
            if shown in found.configs:
                found.configs[shown] = config
                found.texts[shown] = config.doc.text

    def forget(self, path: str) -> None:
        """``path`` changed: read it again when next needed (and find workspaces anew)."""
        path = os.path.abspath(path)
        self._configs.pop(path, None)
        self._texts.pop(path, None)
        self._found.clear()

    def _config(self, path: str) -> Config | None:
        if path not in self._configs:
            try:
                text = self._read(path)
            except (InputError, OSError):
                self._configs[path] = None
            else:
                from uv_index_guard.engine import analyze_config  # not for the scanner

                self._texts[path] = text
                self._configs[path] = analyze_config(text, path)
        return self._configs[path]

    def _facts(self, path: str, facts: dict[str, ProjectFacts]) -> None:
        config = self._config(path)
        if config is not None:
            facts[_posix(path)] = config.project()

    def find(self, pyproject: str) -> Discovered:
        """The workspace of ``pyproject`` (a pyproject.toml path)."""
        own = os.path.abspath(pyproject)
        known = self._found.get(own)
        if known is not None:
            return known
        facts: dict[str, ProjectFacts] = {}
        self._facts(own, facts)
        directory = os.path.dirname(own)
        root_dir = None
        while True:
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
            candidate = os.path.join(directory, Kind.PYPROJECT.value)
            if os.path.isfile(candidate):
                self._facts(candidate, facts)
                found = facts.get(_posix(candidate))
                if found is not None and found.workspace:
                    root_dir = directory
                break
        own_facts = facts.get(_posix(own))
        if own_facts is not None and own_facts.workspace and root_dir is None:
            root_dir = os.path.dirname(own)
        if root_dir is not None:
            spec = facts.get(_posix(os.path.join(root_dir, Kind.PYPROJECT.value)))
            for pattern in spec.members if spec is not None else ():
                for match in sorted(glob.glob(os.path.join(glob.escape(root_dir), pattern),
                                              recursive=True)):
                    candidate = os.path.join(match, Kind.PYPROJECT.value)
                    if os.path.isfile(candidate):
                        self._facts(candidate, facts)
        from uv_index_guard.workspace import Layout, assemble

        uv_tomls = [_posix(u) for u in (os.path.join(os.path.dirname(p), Kind.UV_TOML.value)
                                        for p in facts) if os.path.isfile(u)]
        layout = assemble(_posix(own), facts, uv_tomls)
        shown = {p: self._display(p) for p in layout.files}
        discovered = Discovered(Layout(
            shown[layout.root], tuple(shown[m] for m in layout.members),
            shown[layout.settings] if layout.settings else None,
            tuple(shown[i] for i in layout.ignored), layout.is_workspace))
        for path in layout.files:
            config = self._config(os.path.normpath(path))
            if config is not None:
                discovered.texts[shown[path]] = self._texts[os.path.normpath(path)]
                discovered.configs[shown[path]] = config
        for path in (layout.root, *layout.members):
            self._found[os.path.normpath(path)] = discovered
        return discovered


def _posix(path: str) -> str:
    return Path(path).as_posix()


def project_file(path: str) -> str | None:
    """The pyproject.toml whose workspace a config file belongs to: itself, or for a
    uv.toml the pyproject.toml beside it (None: a uv.toml alone)."""
    name = os.path.basename(path)
    if name == Kind.PYPROJECT.value:
        return path
    beside = os.path.join(os.path.dirname(path), Kind.PYPROJECT.value)
    return beside if name == Kind.UV_TOML.value and os.path.isfile(beside) else None


# --- CI files ---------------------------------------------------------------------------


def ci_root(path: str) -> str:
    """The repository root of a CI file, as an absolute path (:func:`engine.ci_root`)."""
    from uv_index_guard.engine import ci_root as engine_ci_root

    return os.path.normpath(engine_ci_root(os.path.abspath(path).replace(os.sep, "/")))


def ci_index_vars(root: str, discovery: Discovery,
                  find: Callable[[str], Discovered | None] | None = None,
                  ) -> dict[str, str] | None:
    """The `UV_INDEX_*` variables of the workspace at ``root`` (None: no project there).
    ``find`` finds the workspace of a pyproject.toml (default: ``discovery``'s; the language
    server's reads the open documents' newest text first)."""
    from uv_index_guard.engine import analyze_config, index_variables

    pyproject = os.path.join(root, Kind.PYPROJECT.value)
    if os.path.isfile(pyproject):
        found = (find or discovery.find)(pyproject)
        return index_variables(found.configs.values()) if found is not None else None
    uv_toml = os.path.join(root, Kind.UV_TOML.value)
    if os.path.isfile(uv_toml):
        try:
            return index_variables([analyze_config(read_text(uv_toml), display_path(uv_toml))])
        except InputError:
            return None
    return None
