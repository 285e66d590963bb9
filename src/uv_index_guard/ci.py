"""CI files as the CI rules see them: `.gitlab-ci.yml` (and the files it `include:`s
locally), `.github/workflows/*.yml` and `.env` / `.env.*`, read for two things only, each with
its position:

* **assignments**: environment variables the file sets (GitLab's `variables:`, global, per
  job or in `default:`, in their short and `{value: ...}` forms; GitHub's `env:` of the
  workflow, a job or a step; `.env` lines; `export NAME=...` in a script);
* **commands**: the shell lines of GitLab's `script:`, `before_script:`, `after_script:` and
  GitHub's `run:`, one :class:`Line` per source line, so a finding lands where it is written.

YAML is read with ruamel.yaml, which keeps positions and never constructs arbitrary objects
(its round-trip loader builds plain maps, lists and strings); nothing is executed. Anchors
are read where they are written: a mapping merged in with `<<: *name` or reused with
`*name` is not read a second time. Pure: text in, a :class:`CiDoc` out.
"""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from uv_index_guard.text import Position, Range


class CiKind(enum.Enum):
    GITLAB_CI = "gitlab-ci"
    GITHUB_WORKFLOW = "github-workflow"
    DOTENV = "dotenv"


GITLAB_CI_NAMES = frozenset({".gitlab-ci.yml", ".gitlab-ci.yaml"})


def ci_kind_of(path: str) -> CiKind | None:
    """The CI kind of a file by its path (`/`-separated or not); None for any other file."""
    posix = "/" + path.replace("\\", "/").lstrip("/")
    name = posix.rsplit("/", 1)[-1]
    if name in GITLAB_CI_NAMES:
        return CiKind.GITLAB_CI
    if name == ".env" or (name.startswith(".env.") and len(name) > 5):
        return CiKind.DOTENV
    if posix.rsplit("/", 1)[0].endswith("/.github/workflows") and name.endswith(
            (".yml", ".yaml")):
        return CiKind.GITHUB_WORKFLOW
    return None


def is_ci_name(name: str) -> bool:
    """Whether a directory walk should keep a file called ``name`` (a workflow is told by its
    directory afterwards: see :func:`ci_kind_of`)."""
    return (name in GITLAB_CI_NAMES or name == ".env" or name.startswith(".env.")
            or name.endswith((".yml", ".yaml")))


@dataclass(frozen=True, slots=True)
class Assignment:
    """`NAME: value` (or `NAME=value`): the name's range, the value and its range (None for
    a value that is not a plain string, such as a map GitLab does not know)."""

    name: str
    name_range: Range
    value: str | None
    value_range: Range | None
    #: Where it applies: "" for the whole file, else the job (or job and step) it is in.
    scope: str
    #: The indentation of the line the name is on (for a fix that adds a sibling line).
    indent: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """One source line of a shell command: its text and where it is."""

    text: str
    line: int
    column: int  # of the text's first character in the source line

    def range(self, start: int, end: int) -> Range:
        return Range(Position(self.line, self.column + start),
                     Position(self.line, self.column + end))


@dataclass(frozen=True, slots=True)
class Command:
    """One shell command: its lines, with `\\`-continued lines joined into one command."""

    lines: tuple[Line, ...]
    scope: str

    @property
    def text(self) -> str:
        return " ".join(line.text.rstrip("\\").strip() for line in self.lines)


@dataclass(slots=True)
class CiDoc:
    path: str
    kind: CiKind
    text: str
    assignments: list[Assignment] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    #: GitLab `include:` entries of local files (as written: a path, maybe with a wildcard).
    includes: list[str] = field(default_factory=list)
    #: Why the file could not be read (YAML errors), safe to show.
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.text.split("\n")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_EXPORT = re.compile(r"(?:^|[;&|]\s*)export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)")
GITLAB_SCRIPTS = ("before_script", "script", "after_script")
#: Top-level keys of a .gitlab-ci.yml that are not jobs.
GITLAB_GLOBAL = frozenset({"default", "include", "stages", "variables", "workflow", "image",
                           "services", "cache", "before_script", "after_script", "spec"})


def parse_ci(text: str, path: str, kind: CiKind) -> CiDoc:
    doc = CiDoc(path, kind, text)
    if kind is CiKind.DOTENV:
        _read_dotenv(doc)
        return doc
    data = _load_yaml(doc)
    if data is None:
        return doc
    reader = _Reader(doc)
    if kind is CiKind.GITLAB_CI:
        reader.gitlab(data)
    else:
        reader.github(data)
    return doc


