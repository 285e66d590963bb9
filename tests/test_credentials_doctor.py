"""`doctor` on bad input and its warnings and hints; the probe's redirect rule. Servers run on
127.0.0.1 only, on free ports, and are stopped by the test."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from credentials_support import (
    INDEX,
    MemoryKeyring,
    clean_env,
    cli,
    make_token,
    pyproject,
    refusing_port,
    silent_listener,
)

from uv_index_guard.credentials import doctor
from uv_index_guard.credentials.hints import IndexFacts, hint
from uv_index_guard.credentials.probe import ProbeResult, probe
from uv_index_guard.credentials.resolve import Resolution, Source

GITLAB = "https://gitlab.example.com/api/v4/projects/42/packages/pypi"


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    with MemoryKeyring() as k:
        yield k


def run(path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    fmt = "json" if "--json" in args else "text"
    options = doctor.Options(str(path), fmt, "--no-probe" not in args,
                             timeout=float(args[args.index("--timeout") + 1])
                             if "--timeout" in args else 10.0)
    code = doctor.run(options, env, out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "pyproject.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def entries(out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    assert set(data) <= {"indexes", "keyring"}
    result: list[dict[str, Any]] = data["indexes"]
    return result


# --- bad input ---------------------------------------------------------------------------


def test_connection_refused_is_a_probe_result(tmp_path: Path) -> None:
    with refusing_port() as port:
        token = make_token()
        path = write(tmp_path, pyproject(f"http://__token__:{token}@127.0.0.1:{port}/simple/"))
        result = cli(["doctor", "--format", "json", str(path)], clean_env(tmp_path / "h"),
                     tmp_path)
        text = cli(["doctor", str(path)], clean_env(tmp_path / "h"), tmp_path)
    assert result.code == 1, result.both
    assert "Traceback" not in result.err and token not in result.both
    (entry,) = entries(result.out)
    assert entry["probe"]["status"] is None and entry["probe"]["ok"] is False
    assert entry["probe"]["hint"].startswith(
        f"connection refused: nothing listens on `127.0.0.1:{port}`")
    assert text.code == 1 and "no response: connection refused" in text.out
    assert "1 of 1 probes failed (`private`)" in text.out


def test_timeout_is_a_probe_result(tmp_path: Path) -> None:
    with silent_listener() as port:
        path = write(tmp_path, pyproject(f"http://127.0.0.1:{port}/simple/"))
        started = time.monotonic()
        code, out, err = run(path, clean_env(tmp_path / "h"), "--json", "--timeout", "0.5")
        assert time.monotonic() - started < 10
    assert code == 1, err
    (entry,) = entries(out)
    assert entry["probe"] == {
        "status": None, "ok": False,
        "hint": f"no answer from `127.0.0.1:{port}` within 0.5 s: the host is down, filtered or "
                "slow (uv's own limit is `UV_HTTP_TIMEOUT`, 30 s by default)"}


def test_no_indexes_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "a"\nversion = "1"\n')
    code, out, err = run(path, clean_env(tmp_path / "h"))
    assert code == 0
    assert out.startswith("No indexes configured in `") and "uv uses PyPI only" in out
    code, out, err = run(path, clean_env(tmp_path / "h"), "--json")
    assert code == 0 and json.loads(out) == {"indexes": []}
    assert "No indexes configured" in err


def test_missing_path_and_invalid_toml_exit_2(tmp_path: Path) -> None:
    code, _out, err = run(tmp_path / "nope.toml", clean_env(tmp_path / "h"))
    assert code == 2 and "no such file" in err
    path = write(tmp_path, '[[tool.uv.index]]\nname = "a"\nurl = "https://x.example/simple\n')
    code, _out, err = run(path, clean_env(tmp_path / "h"))
    assert code == 2 and err.startswith("error: ") and "pyproject.toml:3:" in err


def test_unknown_index_name_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, pyproject("https://x.example/simple/"))
    out, err = io.StringIO(), io.StringIO()
    code = doctor.run(doctor.Options(str(path), index="other"), clean_env(tmp_path / "h"), out,
                      err)
    assert code == 2 and "no index named `other`" in err.getvalue()


def test_directory_reads_project_and_user_config(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    write(project, pyproject("https://x.example/simple/"))
    env = clean_env(tmp_path / "h")
    user = Path(env["XDG_CONFIG_HOME"]) / "uv"
    user.mkdir(parents=True)
    write(user, '[[index]]\nname = "mirror"\nurl = "https://mirror.example/simple"\n'
          'keyring-provider = "subprocess"\n', "uv.toml")
    code, out, _err = run(project / "src", env, "--json", "--no-probe")
    assert code == 0
    assert [e["name"] for e in entries(out)] == [INDEX, "mirror"]
    # An explicit file lists its own indexes only (user settings still apply).
    code, out, _err = run(project / "pyproject.toml", env, "--json", "--no-probe")
    assert [e["name"] for e in entries(out)] == [INDEX]


# --- warnings (no network: --no-probe) ---------------------------------------------------


def warnings_of(tmp_path: Path, url: str, env: dict[str, str] | None = None,
                extra: str = "") -> list[str]:
    path = write(tmp_path, pyproject(url, extra=extra))
    code, out, _err = run(path, {**clean_env(tmp_path / "h"), **(env or {})}, "--json",
                          "--no-probe")
    (entry,) = entries(out)
    assert entry["probe"] is None
    result: list[str] = entry["warnings"]
    # Without probing, doctor fails only where uv is certain to.
    assert code == (1 if any("uv will fail with" in w for w in result) else 0)
    return result


def test_warning_gitlab_authenticate_auto(tmp_path: Path) -> None:
    found = warnings_of(tmp_path, f"{GITLAB}/simple")
    assert any(w.startswith('`authenticate = "auto"` on a GitLab registry') for w in found)
    assert not any("GitLab registry" in w for w in warnings_of(
        tmp_path, f"{GITLAB}/simple", extra='authenticate = "always"\n'))


def test_warning_plain_http(tmp_path: Path) -> None:
    token = make_token()
    found = warnings_of(tmp_path, f"http://__token__:{token}@pkgs.example.com/simple/")
    # `check` says it (UIG209, among the index's findings), so the warnings do not again.
    assert not any("over plain http://" in w for w in found)
    path = tmp_path / "pyproject.toml"
    _code, out, _err = run(path, clean_env(tmp_path / "h"), "--json", "--no-probe")
    assert "UIG209" in [f["code"] for f in entries(out)[0]["findings"]]
    # Credentials from the environment are not the file's: doctor says it itself.
    found = warnings_of(tmp_path, "http://pkgs.example.com/simple/", {
        "UV_INDEX_PRIVATE_USERNAME": "__token__", "UV_INDEX_PRIVATE_PASSWORD": token})
    assert any("over plain http://" in w for w in found)
    assert not any("plain http" in w for w in warnings_of(
        tmp_path, f"http://__token__:{token}@127.0.0.1:9/simple/"))


def test_warning_username_without_password(tmp_path: Path) -> None:
    found = warnings_of(tmp_path, "https://__token__@pkgs.example.com/simple/")
    assert any(w.startswith("the username `__token__` (from the URL) has no password") for w in
               found)


def test_warning_env_username_hides_url_password(tmp_path: Path) -> None:
    found = warnings_of(tmp_path, "https://__token__:" + "pw" + "x" * 10 + "@pkgs.example.com/s/",
                        {"UV_INDEX_PRIVATE_USERNAME": "__token__"})
    assert any("uv ignores the URL's userinfo, password included" in w for w in found)


def test_warning_keyring_provider_off(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.entries[("https://pkgs.example.com/simple/", "__token__")] = make_token()
    found = warnings_of(tmp_path, "https://__token__@pkgs.example.com/simple/")
    assert any("keyring holds a password for `__token__`" in w for w in found)
    path = tmp_path / "pyproject.toml"
    code, out, _err = run(path, {**clean_env(tmp_path / "h"),
                                 "UV_KEYRING_PROVIDER": "subprocess"}, "--json", "--no-probe")
    assert code == 0
    (entry,) = entries(out)
    assert entry["credentials"] == {"source": "keyring", "username": "__token__"}
    assert not any("keyring" in w for w in entry["warnings"])


def test_warning_publish_url_with_ci_job_token(tmp_path: Path) -> None:
    extra = f'publish-url = "{GITLAB}"\nauthenticate = "always"\n'
    found = warnings_of(tmp_path, f"{GITLAB}/simple", {"CI_JOB_TOKEN": make_token()}, extra)
    assert any("--username gitlab-ci-token" in w for w in found)
    assert not any("publish" in w for w in warnings_of(
        tmp_path, f"{GITLAB}/simple", {"CI_JOB_TOKEN": make_token(),
                                      "UV_PUBLISH_USERNAME": "gitlab-ci-token"}, extra))
    assert not any("publish" in w for w in warnings_of(tmp_path, f"{GITLAB}/simple",
                                                       extra=extra))


def test_unnamed_and_local_indexes(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.uv]\nindex-url = "https://pkgs.example.com/simple"\n'
                 '[[tool.uv.index]]\nname = "wheels"\nurl = "./wheels"\nformat = "flat"\n')
    code, out, _err = run(path, clean_env(tmp_path / "h"), "--json", "--no-probe")
    assert code == 0
    local, legacy = entries(out)
    assert local["probe"] is None and "nothing to probe" in local["warnings"][0]
    assert legacy["name"] is None and legacy["env"] == {"username": None, "password": None}
    assert legacy["credentials"] == {"source": "none", "username": None}


# --- the probe ---------------------------------------------------------------------------


@contextmanager
def http_server(answer: Any) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """A local HTTP server; ``answer(path, port)`` returns (status, headers); requests are
    recorded as header dicts."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            status, headers = answer(self.path, self.server.server_address[1])
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def resolution_with(password: str) -> Resolution:
    return Resolution(Source.ENV, "__token__", "`UV_INDEX_PRIVATE_PASSWORD`", password=password)


