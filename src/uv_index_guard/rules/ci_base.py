"""What a CI rule gets: the CI file read by :mod:`uv_index_guard.ci`, and the indexes of the
project beside it (their `UV_INDEX_<NAME>_*` variables), when that project is known."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

from uv_index_guard.ci import CiDoc, CiKind
from uv_index_guard.finding import Finding, Fix, Severity, TextEdit
from uv_index_guard.redact import scrub
from uv_index_guard.rules.base import DOCS_URL
from uv_index_guard.text import Range
from uv_index_guard.tokens import find_tokens

#: `$CI_JOB_TOKEN`, `${CI_JOB_TOKEN}`, quoted or not; GitHub's `${{ secrets.CI_JOB_TOKEN }}`.
JOB_TOKEN_REF = re.compile(r"""["']?\$(?:\{\s*CI_JOB_TOKEN\s*\}|CI_JOB_TOKEN\b)["']?""")
INDEX_VAR = re.compile(r"UV_INDEX_([A-Z0-9_]+?)_(USERNAME|PASSWORD)\Z")


def is_job_token(value: str | None) -> bool:
    """A value that is the CI job token: a reference to `CI_JOB_TOKEN`, or a literal one."""
    if value is None:
        return False
    if JOB_TOKEN_REF.fullmatch(value.strip()):
        return True
    return any(m.kind.rule == "gitlab-cicd-job-token" for m in find_tokens(value))


class CiContext:
    """A CI file and the `UV_INDEX_<NAME>_{USERNAME,PASSWORD}` variables of the project's
    indexes, by variable (the index name as value); None when no project was found."""

    __slots__ = ("_secrets", "doc", "index_vars")

    def __init__(self, doc: CiDoc, index_vars: Mapping[str, str] | None) -> None:
        self.doc = doc
        self.index_vars = index_vars
        self._secrets: list[str] | None = None

    @property
    def kind(self) -> CiKind:
        return self.doc.kind

    def finding(self, rule: CiRule, rng: Range, message: str,
                fixes: Iterable[Fix] = ()) -> Finding:
        """A finding whose message and fix titles never hold a token of the file."""
        if self._secrets is None:
            text = self.doc.text
            self._secrets = [text[m.start:m.end] for m in find_tokens(text)]
        secrets = self._secrets

        def safe(text: str) -> str:
            return scrub(text, secrets, min_length=8) if secrets else text

        return Finding(self.doc.path, rng, rule.severity, rule.code, safe(message),
                       tuple(Fix(safe(f.title), f.edits, f.safe) for f in fixes))

    @staticmethod
    def edit(rng: Range, new_text: str) -> TextEdit:
        return TextEdit(rng, new_text)


class CiRule:
    """A rule over CI files (UIG4xx); like :class:`~uv_index_guard.rules.base.Rule`, it has a
    stable code, a name, a severity and a one-line summary."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    tags: ClassVar[tuple[()]] = ()
    per_index: ClassVar[bool] = False

    def check_ci(self, ctx: CiContext) -> Iterable[Finding]:
        raise NotImplementedError

    @property
    def docs_url(self) -> str:
        return DOCS_URL.format(code=self.code)
