"""Secret findings to text, JSON, SARIF 2.1.0 and GitLab's secret-detection report. Pure.

Findings carry only masked secrets and fingerprints, so no report can hold a secret.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from uv_index_guard import __version__, sarif
from uv_index_guard.finding import Finding, Severity
from uv_index_guard.redact import without_secrets
from uv_index_guard.report import PLAIN, SEVERITY_COLOR, Style, location, paint, statistics
from uv_index_guard.scanner import RULES, SecretRule
from uv_index_guard.text import Position, Range

GITLAB_SCHEMA_VERSION = "15.0.7"
NO_COMMIT = "0000000"  # GitLab's placeholder sha for findings outside history scans


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# The verdicts of `scan --verify`, and how the text report marks each.
_VERIFIED_TEXT = {"active": " [active: revoke now]", "inactive": " [inactive]",
                  "unknown": " [not verified]"}


def text_report(findings: Sequence[Finding], scanned: int, *, history: bool = False,
                unreadable: int = 0, style: Style = PLAIN) -> str:
    """One line per finding, then a summary (``style``: -q, --statistics, colour). Verified
    findings (``scan --verify``) list the active tokens first. ``unreadable``: paths that
    could not be scanned (the summary never calls a scan with such paths clean)."""
    if style.statistics:
        return statistics(findings)
    verified = any(f.verified for f in findings)
    if verified:
        findings = sorted(findings, key=lambda f: f.verified != "active")  # stable
    lines = []
    for f in findings:
        where = f" (commit {paint(f.commit[:12], style, 'yellow')})" if f.commit else ""
        state = _VERIFIED_TEXT.get(f.verified or "", "")
        if f.verified == "active":
            state = paint(state, style, "bold", "red")
        code = paint(f.code, style, "bold", SEVERITY_COLOR[f.severity])
        lines.append(f"{location(f, style)} {code} {f.message}{where}{state}")
    if style.quiet:  # the findings only, as ruff's -q
        return "\n".join(lines)
    what = _plural(scanned, "commit" if history else "file")
    if findings:
        lines.append(paint(f"Found {_plural(len(findings), 'secret')} in {what}.", style,
                           "bold")
                     + " Move each to an environment variable or a CI/CD variable "
                       "(`uv-index-guard fix --to env|keyring` for an index URL), revoke any "
                       "that was pushed, and record accepted ones with `--write-baseline` "
                       "(or mark a fixture's line `uv-index-guard: allow`).")
        if verified:
            counts = {v: sum(1 for f in findings if f.verified == v) for v in _VERIFIED_TEXT}
            lines.append(f"Verified with the GitLab instance: {counts['active']} active "
                         f"(revoke now), {counts['inactive']} inactive, {counts['unknown']} "
                         "unknown.")
    elif unreadable:
        lines.append(f"No secrets found in the {what} scanned, but "
                     f"{_plural(unreadable, 'path')} could not be read.")
    else:
        lines.append(paint(f"No secrets found ({what} scanned).", style, "green"))
    if findings and unreadable:
        lines.append(f"{_plural(unreadable, 'path')} could not be read.")
    return "\n".join(lines)


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Findings in the order every report lists them."""
    return sorted(findings, key=lambda f: (f.path, f.range.start.line, f.range.start.column,
                                           f.commit or "", f.code, f.fingerprint or ""))


def json_report(findings: Sequence[Finding], *, history: bool = False,
                scanned: int | None = None, shard: ShardId | None = None) -> str:
    """The JSON report; with ``scanned``, it also says how many commits (``history``) or
    files were scanned, and with ``shard`` (K, N, history) which shard of which history it
    covers: :func:`merge_json_reports` adds those up and checks that no shard is missing."""
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
        if f.verified:
            row["verified"] = f.verified
        rows.append(row)
    out: dict[str, Any] = {"findings": rows}
    if scanned is not None:
        out["scanned"] = {"commits" if history else "files": scanned}
    if shard is not None:
        out["shard"] = {"index": shard[0], "count": shard[1]}
        if shard[2]:
            out["shard"]["history"] = shard[2]
    return json.dumps(out, indent=2, ensure_ascii=False)


#: `scan --shard K/N`: (K, N, a digest of the commits of the history split, or "")
ShardId = tuple[int, int, str]


class ReportError(ValueError):
    """A file that is not a JSON report of `scan` (one line, for the user)."""


_ROW_KEYS = ("path", "line", "column", "end_line", "end_column", "rule", "severity",
             "message", "fingerprint")


@dataclass(frozen=True)
class JsonReport:
    findings: list[Finding]
    unit: str | None  # what was scanned: "commits", "files", or None when it does not say
    scanned: int
    shard: tuple[int, int] | None  # (K, N) of `scan --shard K/N`
    history: str = ""  # what the shard's `history` says: which history was split


