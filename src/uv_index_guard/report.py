"""`check`'s findings in every format it writes: text, JSON, JSON lines, SARIF, GitHub
workflow commands, GitLab Code Quality and JUnit XML. Pure: no I/O."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from uv_index_guard import sarif
from uv_index_guard.finding import Finding, Severity


@dataclass(frozen=True)
class Style:
    """How text output looks: ``quiet`` (`-q`: the findings only), ``statistics`` (a count
    per rule instead), ``color`` (ANSI colours, as `--color` and the terminal decide)."""

    quiet: bool = False
    statistics: bool = False
    color: bool = False


PLAIN: Final = Style()

_SGR: Final = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
               "blue": "34", "cyan": "36"}
SEVERITY_COLOR: Final = {Severity.ERROR: "red", Severity.WARNING: "yellow",
                         Severity.INFO: "blue"}


def paint(text: str, style: Style, *names: str) -> str:
    """``text`` in the colours ``names`` (bold, red, ...) when ``style.color``."""
    if not style.color or not names:
        return text
    return f"\x1b[{';'.join(_SGR[n] for n in names)}m{text}\x1b[0m"


def location(f: Finding, style: Style) -> str:
    """`path:line:col:` as ruff shows it (the path bold, the separators dim)."""
    sep = paint(":", style, "cyan")
    start = f.range.start
    return (f"{paint(f.path, style, 'bold')}{sep}{start.line + 1}{sep}{start.column + 1}"
            f"{sep}")


def statistics(findings: Sequence[Finding]) -> str:
    """How many findings of each rule, most first (`--statistics`, as in ruff)."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return "\n".join(f"{n:>5}  {code}" for code, n in
                     sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def text_report(findings: Sequence[Finding], files_checked: int, style: Style = PLAIN,
                ) -> str:
    """One line per finding and a summary (``style.quiet``: the findings only, as ruff's
    -q; ``style.statistics``: a count per rule)."""
    if style.statistics:
        return statistics(findings)
    lines = []
    for f in findings:
        marker = paint(" [*]", style, "cyan") if f.fixes else ""
        code = paint(f.code, style, "bold", SEVERITY_COLOR[f.severity])
        lines.append(f"{location(f, style)} {code}{marker} {f.message}")
    if not style.quiet:
        lines.append(paint(summary(findings, files_checked), style,
                           "bold" if findings else "green"))
    return "\n".join(lines)


def summary(findings: Sequence[Finding], files_checked: int) -> str:
    files = f"{files_checked} file{'s' if files_checked != 1 else ''}"
    if not findings:
        return f"All checks passed! ({files} checked)"
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    parts = [f"{n} {s.label}{'s' if n != 1 else ''}"
             for s, n in sorted(counts.items(), reverse=True) if n]
    safe = sum(1 for f in findings if any(fix.safe for fix in f.fixes))
    unsafe = sum(1 for f in findings if f.fixes) - safe
    tail = f"; [*] {safe} fixable with `--fix`" if safe else ""
    if unsafe:
        tail += (f", {unsafe} more with `--unsafe-fixes`" if safe
                 else f"; [*] {unsafe} fixable with `--fix --unsafe-fixes`")
    return f"Found {', '.join(parts)} in {files}{tail}."


def _row(f: Finding) -> dict[str, Any]:
    return {
        "path": f.path,
        "line": f.range.start.line + 1,
        "column": f.range.start.column + 1,
        "end_line": f.range.end.line + 1,
        "end_column": f.range.end.column + 1,
        "severity": f.severity.label,
        "code": f.code,
        "message": f.message,
        "fixable": any(fix.safe for fix in f.fixes),
    }


def json_report(findings: Sequence[Finding]) -> str:
    return json.dumps({"findings": [_row(f) for f in findings]}, indent=2, ensure_ascii=False)


def json_lines_report(findings: Sequence[Finding]) -> str:
    """One JSON object per finding and line (as ruff's `json-lines`)."""
    return "\n".join(json.dumps(_row(f), ensure_ascii=False) for f in findings)


def _occurrences(findings: Sequence[Finding], key: Callable[[Finding], str]) -> list[str]:
    """A fingerprint per finding that survives lines moving: a hash of ``key`` and how many
    findings before it had the same key (as ruff's and GitHub's line hashes)."""
    import hashlib

    seen: dict[str, int] = {}
    out = []
    for f in findings:
        k = key(f)
        seen[k] = seen.get(k, 0) + 1
        out.append(hashlib.sha256(f"{k}:{seen[k]}".encode()).hexdigest()[:32])
    return out


def _identity(f: Finding) -> str:
    """What a finding is, wherever its lines move (a message naming another line, such as
    UIG104's "the index on line 7", does not count the line)."""
    import re

    return f"{f.path}\0{f.code}\0{re.sub(r'line [0-9]+', 'line', f.message)}"


