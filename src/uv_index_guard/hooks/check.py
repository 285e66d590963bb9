"""`uv-index-guard check`: the config rules over files and directories."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from uv_index_guard.ci import CiKind, ci_kind_of, is_ci_name
from uv_index_guard.engine import analyze_ci, analyze_workspace, check_text, include_pattern
from uv_index_guard.files import (
    Discovered,
    Discovery,
    InputError,
    ci_index_vars,
    ci_root,
    decode_text,
    display_path,
    nearest_settings,
    project_file,
    read_text,
    walk,
)
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.fixing import apply_fixes
from uv_index_guard.hooks import verbose
from uv_index_guard.kinds import CONFIG_NAMES, Kind
from uv_index_guard.report import PLAIN, Style, render


def wanted(name: str) -> bool:
    return name in CONFIG_NAMES or is_ci_name(name)


def collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(files to check, errors) for the given files and directories: in a directory, every
    `pyproject.toml` and `uv.toml` and the CI files (`.gitlab-ci.yml`, GitHub workflows,
    `.env`, `.env.*`) git does not ignore."""
    files: list[str] = []
    errors: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = [f for f in walk(path, wanted)
                     if os.path.basename(f) in CONFIG_NAMES or ci_kind_of(f) is not None]
            if not found:
                errors.append(f"warning: no `pyproject.toml` or `uv.toml` found under {path}")
            files.extend(found)
        elif os.path.exists(path):
            files.append(path)
        else:
            errors.append(f"error: {path}: no such file or directory")
    return list(dict.fromkeys(files)), errors


def project_ignores(path: str) -> frozenset[str]:
    """`ignore` from `[tool.uv-index-guard]` of the pyproject.toml nearest to a uv.toml."""
    found = nearest_settings(os.path.dirname(os.path.abspath(path)))
    return found[1].ignore if found is not None else frozenset()


def run(paths: Sequence[str], fmt: str, fail_on: Severity, out: TextIO, err: TextIO,
        stdin: BinaryIO | None = None, stdin_name: str | None = None, *,
        style: Style = PLAIN, fix: str | None = None, unsafe: bool = False) -> int:
    """`check PATH...`; a path `-` is standard input, checked as ``stdin_name`` (default
    `pyproject.toml`: the name says which kind of file it is). ``fix``: "fix" writes the
    findings' fixes into the files, "diff" shows them (``unsafe``: unsafe fixes too)."""
    if fix is not None and "-" in paths:
        print("error: `--fix` and `--diff` work on files, not on standard input", file=err)
        return 2
    findings: list[Finding] = []
    unreadable = False
    piped = 0
    if "-" in paths:
        paths = [p for p in paths if p != "-"]
        name = stdin_name or Kind.PYPROJECT.value
        kind = Kind.of_name(os.path.basename(name))
        if kind is None:
            print(f"error: --stdin-filename `{name}`: the name must end in `pyproject.toml` or "
                  "`uv.toml`", file=err)
            return 2
        try:
            text = decode_text(stdin.read() if stdin is not None else b"", name)
        except InputError as exc:
            print(f"error: {exc}", file=err)
            return 2
        ignore = project_ignores(name) if kind is Kind.UV_TOML else frozenset()
        findings.extend(check_text(text, name, kind, ignore=ignore))
        piped = 1
        if not paths:
            return _report(findings, [], piped, fmt, fail_on, out, err, unreadable=False,
                           style=style)
    if fix is not None:
        return _fix(paths, fix, unsafe, fmt, fail_on, out, err, style=style)
    found, problems, checked, unreadable = check_files(paths)
    findings += found
    return _report(findings, problems, checked + piped, fmt, fail_on, out, err,
                   unreadable=unreadable, style=style)


