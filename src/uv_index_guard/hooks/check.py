"""`uv-index-guard check`: the config rules over files and directories."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from uv_index_guard.engine import analyze_workspace, check_text
from uv_index_guard.files import (
    Discovered,
    Discovery,
    InputError,
    decode_text,
    display_path,
    nearest_settings,
    project_file,
    read_text,
    walk,
)
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.kinds import CONFIG_NAMES, Kind
from uv_index_guard.report import json_report, statistics, text_report


def collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(files to check, errors) for the given files and directories."""
    files: list[str] = []
    errors: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = list(walk(path, lambda name: name in CONFIG_NAMES))
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
        stdin: BinaryIO | None = None, stdin_name: str | None = None, *, quiet: bool = False,
        stats: bool = False) -> int:
    """`check PATH...`; a path `-` is standard input, checked as ``stdin_name`` (default
    `pyproject.toml`: the name says which kind of file it is)."""
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
                           quiet=quiet, stats=stats)
    files, problems = collect(paths or ["."])
    read: dict[str, str] = {}  # by absolute path: each file is read once
    discovery = Discovery(lambda path: read.pop(path, None) or read_text(path))
    # Files of one workspace are checked together, once; the others alone.
    groups: dict[str, tuple[Discovered, list[str]]] = {}
    alone: list[tuple[str, str]] = []
    for path in files:
        shown = display_path(path)
        try:
            text = read_text(path)
        except InputError as exc:
            problems.append(f"error: {display_path(str(exc))}")
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
    for found, wanted in groups.values():
        for analysis in analyze_workspace(found.configs, found.layout, only=wanted).values():
            findings.extend(analysis.findings)
    for shown, text in alone:
        ignore = (project_ignores(shown) if os.path.basename(shown) != Kind.PYPROJECT.value
                  else frozenset())
        findings.extend(check_text(text, shown, ignore=ignore))
    if any(p.startswith("error:") for p in problems if "no such file" in p):
        unreadable = True
    return _report(findings, problems, len(files) + piped, fmt, fail_on, out, err,
                   unreadable=unreadable, quiet=quiet, stats=stats)


def _report(findings: list[Finding], problems: list[str], checked: int, fmt: str,
            fail_on: Severity, out: TextIO, err: TextIO, *, unreadable: bool,
            quiet: bool = False, stats: bool = False) -> int:
    findings.sort(key=lambda f: f.sort_key)
    for line in problems:
        print(line, file=err)
    if fmt == "json":
        print(json_report(findings), file=out)
    elif stats:
        if findings:
            print(statistics(findings), file=out)
    elif checked or not problems:
        text = text_report(findings, checked, quiet=quiet)
        if text:
            print(text, file=out)
    if unreadable:
        return 2
    return 1 if any(f.severity >= fail_on for f in findings) else 0
