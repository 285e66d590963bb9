"""The credential stores uv asks after the URL and the environment: netrc, uv's own
``credentials.toml`` (written by ``uv auth login``) and keyring.

Every location comes from the environment mapping handed in, never from ``os.environ``, so
the lookups can be pointed at test files. The one exception is the ``keyring`` library, which
picks its backend from the process environment (``PYTHON_KEYRING_BACKEND``) itself.

A lookup returns a :class:`Found`: the username and the secret (for sending the probe; the
dataclass never shows the secret) and ``where``, a description safe to print.
"""

from __future__ import annotations

import netrc as netrc_module
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# TOML 1.1, as uv reads it (tomllib only knows TOML 1.0).
import tomli

from uv_index_guard.credentials.service import (
    is_local_host,
    is_path_prefix,
    normalize,
    path_of,
    realm,
)


@dataclass(frozen=True, slots=True)
class Found:
    """Credentials found in a store; ``where`` names the store and entry, never the secret."""

    where: str
    username: str | None
    password: str | None = field(default=None, repr=False)
    bearer: str | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        return self.password is not None or self.bearer is not None


class Stores(Protocol):
    """The lookups :func:`~uv_index_guard.credentials.resolve.resolve` needs."""

    def netrc(self, host: str, username: str | None) -> Found | None: ...

    def uv_credentials(self, url: str, username: str | None) -> Found | None: ...

    def keyring(self, service: str, username: str | None) -> Found | None: ...


# --- locations ---------------------------------------------------------------------------


def home(environ: Mapping[str, str]) -> Path | None:
    value = environ.get("USERPROFILE" if os.name == "nt" else "HOME")
    return Path(value) if value else None


def netrc_path(environ: Mapping[str, str]) -> Path | None:
    """``NETRC`` when that file exists, else ``~/.netrc`` (``_netrc`` too on Windows), as uv."""
    candidates: list[Path] = []
    base = home(environ)
    value = environ.get("NETRC", "")
    if value:
        if value.startswith("~") and base is not None:
            value = str(base) + value[1:]
        candidates.append(Path(value))
    if base is not None:
        candidates.append(base / ".netrc")
        if os.name == "nt":
            candidates.append(base / "_netrc")
    return next((c for c in candidates if c.exists()), None)