def test_credentials_never_follow_a_redirect_to_another_port() -> None:
    token = make_token()
    with http_server(lambda path, port: (200, {})) as (other, seen_other), \
         http_server(lambda path, port: (302, {
             "Location": f"http://127.0.0.1:{other}/files/"})) as (origin, seen_origin):
        result = probe(f"http://127.0.0.1:{origin}/simple/pkg/", resolution_with(token))
    assert result.status == 200 and result.ok
    assert "authorization" in seen_origin[0]
    assert "authorization" not in seen_other[0]
    assert result.sent_credentials is False
    facts = IndexFacts(INDEX, f"http://127.0.0.1:{origin}/simple/", "pkg", None)
    assert "did not send the credentials there" in (hint(result, resolution_with(token), facts)
                                                    or "")


def test_same_origin_redirect_keeps_credentials() -> None:
    token = make_token()

    def answer(path: str, port: int) -> tuple[int, dict[str, str]]:
        return (301, {"Location": "/simple/pkg/"}) if path == "/simple/pkg" else (200, {})

    with http_server(answer) as (port, seen):
        result = probe(f"http://127.0.0.1:{port}/simple/pkg", resolution_with(token))
    assert result.status == 200 and result.sent_credentials
    assert all("authorization" in s for s in seen) and len(seen) == 2


