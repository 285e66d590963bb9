"""Which `keyring` executable uv's subprocess keyring provider runs, and what it can do.

uv's provider spawns `keyring get SERVICE USERNAME` by name, so it runs the first `keyring` on
the PATH of the uv process. With the project's virtualenv active (or inside `uv run`), that is
the virtualenv's `keyring` when a dependency installed one — without the plugins (such as
artifacts-keyring) of the one the user set up (uv#16402). :func:`inspect` finds both, asks
each for its backends (`keyring --list-backends`) and its version (from the interpreter of its
script), and says when they differ or when the one uv runs has no backend that can store a
password.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Backends that cannot store anything (keyring's own placeholders).
PLACEHOLDERS = ("keyring.backends.chainer.ChainerBackend", "keyring.backends.fail.Keyring",
                "keyring.backends.null.Keyring")
_BACKEND = re.compile(r"^(?P<name>[\w.]+) \(priority: (?P<priority>-?[\d.]+)\)$")


@dataclass(frozen=True, slots=True)
class Keyring:
    path: str
    version: str | None
    #: (backend, priority) as `keyring --list-backends` prints them.
    backends: tuple[tuple[str, float], ...]
    error: str | None = None

    @property
    def usable(self) -> tuple[str, ...]:
        """The backends that can hold a password (priority above 0, not a placeholder)."""
        return tuple(name for name, priority in self.backends
                     if priority > 0 and name not in PLACEHOLDERS)


@dataclass(slots=True)
class KeyringReport:
    #: What uv runs with the project's virtualenv first on PATH (None: no `keyring` at all).
    uv: Keyring | None
    #: The first `keyring` on the PATH of this shell, when it is another one.
    shell: Keyring | None
    warnings: list[str] = field(default_factory=list)


def _bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def project_venv(project: Path, environ: Mapping[str, str]) -> Path | None:
    """The project's virtualenv as uv finds it: `UV_PROJECT_ENVIRONMENT`, else `.venv`."""
    named = environ.get("UV_PROJECT_ENVIRONMENT")
    venv = Path(named) if named else project / ".venv"
    if not venv.is_absolute():
        venv = project / venv
    return venv if _bin_dir(venv).is_dir() else None


def find(path_dirs: list[str]) -> str | None:
    names = ["keyring.exe", "keyring"] if os.name == "nt" else ["keyring"]
    for directory in path_dirs:
        for name in names:
            candidate = Path(directory) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def describe(executable: str, environ: Mapping[str, str], timeout: float = 20.0) -> Keyring:
    """Runs `keyring --list-backends`, and the script's interpreter for keyring's version."""
    env = dict(environ)
    try:
        listed = subprocess.run([executable, "--list-backends"], capture_output=True, text=True,
                                timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Keyring(executable, None, (), error=type(exc).__name__)
    backends = tuple((m["name"], float(m["priority"]))
                     for line in listed.stdout.splitlines()
                     if (m := _BACKEND.match(line.strip())))
    error = None if listed.returncode == 0 else f"`--list-backends` exited {listed.returncode}"
    return Keyring(executable, _version(executable, env, timeout), backends, error)


def _version(executable: str, env: dict[str, str], timeout: float) -> str | None:
    try:
        with open(executable, "rb") as script:
            first = script.readline(512)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None  # a Windows launcher .exe
    interpreter = first[2:].decode("utf-8", "replace").strip().split(" ")[0]
    try:
        done = subprocess.run(
            [interpreter, "-c", "import importlib.metadata as m; print(m.version('keyring'))"],
            capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def inspect(project: Path, environ: Mapping[str, str]) -> KeyringReport:
    shell_dirs = [d for d in environ.get("PATH", "").split(os.pathsep) if d]
    venv = project_venv(project, environ)
    uv_dirs = ([str(_bin_dir(venv))] if venv is not None else []) + shell_dirs
    uv_path, shell_path = find(uv_dirs), find(shell_dirs)
    uv = describe(uv_path, environ) if uv_path is not None else None
    shell = (describe(shell_path, environ)
             if shell_path is not None and shell_path != uv_path else None)
    report = KeyringReport(uv, shell)
    if uv is None:
        report.warnings.append(
            "no `keyring` executable on PATH (nor in the project's virtualenv): uv's "
            "subprocess provider finds no keyring; `uv tool install keyring` puts one on PATH")
        return report
    if uv.error is not None:
        report.warnings.append(f"`{uv.path}` did not run ({uv.error})")
    elif not uv.usable:
        report.warnings.append(
            f"`{uv.path}` has no backend that can hold a password (only "
            f"{', '.join(name for name, _ in uv.backends) or 'none'}): every lookup of uv's "
            "comes back empty")
    if shell is not None and venv is not None and uv.path.startswith(str(venv)):
        plugins = sorted(set(shell.usable) - set(uv.usable))
        text = (f"the project's virtualenv has its own `keyring` ({uv.path}), which uv runs "
                f"when the virtualenv is active or inside `uv run`, instead of {shell.path}")
        if plugins:
            text += f"; it lacks the backends {', '.join(plugins)} that the other one has"
        text += ("; remove keyring from the project's dependencies, or install the same "
                 "plugins into the virtualenv")
        report.warnings.append(text)
    return report