def credentials_dir(environ: Mapping[str, str]) -> Path | None:
    """uv's credential store directory: ``UV_CREDENTIALS_DIR``, else ``credentials`` in uv's
    state directory (``$XDG_DATA_HOME/uv``, ``~/.local/share/uv``; on Windows
    ``%APPDATA%\\uv``; on macOS an existing ``~/Library/Application Support/uv``)."""
    if environ.get("UV_CREDENTIALS_DIR"):
        return Path(environ["UV_CREDENTIALS_DIR"])
    base = home(environ)
    if sys.platform == "darwin" and base is not None:
        legacy = base / "Library" / "Application Support" / "uv"
        if legacy.exists():
            return legacy / "credentials"
    if os.name == "nt":
        appdata = environ.get("APPDATA")
        return Path(appdata) / "uv" / "credentials" if appdata else None
    xdg = environ.get("XDG_DATA_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "uv" / "credentials"
    return base / ".local" / "share" / "uv" / "credentials" if base is not None else None


def credentials_file(environ: Mapping[str, str]) -> Path | None:
    directory = credentials_dir(environ)
    return directory / "credentials.toml" if directory is not None else None


# --- uv's credential store ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredCredential:
    service: str  # normalised
    username: str | None
    password: str | None = field(repr=False)
    token: str | None = field(repr=False)


def parse_credentials_toml(text: str) -> list[StoredCredential]:
    """The ``[[credential]]`` entries of uv's ``credentials.toml``; ValueError when uv would
    reject the file (it then ignores the whole store)."""
    data = tomli.loads(text)
    entries = data.get("credential", [])
    if not isinstance(entries, list):
        raise ValueError("`credential` is not an array of tables")
    out: list[StoredCredential] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("`credential` is not an array of tables")
        service_text = entry.get("service")
        if not isinstance(service_text, str):
            raise ValueError("a credential has no `service`")
        service = _service(service_text)
        if service is None:
            raise ValueError("a credential's `service` is not an https URL (or http to "
                             "localhost)")
        scheme = entry.get("scheme", "basic")
        username = entry.get("username") or None
        password, token = entry.get("password"), entry.get("token")
        if scheme == "basic":
            if username is None or token is not None:
                raise ValueError("`scheme = basic` needs a `username` and no `token`")
        elif scheme == "bearer":
            if username is not None or password is not None or token is None:
                raise ValueError("`scheme = bearer` needs a `token` only")
        else:
            raise ValueError(f"unknown `scheme` `{scheme}`")
        out.append(StoredCredential(service, username, password, token))
    return out


def _service(text: str) -> str | None:
    """A ``service`` string as uv's ``Service`` parses it (no scheme means https)."""
    url = text if "://" in text else f"https://{text}"
    normalized = normalize(url)
    r = realm(url)
    if normalized is None or r is None:
        return None
    if r[0] == "https" or (r[0] == "http" and is_local_host(r[1])):
        return normalized
    return None


def lookup_stored(entries: list[StoredCredential], url: str,
                  username: str | None) -> StoredCredential | None:
    """uv's ``TextCredentialStore::get_credentials``: an exact service and username match,
    else the most specific service of the same realm whose path is a prefix of the URL's
    (with the username, when one is known); None when two are equally specific."""
    target = normalize(url)
    target_realm = realm(url)
    if target is None or target_realm is None:
        return None
    for entry in entries:
        if entry.service == target and entry.username == username:
            return entry
    path = path_of(target)
    candidates: list[tuple[int, StoredCredential]] = []
    for entry in entries:
        if realm(entry.service) != target_realm:
            continue
        service_path = path_of(entry.service)
        if not is_path_prefix(service_path, path):
            continue
        if username is not None and entry.username != username:
            continue
        candidates.append((len(service_path), entry))
    if not candidates:
        return None
    best = max(c[0] for c in candidates)
    top = [entry for length, entry in candidates if length == best]
    return top[0] if len(top) == 1 else None


# --- the stores of this machine ----------------------------------------------------------


class SystemStores:
    """The stores uv would read, located from ``environ``; each file is read once."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []  # one line each, safe to print
        self._netrc: netrc_module.netrc | None = None
        self._netrc_read = False
        self._stored: list[StoredCredential] | None = None
        self.netrc_file = netrc_path(environ)
        self.store_file = credentials_file(environ)

    # netrc

    def netrc(self, host: str, username: str | None) -> Found | None:
        parsed = self._load_netrc()
        if parsed is None or self.netrc_file is None:
            return None
        machine = host if host in parsed.hosts else "default"
        entry = parsed.hosts.get(machine)
        if entry is None:
            return None
        login, _account, password = entry
        if username is not None and username != login:
            return None
        label = f"machine `{host}`" if machine == host else "`default` entry"
        return Found(f"netrc `{self.netrc_file}` ({label})", login or None, password or "")

    def _load_netrc(self) -> netrc_module.netrc | None:
        if not self._netrc_read:
            self._netrc_read = True
            if self.netrc_file is not None:
                try:
                    self._netrc = netrc_module.netrc(str(self.netrc_file))
                except (OSError, netrc_module.NetrcParseError) as exc:
                    # Not the parser's message: it may quote a token of the file.
                    reason = (f"parse error on line {exc.lineno}"
                              if isinstance(exc, netrc_module.NetrcParseError)
                              else exc.strerror or type(exc).__name__)
                    self.problems.append(f"netrc `{self.netrc_file}` cannot be read ({reason}); "
                                         "uv ignores it too")
        return self._netrc

    # uv auth login

    def stored(self) -> list[StoredCredential]:
        """Every entry of uv's credential store (`uv auth login`)."""
        return list(self._load_store())

    def uv_credentials(self, url: str, username: str | None) -> Found | None:
        entries = self._load_store()
        entry = lookup_stored(entries, url, username) if entries else None
        if entry is None:
            return None
        where = f"uv credential store `{self.store_file}` (service `{entry.service}`)"
        if entry.token is not None:
            return Found(where, None, bearer=entry.token)
        return Found(where, entry.username, entry.password)

    def _load_store(self) -> list[StoredCredential]:
        if self._stored is None:
            self._stored = []
            if self.store_file is not None:
                try:
                    text = self.store_file.read_text(encoding="utf-8")
                except FileNotFoundError:
                    return self._stored
                except OSError as exc:
                    self.problems.append(f"uv credential store `{self.store_file}` cannot be "
                                         f"read ({exc.strerror or type(exc).__name__})")
                    return self._stored
                try:
                    self._stored = parse_credentials_toml(text)
                except ValueError as exc:  # tomli's error is a ValueError too
                    message = str(exc).split(" (at ", 1)[0]
                    self.problems.append(f"uv credential store `{self.store_file}` is invalid "
                                         f"({message}); uv ignores it")
        return self._stored

    # keyring

    def keyring(self, service: str, username: str | None) -> Found | None:
        """The keyring library in this process: ``get_password`` with a username, else
        ``get_credential`` (what ``keyring get SERVICE --mode creds`` does)."""
        try:
            import keyring

            if username is None:
                credential = keyring.get_credential(service, None)
                if credential is None:
                    return None
                return Found(f"keyring service `{service}`", credential.username or None,
                             credential.password)
            password = keyring.get_password(service, username)
        except Exception as exc:  # a backend may fail in many ways; uv treats all as "none"
            self._keyring_problem(exc)
            return None
        if password is None:
            return None
        return Found(f"keyring service `{service}`", username, password)

    def _keyring_problem(self, exc: Exception) -> None:
        line = f"keyring is unavailable in this process ({type(exc).__name__}: {backend_name()})"
        if line not in self.problems:
            self.problems.append(line)


def backend_name() -> str:
    """The active keyring backend's class name (for messages)."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:  # pragma: no cover - keyring's own import failures
        return type(exc).__name__
    return f"{type(backend).__module__}.{type(backend).__name__}"