def _load_yaml(doc: CiDoc) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt", pure=True)
    try:
        # GitLab's CI/CD components put a `spec:` document before the pipeline.
        documents = list(yaml.load_all(io.StringIO(doc.text)))
    except YAMLError as exc:
        # Only the line: the parser's own words can quote the text, secrets included.
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        doc.problems.append(f"not valid YAML{where}; nothing in it was checked")
        return None
    mappings = [d for d in documents if _is_map(d)]
    return mappings[-1] if mappings else None


def _is_map(value: Any) -> bool:
    from ruamel.yaml.comments import CommentedMap

    return isinstance(value, CommentedMap)


def _is_seq(value: Any) -> bool:
    from ruamel.yaml.comments import CommentedSeq

    return isinstance(value, CommentedSeq)


class _Reader:
    def __init__(self, doc: CiDoc) -> None:
        self.doc = doc
        self.source = doc.text.split("\n")
        self.seen: set[int] = set()

    # -- GitLab -----------------------------------------------------------------------------

    def gitlab(self, data: Any) -> None:
        self._includes(data.get("include"))
        for key in self._own_keys(data):
            value = data[key]
            if key == "variables":
                self.variables(value, "")
            elif key == "default" and _is_map(value):
                self.job(value, "default")
            elif key in ("before_script", "after_script"):
                self.script(data, key, "")
            elif key not in GITLAB_GLOBAL and _is_map(value):
                self.job(value, str(key))

    def job(self, job: Any, scope: str) -> None:
        if id(job) in self.seen:
            return
        self.seen.add(id(job))
        for key in self._own_keys(job):
            if key == "variables":
                self.variables(job[key], scope)
            elif key in GITLAB_SCRIPTS:
                self.script(job, key, scope)

    def _includes(self, value: Any) -> None:
        items = value if _is_seq(value) else [value] if value is not None else []
        for item in items:
            if isinstance(item, str):
                if "://" not in item:  # a string is local unless it is a URL
                    self.doc.includes.append(item)
            elif _is_map(item) and isinstance(item.get("local"), str):
                self.doc.includes.append(item["local"])

    # -- GitHub -----------------------------------------------------------------------------

    def github(self, data: Any) -> None:
        if "env" in self._own_keys(data):
            self.variables(data["env"], "")
        jobs = data.get("jobs")
        if not _is_map(jobs):
            return
        for name in self._own_keys(jobs):
            job = jobs[name]
            if not _is_map(job):
                continue
            if "env" in self._own_keys(job):
                self.variables(job["env"], str(name))
            steps = job.get("steps")
            if not _is_seq(steps):
                continue
            for number, step in enumerate(steps):
                if not _is_map(step):
                    continue
                scope = f"{name} step {number + 1}"
                keys = self._own_keys(step)
                if "env" in keys:
                    self.variables(step["env"], scope)
                if "run" in keys:
                    self.script(step, "run", scope)

    # -- shared -----------------------------------------------------------------------------

    @staticmethod
    def _own_keys(mapping: Any) -> list[Any]:
        """The keys written in this mapping (not merged in from an anchor: those are read
        where the anchor is)."""
        lc = getattr(mapping, "lc", None)
        own = lc.data if lc is not None else {}
        return [key for key in mapping if key in own]

    def variables(self, mapping: Any, scope: str) -> None:
        if not _is_map(mapping) or id(mapping) in self.seen:
            return
        self.seen.add(id(mapping))
        for key in self._own_keys(mapping):
            name = str(key)
            if not _NAME.match(name):
                continue
            line, column = mapping.lc.key(key)
            value = mapping[key]
            where = mapping
            if _is_map(value) and "value" in value:  # GitLab's {value: ..., description: ...}
                where, key, value = value, "value", value["value"]
            text = None if value is None or _is_map(value) or _is_seq(value) else str(value)
            value_range = None
            if text is not None and "\n" not in text:
                value_range = self._value_range(where, key, text)
            indent = self.source[line][:column] if line < len(self.source) else ""
            self.doc.assignments.append(Assignment(
                name, Range(Position(line, column), Position(line, column + len(name))),
                text, value_range, scope, indent))

    def _value_range(self, mapping: Any, key: Any, text: str) -> Range | None:
        line, column = mapping.lc.value(key)
        if line >= len(self.source):
            return None
        found = self.source[line].find(text, column)
        if found < 0:
            return None
        return Range(Position(line, found), Position(line, found + len(text)))

    def script(self, owner: Any, key: Any, scope: str) -> None:
        value = owner[key]
        if isinstance(value, str):
            self._command(value, owner.lc.value(key)[0], scope)
        elif _is_seq(value):
            self._items(value, scope)

    def _items(self, seq: Any, scope: str) -> None:
        if id(seq) in self.seen:
            return  # a list reused with `*name`: read where it is written
        self.seen.add(id(seq))
        for number, item in enumerate(seq):
            if isinstance(item, str):
                self._command(item, seq.lc.item(number)[0], scope)
            elif _is_seq(item):
                self._items(item, scope)

    def _command(self, value: str, start: int, scope: str) -> None:
        """The lines of a script entry, found in the source from the line it starts on."""
        at = start
        lines: list[Line] = []
        for part in value.split("\n"):
            stripped = part.strip()
            if not stripped:
                continue
            found = self._find(stripped, at)
            if found is not None:
                at = found.line
                lines.append(found)
                if not stripped.endswith("\\"):
                    self._add(lines, scope)
                    lines = []
                continue
            # YAML folded this one line of the value from several source lines.
            self._add(lines, scope)
            lines = []
            pieces = self._folded(stripped, at)
            if pieces:
                at = pieces[-1].line
                self._add(pieces, scope)
        self._add(lines, scope)

    def _folded(self, text: str, start: int) -> list[Line]:
        """A plain or quoted scalar that YAML folded from several source lines into one:
        the source lines it is made of, in order."""
        pieces: list[Line] = []
        at = 0
        for number in range(start, min(len(self.source), start + 200)):
            raw = self.source[number]
            piece = raw.strip()
            if not pieces:
                piece = piece[2:].lstrip() if piece.startswith("- ") else piece
                piece = piece.lstrip("\"'")
            for variant in (piece, piece.rstrip("\"'")):
                found = text.find(variant, at) if variant else -1
                if found >= 0 and not text[at:found].strip():
                    break
            else:
                break
            pieces.append(Line(variant, number, raw.find(variant)))
            at = found + len(variant)
            if not text[at:].strip():
                return pieces
        return []

    def _find(self, text: str, start: int) -> Line | None:
        for number in range(start, min(len(self.source), start + 400)):
            column = self.source[number].find(text)
            if column >= 0:
                return Line(text, number, column)
        # A folded scalar joins lines: find its first word's line at least.
        return None

    def _add(self, lines: list[Line], scope: str) -> None:
        if not lines:
            return
        command = Command(tuple(lines), scope)
        self.doc.commands.append(command)
        for line in lines:
            for match in _EXPORT.finditer(line.text):
                name, value = match.group(1), match.group(2)
                start = match.start(1)
                value_start = match.start(2)
                self.doc.assignments.append(Assignment(
                    name, line.range(start, start + len(name)), value.strip("'\""),
                    line.range(value_start, value_start + len(value)), scope))


def _read_dotenv(doc: CiDoc) -> None:
    """`.env` lines as python-dotenv (and uv) read them: `NAME=value`, `export NAME=value`."""
    from dotenv.parser import parse_stream

    source = doc.text.split("\n")
    for binding in parse_stream(io.StringIO(doc.text)):
        if binding.error or binding.key is None:
            continue
        line = binding.original.line - 1
        # A binding's original text starts after the previous one: skip its leading blank and
        # comment lines.
        while line < len(source) and binding.key not in source[line]:
            line += 1
        if line >= len(source):
            continue
        column = source[line].find(binding.key)
        value = binding.value
        value_range = None
        if value is not None and "\n" not in value and value:
            found = source[line].find(value, column + len(binding.key))
            if found >= 0:
                value_range = Range(Position(line, found), Position(line, found + len(value)))
        doc.assignments.append(Assignment(
            binding.key, Range(Position(line, column), Position(line, column + len(binding.key))),
            value, value_range, "", source[line][:column]))


def walk_lines(doc: CiDoc) -> Iterator[Line]:
    for command in doc.commands:
        yield from command.lines
