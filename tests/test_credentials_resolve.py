"""uv's credential lookup order, as a table: the environment and the stores are passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from uv_index_guard.credentials.resolve import (
    IndexAuth,
    Resolution,
    Source,
    keyring_provider,
    resolve,
)
from uv_index_guard.credentials.service import (
    is_path_prefix,
    keyring_services,
    normalize,
    realm,
)
from uv_index_guard.credentials.stores import (
    Found,
    StoredCredential,
    SystemStores,
    credentials_file,
    lookup_stored,
    netrc_path,
    parse_credentials_toml,
)

HOST = "pkgs.example.com"
URL = f"https://{HOST}/api/v4/projects/42/packages/pypi/simple"
# Synthesised per run, never a literal token: the stores below hold these.
URL_PW = "url" + "-secret-1"
ENV_PW = "env" + "-secret-2"
NETRC_PW = "netrc" + "-secret-3"
STORE_PW = "store" + "-secret-4"
KEYRING_PW = "keyring" + "-secret-5"


@dataclass
class FakeStores:
    netrc_entries: dict[str, tuple[str, str]] = field(default_factory=dict)  # host -> (login, pw)
    stored: list[StoredCredential] = field(default_factory=list)
    keyring_entries: dict[tuple[str, str], str] = field(default_factory=dict)
    asked: list[tuple[str, str, str | None]] = field(default_factory=list)

    def netrc(self, host: str, username: str | None) -> Found | None:
        self.asked.append(("netrc", host, username))
        entry = self.netrc_entries.get(host) or self.netrc_entries.get("default")
        if entry is None or (username is not None and username != entry[0]):
            return None
        return Found("netrc", entry[0], entry[1])

    def uv_credentials(self, url: str, username: str | None) -> Found | None:
        self.asked.append(("store", url, username))
        hit = lookup_stored(self.stored, url, username)
        return None if hit is None else Found("store", hit.username, hit.password)

    def keyring(self, service: str, username: str | None) -> Found | None:
        self.asked.append(("keyring", service, username))
        if username is None:
            for (svc, user), password in self.keyring_entries.items():
                if svc == service:
                    return Found("keyring", user, password)
            return None
        password = self.keyring_entries.get((service, username))
        return None if password is None else Found("keyring", username, password)


def url_with(userinfo: str) -> str:
    return URL.replace("https://", f"https://{userinfo}@")


ALL_STORES = dict(
    netrc_entries={HOST: ("__token__", NETRC_PW)},
    stored=[StoredCredential(f"https://{HOST}/", "__token__", STORE_PW, None)],
    keyring_entries={(URL, "__token__"): KEYRING_PW},
)


@dataclass(frozen=True)
class Case:
    url: str
    expect: Source
    username: str | None
    password: str | None
    env: dict[str, str] = field(default_factory=dict)
    stores: dict[str, object] = field(default_factory=dict)
    provider: str = "disabled"
    authenticate: str = "auto"
    eager: bool = True
    notes: tuple[str, ...] = ()
    missing: bool = False


CASES = {
    "url userinfo": Case(url_with(f"__token__:{URL_PW}"), Source.URL, "__token__", URL_PW),
    "env wins over the url": Case(
        url_with(f"__token__:{URL_PW}"), Source.ENV, "oauth2", ENV_PW,
        env={"UV_INDEX_GITLAB_USERNAME": "oauth2", "UV_INDEX_GITLAB_PASSWORD": ENV_PW}),
    "env password alone": Case(URL, Source.ENV, None, ENV_PW,
                               env={"UV_INDEX_GITLAB_PASSWORD": ENV_PW}),
    "env username alone drops the url password": Case(
        url_with(f"__token__:{URL_PW}"), Source.NETRC, "__token__", NETRC_PW,
        env={"UV_INDEX_GITLAB_USERNAME": "__token__"}, stores=ALL_STORES,
        notes=("url-password-ignored",)),
    "netrc before the store and keyring": Case(
        url_with("__token__"), Source.NETRC, "__token__", NETRC_PW, stores=ALL_STORES,
        provider="subprocess"),
    "netrc login must match the username": Case(
        url_with("someone"), Source.NONE, "someone", None,
        stores={"netrc_entries": {HOST: ("__token__", NETRC_PW)}},
        notes=("username-without-password",)),
    "netrc default entry, after an anonymous try": Case(
        URL, Source.NETRC, "deploy", NETRC_PW,
        stores={"netrc_entries": {"default": ("deploy", NETRC_PW)}}, eager=False),
    "uv auth login store before keyring": Case(
        url_with("__token__"), Source.UV_CREDENTIALS, "__token__", STORE_PW,
        stores={k: v for k, v in ALL_STORES.items() if k != "netrc_entries"},
        provider="subprocess"),
    "keyring at the index url": Case(
        url_with("__token__"), Source.KEYRING, "__token__", KEYRING_PW,
        stores={"keyring_entries": {(URL, "__token__"): KEYRING_PW}}, provider="subprocess"),
    "keyring at host": Case(
        url_with("__token__"), Source.KEYRING, "__token__", KEYRING_PW,
        stores={"keyring_entries": {(HOST, "__token__"): KEYRING_PW}}, provider="subprocess"),
    "keyring with the env username": Case(
        URL, Source.KEYRING, "__token__", KEYRING_PW,
        env={"UV_INDEX_GITLAB_USERNAME": "__token__"},
        stores={"keyring_entries": {(URL, "__token__"): KEYRING_PW}}, provider="subprocess"),
    "keyring skipped without a username": Case(
        URL, Source.NONE, None, None,
        stores={"keyring_entries": {(URL, "__token__"): KEYRING_PW}}, provider="subprocess",
        eager=False, notes=("keyring-needs-username",)),
    "keyring --mode creds with authenticate always": Case(
        URL, Source.KEYRING, "__token__", KEYRING_PW,
        stores={"keyring_entries": {(URL, "__token__"): KEYRING_PW}}, provider="subprocess",
        authenticate="always"),
    "keyring provider off": Case(
        url_with("__token__"), Source.NONE, "__token__", None,
        stores={"keyring_entries": {(URL, "__token__"): KEYRING_PW}},
        notes=("keyring-provider-off", "username-without-password")),
    "authenticate never": Case(url_with(f"__token__:{URL_PW}"), Source.NONE, None, None,
                               authenticate="never", notes=("never-with-credentials",)),
    "always and nothing anywhere": Case(URL, Source.NONE, None, None, authenticate="always",
                                        missing=True),
    "always with an env username only": Case(
        URL, Source.NONE, "__token__", None, env={"UV_INDEX_GITLAB_USERNAME": "__token__"},
        authenticate="always", missing=True, notes=("username-without-password",)),
    "always with a url username only sends it": Case(
        url_with("__token__"), Source.NONE, "__token__", None, authenticate="always",
        notes=("username-without-password",)),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_lookup_order(case: Case) -> None:
    stores = FakeStores(**case.stores)  # type: ignore[arg-type]
    result = resolve(IndexAuth("gitlab", case.url, case.authenticate), case.env, stores,
                     case.provider)
    assert (result.source, result.username, result.password) == (
        case.expect, case.username, case.password)
    assert result.eager is case.eager
    assert result.missing is case.missing
    assert tuple(n.code for n in result.notes) == case.notes


def test_secrets_never_in_repr_or_notes() -> None:
    stores = FakeStores(**ALL_STORES)  # type: ignore[arg-type]
    result = resolve(IndexAuth("gitlab", url_with(f"__token__:{URL_PW}"), "auto"),
                     {"UV_INDEX_GITLAB_USERNAME": "__token__"}, stores, "disabled")
    shown = repr(result) + "".join(n.text for n in result.notes) + result.where
    for secret in (URL_PW, NETRC_PW, STORE_PW, KEYRING_PW):
        assert secret not in shown


def test_env_vars_only_for_named_indexes() -> None:
    result = resolve(IndexAuth(None, URL), {"UV_INDEX_GITLAB_PASSWORD": ENV_PW}, FakeStores(),
                     "disabled")
    assert result.source is Source.NONE


def test_keyring_is_asked_in_uvs_order() -> None:
    stores = FakeStores()
    resolve(IndexAuth("a", "http://__token__@127.0.0.1:8080/simple/"), {}, stores,
            "subprocess")
    assert [a for a in stores.asked if a[0] == "keyring"] == [
        ("keyring", "http://127.0.0.1:8080/simple/", "__token__"),
        ("keyring", "127.0.0.1:8080", "__token__"),
        ("keyring", "http://127.0.0.1:8080", "__token__"),
    ]


@pytest.mark.parametrize(("environ", "configured", "expected"), [
    ({}, None, "disabled"),
    ({}, "subprocess", "subprocess"),
    ({"UV_KEYRING_PROVIDER": "disabled"}, "subprocess", "disabled"),
    ({"UV_KEYRING_PROVIDER": "subprocess"}, None, "subprocess"),
])
def test_keyring_provider_env_wins(environ: dict[str, str], configured: str | None,
                                   expected: str) -> None:
    assert keyring_provider(environ, configured) == expected


# --- URLs as uv compares them ------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("https://User:pw@Example.COM:443/Simple", "https://example.com/Simple"),
    ("http://127.0.0.1:8080/simple/", "http://127.0.0.1:8080/simple/"),
    ("https://example.com", "https://example.com/"),
    ("https://[::1]:8443/x", "https://[::1]:8443/x"),
    ("./wheels", None),
])
def test_normalize(url: str, expected: str | None) -> None:
    assert normalize(url) == expected


def test_keyring_services() -> None:
    assert keyring_services("https://u@example.com/simple") == [
        "https://example.com/simple", "example.com"]
    assert realm("https://a.example/x") != realm("https://a.example:8443/x")


@pytest.mark.parametrize(("prefix", "path", "expected"), [
    ("/simple", "/simple/anyio/", True), ("/simple/", "/simple/anyio/", True),
    ("/simple", "/simpleevil/", False), ("/", "/anything", True), ("/a", "/a", True),
])
def test_is_path_prefix(prefix: str, path: str, expected: bool) -> None:
    assert is_path_prefix(prefix, path) is expected


# --- uv's credential store ---------------------------------------------------------------


def stored(service: str, username: str | None = "u", password: str = "p") -> StoredCredential:
    normalized = normalize(service)
    assert normalized is not None
    return StoredCredential(normalized, username, password, None)


def test_store_lookup_exact_then_most_specific_prefix() -> None:
    entries = [stored("https://h.example/", "root"), stored("https://h.example/api/v4", "api")]
    hit = lookup_stored(entries, "https://h.example/api/v4/projects/1/simple/x/", None)
    assert hit is not None and hit.username == "api"
    hit = lookup_stored(entries, "https://h.example/other/", None)
    assert hit is not None and hit.username == "root"
    assert lookup_stored(entries, "https://h.example:8443/api/v4/", None) is None  # realm
    assert lookup_stored(entries, "https://h.example/api/v4/x", "nobody") is None
    exact = lookup_stored(entries, "https://h.example/api/v4", "api")
    assert exact is not None and exact.username == "api"


def test_store_lookup_ambiguous_is_none() -> None:
    entries = [stored("https://h.example/a", "one"), stored("https://h.example/a", "two")]
    assert lookup_stored(entries, "https://h.example/a/x", None) is None


def test_parse_credentials_toml_as_uv_writes_it() -> None:
    text = ('[[credential]]\nservice = "https://h.example/"\nusername = "u"\n'
            'password = "p"\n\n[[credential]]\nservice = "h2.example"\nscheme = "bearer"\n'
            'token = "t"\n')
    first, second = parse_credentials_toml(text)
    assert (first.service, first.username, first.password) == ("https://h.example/", "u", "p")
    assert (second.service, second.username, second.token) == ("https://h2.example/", None, "t")


@pytest.mark.parametrize("text", [
    '[[credential]]\nservice = "http://remote.example/"\nusername = "u"\n',
    '[[credential]]\nservice = "https://h.example/"\n',
    '[[credential]]\nservice = "https://h.example/"\nscheme = "bearer"\nusername = "u"\n',
    "credential = 1\n",
])
def test_parse_credentials_toml_rejects_what_uv_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_credentials_toml(text)


# --- the stores of a machine, located from the environment ------------------------------


def test_locations_follow_the_environment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text("machine h login u password p\n")
    assert netrc_path({"HOME": str(home)}) == home / ".netrc"
    other = tmp_path / "netrc"
    other.write_text("")
    assert netrc_path({"HOME": str(home), "NETRC": str(other)}) == other
    assert netrc_path({"HOME": str(home), "NETRC": str(tmp_path / "missing")}) == (
        home / ".netrc")  # uv falls back when NETRC names no file
    assert credentials_file({"HOME": str(home)}) == (
        home / ".local/share/uv/credentials/credentials.toml")
    assert credentials_file({"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "d")}) == (
        tmp_path / "d/uv/credentials/credentials.toml")
    assert credentials_file({"HOME": str(home), "UV_CREDENTIALS_DIR": str(tmp_path / "c")}) == (
        tmp_path / "c/credentials.toml")


def test_system_stores_read_files(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {HOST}\n  login __token__\n  password {NETRC_PW}\n")
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "credentials.toml").write_text(
        f'[[credential]]\nservice = "https://{HOST}/api"\nusername = "__token__"\n'
        f'password = "{STORE_PW}"\n')
    stores = SystemStores({"HOME": str(tmp_path), "NETRC": str(netrc),
                           "UV_CREDENTIALS_DIR": str(creds)})
    hit = stores.netrc(HOST, None)
    assert hit is not None and (hit.username, hit.password) == ("__token__", NETRC_PW)
    assert stores.netrc(HOST, "other") is None
    assert stores.netrc("elsewhere.example", None) is None
    hit = stores.uv_credentials(URL, "__token__")
    assert hit is not None and hit.password == STORE_PW
    assert NETRC_PW not in hit.where and STORE_PW not in repr(hit)
    assert stores.problems == []


def test_broken_stores_are_problems_not_errors(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {HOST} login u password\nmacdefault {NETRC_PW}\n")
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "credentials.toml").write_text(f'[[credential]\npassword = "{STORE_PW}"\n')
    stores = SystemStores({"HOME": str(tmp_path), "NETRC": str(netrc),
                           "UV_CREDENTIALS_DIR": str(creds)})
    assert stores.netrc(HOST, None) is None
    assert stores.uv_credentials(URL, None) is None
    assert len(stores.problems) == 2
    assert not any(NETRC_PW in p or STORE_PW in p for p in stores.problems), stores.problems


def test_resolution_secret_property() -> None:
    assert Resolution(Source.UV_CREDENTIALS, None, "s", bearer="b").secret == "b"
