"""Credentials stored where uv does not look (uv#15344): a keyring entry under the index's
name, the bare host or the URL without `/simple`, or for another username than the one uv
asks with; a `uv auth login` entry whose username does not fit its token's kind.

Each finding says where the credential is, where uv looks, and the exact commands that make
uv find it. Never the value: only services, usernames and variable names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from uv_index_guard.credentials.resolve import IndexAuth, Resolution, Source
from uv_index_guard.credentials.service import host_port, keyring_services, normalize, realm
from uv_index_guard.credentials.stores import StoredCredential, Stores
from uv_index_guard.index_env import env_vars
from uv_index_guard.model import IndexDef
from uv_index_guard.redact import safe_name
from uv_index_guard.tokens import JOB_TOKEN_USER, kind_of, username_mismatch
from uv_index_guard.urls import split_url

#: Usernames people pair with registry tokens (GitLab: any for an access token, `__token__`
#: by custom; `oauth2` from GitLab's git-over-https; the job token's own).
USUAL_USERNAMES = ("__token__", "oauth2", JOB_TOKEN_USER, "token", "api")


def services_people_use(auth: IndexAuth) -> list[str]:
    """Keyring services a person plausibly stored the token under, besides uv's own."""
    found: list[str] = []
    if auth.name:
        found.append(auth.name)
    url = normalize(auth.url)
    host = host_port(auth.url)
    if url is not None:
        bare = url.rstrip("/")
        found += [bare, bare + "/"]
        if bare.endswith("/simple"):
            found += [bare[: -len("/simple")], bare[: -len("/simple")] + "/"]
        parts = split_url(url)
        if parts is not None and host is not None:
            found += [f"{parts.scheme}://{host}", f"{parts.scheme}://{host}/"]
    if host is not None:
        found.append(host)
        if ":" in host:
            found.append(host.rsplit(":", 1)[0])
    return list(dict.fromkeys(found))


def usernames_in_play(index: IndexDef, auth: IndexAuth, resolution: Resolution,
                      environ: Mapping[str, str]) -> list[str]:
    names: list[str | None] = [resolution.username]
    parts = split_url(auth.url)
    names.append(parts.username if parts is not None else None)
    if auth.name is not None:
        names.append(environ.get(env_vars(auth.name)[0]))
    names.append(index.string("username"))  # ignored by uv, but what the user meant
    names += USUAL_USERNAMES
    # A token in a username's place is no username to try, and would be printed in the
    # `keyring set` command: left out.
    return list(dict.fromkeys(n for n in names if n and kind_of(n) is None))


def keyring_near_misses(index: IndexDef, auth: IndexAuth, resolution: Resolution,
                        stores: Stores, provider: str, environ: Mapping[str, str]) -> list[str]:
    """When uv finds nothing in keyring: the entries it misses, and how to make it find one."""
    if resolution.source is not Source.NONE or auth.authenticate == "never":
        return []
    uv_services = keyring_services(auth.url)
    uv_user = resolution.username
    # What uv asks (or, with the provider off, would ask: resolve's own note says so).
    asked = {(service, uv_user) for service in uv_services}
    found: list[str] = []
    for service in list(dict.fromkeys([*uv_services, *services_people_use(auth)])):
        for user in usernames_in_play(index, auth, resolution, environ):
            if (service, user) in asked:
                continue
            hit = stores.keyring(service, user)
            if hit is None or not hit.complete:
                continue
            found.append(_explain(auth, service, user, uv_services, uv_user, provider))
            break
    return found


def _explain(auth: IndexAuth, service: str, user: str, uv_services: list[str],
             uv_user: str | None, provider: str) -> str:
    shown = " and ".join(f"`{s}`" for s in uv_services)
    if provider != "subprocess":
        asks = "uv does not ask keyring at all (its keyring provider is off)"
    elif uv_user is None and auth.authenticate != "always":
        asks = f"uv asks keyring only with a username, and has none for {shown}"
    elif uv_user is None:
        asks = (f"uv asks only `keyring get {uv_services[0]} --mode creds` (no username), "
                "which finds an entry only for that service")
    else:
        asks = f"uv asks for {shown} with username `{safe_name(uv_user)}`"
    steps = [f"`keyring set {uv_services[0]} {user}` (type the token at the prompt)"]
    if uv_user != user:
        if auth.name is not None:
            steps.append(f"`export {env_vars(auth.name)[0]}={user}` (or put `{user}@` in "
                         "the URL)")
        else:
            steps.append(f"put `{user}@` in the index URL")
    if provider != "subprocess":
        steps.append("`export UV_KEYRING_PROVIDER=subprocess` (or `keyring-provider = "
                     "\"subprocess\"` in `[tool.uv]`)")
    return (f"keyring holds a password under service `{service}` for `{safe_name(user)}`; "
            f"{asks}. To make uv find it: {', then '.join(steps)}")


def stored_mismatches(auth: IndexAuth, entries: Iterable[StoredCredential]) -> list[str]:
    """`uv auth login` entries of the index's host whose username does not fit the token."""
    target = realm(auth.url)
    found: list[str] = []
    for entry in entries:
        if target is None or realm(entry.service) != target or entry.password is None:
            continue
        problem = username_mismatch(entry.password, entry.username)
        if problem is not None:
            user = safe_name(entry.username) if entry.username else "(none)"
            found.append(f"`uv auth login` stored a token for `{entry.service}` with the "
                         f"username `{user}`: {problem}; run `uv auth logout {entry.service}` "
                         "and log in again with the right `--username`")
    return found