def test_redirect_loop_is_a_probe_result() -> None:
    with http_server(lambda path, port: (302, {"Location": path})) as (port, _seen):
        result = probe(f"http://127.0.0.1:{port}/simple/", resolution_with(make_token()))
    assert result.status is None and result.error_kind == "redirects"


def test_anonymous_first_then_credentials_as_uv() -> None:
    token = make_token()

    def answer(path: str, port: int) -> tuple[int, dict[str, str]]:
        return 200, {}

    lazy = Resolution(Source.NETRC, "u", "netrc", password=token, eager=False)
    with http_server(lambda p, port: (401, {})) as (port, seen):
        result = probe(f"http://127.0.0.1:{port}/simple/", lazy)
    assert [("authorization" in s) for s in seen] == [False, True]
    assert result.anonymous_first and result.status == 401
    with http_server(answer) as (port, seen):
        result = probe(f"http://127.0.0.1:{port}/simple/", lazy)
    assert [("authorization" in s) for s in seen] == [False]  # public: no credentials sent


def test_missing_credentials_sends_nothing() -> None:
    with http_server(lambda p, port: (200, {})) as (port, seen):
        result = probe(f"http://127.0.0.1:{port}/simple/",
                       Resolution(Source.NONE, None, "nowhere", missing=True))
    assert seen == [] and result.error_kind == "missing-credentials"