def check_files(paths: Sequence[str]) -> tuple[list[Finding], list[str], int, bool]:
    """The findings in ``paths`` (files and directories), problems to show, how many files
    were checked, and whether one could not be read."""
    unreadable = False
    findings: list[Finding] = []
    files, problems = collect(paths or ["."])
    read: dict[str, str] = {}  # by absolute path: each file is read once
    discovery = Discovery(lambda path: read.pop(path, None) or read_text(path))
    # Files of one workspace are checked together, once; the others alone.
    groups: dict[str, tuple[Discovered, list[str]]] = {}
    alone: list[tuple[str, str]] = []
    ci: list[str] = []
    for path in files:
        shown = display_path(path)
        if ci_kind_of(path) is not None:
            ci.append(path)
            continue
        text = _read(path, problems)
        if text is None:
            unreadable = True
            continue
        if not text.strip():
            problems.append(f"warning: {shown} is empty; nothing to check")
        read[os.path.abspath(path)] = text
        pyproject = project_file(path)
        found = discovery.find(pyproject) if pyproject is not None else None
        if found is None or shown not in found.configs:
            alone.append((shown, text))
            continue
        groups.setdefault(found.layout.root, (found, []))[1].append(shown)
    verbose.say(f"checking {len(files)} file(s): {sum(len(w) for _, w in groups.values())} "
                f"in {len(groups)} workspace(s), {len(alone)} alone")
    for found, wanted in groups.values():
        verbose.say(f"workspace {display_path(found.layout.root)}: {', '.join(wanted)}")
        for analysis in analyze_workspace(found.configs, found.layout, only=wanted).values():
            findings.extend(analysis.findings)
    for shown, text in alone:
        ignore = (project_ignores(shown) if os.path.basename(shown) != Kind.PYPROJECT.value
                  else frozenset())
        findings.extend(check_text(text, shown, ignore=ignore))
    ci_found, ci_checked, ci_unreadable = check_ci_files(ci, discovery, problems)
    findings += ci_found
    if any(p.startswith("error:") for p in problems if "no such file" in p):
        unreadable = True
    return (findings, problems, len(files) - len(ci) + ci_checked,
            unreadable or ci_unreadable)


def check_ci_files(paths: Sequence[str], discovery: Discovery, problems: list[str],
                   ) -> tuple[list[Finding], int, bool]:
    """The findings of CI files, each against the indexes of the project at its repository
    root, and of the files a `.gitlab-ci.yml` includes locally (read as GitLab CI, within the
    repository only; nothing is fetched or run)."""
    import glob

    findings: list[Finding] = []
    unreadable = False
    done: set[str] = set()
    todo: list[tuple[str, CiKind, str]] = []
    for path in paths:
        kind = ci_kind_of(path)
        if kind is not None:
            todo.append((path, kind, ci_root(path)))
    index_vars: dict[str, dict[str, str] | None] = {}
    while todo:
        path, kind, root = todo.pop(0)
        key = os.path.abspath(path)
        if key in done:
            continue
        done.add(key)
        shown = display_path(path)
        text = _read(path, problems)
        if text is None:
            unreadable = True
            continue
        if root not in index_vars:
            index_vars[root] = ci_index_vars(root, discovery)
        analysis = analyze_ci(text, shown, kind, index_vars[root],
                              ignore=_root_ignores(root))
        problems += [f"warning: {shown}: {p}" for p in analysis.doc.problems]
        findings += analysis.findings
        for entry in analysis.doc.includes:
            pattern = os.path.normpath(include_pattern(root.replace(os.sep, "/"), entry))
            matches = sorted(glob.glob(pattern, recursive=True)) if "*" in entry else [pattern]
            for match in matches:
                inside = os.path.commonpath([os.path.abspath(match), root]) == root
                if not inside:
                    problems.append(f"warning: {shown}: `include: {entry}` is outside the "
                                    "repository; not read")
                elif os.path.isfile(match):
                    todo.append((match, CiKind.GITLAB_CI, root))
                elif "*" not in entry:
                    problems.append(f"warning: {shown}: `include: {entry}` names no file")
    return findings, len(done), unreadable


def _read(path: str, problems: list[str]) -> str | None:
    """A file's text, or None with the reason added to ``problems``."""
    try:
        return read_text(path)
    except InputError as exc:
        problems.append(f"error: {display_path(str(exc))}")
        return None


def _root_ignores(root: str) -> frozenset[str]:
    found = nearest_settings(root)
    return found[1].ignore if found is not None else frozenset()


#: Fixes are applied, the files analysed again and the new fixes applied, this many times at
#: most (a fix can make another finding fixable, as in ruff).
MAX_PASSES = 10


