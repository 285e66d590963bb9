from __future__ import annotations

from collections.abc import Collection, Iterator

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.rules.base import Context, Rule, did_you_mean, toml_string


class UndeclaredIndexReference(Rule):
    """UIG107: a `[tool.uv.sources]` entry names an index that is not declared where uv
    looks: the same pyproject.toml or, for a workspace member, the workspace root."""

    code = "UIG107"
    name = "undeclared-index-reference"
    severity = Severity.ERROR
    summary = "A source names an index that is not declared"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.config.doc.partial:
            return  # an index may be declared in the part tree-sitter could not read
        ws = ctx.workspace
        own = ctx.config.by_name()
        for ref in ctx.config.sources:
            names: Collection[str]
            if ws is None:
                names, missing_in = own, ctx.path
                if ref.index in names:
                    continue
            else:
                # uv looks the name up for each project whose dependency the source decides,
                # among that project's indexes and the root's. A source that decides none is
                # never read (UIG216 says so).
                blind = [c for c in ws.consumers(ctx.path, ref.normalized)
                         if ref.index not in ws.declared_for(c)]
                if not blind:
                    continue
                missing_in = blind[0]
                names = ws.declared_for(missing_in)
            guess = did_you_mean(ref.index, names)
            elsewhere = ws.declared_elsewhere(ref.index, missing_in) if ws is not None else []
            if guess:
                hint = f"; did you mean `{guess}`?"
            elif elsewhere and ws is not None:
                hint = (f"; it is declared in `{ws.relative(elsewhere[0], ctx.path)}`, which "
                        "sources here cannot see (a member may name its own indexes and the "
                        "workspace root's; the root only its own): declare it here or in the "
                        "workspace root")
            else:
                hint = ("; declare it with `[[tool.uv.index]]` and `name = "
                        f"\"{ref.index}\"` in this pyproject.toml")
            if ws is not None and missing_in != ctx.path:
                hint += (f" (this source applies to `{ws.relative(missing_in, ctx.path)}`, "
                         "which depends on the package)")
            fixes = [Fix(f"Use index `{guess}`",
                         (ctx.replace_value(ref.value, toml_string(guess, ref.value)),), safe=False)
                     ] if guess else []
            yield ctx.finding(
                self, ref.value.start, ref.value.end,
                f"package `{ref.package}` references an undeclared index: `{ref.index}`{hint}",
                fixes)
