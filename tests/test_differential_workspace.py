"""Differential test on generated uv workspaces: `check` against real uv.

Hypothesis draws a workspace (a virtual or project root, up to three members, indexes and
`[tool.uv.sources]` entries in the root and the members naming indexes declared here, there
or nowhere, members pinned to an index, an excluded project, a uv.toml beside the root),
writes it to disk and runs `uv lock --offline` on it. Every configuration uv rejects must
get an ERROR finding from `uv-index-guard check` in the file that uv names (for a source
that the root's `[tool.uv.sources]` lends to a member, in the root); nothing uv accepts may
get one.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential_uv import parse_verdict, uv_binary

from uv_index_guard.finding import Severity
from uv_index_guard.hooks import check

PACKAGES = ("sandbox", "other")
INDEX_NAMES = ("internal", "team", "nope")
MEMBERS = ("m1", "m2", "m3")


@dataclass(frozen=True)
class Project:
    name: str | None  # None: a virtual root
    deps: tuple[str, ...]
    indexes: tuple[tuple[str, bool], ...]  # (name, explicit)
    sources: tuple[tuple[str, str], ...]  # (package, index name or "workspace")


def render(project: Project, workspace: tuple[tuple[str, ...], tuple[str, ...]] | None) -> str:
    out = []
    if project.name is not None:
        deps = ", ".join(f'"{d}"' for d in project.deps)
        out.append(f'[project]\nname = "{project.name}"\nversion = "0.1.0"\n'
                   f'requires-python = ">=3.10"\ndependencies = [{deps}]\n')
    if workspace is not None:
        members, exclude = workspace
        out.append("[tool.uv.workspace]\nmembers = " + json.dumps(list(members))
                   + ("\nexclude = " + json.dumps(list(exclude)) if exclude else "") + "\n")
    if project.sources:
        lines = [f"{pkg} = {{ workspace = true }}" if where == "workspace"
                 else f'{pkg} = {{ index = "{where}" }}' for pkg, where in project.sources]
        out.append("[tool.uv.sources]\n" + "\n".join(lines) + "\n")
    for name, explicit in project.indexes:
        out.append(f'[[tool.uv.index]]\nname = "{name}"\n'
                   f'url = "http://127.0.0.1:9/{name}/simple"\n'
                   + ("explicit = true\n" if explicit else ""))
    return "\n".join(out)


@st.composite
def workspaces(draw: st.DrawFn) -> dict[str, str]:
    members = draw(st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=3, unique=True))
    excluded = draw(st.sampled_from([None, *members])) if len(members) > 1 else None
    in_ws = [m for m in members if m != excluded]

    def project(name: str | None, others: list[str]) -> Project:
        deps = list(draw(st.lists(st.sampled_from(PACKAGES), unique=True, max_size=2)))
        sources: list[tuple[str, str]] = []
        for pkg in deps:
            if draw(st.booleans()):
                sources.append((pkg, draw(st.sampled_from(INDEX_NAMES))))
        for other in draw(st.lists(st.sampled_from(others), unique=True, max_size=1)
                          ) if others else []:
            deps.append(other)
            # A member comes from the workspace; pinning it to an index is the mistake.
            # (Only a member takes another member from the workspace.)
            how = "workspace" if (other in in_ws and name in (*in_ws, "root")
                                  and draw(st.booleans())) else draw(
                st.sampled_from(INDEX_NAMES[:2]))
            sources.append((other, how))
        if name is None and draw(st.booleans()):
            # A virtual root's sources apply to the members' dependencies.
            sources += [(pkg, draw(st.sampled_from(INDEX_NAMES))) for pkg in draw(
                st.lists(st.sampled_from(PACKAGES), unique=True, max_size=1))]
        indexes = tuple(draw(st.lists(st.tuples(st.sampled_from(INDEX_NAMES[:2]),
                                                st.booleans()),
                                      unique_by=lambda t: t[0], max_size=2)))
        return Project(name, tuple(deps), indexes, tuple(sources))

    virtual = draw(st.booleans())
    files = {}
    root = project(None if virtual else "root", [] if virtual else in_ws)
    files["pyproject.toml"] = render(root, (("packages/*",),
                                            (f"packages/{excluded}",) if excluded else ()))
    for name in members:
        others = [m for m in members if m != name]
        files[f"packages/{name}/pyproject.toml"] = render(project(name, others), None)
    if draw(st.booleans()):
        files["uv.toml"] = 'index-strategy = "first-index"\n'
    return files


_BUILD = re.compile(r"Failed to build `[^`]+ @ file://([^`]+)`")


def uv_lock(uv: str, root: Path, cache: Path) -> tuple[bool, str | None, str]:
    """(accepted, the file uv names, relative, or None, uv's output)."""
    import os
    import subprocess
    import sys

    home = root.parent / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               UV_CACHE_DIR=str(cache), UV_PYTHON=sys.executable, UV_PYTHON_DOWNLOADS="never",
               UV_NO_PROGRESS="1", NO_COLOR="1")
    proc = subprocess.run([uv, "lock", "--offline"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    output = proc.stdout + proc.stderr
    verdict = parse_verdict(proc.returncode, output)
    named = _BUILD.search(output)
    where = None
    if named is not None:
        where = (Path(named.group(1)).relative_to(root) / "pyproject.toml").as_posix()
    return verdict.accepted, where, output


@pytest.fixture(scope="module")
def scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="uig-ws-"))
    (path / "home").mkdir()
    yield path  # type: ignore[misc]
    shutil.rmtree(path, ignore_errors=True)


