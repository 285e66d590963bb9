"""Real parts for the credential tests: a wheel built by hand, pypiserver with an htpasswd
file on a free 127.0.0.1 port, a clean environment for uv and for our own CLI, and tokens
made at run time (never a token literal in the repository)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import string
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
PACKAGE = "sandbox-pkg"
INDEX = "private"
TOKEN_USER = "__token__"


def make_token() -> str:
    """A GitLab-personal-access-token-shaped secret, new every run."""
    alphabet = string.ascii_letters + string.digits
    return "glpat" + "-" + "".join(secrets.choice(alphabet) for _ in range(20))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build_wheel(directory: Path, name: str = PACKAGE, version: str = "0.1.0") -> Path:
    """A minimal pure-Python wheel, written with zipfile."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": b"VALUE = 42\n",
        f"{dist_info}/METADATA": (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                  "Requires-Python: >=3.8\n").encode(),
        f"{dist_info}/WHEEL": (b"Wheel-Version: 1.0\nGenerator: uv-index-guard-tests\n"
                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


@dataclass(frozen=True)
class IndexServer:
    port: int
    token: str
    root: Path

    @property
    def simple(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    def url_with_token(self, token: str | None = None) -> str:
        return f"http://{TOKEN_USER}:{token or self.token}@127.0.0.1:{self.port}/simple/"


@contextmanager
def pypiserver(root: Path, users: tuple[str, ...] = (TOKEN_USER,)) -> Iterator[IndexServer]:
    """pypiserver on 127.0.0.1 serving one wheel; every action needs an htpasswd user (each
    of ``users``, with the one token: GitLab takes an access token with any username), and
    wrong credentials get 401 as from GitLab (``gitlab_like_pypiserver.py``)."""
    with warnings.catch_warnings():  # passlib imports the deprecated `crypt` module
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile

    packages = root / "packages"
    packages.mkdir(parents=True)
    build_wheel(packages)
    token = make_token()
    htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True)
    for user in users:
        htpasswd.set_password(user, token)
    htpasswd.save()
    port = free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("gitlab_like_pypiserver.py")), "run",
         "-p", str(port), "-i", "127.0.0.1",
         "-P", str(root / "htpasswd"), "-a", "download,list,update", str(packages)],
        stdout=log, stderr=subprocess.STDOUT, env=clean_env(root / "server-home"))
    try:
        _wait_ready(port, proc, root / "server.log")
        yield IndexServer(port, token, root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pypiserver exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("pypiserver did not start within 30 s")


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port bound but not listening: connections are refused, and no other process can
    take the port while the test runs (a free port from :func:`free_port` could be)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The process environment without uv, keyring and netrc settings, with its own HOME."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("UV_", "PYTHON_KEYRING", "XDG_")) and k not in (
               "NETRC", "VIRTUAL_ENV", "CI_JOB_TOKEN")}
    env.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"),
        UV_CACHE_DIR=str(home / "uv-cache"), UV_PYTHON=sys.executable,
        UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", NO_COLOR="1",
        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
        PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""),
    )
    env.update(extra)
    return env


def pyproject(url: str, *, package: str = PACKAGE, extra: str = "") -> str:
    return (
        "[project]\n"
        'name = "consumer"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.10"\n'
        f'dependencies = ["{package}"]\n'
        "\n"
        "# the private index\n"
        "[[tool.uv.index]]\n"
        f'name = "{INDEX}"\n'
        f'url = "{url}"  # keep the trailing slash\n'
        "explicit = true\n"
        f"{extra}"
        "\n"
        "[tool.uv.sources]\n"
        f'{package} = {{ index = "{INDEX}" }}\n'
    )


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err


def cli(args: list[str], env: dict[str, str], cwd: Path) -> Result:
    """Our CLI in a subprocess (so the keyring library sees ``env``)."""
    proc = subprocess.run([sys.executable, "-m", "uv_index_guard", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def uv(args: list[str], env: dict[str, str], cwd: Path) -> Result:
    proc = subprocess.run([str(BIN / "uv"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return Result(proc.returncode, proc.stdout, proc.stderr)


class MemoryKeyring:
    """Install an in-memory keyring backend in this process (``with MemoryKeyring() as k``)."""

    def __init__(self) -> None:
        from keyring.backend import KeyringBackend

        entries: dict[tuple[str, str], str] = {}
        self.entries = entries

        class _Backend(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, service: str, username: str) -> str | None:
                return entries.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                entries[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                entries.pop((service, username), None)

        self.backend = _Backend()

    def __enter__(self) -> MemoryKeyring:
        import keyring

        self._previous = keyring.get_keyring()
        keyring.set_keyring(self.backend)
        return self

    def __exit__(self, *exc: object) -> None:
        import keyring

        keyring.set_keyring(self._previous)


@contextmanager
def failing_keyring() -> Iterator[None]:
    """keyring's `fail` backend: every call raises NoKeyringError."""
    import keyring
    from keyring.backends.fail import Keyring as Fail

    previous = keyring.get_keyring()
    keyring.set_keyring(Fail())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
