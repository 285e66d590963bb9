"""`uv-index-guard fix --to keyring|env`: move the token out of an index URL.

The order is what keeps the token safe: the new file text is computed and checked first; then
the token is written to its new home (keyring, or the env file) and read back from there; only
then is the configuration file rewritten. If any step before the rewrite fails, the file is
left as it was and the exit status is 2.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

# TOML 1.1, as uv reads it (tomllib only knows TOML 1.0).
import tomli

from uv_index_guard.credentials import env_file, rewrite
from uv_index_guard.credentials.resolve import keyring_provider
from uv_index_guard.credentials.service import normalize
from uv_index_guard.credentials.settings import configured_keyring_provider, load
from uv_index_guard.engine import Analysis, analyze
from uv_index_guard.files import Discovery, InputError, display_path, project_file, read_text
from uv_index_guard.index_env import env_vars
from uv_index_guard.kinds import Kind
from uv_index_guard.model import IndexDef, Origin
from uv_index_guard.redact import Masker, safe_name, safe_url
from uv_index_guard.rules.credentials_in_url import secret_of
from uv_index_guard.tokens import JOB_TOKEN_USER, kind_of
from uv_index_guard.urls import split_url, with_username, without_userinfo

TOKEN_USER = "__token__"


class FixError(Exception):
    """One line for ``error:``; the configuration file has not been changed."""


@dataclass(frozen=True, slots=True)
class Options:
    path: str | None
    to: str  # "keyring" or "env"
    index: str | None = None
    env_file: str | None = None
    enable_keyring_provider: bool = False
    force: bool = False


@dataclass(frozen=True, slots=True)
class Move:
    """One index whose URL carries a secret, and where that secret goes."""

    index: IndexDef
    name: str | None
    url: str
    username: str
    secret: str = field(repr=False)
    new_url: str = ""

    @property
    def service(self) -> str:
        """The keyring service uv asks first: the index URL without userinfo."""
        bare = without_userinfo(self.url)
        return normalize(bare) or bare

    @property
    def label(self) -> str:
        return f"index `{self.name}`" if self.name else f"index `{safe_url(self.url)}`"


def _secret_of(url: str) -> tuple[str, str] | None:
    """(username to keep, secret) of a URL that embeds a secret (UIG301's verdict); the
    username a token needs when the URL has none."""
    parts = split_url(url)
    found = secret_of(parts) if parts is not None and parts.has_userinfo else None
    if parts is None or found is None:
        return None
    secret = found[2]
    username = parts.username if parts.password is not None else ""
    if not username:
        kind = kind_of(secret)
        username = JOB_TOKEN_USER if kind is not None and kind.rule == (
            "gitlab-cicd-job-token") else TOKEN_USER
    return username, secret


def _with_username(url: str, username: str) -> str:
    """``url`` with only ``username`` as userinfo; a username already there is kept as
    written (percent-escapes and all)."""
    parts = split_url(url)
    if parts is None:
        return url
    if parts.username == username and parts.username:
        raw_end = parts.password_start - 1 if parts.password is not None else parts.userinfo_end
        return url[: raw_end] + url[parts.userinfo_end :]
    return with_username(without_userinfo(url), username)


def plan(analysis: Analysis, to: str, only: str | None) -> tuple[list[Move], list[str]]:
    """The moves for ``analysis``, and why other URLs with secrets cannot be moved."""
    moves: list[Move] = []
    skipped: list[str] = []
    for index in analysis.config.indexes:
        if only is not None and index.name != only:
            continue
        url = index.url
        found = _secret_of(url) if url is not None else None
        if url is None or found is None:
            continue
        username, secret = found
        where = f"index `{index.name}`" if index.name else f"`{index.origin.value}`"
        if index.origin is not Origin.INDEX:
            skipped.append(f"{where} (`{safe_url(url)}`): a legacy `{index.origin.value}` has "
                           "no `name` or `authenticate`; declare it as `[[tool.uv.index]]` with "
                           "a `name` first")
            continue
        if to == "env" and not index.name:
            skipped.append(f"the index at `{safe_url(url)}` has no `name`, so uv has no "
                           "`UV_INDEX_<NAME>_*` variables for it; give it a `name` or use "
                           "`--to keyring`")
            continue
        bare = without_userinfo(url)
        new_url = _with_username(url, username) if to == "keyring" else bare
        moves.append(Move(index, index.name, url, username, secret, new_url))
    return moves, skipped


def new_text(analysis: Analysis, moves: list[Move], to: str,
             enable_provider: bool) -> tuple[bytes, list[str]]:
    """The rewritten document, and what changed (for the report)."""
    edits, changes = edits_for(analysis, moves, to, enable_provider)
    return rewrite.apply(analysis.doc.data, edits), changes


def edits_for(analysis: Analysis, moves: list[Move], to: str,
              enable_provider: bool) -> tuple[list[rewrite.Edit], list[str]]:
    """The byte edits of the rewrite, and what they change (for the report)."""
    doc = analysis.doc
    edits: list[rewrite.Edit] = []
    changes: list[str] = []
    for move in moves:
        scalar = move.index.scalar("url")
        assert scalar is not None
        edits.append(rewrite.replace_string(scalar, move.new_url))
        if to == "keyring":
            edit = rewrite.authenticate_always(doc, move.index)
            if edit is not None:
                edits.append(edit)
            changes.append(f"the `url` of {move.label} keeps only the username"
                           + ('; added `authenticate = "always"`' if edit is not None else ""))
        else:
            changes.append(f"the `url` of {move.label} no longer carries credentials")
    if enable_provider:
        edit = rewrite.keyring_provider(analysis.config)
        if edit is not None:
            edits.append(edit)
            where = "`[tool.uv]`" if analysis.config.kind is Kind.PYPROJECT else "`uv.toml`"
            changes.append(f'set `keyring-provider = "subprocess"` in {where}')
    return edits, changes


def verify_rewrite(old: str, new: bytes, path: str, analysis: Analysis, moves: list[Move],
                   to: str, enable_provider: bool) -> None:
    """The new text parses, and differs from the old exactly in the keys meant to change."""
    text = new.decode("utf-8")
    try:
        before = tomli.loads(old)
        after = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise FixError(f"the rewritten file would not be valid TOML ({exc}); nothing was "
                       "changed") from None
    pyproject = analysis.config.kind is Kind.PYPROJECT
    expected = copy.deepcopy(before)
    uv: dict[str, Any] = expected.get("tool", {}).get("uv", {}) if pyproject else expected
    for move in moves:
        entry = uv["index"][move.index.ordinal]
        entry["url"] = move.new_url
        if to == "keyring":
            entry["authenticate"] = "always"
    if enable_provider:
        uv["keyring-provider"] = "subprocess"
    if after != expected:
        raise FixError("the rewrite would change more than the URLs (a bug: please report "
                       "it); nothing was changed")
    check = analyze(text, path, analysis.config.kind)
    if check.doc.problems:
        raise FixError("the rewritten file would not parse; nothing was changed")


# --- the new homes -----------------------------------------------------------------------


def store_in_keyring(moves: list[Move], force: bool) -> str:
    """Store each secret and read it back; the backend's name for the report."""
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError
    except ImportError as exc:  # pragma: no cover - keyring is a dependency
        raise FixError(f"the `keyring` library cannot be imported ({exc}); nothing was "
                       "changed") from None
    backend = type(keyring.get_keyring())
    name = f"{backend.__module__}.{backend.__name__}"
    for move in moves:
        try:
            current = keyring.get_password(move.service, move.username)
            if current is not None and current != move.secret and not force:
                raise FixError(f"keyring already holds a different password for "
                               f"`{safe_name(move.username)}` at `{move.service}`; pass "
                               "`--force` to replace it (nothing was changed)")
            if current != move.secret:
                keyring.set_password(move.service, move.username, move.secret)
            if keyring.get_password(move.service, move.username) != move.secret:
                raise FixError(f"keyring ({name}) did not return the stored password for "
                               f"`{move.service}`; nothing was changed")
        except NoKeyringError:
            raise FixError(f"no usable keyring backend ({name}): install one (for example "
                           "`keyrings.alt`) or set `PYTHON_KEYRING_BACKEND`, or use "
                           "`--to env`; nothing was changed") from None
        except KeyringError as exc:
            raise FixError(f"keyring ({name}) failed: {type(exc).__name__}; nothing was "
                           "changed") from None
    return name


def env_values(moves: list[Move]) -> dict[str, str]:
    """The `UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` values that hold ``moves``' secrets."""
    wanted: dict[str, str] = {}
    for move in moves:
        assert move.name is not None
        user_var, pass_var = env_vars(move.name)
        wanted[user_var] = move.username
        wanted[pass_var] = move.secret
    return wanted


def env_refusal(moves: list[Move], env_path: Path, force: bool) -> str | None:
    """Why the secrets of ``moves`` cannot go into ``env_path`` (None: they can): git tracks
    the file (the token would show in `git diff` and go into the next commit), or it sets a
    variable to another value (unless ``force``)."""
    shown = display_path(str(env_path))
    if is_tracked(env_path):
        return (f"`{shown}` is tracked by git, so a token written there would show in `git "
                f"diff` and go into the next commit; untrack it first (`git rm --cached "
                f"{env_path.name}`, then add it to `.gitignore`), or move the token to keyring")
    try:
        existing = env_file.parse(env_file.read(env_path) or "")
    except OSError as exc:
        return f"cannot read `{shown}` ({exc.strerror or exc})"
    clash = env_file.clashes(existing, env_values(moves))
    if clash and not force:
        return (f"`{shown}` already sets `{clash[0]}` to a different value (to replace it: "
                "`uv-index-guard fix --to env --force`)")
    return None


def move_to_env_file(moves: list[Move], env_path: Path, force: bool,
                     ) -> tuple[list[str], list[str]]:
    """Write the secrets of ``moves`` to ``env_path`` as `fix --to env` does, for the command
    line and the editor alike: refused for a file git tracks or one that sets a variable to
    another value; written with mode 600 and read back; then kept out of git (added to the
    `.gitignore` beside it). The variables written, and notes for the user."""
    reason = env_refusal(moves, env_path, force)
    if reason is not None:
        raise FixError(f"{reason} (nothing was changed)")
    names = _store_in_env_file(moves, env_path, force)
    notes = ensure_ignored(env_path)
    notes.append(f"hint: uv reads `UV_INDEX_<NAME>_*` from the environment only: load the "
                 f"file first (`set -a; . ./{env_path.name}; set +a`), or run `uv run "
                 f"--env-file {display_path(str(env_path))} -- ...`; in CI, make them masked "
                 "variables")
    return names, notes


def _store_in_env_file(moves: list[Move], env_path: Path, force: bool) -> list[str]:
    """Write ``UV_INDEX_<NAME>_USERNAME/_PASSWORD`` (mode 600), read them back; the names of
    the variables written. Only after :func:`env_refusal` found no reason not to."""
    wanted = env_values(moves)
    try:
        existing_text = env_file.read(env_path)
    except OSError as exc:
        raise FixError(f"cannot read `{env_path}` ({exc.strerror or exc}); nothing was "
                       "changed") from None
    existing = env_file.parse(existing_text or "")
    clash = env_file.clashes(existing, wanted)
    if clash and not force:  # it did not when env_refusal read it: changed meanwhile
        raise FixError(f"`{display_path(str(env_path))}` changed while fixing; nothing was "
                       "changed")
    try:
        if clash:  # with `force`
            _replace_values(env_path, existing_text or "", wanted)
        else:
            _append_values(env_path, existing_text, {k: v for k, v in wanted.items()
                                                     if k not in existing})
        os.chmod(env_path, 0o600)
        reread = env_file.parse(env_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixError(f"cannot write `{display_path(str(env_path))}` "
                       f"({exc.strerror or type(exc).__name__}); nothing was changed") from None
    wrong = [k for k, v in wanted.items() if reread.get(k) != v]
    if wrong:
        raise FixError(f"`{display_path(str(env_path))}` does not read back `{wrong[0]}`; "
                       "nothing was changed")
    return list(wanted)


def _append_values(path: Path, existing: str | None, values: dict[str, str]) -> None:
    lines = env_file.appended(existing, values)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(lines)


def _replace_values(path: Path, existing: str, values: dict[str, str]) -> None:
    """Rewrite the lines that set ``values`` (``--force``), append the others."""
    out: list[str] = []
    done: set[str] = set()
    for key, original in env_file.bindings(existing):
        if key is not None and key in values:
            if key not in done:
                out.append(env_file.assignment(key, values[key]))
                done.add(key)
            continue
        out.append(original)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [env_file.assignment(k, v) for k, v in values.items() if k not in done]
    tmp = path.with_name(f".{path.name}.uig-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(out))
    os.replace(tmp, path)


# --- git ---------------------------------------------------------------------------------


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None


def in_git_repo(directory: Path) -> bool:
    result = _git(["rev-parse", "--is-inside-work-tree"], directory)
    return result is not None and result.returncode == 0 and result.stdout.strip() == "true"


def is_tracked(path: Path) -> bool:
    result = _git(["ls-files", "--error-unmatch", "--", path.name], path.parent)
    return result is not None and result.returncode == 0


def ensure_ignored(path: Path) -> list[str]:
    """Add ``/<name>`` to the ``.gitignore`` beside ``path`` when git does not ignore it."""
    directory = path.parent
    if not in_git_repo(directory):
        return []
    check = _git(["check-ignore", "-q", "--", path.name], directory)
    if check is None or check.returncode == 0:
        return []
    notes: list[str] = []
    gitignore = directory / ".gitignore"
    try:
        current = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
        line = f"/{path.name}\n"
        with open(gitignore, "a", encoding="utf-8") as fh:
            fh.write(line if not current or current.endswith("\n") else "\n" + line)
        notes.append(f"Added `/{path.name}` to `{display_path(str(gitignore))}`.")
    except OSError as exc:
        notes.append(f"warning: could not add `{path.name}` to `.gitignore` "
                     f"({exc.strerror or exc}); keep it out of git yourself")
    return notes


# --- the command -------------------------------------------------------------------------


def _config_path(path: str | None) -> Path:
    target = Path(path) if path is not None else Path(Kind.PYPROJECT.value)
    if target.is_dir():
        for name in (Kind.PYPROJECT.value, Kind.UV_TOML.value):
            if (target / name).is_file():
                return target / name
        raise FixError(f"no `pyproject.toml` or `uv.toml` in `{target}`")
    if not target.exists():
        raise FixError(f"{target}: no such file or directory")
    return target


def _write_config(path: Path, original: bytes, data: bytes) -> None:
    """Replace the file's bytes atomically, if nobody changed it meanwhile."""
    if path.read_bytes() != original:
        raise FixError(f"`{display_path(str(path))}` changed while fixing; run `fix` again")
    tmp = path.with_name(f".{path.name}.uig-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def run(options: Options, environ: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    try:
        return _run(options, environ, out, err)
    except FixError as exc:
        print(f"error: {exc}", file=err)
        return 2


def _declaring_file(path: Path, index: str, err: TextIO) -> Path:
    """The file of ``path``'s workspace that declares ``index``: ``path`` itself, or (for a
    workspace member) the workspace root or the uv.toml beside it."""
    pyproject = project_file(str(path))
    if pyproject is None:
        return path
    found = Discovery().find(pyproject)
    own = display_path(str(path))
    order = [own, found.layout.root, found.layout.settings]
    for candidate in order:
        config = found.configs.get(candidate) if candidate else None
        if config is not None and index in config.by_name():
            if candidate != own:
                print(f"note: index `{safe_name(index)}` is declared in `{candidate}` (the "
                      f"workspace of `{own}`); fixing it there", file=err)
            return Path(candidate) if candidate else path
    return path


def _run(options: Options, environ: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    path = _config_path(options.path)
    if options.index is not None:
        path = _declaring_file(path, options.index, err)
    shown = display_path(str(path))
    try:
        original = path.read_bytes()
        text = read_text(str(path))
    except (OSError, InputError) as exc:
        raise FixError(str(exc)) from None
    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    analysis = analyze(text, str(path))
    masked = Masker(analysis.config.by_name())  # a token-shaped index name, in any spelling
    if analysis.doc.problems or analysis.doc.data != original[len(bom):]:
        raise FixError(f"`{shown}` is not valid TOML (see `uv-index-guard check {shown}`); "
                       "nothing was changed")
    if options.index is not None and options.index not in analysis.config.by_name():
        raise FixError(f"no index named `{safe_name(options.index)}` in `{shown}`")
    moves, skipped = plan(analysis, options.to, options.index)
    for line in skipped:
        print(masked(f"warning: {line}"), file=err)
    provider_edit = options.enable_keyring_provider and options.to == "keyring"
    if options.enable_keyring_provider and not provider_edit:
        print("warning: `--enable-keyring-provider` goes with `--to keyring`; ignored",
              file=err)
    if not moves and not provider_edit:
        if skipped:
            return 2
        what = f"index `{options.index}`" if options.index else "no index URL"
        print(masked(f"Nothing to move: {what} in `{shown}` carries a password or token."),
              file=out)
        return 0
    try:
        data, changes = new_text(analysis, moves, options.to, provider_edit)
    except rewrite.RewriteError as exc:
        raise FixError(f"{exc}; nothing was changed") from None
    verify_rewrite(text, data, str(path), analysis, moves, options.to, provider_edit)

    notes: list[str] = []
    try:
        if options.to == "keyring":
            backend = store_in_keyring(moves, options.force)
            for move in moves:
                print(masked(f"Stored the token of {move.label} in keyring (service "
                             f"`{move.service}`, username `{safe_name(move.username)}`) and "
                             "read it back."), file=out)
            notes += _keyring_hints(path, environ, backend, provider_edit, bool(moves))
        else:
            env_path = Path(options.env_file) if options.env_file else path.parent / ".env"
            names, env_notes = move_to_env_file(moves, env_path, options.force)
            listed = ", ".join(f"`{n}`" for n in names)
            print(masked(f"Wrote {listed} to `{display_path(str(env_path))}` (mode 600) and "
                         "read them back."), file=out)
            notes += env_notes
    except FixError as exc:
        raise FixError(masked(str(exc))) from None
    _write_config(path, original, bom + data)
    print(masked(f"Updated `{shown}`: {'; '.join(changes)}."), file=out)
    if moves and is_tracked(path):
        notes.append(f"hint: `{shown}` is tracked by git, so the token is still in its history: "
                     "revoke it and create a new one")
    for line in notes:
        print(masked(line), file=out)
    return 0


def _keyring_hints(path: Path, environ: Mapping[str, str], backend: str, provider_edit: bool,
                   moved: bool) -> list[str]:
    hints: list[str] = []
    if not provider_edit:
        try:
            files, _problems = load(path, environ)
            configured, _where = configured_keyring_provider(files)
        except InputError:
            configured = None
        if keyring_provider(environ, configured) != "subprocess":
            hints.append("hint: uv asks keyring only with its keyring provider on: set "
                         "`UV_KEYRING_PROVIDER=subprocess`, or run `fix` again with "
                         "`--enable-keyring-provider`")
    found = shutil.which("keyring", path=environ.get("PATH"))
    if found is None:
        hints.append("hint: uv runs the `keyring` command, which is not on PATH: install it "
                     "with `uv tool install keyring` (plus your backend's package)")
    elif moved:
        hints.append(f"hint: uv will run `{found}`; it must use the same backend as this "
                     f"process (`{backend}`)")
    return hints