def read_json_report(text: str, name: str) -> JsonReport:
    """A JSON report of `scan`; ``name`` names it in errors."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ReportError(f"{name}: not JSON") from None
    rows = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ReportError(f"{name}: not a JSON report of `uv-index-guard scan` "
                          "(no `findings` list)")
    findings = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or any(key not in row for key in _ROW_KEYS):
            raise ReportError(f"{name}: finding {i} lacks one of " + ", ".join(_ROW_KEYS))
        try:
            numbers = [int(row[k]) for k in ("line", "column", "end_line", "end_column")]
            if min(numbers) < 1 or isinstance(row["line"], bool):
                raise ValueError
            where = Range(Position(numbers[0] - 1, numbers[1] - 1),
                          Position(numbers[2] - 1, numbers[3] - 1))
            severity = Severity.parse(str(row["severity"]))
        except (TypeError, ValueError):
            raise ReportError(f"{name}: finding {i} has a bad position or severity") from None
        commit = row.get("commit")
        verified = row.get("verified")
        if verified is not None and verified not in _VERIFIED_TEXT:
            raise ReportError(f"{name}: finding {i} has a bad `verified`")
        shown = [without_secrets(str(row[k])) for k in ("path", "rule", "message")]
        findings.append(Finding(shown[0], where, severity, shown[1], shown[2],
                                fingerprint=str(row["fingerprint"]),
                                commit=str(commit) if commit else None, verified=verified))
    scanned = data.get("scanned")
    unit, count = None, 0
    if isinstance(scanned, dict) and len(scanned) == 1:
        ((unit, count),) = scanned.items()
        if unit not in ("commits", "files") or not isinstance(count, int):
            raise ReportError(f"{name}: bad `scanned` count")
    shard = data.get("shard")
    part = None
    if shard is not None:
        k = shard.get("index") if isinstance(shard, dict) else None
        n = shard.get("count") if isinstance(shard, dict) else None
        split = shard.get("history", "") if isinstance(shard, dict) else ""
        if not (isinstance(k, int) and isinstance(n, int) and 1 <= k <= n
                and isinstance(split, str) and len(split) <= 64
                and split.strip("0123456789abcdef") == ""):
            raise ReportError(f"{name}: bad `shard`")
        part = (k, n)
    return JsonReport(findings, unit, count, part, split if part else "")


def merge_json_reports(reports: Sequence[tuple[str, str]],
                       ) -> tuple[list[Finding], bool, int]:
    """Join the JSON reports (name, text) of shards of one scan: (the findings, each once,
    in report order; whether they come from history; how many commits or files all the
    shards scanned). A finding is the same in two reports when its fingerprint, place and
    commit are; a shard given twice counts once. Shards of different splits, or a split
    with a shard missing, are refused: the merged report would silently cover less."""
    seen: dict[tuple[object, ...], Finding] = {}
    units: set[str] = set()
    total = 0
    shards: dict[tuple[int, int], str] = {}
    histories: dict[str, str] = {}
    for name, text in reports:
        report = read_json_report(text, name)
        if report.shard is not None:
            if report.history:
                histories.setdefault(report.history, name)
            if report.shard in shards:
                continue  # the same shard again (a retried job's artifact)
            shards[report.shard] = name
        if report.unit is not None:
            units.add(report.unit)
            total += report.scanned
        for f in report.findings:
            seen.setdefault((f.fingerprint, f.path, f.range, f.code, f.commit), f)
    if len(units) > 1:
        raise ReportError("the reports mix a history scan and a file scan")
    counts = {n for _, n in shards}
    if len(counts) > 1:
        raise ReportError("the reports are shards of different splits: "
                          + ", ".join(f"{k}/{n} ({name})" for (k, n), name in shards.items()))
    if len(histories) > 1:
        raise ReportError("the shards split different histories ("
                          + ", ".join(histories.values()) + "): every job must fetch the "
                          "same refs, whole (GitLab: GIT_DEPTH: 0; GitHub: fetch-depth: 0)")
    if counts:
        (n,) = counts
        missing = [f"{k}/{n}" for k in range(1, n + 1) if (k, n) not in shards]
        if missing:
            raise ReportError(f"shard {', '.join(missing)} is missing: the merged report "
                              "would leave its commits out")
    history = units == {"commits"} or (not units and any(f.commit for f in seen.values()))
    return ordered(list(seen.values())), history, total


def _sarif_rule(rule: SecretRule) -> dict[str, Any]:
    """A rule as GitHub code scanning wants it: both descriptions, help, and the
    `security-severity`, tags and precision it shows and filters by."""
    full = f"{rule.name} found in a file or in the lines a commit adds."
    return {
        "id": rule.id, "name": rule.id,
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": full},
        "help": {"text": rule.solution,
                 "markdown": f"**{rule.name}**\n\n{rule.solution}\n\n[More]({rule.help_uri})"},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": "error"},
        "properties": {"security-severity": rule.score, "precision": "high",
                       "tags": ["security", "secret", "external/cwe/cwe-798"]},
    }


def sarif_report(findings: Sequence[Finding],
                 provenance: sarif.Provenance | None = None) -> str:
    """SARIF; ``provenance``: the repository a history scan read (each result names its
    commit too: in its message, in `partialFingerprints.commitSha` as gitleaks puts it, and
    in `properties.commitSha`)."""
    index = {r.id: i for i, r in enumerate(RULES)}
    results = []
    # GitHub tracks a result across runs by `primaryLocationLineHash` and can only compute
    # it for files in the checkout; this one (the secret's fingerprint and its occurrence in
    # the file) holds for files that exist only in history too.
    seen: dict[tuple[str, str | None], int] = {}
    for f in findings:
        n = seen[(f.path, f.fingerprint)] = seen.get((f.path, f.fingerprint), 0) + 1
        prints = {"secretFingerprint/v1": f.fingerprint or ""}
        if f.commit:
            prints["commitSha"] = f.commit
        result = sarif.result(f, index, f"{f.fingerprint}:{n}", prints)
        properties = {}
        if f.commit:
            properties["commitSha"] = f.commit
            result["message"]["text"] += f" (commit {f.commit[:12]})"
        if f.verified:
            properties["verified"] = f.verified
        if properties:
            result["properties"] = properties
        results.append(result)
    return json.dumps(sarif.log([_sarif_rule(r) for r in RULES], results, provenance),
                      indent=2, ensure_ascii=False)


# GitLab's scale, lowest first. A confirmed finding (an error) takes its rule's severity; a
# doubtful one (a warning: a checksum that fails, ...) is Medium at most, an info Low.
_GITLAB_SCALE = ("Info", "Low", "Medium", "High", "Critical")
_GITLAB_CAP = {Severity.WARNING: "Medium", Severity.INFO: "Low"}


def _gitlab_severity(rule: SecretRule | None, severity: Severity) -> str:
    ceiling = _GITLAB_CAP.get(severity, "Critical")
    own = rule.gitlab_severity if rule is not None else ceiling
    return min(own, ceiling, key=_GITLAB_SCALE.index)


def gitlab_report(findings: Sequence[Finding], started: datetime,
                  ended: datetime | None = None) -> str:
    ended = ended or datetime.now(timezone.utc)
    tool = {"id": "uv-index-guard", "name": "uv-index-guard", "version": __version__,
            "vendor": {"name": "uv-index-guard"}}
    rules = {r.id: r for r in RULES}
    vulnerabilities = []
    for f in findings:
        line = f.range.start.line + 1
        key = f"{f.fingerprint}:{f.path}:{line}:{f.commit or ''}".encode()
        rule = rules.get(f.code)
        severity = _gitlab_severity(rule, f.severity)
        vulnerability: dict[str, Any] = {
            "id": hashlib.sha256(key).hexdigest(),
            "name": rule.name if rule is not None else f.code,
            "description": f.message,
            "severity": severity,
            "identifiers": [_identifier(f.code)],
            "location": {"file": f.path.replace("\\", "/"), "start_line": line,
                         "end_line": f.range.end.line + 1,
                         "commit": {"sha": f.commit or NO_COMMIT}},
            "raw_source_code_extract": _masked_extract(f.message),
        }
        if rule is not None:
            vulnerability["solution"] = rule.solution
            vulnerability["links"] = [{"name": rule.name, "url": rule.help_uri}]
        if f.verified:
            vulnerability["details"] = {"verified": {
                "type": "text", "name": "Verified with the GitLab instance",
                "value": f.verified}}
        vulnerabilities.append(vulnerability)
    stamp = "%Y-%m-%dT%H:%M:%S"
    return json.dumps({
        "version": GITLAB_SCHEMA_VERSION,
        "scan": {"analyzer": tool, "scanner": tool,
                 "start_time": started.strftime(stamp), "end_time": ended.strftime(stamp),
                 "status": "success", "type": "secret_detection",
                 "primary_identifiers": [_identifier(r.id) for r in RULES]},
        "vulnerabilities": vulnerabilities,
    }, indent=2, ensure_ascii=False)


def _identifier(code: str) -> dict[str, str]:
    return {"type": "uv_index_guard_rule_id", "name": code, "value": code}


def _masked_extract(message: str) -> str:
    """The masked secret the message shows between backticks (never the secret itself)."""
    parts = message.split("`")
    return parts[1] if len(parts) >= 3 else "****"


def render(fmt: str, findings: Sequence[Finding], *, history: bool, started: datetime,
           scanned: int = 0, shard: ShardId | None = None, unreadable: int = 0,
           provenance: sarif.Provenance | None = None) -> str:
    if fmt == "json":
        return json_report(findings, history=history, scanned=scanned, shard=shard)
    if fmt == "sarif":
        return sarif_report(findings, provenance)
    if fmt == "gitlab":
        return gitlab_report(findings, started)
    return text_report(findings, scanned, history=history, unreadable=unreadable)
