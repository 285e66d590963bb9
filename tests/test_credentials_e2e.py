"""End to end, all on 127.0.0.1: pypiserver with an htpasswd file stands in for a private
GitLab registry, real uv resolves against it, and `doctor` / `fix` are run as the CLI.

* the token in the URL (baseline); after `fix --to keyring` (keyrings.alt's file backend, the
  `keyring` command on PATH, `UV_KEYRING_PROVIDER=subprocess`); after `fix --to env` with the
  written `.env` loaded by `uv run --env-file`; through netrc and `uv auth login`;
* each time `doctor --format json` names the source and gets status 200; with a wrong
  password, 401 and a hint;
* no output of `doctor` or `fix` ever contains the token.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from credentials_support import (
    INDEX,
    PACKAGE,
    TOKEN_USER,
    IndexServer,
    Result,
    clean_env,
    cli,
    pypiserver,
    pyproject,
    uv,
)

KEYRING_BACKEND = "keyrings.alt.file.PlaintextKeyring"
USER_VAR, PASS_VAR = "UV_INDEX_PRIVATE_USERNAME", "UV_INDEX_PRIVATE_PASSWORD"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    with pypiserver(tmp_path_factory.mktemp("pypiserver")) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path, server: IndexServer) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "pyproject.toml").write_text(pyproject(server.url_with_token()))
    return directory


def no_token(result: Result, token: str) -> Result:
    assert token not in result.out, result.out
    assert token not in result.err, result.err
    assert "Traceback" not in result.err, result.err
    return result


def doctor(project: Path, env: dict[str, str], token: str, *extra: str,
           ) -> tuple[Result, dict[str, Any]]:
    result = no_token(cli(["doctor", "--format", "json", *extra, str(project)], env, project),
                      token)
    data = json.loads(result.out)
    assert set(data) <= {"indexes", "keyring"}
    for entry in data["indexes"]:
        assert set(entry) == {"name", "url", "env", "credentials", "probe", "warnings",
                              "findings"}
        assert set(entry["env"]) == {"username", "password"}
        assert set(entry["credentials"]) == {"source", "username"}
        if entry["probe"] is not None:
            assert set(entry["probe"]) == {"status", "ok", "hint"}
    return result, data


def only(data: dict[str, Any]) -> dict[str, Any]:
    assert len(data["indexes"]) == 1, data
    entry: dict[str, Any] = data["indexes"][0]
    return entry


def locks(project: Path, env: dict[str, str], *prefix: str) -> Result:
    """`uv lock` (fresh: no cache), optionally through ``prefix`` (e.g. `uv run --env-file`)."""
    (project / "uv.lock").unlink(missing_ok=True)
    if prefix:
        proc = subprocess.run([*prefix, "uv", "lock", "--no-cache"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        return Result(proc.returncode, proc.stdout, proc.stderr)
    return uv(["lock", "--no-cache"], env, project)


def assert_locked(result: Result, project: Path) -> None:
    assert result.code == 0, result.err
    assert f'name = "{PACKAGE}"' in (project / "uv.lock").read_text()


def test_token_in_url_baseline(project: Path, server: IndexServer, tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    assert_locked(locks(project, env), project)
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 0
    assert entry["name"] == INDEX
    assert entry["url"] == f"http://{TOKEN_USER}:****@127.0.0.1:{server.port}/simple/"
    assert entry["env"] == {"username": USER_VAR, "password": PASS_VAR}
    assert entry["credentials"] == {"source": "url", "username": TOKEN_USER}
    assert entry["probe"] == {"status": 200, "ok": True, "hint": None}
    text = no_token(cli(["doctor", str(project)], env, project), server.token)
    assert text.code == 0
    assert "200" in text.out and "all 1 probes succeeded" in text.out


def test_fix_to_keyring_then_uv_uses_keyring(project: Path, server: IndexServer,
                                            tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home", PYTHON_KEYRING_BACKEND=KEYRING_BACKEND)
    before = (project / "pyproject.toml").read_text()
    fixed = no_token(cli(["fix", "--to", "keyring", str(project / "pyproject.toml")], env,
                         project), server.token)
    assert fixed.code == 0, fixed.err
    assert f"service `{server.simple}`" in fixed.out
    assert "UV_KEYRING_PROVIDER=subprocess" in fixed.out  # provider still off: says so
    after = (project / "pyproject.toml").read_text()
    assert server.token not in after
    assert after == before.replace(
        server.url_with_token(), f"http://{TOKEN_USER}@127.0.0.1:{server.port}/simple/"
    ).replace("# keep the trailing slash\n",
              '# keep the trailing slash\nauthenticate = "always"\n')
    # The token is in keyring, where the `keyring` command (what uv runs) finds it.
    got = subprocess.run(["keyring", "get", server.simple, TOKEN_USER], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert got.stdout.strip() == server.token

    # Keyring provider off: uv sends the username alone and gets 401; doctor says why.
    assert locks(project, env).code != 0
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 1
    assert entry["credentials"] == {"source": "none", "username": TOKEN_USER}
    assert entry["probe"]["status"] == 401
    assert any("keyring provider is off" in w for w in entry["warnings"])

    env["UV_KEYRING_PROVIDER"] = "subprocess"
    assert_locked(locks(project, env), project)
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 0
    assert entry["credentials"] == {"source": "keyring", "username": TOKEN_USER}
    assert entry["probe"] == {"status": 200, "ok": True, "hint": None}


def test_fix_to_keyring_enables_the_provider_in_the_file(project: Path, server: IndexServer,
                                                         tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home", PYTHON_KEYRING_BACKEND=KEYRING_BACKEND)
    fixed = no_token(cli(["fix", "--to", "keyring", "--enable-keyring-provider",
                          str(project / "pyproject.toml")], env, project), server.token)
    assert fixed.code == 0, fixed.err
    text = (project / "pyproject.toml").read_text()
    assert text.endswith('\n[tool.uv]\nkeyring-provider = "subprocess"\n')
    assert_locked(locks(project, env), project)  # no UV_KEYRING_PROVIDER: the file says it
    _result, data = doctor(project, env, server.token)
    assert only(data)["credentials"]["source"] == "keyring"
    assert only(data)["probe"]["status"] == 200


def test_fix_to_env_then_uv_reads_the_env_file(project: Path, server: IndexServer,
                                              tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home")
    subprocess.run(["git", "init", "-q", str(project)], check=True, env=env)
    before = (project / "pyproject.toml").read_text()
    fixed = no_token(cli(["fix", "--to", "env", str(project / "pyproject.toml")], env,
                         project), server.token)
    assert fixed.code == 0, fixed.err
    assert USER_VAR in fixed.out and PASS_VAR in fixed.out
    env_file = project / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert env_file.read_text() == f"{USER_VAR}={TOKEN_USER}\n{PASS_VAR}={server.token}\n"
    after = (project / "pyproject.toml").read_text()
    assert after == before.replace(server.url_with_token(), server.simple)
    # Kept out of git.
    assert (project / ".gitignore").read_text() == "/.env\n"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=project, env=env,
                             check=False)
    assert ignored.returncode == 0

    # Without the variables, uv gets 401; with the file loaded by uv itself, it resolves.
    assert locks(project, env).code != 0
    run_with_env = ["uv", "run", "--no-project", "--env-file", str(env_file), "--"]
    assert_locked(locks(project, env, *run_with_env), project)
    result = no_token(Result(*_run([*run_with_env, "uv-index-guard", "doctor", "--format",
                                    "json", str(project)], env, project)), server.token)
    entry = only(json.loads(result.out))
    assert result.code == 0
    assert entry["credentials"] == {"source": "env", "username": TOKEN_USER}
    assert entry["probe"] == {"status": 200, "ok": True, "hint": None}


def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_wrong_password_gives_401_and_a_hint(project: Path, server: IndexServer,
                                             tmp_path: Path) -> None:
    env = clean_env(tmp_path / "home", **{USER_VAR: TOKEN_USER,
                                          PASS_VAR: server.token[:-4] + "wxyz"})
    assert locks(project, env).code != 0  # uv: the variables win over the URL
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 1
    assert entry["credentials"] == {"source": "env", "username": TOKEN_USER}
    assert entry["probe"]["status"] == 401
    assert entry["probe"]["ok"] is False
    hint = entry["probe"]["hint"]
    assert "credentials wrong" in hint and f"`{PASS_VAR}`" in hint
    assert "expired or been revoked" in hint  # a personal access token: any username works
    assert server.token[:-4] not in result.out


def test_missing_credentials_gives_401_and_says_where_to_put_them(
        tmp_path: Path, server: IndexServer) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject(server.simple))
    env = clean_env(tmp_path / "home")
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 1
    assert entry["credentials"] == {"source": "none", "username": None}
    assert entry["probe"]["status"] == 401
    assert "credentials missing" in entry["probe"]["hint"]
    assert PASS_VAR in entry["probe"]["hint"]


def test_netrc_is_found_and_used(tmp_path: Path, server: IndexServer) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject(server.simple))
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\nlogin {TOKEN_USER}\npassword {server.token}\n")
    env = clean_env(tmp_path / "home", NETRC=str(netrc))
    assert_locked(locks(project, env), project)
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 0
    assert entry["credentials"] == {"source": "netrc", "username": TOKEN_USER}
    assert entry["probe"] == {"status": 200, "ok": True, "hint": None}


def test_uv_auth_login_store_is_found_and_used(tmp_path: Path, server: IndexServer) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject(server.simple))
    env = clean_env(tmp_path / "home", UV_CREDENTIALS_DIR=str(tmp_path / "creds"))
    login = uv(["auth", "login", server.simple, "--username", TOKEN_USER, "--password",
                server.token], env, project)
    assert login.code == 0, login.err
    assert (tmp_path / "creds" / "credentials.toml").is_file()
    assert_locked(locks(project, env), project)
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 0
    assert entry["credentials"] == {"source": "uv-credentials", "username": TOKEN_USER}
    assert entry["probe"] == {"status": 200, "ok": True, "hint": None}


def test_package_missing_from_the_index_is_forwarded_to_pypi(tmp_path: Path,
                                                             server: IndexServer) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject(server.url_with_token(),
                                                      package="not-in-the-registry"))
    env = clean_env(tmp_path / "home")
    result, data = doctor(project, env, server.token)
    entry = only(data)
    assert result.code == 1
    assert entry["probe"]["status"] in (302, 303)
    assert entry["probe"]["ok"] is False
    assert "pypi.org" in entry["probe"]["hint"]
    assert "`not-in-the-registry`" in entry["probe"]["hint"]
