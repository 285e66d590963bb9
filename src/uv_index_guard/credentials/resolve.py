"""Which credentials uv sends to an index, in uv's own order (crates/uv-auth ``middleware.rs``,
crates/uv-distribution-types ``index.rs``):

1. the request's own credentials: ``UV_INDEX_<NAME>_USERNAME`` / ``_PASSWORD`` when either is
   set (and then the URL's userinfo is ignored as a whole), else the URL's userinfo;
2. when they hold no password: netrc (matched by host; the login must equal a known
   username), then uv's credential store (``uv auth login``), then keyring, which uv asks
   only with its keyring provider on and only with a username (or with
   ``authenticate = "always"``, through ``keyring get URL --mode creds``).

With ``authenticate = "auto"`` and no username, uv first asks without credentials and looks
further only after a 401, 403 or 404; with ``"always"`` it looks before the first request;
``"never"`` sends none.

:func:`resolve` is pure: the environment and the stores are passed in.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from uv_index_guard.credentials.service import keyring_services, normalize, realm
from uv_index_guard.credentials.stores import Found, Stores
from uv_index_guard.index_env import env_vars
from uv_index_guard.redact import safe_name
from uv_index_guard.urls import split_url


class Source(enum.Enum):
    URL = "url"
    ENV = "env"
    NETRC = "netrc"
    UV_CREDENTIALS = "uv-credentials"
    KEYRING = "keyring"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class IndexAuth:
    """What uv knows about an index before any lookup."""

    name: str | None
    url: str  # as configured; may carry userinfo
    authenticate: str = "auto"  # "auto", "always" or "never"


@dataclass(frozen=True, slots=True)
class Note:
    """A fact found while resolving, for the warnings (``code`` is stable, ``text`` is safe to
    print)."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Resolution:
    source: Source
    username: str | None
    where: str  # the store, variable or "the URL"; never a secret
    password: str | None = field(default=None, repr=False)
    bearer: str | None = field(default=None, repr=False)
    # True: uv sends these credentials with its first request; False: only after the index
    # answered an anonymous request with 401, 403 or 404.
    eager: bool = True
    # `authenticate = "always"` and nothing found: uv fails before sending anything.
    missing: bool = False
    notes: tuple[Note, ...] = ()

    @property
    def secret(self) -> str | None:
        """The password or bearer token (for sending and for token-kind hints only)."""
        return self.password if self.password is not None else self.bearer

    @property
    def has_credentials(self) -> bool:
        return self.source is not Source.NONE


def keyring_provider(environ: Mapping[str, str], configured: str | None) -> str:
    """uv's keyring provider: ``UV_KEYRING_PROVIDER`` wins over `keyring-provider` in the
    configuration files; "disabled" when neither says."""
    value = environ.get("UV_KEYRING_PROVIDER") or configured or "disabled"
    return value.strip().lower()


def resolve(index: IndexAuth, environ: Mapping[str, str], stores: Stores, provider: str,
            request_url: str | None = None) -> Resolution:
    """The credentials uv would use for a request to ``request_url`` (default: the index URL)
    of ``index``."""
    notes: list[Note] = []
    parts = split_url(index.url)
    url_user = parts.username or None if parts is not None else None
    url_password = parts.password if parts is not None else None
    target = request_url or index.url

    # 1. The request's own credentials.
    user_var = pass_var = None
    env_user = env_password = None
    if index.name is not None:
        user_var, pass_var = env_vars(index.name)
        env_user, env_password = environ.get(user_var), environ.get(pass_var)
    if env_user is not None or env_password is not None:
        source, username, password = Source.ENV, env_user or None, env_password
        if env_password is not None:
            where = f"`{pass_var}`"
        else:
            where = f"`{user_var}`"
            if url_password is not None:
                notes.append(Note("url-password-ignored", (
                    f"`{user_var}` is set, so uv ignores the URL's userinfo, password "
                    f"included; set `{pass_var}` too, or unset `{user_var}`")))
    else:
        source, username, password, where = Source.URL, url_user, url_password, "the URL"

    if index.authenticate == "never":
        if username is not None or password is not None:
            notes.append(Note("never-with-credentials", (
                'credentials are configured but `authenticate = "never"`: uv sends none '
                "(and refuses an index URL that carries them)")))
        return Resolution(Source.NONE, None, '`authenticate = "never"`', notes=tuple(notes))
    if password is not None:
        return Resolution(source, username, where, password=password, notes=tuple(notes))

    # 2. Look further: netrc, uv's credential store, keyring.
    eager = username is not None or index.authenticate == "always"
    found = _look_up(index, target, username, stores, provider, notes)
    if found is not None:
        source, hit = found
        return Resolution(source, hit.username, hit.where, password=hit.password,
                          bearer=hit.bearer, eager=eager, notes=tuple(notes))
    if username is not None:
        where_user = where if source is Source.ENV else "the URL"
        notes.append(Note("username-without-password", (
            f"the username `{safe_name(username)}` (from {where_user}) has no password "
            "anywhere: not in "
            f"{'`' + pass_var + '`' if pass_var else 'the environment'}, netrc, "
            f"`uv auth login` or keyring{_keyring_state(provider)}; uv sends the username "
            "alone")))
    # A username-only URL is sent as it is; a username from the environment (kept in uv's
    # cache, not on the request) is not enough for `authenticate = "always"`.
    missing = index.authenticate == "always" and (username is None or source is Source.ENV)
    return Resolution(Source.NONE, username, "nowhere", eager=eager, missing=missing,
                      notes=tuple(notes))


def _keyring_state(provider: str) -> str:
    return "" if provider == "subprocess" else " (which uv does not ask: keyring provider off)"


def _look_up(index: IndexAuth, target: str, username: str | None, stores: Stores,
             provider: str, notes: list[Note]) -> tuple[Source, Found] | None:
    target_realm = realm(target)
    if target_realm is not None:
        hit = stores.netrc(target_realm[1], username)
        if hit is not None:
            return Source.NETRC, hit
    bare = normalize(target)
    if bare is not None:
        hit = stores.uv_credentials(bare, username)
        if hit is not None:
            return Source.UV_CREDENTIALS, hit
    services = keyring_services(index.url)
    if provider == "subprocess":
        if username is not None:
            for service in services:
                hit = stores.keyring(service, username)
                if hit is not None:
                    return Source.KEYRING, hit
        elif index.authenticate == "always" and services:
            hit = stores.keyring(services[0], None)
            if hit is not None:
                return Source.KEYRING, hit
        else:
            notes.append(Note("keyring-needs-username", (
                "uv asks keyring only with a username: put it in the URL "
                "(`https://USER@host/...`)" + (
                    f" or set `{env_vars(index.name)[0]}`" if index.name else "")
                + ', or set `authenticate = "always"`')))
    elif username is not None:
        for service in services:
            hit = stores.keyring(service, username)
            if hit is not None and hit.complete:
                notes.append(Note("keyring-provider-off", (
                    f"keyring holds a password for `{safe_name(username)}` at service "
                    f"`{service}`, but "
                    "uv's keyring provider is off: set `keyring-provider = \"subprocess\"` "
                    "in `[tool.uv]` (or `uv.toml`) or `UV_KEYRING_PROVIDER=subprocess`")))
                break
    return None
