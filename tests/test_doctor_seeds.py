"""The three uv issues this project was born from, set up as their reporters had them, with
real parts only: pypiserver with htpasswd on 127.0.0.1, keyrings.alt's file backend in a temp
HOME, the real `keyring` CLI, real uv (`uv lock`) confirming what `doctor` claims.

* uv#15344: `username = "oauth2"` in the index (ignored by uv) and the token stored with
  `keyring set gitlab oauth2`, `authenticate = "always"`: uv fails with "Missing
  credentials"; doctor names the ignored key, the keyring entry under the wrong service, and
  the commands that work, and after running them uv resolves.
* uv#16402: a `keyring` in the project's virtualenv (a dependency) shadows the one with the
  backend that holds the token: doctor says which one uv runs and what it lacks, and uv fails
  with the virtualenv active and resolves without it.
* a `uv auth login` entry whose username does not fit its token's kind.

No output holds the token in full.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from credentials_support import (
    PACKAGE,
    TOKEN_USER,
    IndexServer,
    Result,
    clean_env,
    cli,
    pypiserver,
    uv,
)

from uv_index_guard.tokens import kind_of

KEYRING_BACKEND = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    with pypiserver(tmp_path_factory.mktemp("pypiserver"), users=(TOKEN_USER, "oauth2")) as s:
        yield s


def project(directory: Path, index: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(
        "[project]\n"
        'name = "consumer"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        f'dependencies = ["{PACKAGE}"]\n\n'
        "[[tool.uv.index]]\n"
        f"{index}"
        "explicit = true\n\n"
        "[tool.uv.sources]\n"
        f'{PACKAGE} = {{ index = "gitlab" }}\n')
    return directory


def keyring_set(service: str, user: str, secret: str, env: dict[str, str]) -> None:
    done = subprocess.run(["keyring", "set", service, user], input=secret + "\n", text=True,
                          env=env, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def lock(directory: Path, env: dict[str, str]) -> Result:
    (directory / "uv.lock").unlink(missing_ok=True)
    return uv(["lock", "--no-cache"], env, directory)


def masked(result: Result, token: str) -> Result:
    assert token not in result.out and token not in result.err, result.both
    assert "Traceback" not in result.err, result.err
    return result


def test_15344_keyring_entry_under_the_index_name(server: IndexServer, tmp_path: Path) -> None:
    directory = project(tmp_path / "project", (
        'name = "gitlab"\n'
        f'url = "{server.simple}"\n'
        'username = "oauth2"\n'
        'authenticate = "always"\n'))
    env = clean_env(tmp_path / "home", PYTHON_KEYRING_BACKEND=KEYRING_BACKEND,
                    UV_KEYRING_PROVIDER="subprocess")
    keyring_set("gitlab", "oauth2", server.token, env)

    failed = lock(directory, env)
    assert failed.code != 0
    page = f"{server.simple}{PACKAGE}/"
    assert f"Missing credentials for: {page}" in failed.err, failed.err

    text = masked(cli(["doctor", "--no-probe", str(directory)], env, directory), server.token)
    assert text.code == 1, text.both  # uv will fail: not a clean bill of health
    out = text.out
    assert "check UIG202" in out  # the ignored `username` key, as `check` says it
    assert f"uv will fail with `Missing credentials for: {page}`" in out
    assert "keyring holds a password under service `gitlab` for `oauth2`" in out
    assert "uv asks only `keyring get " in out and "--mode creds` (no username)" in out
    commands = re.findall(r"`keyring set (\S+) (\S+)`", out)
    exports = re.findall(r"`export (UV_INDEX_\w+)=(\S+)`", out)
    assert commands == [(server.simple, "oauth2")], out
    assert exports == [("UV_INDEX_GITLAB_USERNAME", "oauth2")], out

    # What doctor prints works: uv resolves.
    service, user = commands[0]
    keyring_set(service, user, server.token, env)
    env.update(dict(exports))
    locked = lock(directory, env)
    assert locked.code == 0, locked.err
    probed = masked(cli(["doctor", "--format", "json", str(directory)], env, directory),
                    server.token)
    assert probed.code == 0, probed.both
    entry = json.loads(probed.out)["indexes"][0]
    assert entry["credentials"] == {"source": "keyring", "username": "oauth2"}
    assert entry["probe"]["status"] == 200
    assert [f["code"] for f in entry["findings"]] == ["UIG202"]


def test_16402_a_keyring_in_the_project_venv_shadows_the_one_with_the_backend(
        server: IndexServer, tmp_path: Path) -> None:
    directory = project(tmp_path / "project", (
        'name = "gitlab"\n'
        f'url = "http://{TOKEN_USER}@127.0.0.1:{server.port}/simple/"\n'))
    env = clean_env(tmp_path / "home", PYTHON_KEYRING_BACKEND=KEYRING_BACKEND,
                    UV_KEYRING_PROVIDER="subprocess")
    keyring_set(server.simple, TOKEN_USER, server.token, env)
    # The project's virtualenv gets keyring as a dependency would bring it: without
    # keyrings.alt, the backend that holds the token.
    venv = directory / ".venv"
    made = subprocess.run([sys.executable, "-m", "uv", "venv", "--python", sys.executable,
                           str(venv)], capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    installed = subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--python", str(venv / "bin" / "python"),
         "keyring"], capture_output=True, text=True, timeout=600, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")})
    assert installed.returncode == 0, installed.stderr

    assert lock(directory, env).code == 0  # the shell's keyring finds the token
    active = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
              "VIRTUAL_ENV": str(venv)}
    shadowed = lock(directory, active)
    assert shadowed.code != 0, "uv found the token through the virtualenv's keyring"

    text = masked(cli(["doctor", "--no-probe", str(directory)], env, directory), server.token)
    out = text.out
    uv_line = next(line for line in out.splitlines() if line.strip().startswith("uv runs:"))
    assert str(venv / "bin" / "keyring") in uv_line
    assert "no usable backend" in uv_line
    assert re.search(r"shell PATH: +\S+/keyring \(keyring \d", out), out
    assert "the project's virtualenv has its own `keyring`" in out
    assert f"lacks the backends {KEYRING_BACKEND}" in out
    data = json.loads(masked(cli(["doctor", "--no-probe", "--format", "json", str(directory)],
                                 env, directory), server.token).out)
    assert data["keyring"]["uv"]["path"] == str(venv / "bin" / "keyring")
    assert KEYRING_BACKEND in data["keyring"]["shell"]["usable"]


def job_token() -> str:
    """A CI job token, new each run (drawn again in the rare case it reads as a placeholder,
    such as one holding `xxx`)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        token = "gl" + "cbt-" + "64_" + "".join(secrets.choice(alphabet) for _ in range(20))
        kind = kind_of(token)
        if kind is not None and kind.rule == "gitlab-cicd-job-token":
            return token


def test_uv_auth_login_entry_with_the_wrong_username_for_its_token(
        server: IndexServer, tmp_path: Path) -> None:
    directory = project(tmp_path / "project", (
        'name = "gitlab"\n'
        'url = "https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"\n'))
    env = clean_env(tmp_path / "home")
    token = job_token()
    service = "https://gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
    login = uv(["auth", "login", service, "--username", TOKEN_USER, "--password", token],
               env, directory)
    assert login.code == 0, login.err
    text = masked(cli(["doctor", "--no-probe", str(directory)], env, directory), token)
    # uv stores the service as it normalises it (here without `/simple`); doctor names it so.
    stored = re.search(r"`uv auth login` stored a token for `(\S+)` with the username "
                       rf"`{TOKEN_USER}`: a CI job token needs the username `gitlab-ci-token`; "
                       r"run `uv auth logout (\S+)`", text.out)
    assert stored is not None, text.out
    assert service.startswith(stored[1]) and stored[1] == stored[2]
