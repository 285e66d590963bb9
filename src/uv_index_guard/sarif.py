"""SARIF 2.1.0 for both reports (`check`'s config findings, `scan`'s secrets). Pure.

What GitHub code scanning reads: a driver with its rules (both descriptions, help text and
markdown, `security-severity`), one result per finding with a percent-encoded URI and a
`primaryLocationLineHash` it can keep across runs, and, for history scans, the repository
and revision in `versionControlProvenance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from uv_index_guard import __version__
from uv_index_guard.finding import Finding, Severity

SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
#: This project's home, where every rule's page is linked from.
INFORMATION_URI: Final = "https://github.com/uv-index-guard/uv-index-guard"

_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


@dataclass(frozen=True)
class Provenance:
    """Where a history scan's commits come from (SARIF `versionControlProvenance`):
    the repository (a URI with no credentials), the revision scanned and its branch."""

    repository: str
    revision: str | None = None
    branch: str | None = None


def uri(path: str) -> str:
    """A path as a SARIF `uri-reference`: `/` separated, spaces and non-ASCII escaped."""
    return quote(path.replace("\\", "/"), safe="/")


def level(severity: Severity) -> str:
    return _LEVEL[severity]


def result(f: Finding, index: dict[str, int], line_hash: str,
           fingerprints: dict[str, str] | None = None) -> dict[str, Any]:
    """One finding as a SARIF result (the rule's position in the driver's list from
    ``index``)."""
    return {
        "ruleId": f.code,
        "ruleIndex": index[f.code],
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(f.path)},
            "region": {"startLine": f.range.start.line + 1,
                       "startColumn": f.range.start.column + 1,
                       "endLine": f.range.end.line + 1,
                       "endColumn": f.range.end.column + 1},
        }}],
        "partialFingerprints": {**(fingerprints or {}), "primaryLocationLineHash": line_hash},
    }


def log(rules: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]],
        provenance: Provenance | None = None) -> dict[str, Any]:
    """The whole SARIF log of one run."""
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "uv-index-guard", "version": __version__,
                            "informationUri": INFORMATION_URI, "rules": list(rules)}},
        "results": list(results),
    }
    if provenance is not None:
        details: dict[str, Any] = {"repositoryUri": provenance.repository}
        if provenance.revision:
            details["revisionId"] = provenance.revision
        if provenance.branch:
            details["branch"] = provenance.branch
        run["versionControlProvenance"] = [details]
    return {"version": "2.1.0", "$schema": SCHEMA, "runs": [run]}
