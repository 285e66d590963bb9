"""Secret findings to text, JSON, SARIF 2.1.0 and GitLab's secret-detection report. Pure.

Findings carry only masked secrets and fingerprints, so no report can hold a secret.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from uv_index_guard import __version__
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.scanner import RULES

FORMATS = ("text", "json", "sarif", "gitlab")
INFORMATION_URI = "https://docs.gitlab.com/security/tokens/"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
GITLAB_SCHEMA_VERSION = "15.0.7"
NO_COMMIT = "0000000"  # GitLab's placeholder sha for findings outside history scans


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def text_report(findings: Sequence[Finding], scanned: int, *, history: bool = False) -> str:
    lines = []
    for f in findings:
        start = f.range.start
        where = f" (commit {f.commit[:12]})" if f.commit else ""
        lines.append(f"{f.path}:{start.line + 1}:{start.column + 1}: {f.code} {f.message}{where}")
    what = _plural(scanned, "commit" if history else "file")
    if findings:
        lines.append(f"Found {_plural(len(findings), 'secret')} in {what}. Revoke any secret "
                     "that was pushed; mark fixtures with `uv-index-guard: allow`.")
    else:
        lines.append(f"No secrets found ({what} scanned).")
    return "\n".join(lines)


def json_report(findings: Sequence[Finding], *, history: bool = False) -> str:
    rows = []
    for f in findings:
        row: dict[str, Any] = {
            "path": f.path,
            "line": f.range.start.line + 1,
            "column": f.range.start.column + 1,
            "end_line": f.range.end.line + 1,
            "end_column": f.range.end.column + 1,
            "rule": f.code,
            "severity": f.severity.label,
            "message": f.message,
            "fingerprint": f.fingerprint,
        }
        if history:
            row["commit"] = f.commit
        rows.append(row)
    return json.dumps({"findings": rows}, indent=2, ensure_ascii=False)


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_report(findings: Sequence[Finding]) -> str:
    rules = [{"id": r.id, "name": r.id, "shortDescription": {"text": r.name},
              "helpUri": r.help_uri} for r in RULES]
    index = {r.id: i for i, r in enumerate(RULES)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.path.replace("\\", "/")},
                "region": {"startLine": f.range.start.line + 1,
                           "startColumn": f.range.start.column + 1,
                           "endLine": f.range.end.line + 1,
                           "endColumn": f.range.end.column + 1},
            }}],
            "partialFingerprints": {"secretFingerprint/v1": f.fingerprint},
        }
        if f.commit:
            result["properties"] = {"commitSha": f.commit}
        results.append(result)
    return json.dumps({
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [{
            "tool": {"driver": {"name": "uv-index-guard", "version": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "results": results,
        }],
    }, indent=2, ensure_ascii=False)


_GITLAB_SEVERITY = {Severity.ERROR: "Critical", Severity.WARNING: "Medium", Severity.INFO: "Low"}


def gitlab_report(findings: Sequence[Finding], started: datetime,
                  ended: datetime | None = None) -> str:
    ended = ended or datetime.now(timezone.utc)
    tool = {"id": "uv-index-guard", "name": "uv-index-guard", "version": __version__,
            "vendor": {"name": "uv-index-guard"}}
    names = {r.id: r.name for r in RULES}
    vulnerabilities = []
    for f in findings:
        line = f.range.start.line + 1
        key = f"{f.fingerprint}:{f.path}:{line}:{f.commit or ''}".encode()
        vulnerabilities.append({
            "id": hashlib.sha256(key).hexdigest(),
            "name": names.get(f.code, f.code),
            "description": f.message,
            "severity": _GITLAB_SEVERITY[f.severity],
            "identifiers": [{"type": "uv_index_guard_rule_id", "name": f.code, "value": f.code}],
            "location": {"file": f.path.replace("\\", "/"), "start_line": line,
                         "end_line": f.range.end.line + 1,
                         "commit": {"sha": f.commit or NO_COMMIT}},
            "raw_source_code_extract": _masked_extract(f.message),
        })
    stamp = "%Y-%m-%dT%H:%M:%S"
    return json.dumps({
        "version": GITLAB_SCHEMA_VERSION,
        "scan": {"analyzer": tool, "scanner": tool,
                 "start_time": started.strftime(stamp), "end_time": ended.strftime(stamp),
                 "status": "success", "type": "secret_detection"},
        "vulnerabilities": vulnerabilities,
    }, indent=2, ensure_ascii=False)


def _masked_extract(message: str) -> str:
    """The masked secret the message shows between backticks (never the secret itself)."""
    parts = message.split("`")
    return parts[1] if len(parts) >= 3 else "****"


def render(fmt: str, findings: Sequence[Finding], *, history: bool, started: datetime,
           scanned: int = 0) -> str:
    if fmt == "json":
        return json_report(findings, history=history)
    if fmt == "sarif":
        return sarif_report(findings)
    if fmt == "gitlab":
        return gitlab_report(findings, started)
    return text_report(findings, scanned, history=history)
