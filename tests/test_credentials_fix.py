"""`fix --to keyring|env`: byte-exact rewrites of every TOML shape, the token stored and read
back before the file changes, and every failure leaving the file untouched (exit 2)."""

from __future__ import annotations

import io
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from credentials_support import MemoryKeyring, failing_keyring, make_token

from uv_index_guard.credentials import fix

HOST = "gitlab.example.com"
SIMPLE = f"https://{HOST}/api/v4/projects/42/packages/pypi/simple"
TOKEN = make_token()
WITH_TOKEN = SIMPLE.replace("https://", f"https://__token__:{TOKEN}@")
WITH_USER = SIMPLE.replace("https://", "https://__token__@")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    with MemoryKeyring() as k:
        yield k


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_fix(path: Path, to: str, *, index: str | None = None, env_file: Path | None = None,
            provider: bool = False, force: bool = False, environ: dict[str, str] | None = None,
            secret: str = TOKEN) -> Run:
    out, err = io.StringIO(), io.StringIO()
    options = fix.Options(str(path), to, index, str(env_file) if env_file else None, provider,
                          force)
    env = environ if environ is not None else {"HOME": str(path.parent), "PATH": ""}
    code = fix.run(options, env, out, err)
    result = Run(code, out.getvalue(), err.getvalue())
    assert secret not in result.out and secret not in result.err
    return result


