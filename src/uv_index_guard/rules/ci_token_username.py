from __future__ import annotations

import re
from collections.abc import Iterator

from uv_index_guard.ci import Assignment
from uv_index_guard.finding import Finding, Fix, Severity, TextEdit
from uv_index_guard.redact import safe_name
from uv_index_guard.rules.ci_base import JOB_TOKEN_REF, CiContext, CiRule, is_job_token
from uv_index_guard.tokens import JOB_TOKEN_USER, username_mismatch

_PAIR = re.compile(r"(UV_INDEX_[A-Z0-9_]+?_|UV_PUBLISH_)(USERNAME|PASSWORD)\Z")
_USERINFO = re.compile(r"https?://([^:@/\s\"']+):([^@\s\"']+)@")
_USERNAME_ARG = re.compile(r"(?:--username|-u)(?:\s+|=)[\"']?([^\s\"']+)")
_PASSWORD_JOB = re.compile(r"(?:--password|-p)(?:\s+|=)" + JOB_TOKEN_REF.pattern)


def problem(secret: str | None, user: str | None) -> str | None:
    """Why GitLab refuses ``secret`` (a value: a literal or `$CI_JOB_TOKEN`) with ``user``."""
    if is_job_token(secret):
        return (None if user == JOB_TOKEN_USER
                else f"a CI job token needs the username `{JOB_TOKEN_USER}`")
    return username_mismatch(secret, user)


class CiTokenUsername(CiRule):
    """UIG403: a token paired with a username GitLab refuses for its kind: the job token
    with anything but `gitlab-ci-token`, an access token with `gitlab-ci-token`."""

    code = "UIG403"
    name = "ci-token-username"
    severity = Severity.ERROR
    summary = "a token set with a username GitLab refuses for its kind"

    def check_ci(self, ctx: CiContext) -> Iterator[Finding]:
        yield from self._variables(ctx)
        yield from self._commands(ctx)

    def _variables(self, ctx: CiContext) -> Iterator[Finding]:
        # What each scope sees: the file's own variables, then its own (a job's override).
        scopes: dict[str, dict[str, Assignment]] = {}
        for assignment in ctx.doc.assignments:
            scopes.setdefault(assignment.scope, {})[assignment.name] = assignment
        base = scopes.get("", {})
        done: set[int] = set()
        for scope, own in scopes.items():
            seen = {**base, **own}
            for name, user in seen.items():
                match = _PAIR.match(name)
                if match is None or match.group(2) != "USERNAME" or id(user) in done:
                    continue
                password = seen.get(match.group(1) + "PASSWORD")
                if password is None or (scope and name not in own
                                        and password.name not in own):
                    continue
                why = problem(password.value, user.value)
                if why is None:
                    continue
                done.add(id(user))
                rng = user.value_range or user.name_range
                fixes = []
                if is_job_token(password.value) and user.value_range is not None:
                    fixes.append(Fix(f"Use the username `{JOB_TOKEN_USER}`",
                                     (TextEdit(user.value_range, JOB_TOKEN_USER),)))
                shown = safe_name(user.value) if user.value else "(none)"
                yield ctx.finding(self, rng, (
                    f"`{name}` is `{shown}` and `{password.name}` holds "
                    f"{'the CI job token' if is_job_token(password.value) else 'a token'}: "
                    f"{why}"), fixes)

    def _commands(self, ctx: CiContext) -> Iterator[Finding]:
        for command in ctx.doc.commands:
            job_password = _PASSWORD_JOB.search(command.text) is not None
            for line in command.lines:
                for match in _USERINFO.finditer(line.text):
                    user, secret = match.group(1), match.group(2)
                    why = problem(secret, user)
                    if why is None:
                        continue
                    rng = line.range(match.start(1), match.end(1))
                    fixes = ([Fix(f"Use the username `{JOB_TOKEN_USER}`",
                                  (TextEdit(rng, JOB_TOKEN_USER),))]
                             if is_job_token(secret) else [])
                    yield ctx.finding(self, rng, (
                        f"the URL sends the username `{safe_name(user)}` with "
                        f"{'the CI job token' if is_job_token(secret) else 'a token'}: {why}"),
                        fixes)
                if not job_password:
                    continue
                for match in _USERNAME_ARG.finditer(line.text):
                    user = match.group(1)
                    if user == JOB_TOKEN_USER:
                        continue
                    rng = line.range(match.start(1), match.end(1))
                    yield ctx.finding(self, rng, (
                        f"`--username {safe_name(user)}` with `--password $CI_JOB_TOKEN`: a CI "
                        f"job token needs the username `{JOB_TOKEN_USER}`"),
                        [Fix(f"Use the username `{JOB_TOKEN_USER}`",
                             (TextEdit(rng, JOB_TOKEN_USER),))])
