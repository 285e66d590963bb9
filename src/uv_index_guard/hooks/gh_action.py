"""The GitHub Action's gate (`action.yml` at the repository root runs it as
`python -m uv_index_guard.hooks.gh_action`): which commits to scan, from the event payload;
the scan; an `::error` annotation per finding; a job summary with the masked findings table;
the exit code.

Inputs come as environment variables, as the composite action passes them:

    INPUT_ARGS              `scan` arguments; empty: `--git <range>` from the event
    INPUT_SARIF             a path: also write SARIF there (the action uploads it)
    INPUT_FAIL_ON_FINDINGS  `true` (default): exit 1 on findings; `false`: report only
    GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_SHA

The range: `pull_request` (and `pull_request_target`) scans `base.sha..head.sha`; `push`
scans `before..after`, the whole history of `after` when `before` is all zeros (a new branch)
or unknown to this clone (a force push whose old tip was not fetched); any other event
(schedule, workflow_dispatch) the whole history (`--all`). Everything printed is the
scanner's masked output: no token appears in full.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

ZEROS = "0" * 40


def commit_range(event: str, payload: Mapping[str, Any],
                 known: Callable[[str], bool]) -> tuple[list[str], str]:
    """The `scan` arguments for an event, and a sentence saying what they cover.
    ``known(sha)`` tells whether this clone has a commit."""
    if event in ("pull_request", "pull_request_target"):
        pr = payload.get("pull_request") or {}
        base = (pr.get("base") or {}).get("sha")
        head = (pr.get("head") or {}).get("sha")
        if base and head:
            return ["--git", f"{base}..{head}"], (
                f"the pull request's commits ({base[:8]}..{head[:8]})")
    if event == "push":
        before, after = payload.get("before"), payload.get("after")
        if after and after != ZEROS:
            if before and before != ZEROS and known(before):
                return ["--git", f"{before}..{after}"], (
                    f"the pushed commits ({before[:8]}..{after[:8]})")
            why = ("a new branch" if not before or before == ZEROS
                   else "the previous tip is not in this clone (a force push?)")
            return ["--git", after], f"the whole history of {after[:8]} ({why})"
    return ["--git", "--all"], f"the whole history (event `{event or 'unknown'}`)"


def _escape(text: str, property_: bool = False) -> str:
    """GitHub's workflow-command escaping."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def annotation_lines(findings: list[dict[str, Any]]) -> list[str]:
    lines = []
    for f in findings:
        where = (f"file={_escape(str(f['path']), True)},line={f['line']},col={f['column']},"
                 f"endLine={f['end_line']},endColumn={f['end_column']}")
        title = _escape(f"uv-index-guard {f['rule']}", True)
        commit = f" (commit {str(f['commit'])[:12]})" if f.get("commit") else ""
        lines.append(f"::error {where},title={title}::{_escape(str(f['message']) + commit)}")
    return lines


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary(findings: list[dict[str, Any]], covered: str, scanned: Mapping[str, Any],
            failing: bool) -> str:
    """The job summary (Markdown): what was scanned, and a row per finding."""
    commits = scanned.get("commits")
    what = f"{covered}" + (f", {commits} commit(s)" if commits is not None else "")
    if not findings:
        return f"### uv-index-guard: no secrets\n\nScanned {what}.\n"
    verdict = "the gate fails" if failing else "reported only (`fail-on-findings: false`)"
    rows = ["| file | line | rule | commit | finding |", "|---|---|---|---|---|"]
    for f in findings:
        commit = f"`{str(f['commit'])[:12]}`" if f.get("commit") else ""
        rows.append(f"| `{_cell(f['path'])}` | {f['line']} | `{_cell(f['rule'])}` | {commit} "
                    f"| {_cell(f['message'])} |")
    return (f"### uv-index-guard: {len(findings)} secret(s) found\n\nScanned {what}; "
            f"{verdict}. Revoke each token, then remove it from the history (a new commit "
            "does not take it out of the old ones).\n\n" + "\n".join(rows) + "\n")


def _known(sha: str) -> bool:
    return subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True, check=False).returncode == 0


def main(environ: Mapping[str, str] = os.environ) -> int:
    event = environ.get("GITHUB_EVENT_NAME", "")
    payload: dict[str, Any] = {}
    if environ.get("GITHUB_EVENT_PATH"):
        try:
            with open(environ["GITHUB_EVENT_PATH"], encoding="utf-8") as fh:
                payload = json.load(fh)
        except (OSError, ValueError) as exc:
            print(f"::warning::uv-index-guard: cannot read the event payload ({exc}); "
                  "scanning the whole history")
    args = shlex.split(environ.get("INPUT_ARGS", ""))
    if args:
        covered = f"`uv-index-guard scan {' '.join(args)}`"
        if args[0] == "scan":
            args = args[1:]
    else:
        args, covered = commit_range(event, payload, _known)
    fail = environ.get("INPUT_FAIL_ON_FINDINGS", "true").strip().lower() not in (
        "false", "0", "no")
    report = os.path.join(environ.get("RUNNER_TEMP") or ".", "uv-index-guard-findings.json")
    command = [sys.executable, "-m", "uv_index_guard", "scan", *args, "--format", "json",
               "--output", report, "--exit-zero", "-q"]
    print(f"uv-index-guard: scanning {covered}", flush=True)
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        print(f"::error::uv-index-guard scan failed (exit {done.returncode})")
        return done.returncode
    with open(report, encoding="utf-8") as fh:
        data = json.load(fh)
    findings: list[dict[str, Any]] = data.get("findings", [])
    sarif = environ.get("INPUT_SARIF", "").strip()
    if sarif:
        subprocess.run([sys.executable, "-m", "uv_index_guard", "merge-reports", report,
                        "--output-format", "sarif", "--output", sarif, "--exit-zero", "-q"],
                       check=True)
    for line in annotation_lines(findings):
        print(line)
    text = summary(findings, covered, data.get("scanned") or {}, fail)
    if environ.get("GITHUB_STEP_SUMMARY"):
        with open(environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(text)
    if environ.get("GITHUB_OUTPUT"):
        with open(environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
            fh.write(f"findings={len(findings)}\n")
    return 1 if findings and fail else 0


if __name__ == "__main__":
    raise SystemExit(main())