def write(tmp_path: Path, text: str, name: str = "pyproject.toml", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


# --- byte-exact rewrites -----------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    before: str
    keyring: str  # after `--to keyring`
    env: str  # after `--to env`
    name: str = "pyproject.toml"


SHAPES = {
    "array of tables with comments": Shape(
        f'# top\n[project]\nname = "a"\n\n[[tool.uv.index]]\nname = "gitlab"  # n\n'
        f'url = "{WITH_TOKEN}"   # token!\nexplicit = true\n\n[tool.other]\nx = 1\n',
        f'# top\n[project]\nname = "a"\n\n[[tool.uv.index]]\nname = "gitlab"  # n\n'
        f'url = "{WITH_USER}"   # token!\nauthenticate = "always"\nexplicit = true\n\n'
        f"[tool.other]\nx = 1\n",
        f'# top\n[project]\nname = "a"\n\n[[tool.uv.index]]\nname = "gitlab"  # n\n'
        f'url = "{SIMPLE}"   # token!\nexplicit = true\n\n[tool.other]\nx = 1\n'),
    "indented, existing authenticate": Shape(
        f'[[tool.uv.index]]\n  name = "gitlab"\n  authenticate = "auto"\n'
        f'  url = "{WITH_TOKEN}"\n',
        f'[[tool.uv.index]]\n  name = "gitlab"\n  authenticate = "always"\n'
        f'  url = "{WITH_USER}"\n',
        f'[[tool.uv.index]]\n  name = "gitlab"\n  authenticate = "auto"\n  url = "{SIMPLE}"\n'),
    "inline tables, literal string": Shape(
        f"[tool.uv]\nindex = [\n  {{ name = \"other\", url = \"https://o.example/simple\" }},\n"
        f"  {{ name = \"gitlab\", url = '{WITH_TOKEN}' }},\n]\n",
        f"[tool.uv]\nindex = [\n  {{ name = \"other\", url = \"https://o.example/simple\" }},\n"
        f"  {{ name = \"gitlab\", url = '{WITH_USER}', authenticate = \"always\" }},\n]\n",
        f"[tool.uv]\nindex = [\n  {{ name = \"other\", url = \"https://o.example/simple\" }},\n"
        f"  {{ name = \"gitlab\", url = '{SIMPLE}' }},\n]\n"),
    "uv.toml": Shape(
        f'[[index]]\nname = "gitlab"\nurl = "{WITH_TOKEN}"\n',
        f'[[index]]\nname = "gitlab"\nurl = "{WITH_USER}"\nauthenticate = "always"\n',
        f'[[index]]\nname = "gitlab"\nurl = "{SIMPLE}"\n', name="uv.toml"),
    "no trailing newline": Shape(
        f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{WITH_TOKEN}"',
        f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{WITH_USER}"\nauthenticate = "always"',
        f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{SIMPLE}"'),
}


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("to", ["keyring", "env"])
@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_rewrite_is_byte_exact(tmp_path: Path, shape: Shape, to: str, newline: str,
                               memory_keyring: MemoryKeyring) -> None:
    path = write(tmp_path, shape.before, shape.name, newline)
    result = run_fix(path, to)
    assert result.code == 0, result.err
    expected = shape.keyring if to == "keyring" else shape.env
    assert path.read_bytes() == expected.replace("\n", newline).encode()
    if to == "keyring":
        assert memory_keyring.entries == {(SIMPLE, "__token__"): TOKEN}
    else:
        assert (tmp_path / ".env").read_text() == (
            f"UV_INDEX_GITLAB_USERNAME=__token__\nUV_INDEX_GITLAB_PASSWORD={TOKEN}\n")


def test_byte_order_mark_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"\xef\xbb\xbf" + f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n'
                     .encode())
    assert run_fix(path, "env").code == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + f'[[tool.uv.index]]\nname = "g"\nurl = ' \
                                                  f'"{SIMPLE}"\n'.encode()


@pytest.mark.parametrize(("before", "after"), [
    (f'[project]\nname = "a"\n\n[tool.uv]\nnative-tls = true\n\n[[tool.uv.index]]\n'
     f'name = "gitlab"\nurl = "{WITH_TOKEN}"\n',
     f'[project]\nname = "a"\n\n[tool.uv]\nkeyring-provider = "subprocess"\nnative-tls = true\n'
     f'\n[[tool.uv.index]]\nname = "gitlab"\nurl = "{WITH_USER}"\nauthenticate = "always"\n'),
    (f'[tool.uv]\nkeyring-provider = "disabled"\n[[tool.uv.index]]\nname = "gitlab"\n'
     f'url = "{WITH_TOKEN}"\n',
     f'[tool.uv]\nkeyring-provider = "subprocess"\n[[tool.uv.index]]\nname = "gitlab"\n'
     f'url = "{WITH_USER}"\nauthenticate = "always"\n'),
    (f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{WITH_TOKEN}"\n',
     f'[[tool.uv.index]]\nname = "gitlab"\nurl = "{WITH_USER}"\nauthenticate = "always"\n'
     f'\n[tool.uv]\nkeyring-provider = "subprocess"\n'),
    (f'[tool]\nuv.index = [{{ name = "gitlab", url = "{WITH_TOKEN}" }}]\n',
     f'[tool]\nuv.keyring-provider = "subprocess"\nuv.index = [{{ name = "gitlab", '
     f'url = "{WITH_USER}", authenticate = "always" }}]\n'),
], ids=["tool.uv header", "replaces disabled", "no tool.uv header", "dotted keys"])
def test_enable_keyring_provider(tmp_path: Path, before: str, after: str) -> None:
    path = write(tmp_path, before)
    result = run_fix(path, "keyring", provider=True)
    assert result.code == 0, result.err
    assert path.read_text() == after
    assert "keyring provider" not in result.out  # nothing left to turn on


def test_enable_keyring_provider_in_uv_toml(tmp_path: Path) -> None:
    path = write(tmp_path, f'# mirror\nnative-tls = true\n\n[[index]]\nname = "gitlab"\n'
                 f'url = "{WITH_TOKEN}"\n', "uv.toml")
    assert run_fix(path, "keyring", provider=True).code == 0
    assert path.read_text() == (f'# mirror\nnative-tls = true\n\nkeyring-provider = '
                                f'"subprocess"\n\n[[index]]\nname = "gitlab"\n'
                                f'url = "{WITH_USER}"\nauthenticate = "always"\n')


def test_only_the_named_index(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    other = WITH_TOKEN.replace("/42/", "/43/")
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "a"\nurl = "{WITH_TOKEN}"\n'
                 f'[[tool.uv.index]]\nname = "b"\nurl = "{other}"\n')
    assert run_fix(path, "keyring", index="b").code == 0
    assert path.read_text() == (f'[[tool.uv.index]]\nname = "a"\nurl = "{WITH_TOKEN}"\n'
                                f'[[tool.uv.index]]\nname = "b"\nurl = '
                                f'"{other.replace(":" + TOKEN, "")}"\nauthenticate = "always"\n')
    assert list(memory_keyring.entries) == [(SIMPLE.replace("/42/", "/43/"), "__token__")]


@pytest.mark.parametrize(("userinfo", "user"), [
    (TOKEN, "__token__"),  # a token as the username
    ("gitlab+deploy-token-7:" + TOKEN, "gitlab+deploy-token-7"),
    ("glcbt-" + "64_" + "aB3dE5gH7jK9mN1pQ2rS", "gitlab-ci-token"),  # a job token, no user
], ids=["token-as-username", "deploy-token-user", "job-token"])
def test_username_kept_or_chosen_for_the_token(tmp_path: Path, memory_keyring: MemoryKeyring,
                                               userinfo: str, user: str) -> None:
    url = SIMPLE.replace("https://", f"https://{userinfo}@")
    secret = userinfo.split(":")[-1]
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{url}"\n')
    assert run_fix(path, "keyring", secret=secret).code == 0
    assert f'url = "{SIMPLE.replace("https://", f"https://{user}@")}"' in path.read_text()
    assert memory_keyring.entries == {(SIMPLE, user): secret}


# --- the new home: keyring ---------------------------------------------------------------


def test_no_keyring_backend_exits_2_and_leaves_the_file(tmp_path: Path) -> None:
    before = f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n'
    path = write(tmp_path, before)
    with failing_keyring():
        result = run_fix(path, "keyring")
    assert result.code == 2
    assert result.err.startswith("error: no usable keyring backend")
    assert "nothing was changed" in result.err
    assert path.read_text() == before


def test_keyring_with_a_different_password_needs_force(tmp_path: Path,
                                                        memory_keyring: MemoryKeyring) -> None:
    before = f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n'
    path = write(tmp_path, before)
    memory_keyring.entries[(SIMPLE, "__token__")] = "older" + "-password"
    result = run_fix(path, "keyring")
    assert result.code == 2 and "--force" in result.err
    assert path.read_text() == before
    assert run_fix(path, "keyring", force=True).code == 0
    assert memory_keyring.entries[(SIMPLE, "__token__")] == TOKEN


def test_keyring_hints(tmp_path: Path) -> None:
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    result = run_fix(path, "keyring", environ={"HOME": str(tmp_path), "PATH": str(tmp_path)})
    assert result.code == 0
    assert "UV_KEYRING_PROVIDER=subprocess" in result.out
    assert "`keyring` command, which is not on PATH" in result.out


# --- the new home: an env file -----------------------------------------------------------


def test_env_file_appended_mode_600(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OTHER=1")  # no trailing newline
    env_file.chmod(0o644)
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "my-index.v2"\nurl = "{WITH_TOKEN}"\n')
    result = run_fix(path, "env")
    assert result.code == 0
    assert env_file.read_text() == ("OTHER=1\nUV_INDEX_MY_INDEX_V2_USERNAME=__token__\n"
                                    f"UV_INDEX_MY_INDEX_V2_PASSWORD={TOKEN}\n")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "`UV_INDEX_MY_INDEX_V2_USERNAME`, `UV_INDEX_MY_INDEX_V2_PASSWORD`" in result.out


def test_env_file_same_value_is_not_repeated(tmp_path: Path) -> None:
    env_file = tmp_path / "secrets.env"
    env_file.write_text(f"UV_INDEX_G_PASSWORD={TOKEN}\n")
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    assert run_fix(path, "env", env_file=env_file).code == 0
    assert env_file.read_text() == f"UV_INDEX_G_PASSWORD={TOKEN}\nUV_INDEX_G_USERNAME=__token__\n"


def test_env_file_different_value_needs_force(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("A=1\nUV_INDEX_G_PASSWORD=older\nB=2\n")
    before = f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n'
    path = write(tmp_path, before)
    result = run_fix(path, "env")
    assert result.code == 2 and "already sets `UV_INDEX_G_PASSWORD`" in result.err
    assert path.read_text() == before
    assert env_file.read_text() == "A=1\nUV_INDEX_G_PASSWORD=older\nB=2\n"
    assert run_fix(path, "env", force=True).code == 0
    assert env_file.read_text() == (f"A=1\nUV_INDEX_G_PASSWORD={TOKEN}\nB=2\n"
                                    "UV_INDEX_G_USERNAME=__token__\n")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("line", [
    '"{t}" # corp', "'{t}'  # corp", "{t} # corp", '"{t}"', "${{TOKEN_FROM_ABOVE}}",
])
def test_env_file_already_holding_the_value_as_dotenv_reads_it(tmp_path: Path,
                                                              line: str) -> None:
    """`.env` syntax as python-dotenv (and uv's reader) has it: quotes, comments after a
    quoted value, `${VAR}` from an earlier line. The same value is no clash."""
    env_file = tmp_path / ".env"
    env_file.write_text(f"TOKEN_FROM_ABOVE={TOKEN}\nBARE\n"
                        f"UV_INDEX_G_PASSWORD={line.format(t=TOKEN)}\n")
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    result = run_fix(path, "env")
    assert result.code == 0, result.err
    assert env_file.read_text().endswith("UV_INDEX_G_USERNAME=__token__\n")
    assert env_file.read_text().count("UV_INDEX_G_PASSWORD") == 1


def test_force_rewrites_a_multi_line_value_whole(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('A=1\nUV_INDEX_G_PASSWORD="old\nsecond line"\n# keep\nB="x\ny"\n')
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    assert run_fix(path, "env").code == 2
    assert run_fix(path, "env", force=True).code == 0
    assert env_file.read_text() == (f'A=1\nUV_INDEX_G_PASSWORD={TOKEN}\n# keep\nB="x\ny"\n'
                                    "UV_INDEX_G_USERNAME=__token__\n")


@pytest.mark.parametrize("where", ["a directory", "under a file"])
def test_unwritable_env_file_exits_2_and_leaves_the_file(tmp_path: Path, where: str) -> None:
    before = f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n'
    path = write(tmp_path, before)
    if where == "a directory":
        env_file = tmp_path / "env-dir"
        env_file.mkdir()
    else:
        env_file = path / ".env"
    result = run_fix(path, "env", env_file=env_file)
    assert result.code == 2 and result.err.startswith("error: cannot ")
    assert "nothing was changed" in result.err
    assert path.read_text() == before


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=60)


def test_env_file_added_to_gitignore_in_a_repository(tmp_path: Path) -> None:
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("dist/")
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    git("add", "pyproject.toml", cwd=tmp_path)
    result = run_fix(path, "env")
    assert result.code == 0
    assert (tmp_path / ".gitignore").read_text() == "dist/\n/.env\n"
    assert git("check-ignore", "-q", ".env", cwd=tmp_path).returncode == 0
    assert "Added `/.env` to" in result.out
    assert "tracked by git, so the token is still in its history" in result.out


def test_a_tracked_env_file_is_refused(tmp_path: Path) -> None:
    """A `.env` that git tracks would carry the token into `git diff` and the next commit:
    refused with the reason, nothing changed (the language server's action does the same)."""
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".env").write_text("OTHER=1\n")
    git("add", ".env", cwd=tmp_path)
    before = f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n'
    path = write(tmp_path, before)
    result = run_fix(path, "env")
    assert result.code == 2
    assert "is tracked by git" in result.err and "git rm --cached .env" in result.err
    assert "nothing was changed" in result.err
    assert (tmp_path / ".env").read_text() == "OTHER=1\n"
    assert path.read_text() == before


def test_env_file_already_ignored_leaves_gitignore(tmp_path: Path) -> None:
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("*.env\n.env\n")
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    assert run_fix(path, "env").code == 0
    assert (tmp_path / ".gitignore").read_text() == "*.env\n.env\n"


def test_outside_a_repository_no_gitignore(tmp_path: Path) -> None:
    path = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    assert run_fix(path, "env").code == 0
    assert not (tmp_path / ".gitignore").exists() or git(
        "rev-parse", cwd=tmp_path).returncode == 0


# --- what cannot be moved ----------------------------------------------------------------


def test_nothing_to_move(tmp_path: Path) -> None:
    before = f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_USER}"\n'
    path = write(tmp_path, before)
    result = run_fix(path, "env")
    assert result.code == 0 and result.out.startswith("Nothing to move")
    assert path.read_text() == before


def test_legacy_and_unnamed_indexes(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    before = f'[tool.uv]\nindex-url = "{WITH_TOKEN}"\n'
    path = write(tmp_path, before)
    result = run_fix(path, "keyring")
    assert result.code == 2 and "legacy `index-url`" in result.err
    assert path.read_text() == before
    unnamed = f'[[tool.uv.index]]\nurl = "{WITH_TOKEN}"\n'
    path = write(tmp_path, unnamed)
    result = run_fix(path, "env")
    assert result.code == 2 and "has no `name`" in result.err and path.read_text() == unnamed
    assert run_fix(path, "keyring").code == 0
    assert path.read_text() == f'[[tool.uv.index]]\nurl = "{WITH_USER}"\nauthenticate = ' \
                               '"always"\n'


def test_bad_input(tmp_path: Path) -> None:
    assert "no such file" in run_fix(tmp_path / "missing.toml", "env").err
    broken = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}\n')
    result = run_fix(broken, "env")
    assert result.code == 2 and "not valid TOML" in result.err
    good = write(tmp_path, f'[[tool.uv.index]]\nname = "g"\nurl = "{WITH_TOKEN}"\n')
    result = run_fix(good, "env", index="nope")
    assert result.code == 2 and "no index named `nope`" in result.err
