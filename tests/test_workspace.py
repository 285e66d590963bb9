"""Workspace discovery as uv does it (pure and on disk), and `check` on workspaces."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from uv_index_guard.engine import configs
from uv_index_guard.files import Discovery
from uv_index_guard.finding import Severity
from uv_index_guard.hooks import check
from uv_index_guard.workspace import Role, assemble, glob_matches, is_member

IDX = ('[[tool.uv.index]]\nname = "internal"\nurl = "https://pypi.internal.example/simple"\n'
       "explicit = true\n")


def project(name: str, deps: tuple[str, ...] = (), body: str = "") -> str:
    listed = ", ".join(f'"{d}"' for d in deps)
    return (f'[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = [{listed}]\n\n'
            + body)


def workspace(members: str = '["packages/*"]', exclude: str = "[]", body: str = "") -> str:
    return f"[tool.uv.workspace]\nmembers = {members}\nexclude = {exclude}\n\n{body}"


def facts(files: dict[str, str]) -> dict[str, object]:
    return {p: c.project() for p, c in configs(files).items() if p.endswith("pyproject.toml")}


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("packages/*", "packages/a", True),
    ("packages/*", "packages/a/b", False),  # `*` stays within one segment, as uv's glob
    ("./packages/*", "packages/a", True),
    ("packages/**", "packages/a/b", True),
    ("libs/[ab]*", "libs/alpha", True),
    ("libs/[ab]*", "libs/core", False),
    ("*", ".", False),
])
def test_glob_matches(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected


def test_exclude_wins_over_members() -> None:
    assert is_member("packages/a", ["packages/*"], [])
    assert not is_member("packages/a", ["packages/*"], ["packages/a"])


def test_assemble_finds_the_root_and_its_members() -> None:
    files = {"pyproject.toml": workspace(exclude='["packages/c"]'),
             "uv.toml": 'index-strategy = "first-index"\n',
             "packages/a/pyproject.toml": project("a"),
             "packages/a/uv.toml": "offline = true\n",
             "packages/b/pyproject.toml": project("b"),
             "packages/c/pyproject.toml": project("c")}
    found = facts(files)
    uv_tomls = ["uv.toml", "packages/a/uv.toml"]
    layout = assemble("packages/a/pyproject.toml", found, uv_tomls)  # type: ignore[arg-type]
    assert layout.root == "pyproject.toml" and layout.is_workspace
    assert layout.members == ("packages/a/pyproject.toml", "packages/b/pyproject.toml")
    assert layout.settings == "uv.toml" and layout.ignored == ("packages/a/uv.toml",)
    assert layout.role("packages/a/uv.toml") is Role.IGNORED_SETTINGS
    assert assemble("pyproject.toml", found, uv_tomls) == layout  # type: ignore[arg-type]
    # The excluded project is a workspace of its own.
    alone = assemble("packages/c/pyproject.toml", found, uv_tomls)  # type: ignore[arg-type]
    assert alone.root == "packages/c/pyproject.toml" and not alone.is_workspace


def test_the_first_pyproject_above_decides() -> None:
    """A project inside another project (no workspace table) is a project of its own, even
    when a workspace root above would include it (uv stops at the first pyproject.toml)."""
    files = {"pyproject.toml": workspace(members='["packages/**"]'),
             "packages/a/pyproject.toml": project("a"),
             "packages/a/examples/demo/pyproject.toml": project("demo")}
    found = facts(files)
    demo = assemble("packages/a/examples/demo/pyproject.toml", found)  # type: ignore[arg-type]
    assert demo.root == "packages/a/examples/demo/pyproject.toml" and not demo.is_workspace


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


MEMBER_USES_ROOT = {
    "pyproject.toml": project("app", ("a",), workspace(body='[tool.uv.sources]\n'
                                                       'a = { workspace = true }\n\n' + IDX)),
    "packages/a/pyproject.toml": project("a", ("sandbox",),
                                         '[tool.uv.sources]\nsandbox = { index = "internal" }\n'),
}


def run_check(args: list[str]) -> tuple[int, list[dict[str, object]]]:
    out, err = io.StringIO(), io.StringIO()
    code = check.run(args, "json", Severity.ERROR, out, err)
    return code, json.loads(out.getvalue())["findings"]


def test_discovery_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "repo", MEMBER_USES_ROOT)
    monkeypatch.chdir(tmp_path / "repo")
    found = Discovery().find("packages/a/pyproject.toml")
    assert found.layout.root == "pyproject.toml"
    assert found.layout.members == ("packages/a/pyproject.toml",)
    assert set(found.configs) == {"pyproject.toml", "packages/a/pyproject.toml"}


def test_check_a_member_in_its_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    """uv accepts a member naming the root's index: no UIG107 (nor UIG205 on the root)."""
    write(tmp_path, MEMBER_USES_ROOT)
    monkeypatch.chdir(tmp_path)
    for args in (["packages/a/pyproject.toml"], ["packages/a"], ["."], []):
        code, findings = run_check(args)
        assert code == 0 and findings == [], (args, findings)
    # The same member outside the workspace: uv rejects it, and so does check.
    write(tmp_path / "elsewhere", {"pyproject.toml": MEMBER_USES_ROOT[
        "packages/a/pyproject.toml"]})
    code, findings = run_check(["elsewhere"])
    assert code == 1 and [f["code"] for f in findings] == ["UIG107"]


def test_check_reports_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = dict(MEMBER_USES_ROOT)
    files["packages/b/pyproject.toml"] = project("b", ("a",),
                                                 '[tool.uv.sources]\na = { index = "internal" }\n')
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    code, findings = run_check([".", "packages/b", "packages/b/pyproject.toml"])
    assert code == 1
    assert [(f["path"], f["code"]) for f in findings] == [
        (os.path.join("packages", "b", "pyproject.toml"), "UIG109")]


def test_doctor_sees_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From a member, doctor lists the root's index (once) and the member's own."""
    from uv_index_guard.credentials import doctor

    files = dict(MEMBER_USES_ROOT)
    files["packages/a/pyproject.toml"] += (
        '\n[[tool.uv.index]]\nname = "team"\nurl = "https://team.example/simple"\n'
        "explicit = true\n")
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    environ = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    for where in ("packages/a", "packages/a/pyproject.toml", "."):
        out, err = io.StringIO(), io.StringIO()
        code = doctor.run(doctor.Options(where, "json", False), environ, out, err)
        assert code == 0, err.getvalue()
        names = [entry["name"] for entry in json.loads(out.getvalue())["indexes"]]
        assert names == (["internal", "team"] if where != "." else ["internal"]), (where, names)


def test_fix_moves_the_token_of_a_root_index_from_a_member(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from uv_index_guard.credentials import fix

    secret = "s3cr" + "et-" + "w0rkspace"  # synthetic, never written whole in the file
    root = MEMBER_USES_ROOT["pyproject.toml"].replace(
        "https://pypi.internal.example", f"https://ci:{secret}@pypi.internal.example")
    write(tmp_path, {**MEMBER_USES_ROOT, "pyproject.toml": root})
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = fix.run(fix.Options("packages/a", "env", index="internal"), {}, out, err)
    assert code == 0, err.getvalue()
    assert "declared in `pyproject.toml`" in err.getvalue()
    assert secret not in (tmp_path / "pyproject.toml").read_text()
    assert f"UV_INDEX_INTERNAL_PASSWORD={secret}" in (tmp_path / ".env").read_text()
    assert secret not in out.getvalue() + err.getvalue()