COUNT = {"n": 0}
#: What uv said over the examples (checked by the test after the differential one).
SEEN: dict[str, int] = {"accepted": 0, "rejected": 0, "member-pinned": 0, "undeclared": 0,
                        "member-uses-root-index": 0}


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=workspaces())
def test_check_agrees_with_uv_on_workspaces(files: dict[str, str], scratch: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    uv = uv_binary()
    COUNT["n"] += 1
    root = scratch / f"ws{COUNT['n']}"
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    check.run(["."], "json", Severity.ERROR, out, err)
    findings = json.loads(out.getvalue())["findings"]
    # The workspace at the root, and each excluded project: a project of its own.
    alone = [p for p in files if p.startswith("packages/") and not is_member(files, p)]
    for project in ["", *(p.rsplit("/", 1)[0] for p in alone)]:
        mine = [f for f in findings
                if (f["path"].startswith(project + "/") if project else
                    not any(f["path"].startswith(a.rsplit("/", 1)[0] + "/") for a in alone))]
        accepted, named, output = uv_lock(uv, root / project if project else root,
                                          scratch / "cache")
        errors = [f for f in mine if f["severity"] == "error"]
        SEEN["accepted" if accepted else "rejected"] += 1
        SEEN["member-pinned"] += "is included as a workspace member" in output
        SEEN["undeclared"] += "references an undeclared index" in output
        SEEN["member-uses-root-index"] += accepted and not project and any(
            f'index = "{n}"' in t and f'name = "{n}"' not in t and f'name = "{n}"' in files[
                "pyproject.toml"] for p, t in files.items() if p != "pyproject.toml"
            for n in INDEX_NAMES)
        shown = "\n".join(f"--- {p}\n{t}" for p, t in files.items()) + (
            f"\n--- findings in {project or 'the workspace'}\n"
            + "\n".join(f"{f['path']}:{f['line']} {f['code']} {f['message']}" for f in mine)
            + f"\n--- uv\n{output}")
        if accepted:
            assert not errors, f"uv accepts, the checker reports errors\n{shown}"
            continue
        assert errors, f"uv rejects, the checker has no error\n{shown}"
        if named is not None:
            named = f"{project}/{named}" if project else named
            assert {f["path"] for f in errors} & {named, f"{project}/pyproject.toml".lstrip("/")
                                                   if project else "pyproject.toml"}, (
                f"uv rejects {named}, the checker's errors are elsewhere\n{shown}")


def is_member(files: dict[str, str], path: str) -> bool:
    """Whether ``path`` is a member of the root's workspace (not excluded)."""
    return f'exclude = ["{path.rsplit("/", 1)[0]}"]' not in files["pyproject.toml"]


def test_the_examples_cover_what_uv_decides() -> None:
    """Keeps the generator honest: uv both accepted and rejected, for each reason."""
    if not SEEN["accepted"] + SEEN["rejected"]:
        pytest.skip("the differential test did not run")
    assert all(SEEN.values()), SEEN
