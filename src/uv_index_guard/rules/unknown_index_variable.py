from __future__ import annotations

import difflib
from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity, TextEdit
from uv_index_guard.index_env import env_vars
from uv_index_guard.rules.ci_base import INDEX_VAR, CiContext, CiRule


def indexes_set_in_file(ctx: CiContext) -> dict[str, str]:
    """The `UV_INDEX_*` variables of indexes the file itself defines (`UV_INDEX` and
    `UV_DEFAULT_INDEX` take `name=url` entries, separated by spaces)."""
    found: dict[str, str] = {}
    for assignment in ctx.doc.assignments:
        if assignment.name not in ("UV_INDEX", "UV_DEFAULT_INDEX") or not assignment.value:
            continue
        for entry in assignment.value.split():
            name, sep, url = entry.partition("=")
            if sep and name and "://" in url:
                for var in env_vars(name):
                    found[var] = name
    return found


class UnknownIndexVariable(CiRule):
    """UIG402: a `UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` whose `<NAME>` is no index of the
    project: uv reads the variable only for an index of that name, so it does nothing."""

    code = "UIG402"
    name = "unknown-index-variable"
    severity = Severity.WARNING
    summary = "`UV_INDEX_<NAME>_USERNAME`/`_PASSWORD` set for a name that is no index"

    def check_ci(self, ctx: CiContext) -> Iterator[Finding]:
        if ctx.index_vars is None:
            return  # no project found beside the file: its indexes are unknown
        known = {**ctx.index_vars, **indexes_set_in_file(ctx)}
        for assignment in ctx.doc.assignments:
            match = INDEX_VAR.match(assignment.name)
            if match is None or assignment.name in known:
                continue
            # The closest index by the name part alone (`GITLB` to `GITLAB`, not `INTERNAL`).
            same_kind = {m.group(1): v for v in known
                         if (m := INDEX_VAR.match(v)) and m.group(2) == match.group(2)}
            near = difflib.get_close_matches(match.group(1), sorted(same_kind), n=1,
                                             cutoff=0.75)
            close = [same_kind[n] for n in near]
            indexes = ", ".join(f"`{n}`" for n in sorted(set(known.values()))) or "none"
            message = (f"`{assignment.name}` matches no index: uv reads it only for an index "
                       f"whose name upper-cased, with `-` and `.` as `_`, is `{match.group(1)}` "
                       f"(the project's indexes: {indexes})")
            fixes = []
            if close:
                message += f"; did you mean `{close[0]}` (index `{known[close[0]]}`)?"
                fixes.append(Fix(f"Rename to `{close[0]}`",
                                 (TextEdit(assignment.name_range, close[0]),), safe=False))
            yield ctx.finding(self, assignment.name_range, message, fixes)