# --- hints -------------------------------------------------------------------------------


def _hint(status: int, resolution: Resolution, url: str = f"{GITLAB}/simple",
          forwarded: str | None = None) -> str:
    facts = IndexFacts("gitlab", url, "sandbox", ("UV_INDEX_GITLAB_USERNAME",
                                                  "UV_INDEX_GITLAB_PASSWORD"))
    text = hint(ProbeResult(f"{url}/sandbox/", status, 5, forwarded_to=forwarded),
                resolution, facts)
    assert text is not None
    return text


JOB = "glcbt-" + "64_" + "aB3dE5gH7jK9mN1pQ2rS"
DEPLOY = "gldt-" + "aB3dE5gH7jK9mN1pQ2rS"


@pytest.mark.parametrize(("status", "resolution", "expected"), [
    (401, Resolution(Source.ENV, "__token__", "`UV_INDEX_GITLAB_PASSWORD`", password=JOB),
     "a CI job token needs the username `gitlab-ci-token`"),
    (401, Resolution(Source.URL, "__token__", "the URL", password=DEPLOY),
     "a deploy token needs its own username"),
    (401, Resolution(Source.NONE, None, "nowhere"), "set `UV_INDEX_GITLAB_PASSWORD`"),
    (403, Resolution(Source.URL, "__token__", "the URL", password=DEPLOY),
     "lacks a scope: `read_api`"),
    (404, Resolution(Source.URL, "__token__", "the URL", password=DEPLOY),
     "not visible to this token"),
    (404, Resolution(Source.NONE, None, "nowhere"), "GitLab hides private projects"),
], ids=["job-token", "deploy-token", "missing", "scope", "not-visible", "anonymous-404"])
def test_gitlab_hints(status: int, resolution: Resolution, expected: str) -> None:
    text = _hint(status, resolution)
    assert expected in text
    for secret in (JOB, DEPLOY):
        assert secret not in text


def test_gitlab_url_shape_and_forward_hints() -> None:
    resolution = Resolution(Source.URL, "__token__", "the URL", password=DEPLOY)
    assert "ends in `/packages/pypi/simple`" in _hint(404, resolution, url=GITLAB)
    text = _hint(302, resolution, forwarded="https://pypi.org/simple/sandbox/")
    assert "forwarded `sandbox` to pypi.org" in text and "Package forwarding" in text


def test_indexes_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, pyproject("https://x.example/simple/"))
    token = make_token()
    env = {**clean_env(tmp_path / "h"),
           "UV_INDEX": f"extra=https://__token__:{token}@e.example/simple https://f.example/s",
           "UV_DEFAULT_INDEX": "https://mirror.example/simple"}
    code, out, err = run(path, env, "--json", "--no-probe")
    assert code == 0, err
    found = entries(out)
    assert [(e["name"], e["url"]) for e in found] == [
        ("extra", "https://__token__:****@e.example/simple"), (None, "https://f.example/s"),
        (None, "https://mirror.example/simple"), (INDEX, "https://x.example/simple/")]
    assert found[0]["credentials"] == {"source": "url", "username": "__token__"}
    assert token not in out
    code, out, _err = run(path, env, "--no-probe")
    assert "index `extra` ($UV_INDEX)" in out and "unnamed index ($UV_DEFAULT_INDEX)" in out


def test_a_token_written_as_a_username_is_never_tried_nor_printed(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    """`username = "<a token>"` (uv ignores it): doctor's keyring search leaves it out, so
    no `keyring set URL <token>` command is printed, even with an entry for it."""
    token = make_token()
    memory_keyring.entries[("https://pkgs.example.com/simple/", token)] = make_token()
    path = write(tmp_path, pyproject("https://pkgs.example.com/simple/",
                                     extra=f'username = "{token}"\n'))
    code, out, err = run(path, clean_env(tmp_path / "h"), "--no-probe")
    assert token not in out and token not in err
    assert "keyring holds a password" not in out
    assert code == 0
