from __future__ import annotations

import re
from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity, TextEdit
from uv_index_guard.rules.ci_base import JOB_TOKEN_REF, CiContext, CiRule, is_job_token
from uv_index_guard.text import Position, Range
from uv_index_guard.tokens import JOB_TOKEN_USER

#: `uv publish` as a command: at the start, or after `;`, `&&`, `||`, `|` (`/path/to/uv` too).
_PUBLISH = re.compile(r"(?:^|[;&|]\s*)(?:\S*/)?uv\s+publish\b")
_TOKEN_ARG = re.compile(r"(?:--token|-t)(?:\s+|=)(" + JOB_TOKEN_REF.pattern + ")")
REPLACEMENT = f'--username {JOB_TOKEN_USER} --password "$CI_JOB_TOKEN"'


class PublishWithJobToken(CiRule):
    """UIG401: `uv publish --token $CI_JOB_TOKEN` (or `UV_PUBLISH_TOKEN` set to it): uv sends
    the username `__token__` with a token, and GitLab takes a job token only with
    `gitlab-ci-token` (uv#9195)."""

    code = "UIG401"
    name = "publish-with-job-token"
    severity = Severity.ERROR
    summary = "`uv publish --token $CI_JOB_TOKEN` gets 401: a job token needs `gitlab-ci-token`"

    def check_ci(self, ctx: CiContext) -> Iterator[Finding]:
        for command in ctx.doc.commands:
            if _PUBLISH.search(command.text.strip()) is None:
                continue
            for line in command.lines:
                for match in _TOKEN_ARG.finditer(line.text):
                    rng = line.range(match.start(), match.end())
                    yield ctx.finding(self, rng, (
                        "`uv publish --token $CI_JOB_TOKEN` sends the username `__token__`, and "
                        f"GitLab answers 401: a CI job token needs the username "
                        f"`{JOB_TOKEN_USER}`; use `{REPLACEMENT}`"),
                        [Fix(f"Use `{REPLACEMENT}`", (TextEdit(rng, REPLACEMENT),))])
        for assignment in ctx.doc.assignments:
            if assignment.name != "UV_PUBLISH_TOKEN" or not is_job_token(assignment.value):
                continue
            sep = "=" if ctx.doc.kind.value == "dotenv" else ": "
            row = assignment.name_range.start.line
            fixes = []
            if assignment.indent.strip() in ("", "export"):
                fixes.append(Fix(
                    f"Set `UV_PUBLISH_USERNAME` to `{JOB_TOKEN_USER}` and the token as "
                    "`UV_PUBLISH_PASSWORD`",
                    (TextEdit(Range(Position(row, 0), Position(row, 0)),
                              f"{assignment.indent}UV_PUBLISH_USERNAME{sep}{JOB_TOKEN_USER}\n"),
                     TextEdit(assignment.name_range, "UV_PUBLISH_PASSWORD"))))
            yield ctx.finding(self, assignment.name_range, (
                "`UV_PUBLISH_TOKEN` set to the CI job token: uv publishes it with the username "
                f"`__token__`, and GitLab answers 401; set `UV_PUBLISH_USERNAME` to "
                f"`{JOB_TOKEN_USER}` and `UV_PUBLISH_PASSWORD` to `$CI_JOB_TOKEN` instead"),
                fixes)
