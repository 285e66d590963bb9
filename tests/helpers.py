"""Test helpers: apply a finding's text edits, read the rule docs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from uv_index_guard.finding import TextEdit
from uv_index_guard.text import Position

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix")


def offset(text: str, position: Position) -> int:
    """String index of a 0-based line / code-point column position in ``text``."""
    lines = text.split("\n")
    if position.line >= len(lines):
        raise ValueError(f"line {position.line} is past the end ({len(lines)} lines)")
    if position.column > len(lines[position.line]):  # == len: just before the newline
        raise ValueError(f"column {position.column} is past the end of line {position.line}")
    return sum(len(line) + 1 for line in lines[: position.line]) + position.column


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply LSP-style edits (ranges in the original text, non-overlapping) to ``text``."""
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    previous_start = len(text) + 1
    for start, end, new_text in spans:
        if not start <= end <= previous_start:
            raise ValueError(f"overlapping or inverted edit at {start}..{end}")
        text = text[:start] + new_text + text[end:]
        previous_start = start
    return text


def sections(markdown: str) -> dict[str, str]:
    """The `## ` sections of a rule page, by title (fenced code is not searched for titles)."""
    found: dict[str, str] = {}
    title: str | None = None
    body: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if title is not None:
                found[title] = "\n".join(body).strip()
            title, body = line[3:].strip(), []
        elif title is not None:
            body.append(line)
    if title is not None:
        found[title] = "\n".join(body).strip()
    return found


def missing_sections(markdown: str) -> list[str]:
    """Required sections that are absent or empty."""
    found = sections(markdown)
    return [name for name in REQUIRED_SECTIONS if not found.get(name)]


def toml_block(section: str) -> str | None:
    """The first ```toml block of a section, without the fences."""
    m = re.search(r"^```toml\n(.*?)^```", section, re.M | re.S)
    return m.group(1) if m else None


_BLOCK = re.compile(r"^```(toml|yaml|sh)\n(.*?)^```", re.M | re.S)
#: Which file a ```yaml or ```sh block is when its first line does not say (`# path`).
_DEFAULT_FILE = {"yaml": ".gitlab-ci.yml", "sh": ".env"}


def example_files(section: str) -> dict[str, str]:
    """The files of a docs section: its ```toml blocks (see :func:`docs_files`), and its
    ```yaml (a `.gitlab-ci.yml` unless the first line names a path) and ```sh (`.env`) ones."""
    files: dict[str, str] = {}
    for lang, block in _BLOCK.findall(section):
        if lang == "toml":
            files.update(docs_files(block))
            continue
        first = block.split("\n", 1)[0]
        named = re.fullmatch(r"# (\S+\.(?:ya?ml)|\S*\.env\S*)(?:,.*)?", first)
        files[named.group(1) if named else _DEFAULT_FILE[lang]] = expand(block)
    return files


def block_path(block: str) -> str:
    """Which file a docs example is: `# uv.toml` on its first line, else pyproject.toml."""
    return "uv.toml" if block.lstrip().startswith("# uv.toml") else "pyproject.toml"


_FILE_MARK = re.compile(r"^# (\S*(?:pyproject|uv)\.toml)\n", re.M)


def docs_files(block: str) -> dict[str, str]:
    """The files of a docs example: one file, or several, each after a line `# path`."""
    block = expand(block)
    marks = list(_FILE_MARK.finditer(block))
    if len(marks) < 2:
        return {block_path(block): block}
    return {m.group(1): block[m.start() : nxt.start() if nxt else len(block)]
            for m, nxt in zip(marks, [*marks[1:], None], strict=True)}


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"

# Synthetic tokens, built here so that no token literal sits in the repository: fixtures
# write `{GLPAT}` and docs write a token as the tool shows it masked (`glpat-…x4Tb`).
SYNTHETIC = {"{GLPAT}": "glpat-" + "Qw7Rk2" * 2 + "Mn5Z" + "x4Tb"}
DOCS_TOKEN = "glpat-\u2026x4Tb"


def expand(text: str) -> str:
    for mark, token in SYNTHETIC.items():
        text = text.replace(mark, token)
    return text.replace(DOCS_TOKEN, SYNTHETIC["{GLPAT}"])


def conceal(text: str) -> str:
    """The inverse of :func:`expand` for fixtures (snapshots never hold a token)."""
    for mark, token in SYNTHETIC.items():
        text = text.replace(token, mark)
    return text


@dataclass(frozen=True)
class RuleFixture:
    """`tests/fixtures/rules/<CODE>/<fires|quiet>-<name>.<pyproject|uv>.toml`: a text on
    which rule ``code`` reports something (``fires``) or nothing (``quiet``); or a directory
    `<fires|quiet>-<name>/` holding a tree of files (a workspace), checked together."""

    code: str
    fires: bool
    name: str
    files: dict[str, str]  # by path: the file name for a single file
    directory: bool = False

    @property
    def id(self) -> str:
        return f"{self.code}-{'fires' if self.fires else 'quiet'}-{self.name}"

    @property
    def single(self) -> bool:
        return not self.directory

    @property
    def path(self) -> str:
        assert self.single
        return next(iter(self.files))

    @property
    def text(self) -> str:
        return self.files[self.path]


def rule_fixtures() -> list[RuleFixture]:
    found = []
    for entry in sorted(FIXTURES.glob("*/*")):
        if entry.is_dir():
            verdict, _, name = entry.name.partition("-")
            files = {f.relative_to(entry).as_posix(): expand(f.read_bytes().decode("utf-8"))
                     for f in sorted(entry.rglob("*")) if f.is_file()}
        else:
            kind = next(k for k in ("pyproject.toml", "uv.toml")
                        if entry.name.endswith("." + k))
            verdict, _, name = entry.name[: -len(kind) - 1].partition("-")
            files = {kind: expand(entry.read_bytes().decode("utf-8"))}
        assert verdict in ("fires", "quiet") and name and files, entry
        found.append(RuleFixture(entry.parent.name, verdict == "fires", name, files,
                                 entry.is_dir()))
    return found


SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "schemas"
#: The official schemas a report must satisfy (sources: fixtures/schemas/SOURCES.md).
SARIF_SCHEMA = "sarif-schema-2.1.0.json"
GITLAB_SECRET_SCHEMA = "secret-detection-report-format-15.0.7.json"


def validate(document: object, schema: str) -> None:
    """Validate ``document`` against an official schema, formats checked too (`uri`,
    `uri-reference`, `date-time`: jsonschema's format extra provides the checkers)."""
    import json

    import jsonschema

    spec = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    checker = jsonschema.FormatChecker()
    assert "uri-reference" in checker.checkers, "jsonschema[format-nongpl] is a test dependency"
    validator = jsonschema.validators.validator_for(spec)
    validator(spec, format_checker=checker).validate(document)