def _fix(paths: Sequence[str], mode: str, unsafe: bool, fmt: str, fail_on: Severity,
         out: TextIO, err: TextIO, *, style: Style) -> int:
    """`check --fix` (write) or `check --diff` (show, write nothing)."""
    import difflib

    fixed = 0
    diffs: list[str] = []
    refused: dict[str, str] = {}  # path: why its fixes were not applied
    for _ in range(MAX_PASSES):
        findings, problems, checked, unreadable = check_files(paths)
        by_path: dict[str, list[Finding]] = {}
        for finding in findings:
            by_path.setdefault(finding.path, []).append(finding)
        changed = False
        for path, found in sorted(by_path.items()):
            try:
                raw = Path(path).read_bytes()
                text = decode_text(raw, path)
            except (OSError, InputError):
                continue  # reported by check_files
            new, count = apply_fixes(text, found, unsafe=unsafe)
            if not count or path in refused:
                continue
            broken = _rejected(text, new, path)
            if broken:
                refused[path] = (f"error: {path}: the fixes would make uv reject the file "
                                 f"({', '.join(broken)}); nothing written (a bug in "
                                 "uv-index-guard: please report it)")
                continue
            if mode == "fix" and _read_only(path):
                refused[path] = f"error: {path}: the file is read-only; nothing written"
                continue
            fixed += count
            if mode == "diff":
                diffs.append("".join(difflib.unified_diff(
                    text.splitlines(keepends=True), new.splitlines(keepends=True),
                    f"a/{path}", f"b/{path}")))
                continue
            bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
            try:
                _write(path, (bom + new).encode("utf-8", "surrogatepass"))
            except OSError as exc:
                refused[path] = f"error: {path}: cannot write: {exc.strerror or exc}"
                fixed -= count
                continue
            changed = True
        if mode == "diff" or not changed:
            break
    else:
        findings, problems, checked, unreadable = check_files(paths)
    problems += refused.values()
    unreadable = unreadable or bool(refused)
    if mode == "diff":
        for line in problems:
            print(line, file=err)
        for diff in diffs:
            print(diff, end="" if diff.endswith("\n") else "\n", file=out)
        print(f"Would fix {fixed} finding{'s' if fixed != 1 else ''}.", file=err)
        return 2 if unreadable else 1 if diffs else 0
    remaining = [f for f in findings if f.severity >= fail_on]
    code = _report(findings, problems, checked, fmt, fail_on, out, err,
                   unreadable=unreadable, style=style)
    if fixed and not style.quiet:
        print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} "
              f"({len(remaining)} remaining at or above `--fail-on`).",
              file=out if fmt == "text" else err)
    return code


def _rejected(old: str, new: str, path: str) -> list[str]:
    """The errors (what uv refuses) the fixed text has that the original has not: a fix is
    never written when it would make uv reject the file."""
    from collections import Counter

    def errors(text: str) -> Counter[str]:
        return Counter(f.code for f in check_text(text, path) if f.severity is Severity.ERROR)

    before, after = errors(old), errors(new)
    return sorted(after - before)


def _read_only(path: str) -> bool:
    """A file no one may write (mode without any `w`; root may, but `--fix` does not), or
    that this user may not write."""
    return not os.stat(path).st_mode & 0o222 or not os.access(path, os.W_OK)


def _write(path: str, data: bytes) -> None:
    """Replace the file's contents, keeping its mode (through a file beside it, so that a
    failed write leaves the file as it was)."""
    mode = os.stat(path).st_mode & 0o7777
    tmp = f"{path}.uig-{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _report(findings: list[Finding], problems: list[str], checked: int, fmt: str,
            fail_on: Severity, out: TextIO, err: TextIO, *, unreadable: bool,
            style: Style = PLAIN) -> int:
    findings.sort(key=lambda f: f.sort_key)
    for line in problems:
        print(line, file=err)
    # Text says nothing when every path was wrong; every other format always writes its
    # report (an empty one is still a report a CI job reads).
    if fmt != "text" or checked or not problems:
        text = render(fmt, findings, checked, style)
        if text or fmt != "text":
            print(text, file=out)
    if unreadable:
        return 2
    return 1 if any(f.severity >= fail_on for f in findings) else 0
