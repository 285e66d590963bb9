"""The configuration files uv reads for a project, and the settings ``doctor`` needs from
them (the indexes, the `[tool.uv.sources]` that name them, ``keyring-provider``).

uv reads the project's ``uv.toml`` and ``pyproject.toml`` (the nearest directory, going up,
that has either), then the user's ``uv.toml`` (``$XDG_CONFIG_HOME/uv/uv.toml`` or
``~/.config/uv/uv.toml``) and the system's (``$XDG_CONFIG_DIRS/uv/uv.toml``,
``/etc/uv/uv.toml``); ``UV_CONFIG_FILE`` replaces the user and system files and
``UV_NO_CONFIG`` skips them. Project settings win over user settings, user over system.
``UV_INDEX`` and ``UV_DEFAULT_INDEX`` add indexes ahead of all files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from uv_index_guard.engine import Analysis, analyze
from uv_index_guard.files import Discovery, InputError, display_path, read_text
from uv_index_guard.kinds import Kind
from uv_index_guard.syntax import Scalar


@dataclass(slots=True)
class ConfigFile:
    path: Path
    scope: str  # "environment" (`UV_INDEX`), "project", "member", "user" or "system"
    analysis: Analysis
    # False for user and system files read for their settings only (an explicit PATH).
    lists_indexes: bool = True

    @property
    def kind(self) -> Kind:
        return self.analysis.config.kind

    def setting(self, key: str) -> str | None:
        uv = self.analysis.config.uv
        value = uv.get(key) if uv is not None else None
        return str(value.py) if isinstance(value, Scalar) and value.kind == "string" else None


def project_files(path: Path) -> list[tuple[Path, str]]:
    """The project configuration for ``path`` (a config file, or a directory: the nearest
    one at or above it with a ``pyproject.toml`` or ``uv.toml``), as uv assembles it: the
    workspace root's ``uv.toml`` and ``pyproject.toml`` (scope "project"), and for a member
    its own ``pyproject.toml`` (scope "member": its indexes and sources count, its settings
    do not)."""
    if not path.is_dir():
        if path.name != Kind.PYPROJECT.value:
            return [(path, "project")]
        pyproject = str(path)
    else:
        directory = path.resolve()
        while True:
            if (directory / Kind.PYPROJECT.value).is_file():
                pyproject = str(directory / Kind.PYPROJECT.value)
                break
            if (directory / Kind.UV_TOML.value).is_file():
                return [(directory / Kind.UV_TOML.value, "project")]
            if directory.parent == directory:
                return []
            directory = directory.parent
    layout = Discovery().find(pyproject).layout
    found = [(Path(p), "project") for p in (layout.settings, layout.root) if p is not None]
    own = Path(display_path(os.path.abspath(pyproject)))
    if own != Path(layout.root):
        found.append((own, "member"))
    return found


def user_files(environ: Mapping[str, str]) -> list[tuple[Path, str]]:
    """The user- and system-level ``uv.toml`` files uv would read, most specific first."""
    if environ.get("UV_NO_CONFIG", "") not in ("", "0", "false"):
        return []
    if environ.get("UV_CONFIG_FILE"):
        return [(Path(environ["UV_CONFIG_FILE"]), "user")]
    found: list[tuple[Path, str]] = []
    xdg = environ.get("XDG_CONFIG_HOME", "")
    home = environ.get("USERPROFILE" if os.name == "nt" else "HOME", "")
    if os.name == "nt":
        appdata = environ.get("APPDATA", "")
        if appdata:
            found.append((Path(appdata) / "uv" / Kind.UV_TOML.value, "user"))
    elif xdg and os.path.isabs(xdg):
        found.append((Path(xdg) / "uv" / Kind.UV_TOML.value, "user"))
    elif home:
        found.append((Path(home) / ".config" / "uv" / Kind.UV_TOML.value, "user"))
    if os.name != "nt":
        dirs = environ.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
        found += [(Path(d) / "uv" / Kind.UV_TOML.value, "system") for d in dirs.split(":")
                  if os.path.isabs(d)]
        found.append((Path("/etc/uv/uv.toml"), "system"))
    return [(p, scope) for p, scope in found if p.is_file()]


def load(path: Path | None, environ: Mapping[str, str]) -> tuple[list[ConfigFile], list[str]]:
    """Every configuration file for ``path`` (default: the current directory), analysed;
    and the problems (one line each, no secret) with files that could not be read."""
    target = path if path is not None else Path.cwd()
    problems: list[str] = []
    if not target.exists():
        raise InputError(f"{target}: no such file or directory")
    files: list[ConfigFile] = env_indexes(environ)
    chosen = project_files(target)
    chosen += user_files(environ)
    whole = path is None or target.is_dir()
    for file_path, scope in chosen:
        try:
            text = read_text(str(file_path))
        except InputError as exc:
            if scope in ("project", "member") and not target.is_dir():
                raise
            problems.append(str(exc))
            continue
        kind = (Kind.UV_TOML if file_path.name != Kind.PYPROJECT.value and scope not in (
            "project", "member") else None)
        files.append(ConfigFile(file_path, scope, analyze(text, str(file_path), kind),
                                lists_indexes=whole or scope in ("project", "member")))
    return files, problems


_ENV_INDEXES = ("UV_INDEX", "UV_DEFAULT_INDEX")
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def env_indexes(environ: Mapping[str, str]) -> list[ConfigFile]:
    """The indexes of ``UV_INDEX`` (space-separated ``[name=]url``) and ``UV_DEFAULT_INDEX``,
    as a ``uv.toml`` each, so that they go through the same model as the files."""
    files: list[ConfigFile] = []
    for var in _ENV_INDEXES:
        entries = environ.get(var, "").split()
        if var == "UV_DEFAULT_INDEX":
            entries = entries[:1]
        tables = []
        for entry in entries:
            name, sep, url = entry.partition("=")
            if not sep or "://" in name or not _NAME.match(name):
                name, url = "", entry
            keys = ([f"name = {json.dumps(name)}"] if name else []) + [f"url = {json.dumps(url)}"]
            if var == "UV_DEFAULT_INDEX":
                keys.append("default = true")
            tables.append("[[index]]\n" + "\n".join(keys) + "\n")
        if tables:
            text = "\n".join(tables)
            files.append(ConfigFile(Path(f"${var}"), "environment",
                                    analyze(text, Kind.UV_TOML.value, Kind.UV_TOML)))
    return files


def settings_files(environ: Mapping[str, str]) -> list[ConfigFile]:
    """The user and system ``uv.toml`` files, for their settings (unreadable ones skipped)."""
    files: list[ConfigFile] = []
    for file_path, scope in user_files(environ):
        try:
            text = read_text(str(file_path))
        except InputError:
            continue
        files.append(ConfigFile(file_path, scope, analyze(text, str(file_path), Kind.UV_TOML),
                                lists_indexes=False))
    return files


def configured_keyring_provider(files: list[ConfigFile]) -> tuple[str | None, str | None]:
    """`keyring-provider` from the files (project first), and which file set it; a
    workspace member's settings are not read (uv reads the root's)."""
    for file in files:
        value = file.setting("keyring-provider") if file.scope != "member" else None
        if value is not None:
            return value, str(file.path)
    return None, None
