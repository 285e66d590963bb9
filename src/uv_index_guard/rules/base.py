"""What every rule gets: the configuration, and helpers that turn byte spans into findings."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import ClassVar

from uv_index_guard.finding import Finding, Fix, Severity, Tag, TextEdit
from uv_index_guard.model import Config, IndexDef, UrlValue, index_url_values, top_url_values
from uv_index_guard.redact import Masker
from uv_index_guard.syntax import Entry, Scalar, Table, Value
from uv_index_guard.text import Range
from uv_index_guard.workspace import Workspace

DOCS_URL = "https://github.com/uv-index-guard/uv-index-guard/blob/main/docs/rules/{code}.md"


class Context:
    """What a rule sees: the file's configuration and path, and the workspace it belongs to
    (None: the file alone, its workspace unknown)."""

    __slots__ = ("_masker", "config", "path", "workspace")

    def __init__(self, config: Config, path: str, workspace: Workspace | None = None) -> None:
        self.config = config
        self.path = path
        self.workspace = workspace
        self._masker: Masker | None = None

    def safe(self, text: str) -> str:
        """``text`` without a secret of this file (see :class:`redact.Masker`)."""
        if self._masker is None:
            self._masker = Masker(self.config.by_name())
        return self._masker(text)

    @property
    def data(self) -> bytes:
        return self.config.doc.data

    def range(self, start: int, end: int) -> Range:
        return self.config.doc.range(start, end)

    def finding(self, rule: Rule, start: int, end: int, message: str,
                fixes: Iterable[Fix] = ()) -> Finding:
        """A finding; its message and fix titles never show a secret in full (every rule's
        findings go through here)."""
        safe = self.safe
        return Finding(self.path, self.range(start, end), rule.severity, rule.code,
                       safe(message), tuple(replace(f, title=safe(f.title)) for f in fixes))

    def edit(self, start: int, end: int, new_text: str) -> TextEdit:
        return TextEdit(self.range(start, end), new_text)

    def replace_value(self, value: Value, new_text: str) -> TextEdit:
        return self.edit(value.start, value.end, new_text)

    def delete_entry(self, entry: Entry, table: Table) -> TextEdit:
        """Remove `key = value` from a table, with its line or its comma."""
        data = self.data
        start, end = entry.item_start, entry.item_end
        if table.how != "inline":
            line_start = data.rfind(b"\n", 0, start) + 1
            line_end = data.find(b"\n", end)
            line_end = len(data) if line_end == -1 else line_end + 1
            if not data[line_start:start].strip():
                return self.edit(line_start, line_end, "")
            return self.edit(start, end, "")
        after = end
        while after < len(data) and data[after : after + 1] in b" \t":
            after += 1
        if data[after : after + 1] == b",":
            after += 1
            while after < len(data) and data[after : after + 1] in b" \t":
                after += 1
            return self.edit(start, after, "")
        before = start
        while before > 0 and data[before - 1 : before] in b" \t":
            before -= 1
        if data[before - 1 : before] == b",":
            return self.edit(before - 1, end, "")
        return self.edit(start, end, "")


def toml_string(text: str, like: Scalar | None = None) -> str:
    """Quote ``text`` as a TOML string, keeping the literal style of ``like`` when possible."""
    if (like is not None and like.raw.startswith("'") and "'" not in text
            and text.isprintable()):
        return f"'{text}'"
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(text, ensure_ascii=False)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    return _closest(word, tuple(candidates))


@functools.lru_cache(maxsize=512)
def _closest(word: str, candidates: tuple[str, ...]) -> str | None:
    # Cached: while a table is being typed, the language server asks again on every
    # keystroke about the same unknown keys.
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    #: True for a rule whose findings are :meth:`check_before`, then :meth:`check_index` of
    #: each index that :meth:`keep` keeps, then :meth:`check_after` (:meth:`findings`). What
    #: :meth:`check_index` finds must depend on nothing but the index (its table's text and
    #: position), the path and the config kind: the engine may reuse it for an unchanged table.
    per_index: ClassVar[bool] = False
    #: What an editor may show about every finding of this rule (faded, struck through).
    tags: ClassVar[tuple[Tag, ...]] = ()

    def check(self, ctx: Context) -> Iterable[Finding]:
        """Every finding of the rule in ``ctx``."""
        if not self.per_index:
            raise NotImplementedError
        keep = self.keep(ctx)
        # `keep` first: a finding that would be dropped is not made (UIG205's for every used
        # index, whose position would need the line index).
        return self.findings(ctx, (finding for index in ctx.config.indexes
                                   if keep is None or keep(index)
                                   for finding in self.check_index(ctx, index)))

    def findings(self, ctx: Context, indexed: Iterable[Finding]) -> Iterator[Finding]:
        """A per-index rule's findings, in order, given those of its kept indexes."""
        yield from self.check_before(ctx)
        yield from indexed
        yield from self.check_after(ctx)

    def check_before(self, ctx: Context) -> Iterable[Finding]:
        return ()

    def check_index(self, ctx: Context, index: IndexDef) -> Iterable[Finding]:
        return ()

    def check_after(self, ctx: Context) -> Iterable[Finding]:
        return ()

    def keep(self, ctx: Context) -> Callable[[IndexDef], bool] | None:
        """Which indexes' findings are reported (None: all), for what depends on the others."""
        return None

    @property
    def docs_url(self) -> str:
        return DOCS_URL.format(code=self.code)


class UrlRule(Rule):
    """A rule about each URL uv reads: an index's (per index), then `[tool.uv]`'s.

    :meth:`concerns` is a cheap test of the URL text that most URLs fail; only those that
    pass go to :meth:`check_value`.
    """

    per_index = True

    def concerns(self, url: str) -> bool:
        raise NotImplementedError

    def check_value(self, ctx: Context, value: UrlValue) -> Iterable[Finding]:
        raise NotImplementedError

    def check_index(self, ctx: Context, index: IndexDef) -> list[Finding]:
        concerns = self.concerns
        return [finding for value in index_url_values(index) if concerns(value.url)
                for finding in self.check_value(ctx, value)]

    def check_after(self, ctx: Context) -> Iterator[Finding]:
        for value in top_url_values(ctx.config):
            if self.concerns(value.url):
                yield from self.check_value(ctx, value)
