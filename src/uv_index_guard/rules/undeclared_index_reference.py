from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.rules.base import Context, Rule, did_you_mean, toml_string


class UndeclaredIndexReference(Rule):
    """UIG107: a `[tool.uv.sources]` entry names an index that is not declared."""

    code = "UIG107"
    name = "undeclared-index-reference"
    severity = Severity.ERROR
    summary = "A source names an index that is not declared"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.config.doc.partial:
            return  # an index may be declared in the part tree-sitter could not read
        names = ctx.config.by_name()
        for ref in ctx.config.sources:
            if ref.index in names:
                continue
            guess = did_you_mean(ref.index, names)
            hint = f"; did you mean `{guess}`?" if guess else (
                "; declare it with `[[tool.uv.index]]` and `name = "
                f"\"{ref.index}\"` in this pyproject.toml")
            fixes = [Fix(f"Use index `{guess}`",
                         (ctx.replace_value(ref.value, toml_string(guess, ref.value)),), safe=False)
                     ] if guess else []
            yield ctx.finding(
                self, ref.value.start, ref.value.end,
                f"package `{ref.package}` references an undeclared index: `{ref.index}`{hint}",
                fixes)