def sarif_report(findings: Sequence[Finding]) -> str:
    """SARIF 2.1.0, every config and CI rule in the driver (GitHub code scanning)."""
    from uv_index_guard.rules import ALL_RULES as RULES

    rules = [{
        "id": r.code, "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": f"{r.summary} ({r.code}, `{r.name}`)."},
        "help": {"text": f"{r.summary}. See {r.docs_url}",
                 "markdown": f"**{r.code} `{r.name}`**: {r.summary}.\n\n"
                             f"[The rule's page]({r.docs_url})"},
        "helpUri": r.docs_url,
        "defaultConfiguration": {"level": sarif.level(r.severity)},
        "properties": {"tags": (["security", "secret", "external/cwe/cwe-798"]
                                if r.code.startswith("UIG3") else ["uv", "configuration"]),
                       "precision": "very-high",
                       **({"security-severity": "9.0"} if r.code.startswith("UIG3") else {})},
    } for r in RULES]
    index = {r.code: i for i, r in enumerate(RULES)}
    results = [sarif.result(f, index, line_hash)
               for f, line_hash in zip(findings, _occurrences(findings, _identity), strict=True)]
    return json.dumps(sarif.log(rules, results), indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning",
                        Severity.INFO: "notice"}


def github_report(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: an annotation on the line of each finding."""
    lines = []
    for f in findings:
        start, end = f.range.start, f.range.end
        props = (f"title={_escape_property(f'uv-index-guard ({f.code})')},"
                 f"file={_escape_property(f.path)},line={start.line + 1},col={start.column + 1},"
                 f"endLine={end.line + 1},endColumn={end.column + 1}")
        message = f"{f.path}:{start.line + 1}:{start.column + 1}: {f.code} {f.message}"
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {props}::{_escape_data(message)}")
    return "\n".join(lines)


# Code Quality's scale is info, minor, major, critical, blocker: uv refusing the file blocks.
_CODE_QUALITY: Final = {Severity.ERROR: "blocker", Severity.WARNING: "major",
                        Severity.INFO: "info"}


def gitlab_report(findings: Sequence[Finding]) -> str:
    """A GitLab Code Quality report (`artifacts: reports: codequality`)."""
    return json.dumps([{
        "description": f"{f.code}: {f.message}",
        "check_name": f.code,
        "fingerprint": print_,
        "severity": _CODE_QUALITY[f.severity],
        "location": {"path": f.path.replace("\\", "/"), "positions": {
            "begin": {"line": f.range.start.line + 1, "column": f.range.start.column + 1},
            "end": {"line": f.range.end.line + 1, "column": f.range.end.column + 1}}},
    } for f, print_ in zip(findings, _occurrences(findings, _identity), strict=True)],
        indent=2, ensure_ascii=False)


def junit_report(findings: Sequence[Finding], files_checked: int) -> str:
    """JUnit XML, a test suite per file with findings and a failing case per finding (as
    ruff's `junit`); no findings: one passing case."""
    from xml.etree import ElementTree

    root = ElementTree.Element("testsuites", name="uv-index-guard", tests=str(len(findings)),
                               failures=str(len(findings)), errors="0")
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    if not findings:
        suite = ElementTree.SubElement(root, "testsuite", name="uv-index-guard", tests="1",
                                       failures="0", errors="0")
        ElementTree.SubElement(suite, "testcase", name="no findings",
                               classname=f"{files_checked} files checked")
    for path, found in by_path.items():
        suite = ElementTree.SubElement(root, "testsuite", name=path, tests=str(len(found)),
                                       failures=str(len(found)), errors="0")
        for f in found:
            line, column = f.range.start.line + 1, f.range.start.column + 1
            case = ElementTree.SubElement(suite, "testcase", name=f"uv-index-guard.{f.code}",
                                          classname=path, file=path, line=str(line),
                                          column=str(column))
            failure = ElementTree.SubElement(case, "failure", message=f.message,
                                             type=f.severity.label)
            failure.text = f"line {line}, col {column}, {f.message}"
    ElementTree.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(root, encoding="unicode"))


def render(fmt: str, findings: Sequence[Finding], files_checked: int,
           style: Style = PLAIN) -> str:
    """The report ``fmt`` names (one of :data:`formats.CHECK`); "" when there is nothing to
    say."""
    if fmt == "json":
        return json_report(findings)
    if fmt == "json-lines":
        return json_lines_report(findings)
    if fmt == "sarif":
        return sarif_report(findings)
    if fmt == "github":
        return github_report(findings)
    if fmt == "gitlab":
        return gitlab_report(findings)
    if fmt == "junit":
        return junit_report(findings, files_checked)
    return text_report(findings, files_checked, style)
