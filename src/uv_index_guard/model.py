"""uv's index configuration, read from a positioned TOML document.

Covers `[[tool.uv.index]]` (every TOML spelling), the legacy `index-url` / `extra-index-url`,
`[[index]]` in `uv.toml`, and the `[tool.uv.sources]` entries that name an index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from uv_index_guard import tool_settings
from uv_index_guard.kinds import Kind
from uv_index_guard.syntax import Array, Document, Entry, Scalar, Table, Value

INDEX_KEYS: dict[str, str] = {
    "name": "The index name, used by `[tool.uv.sources]`, `uv publish --index` and the "
            "`UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` variables.",
    "url": "The index URL (a PEP 503 simple index, or a flat directory or page of links with "
           "`format = \"flat\"`). Required.",
    "explicit": "`true`: only packages that name this index in `[tool.uv.sources]` come from it.",
    "default": "`true`: use this index last, instead of PyPI. Only one index may be the default.",
    "format": "`\"simple\"` (default) for a PEP 503 index, `\"flat\"` for a list of links.",
    "publish-url": "The upload URL used by `uv publish --index <name>`.",
    "authenticate": "`\"auto\"` (default): try without credentials first; `\"always\"`: always "
                    "send credentials and fail early without them; `\"never\"`: never send any.",
    "ignore-error-codes": "HTTP status codes that mean \"not here, try the next index\" "
                          "(e.g. `[401, 403]`).",
    "cache-control": "Cache-Control overrides: `{ api = \"...\", files = \"...\" }`.",
    "hash-algorithm": "Preview: hash algorithm of this index's files.",
    "exclude-newer": "Preview: ignore files uploaded after this date.",
}
ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "authenticate": ("auto", "always", "never"),
    "format": ("simple", "flat"),
    "hash-algorithm": ("md5", "sha256", "sha384", "sha512", "blake2b"),
}
BOOL_KEYS = ("explicit", "default")
URL_KEYS = ("url", "publish-url")


class Origin(Enum):
    INDEX = "index"
    INDEX_URL = "index-url"
    EXTRA_INDEX_URL = "extra-index-url"


class IndexDef:
    """One index: a table of `index`, or a legacy URL string, with its positions."""

    __slots__ = ("anchor_end", "anchor_start", "name", "ordinal", "origin", "scalars", "table",
                 "value")

    def __init__(self, origin: Origin, value: Value, ordinal: int, anchor_start: int,
                 anchor_end: int, scalars: dict[str, Scalar] | None = None) -> None:
        self.origin = origin
        self.ordinal = ordinal
        self.value = value  # the table, or the legacy URL scalar
        # Where the table's header or inline table begins, for table-level findings.
        self.anchor_start = anchor_start
        self.anchor_end = anchor_end
        self.table = table = value if isinstance(value, Table) else None
        # The table's scalar values by key (`url` alone for a legacy URL): rules ask often.
        self.scalars: dict[str, Scalar]
        if scalars is not None:
            self.scalars = scalars  # the same table body as before (see `build`)
        elif origin is not Origin.INDEX:
            self.scalars = {"url": value} if isinstance(value, Scalar) else {}
        elif table is not None:
            self.scalars = {key: entry.value for key, entry in table.entries.items()
                            if isinstance(entry.value, Scalar)}
        else:
            self.scalars = {}
        self.name = self.string("name")

    def entry(self, key: str) -> Entry | None:
        table = self.table
        return table.entries.get(key) if table is not None else None

    def scalar(self, key: str) -> Scalar | None:
        return self.scalars.get(key)

    def has(self, key: str) -> bool:
        """Whether the index table has ``key`` (a legacy URL has no keys)."""
        return self.entry(key) is not None

    def string(self, key: str) -> str | None:
        s = self.scalars.get(key)
        return s.py if s is not None and s.kind == "string" else None

    def flag(self, key: str) -> bool:
        s = self.scalars.get(key)
        return s is not None and s.kind == "boolean" and s.py is True

    @property
    def url(self) -> str | None:
        return self.string("url")


@dataclass(frozen=True, slots=True)
class SourceRef:
    package: str
    index: str
    value: Scalar  # the string naming the index
    entry: Entry  # the `index = "..."` entry
    table: Table  # the source table holding it (`{ index = "...", marker = "..." }`)
    source: Entry  # the package's entry in `[tool.uv.sources]`

    @property
    def normalized(self) -> str:
        return normalize_name(self.package)


_NAME_SEPARATORS = re.compile(r"[-_.]+")
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def normalize_name(name: str) -> str:
    """A package name as uv compares it (PEP 503)."""
    return _NAME_SEPARATORS.sub("-", name).lower()


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """What a pyproject.toml says about its project and workspace (plain values)."""

    name: str | None  # `[project].name`, normalized
    has_project: bool
    #: Every package a dependency of this file names (project, optional and dependency
    #: groups, `tool.uv.dev-dependencies`), normalized.
    dependencies: frozenset[str]
    workspace: bool  # has `[tool.uv.workspace]`
    members: tuple[str, ...]  # its `members` globs
    exclude: tuple[str, ...]  # its `exclude` globs
    #: The packages `[tool.uv.sources]` has an entry for (any kind of source), normalized.
    sourced: frozenset[str] = frozenset()

    @property
    def layout_key(self) -> tuple[bool, bool, tuple[str, ...], tuple[str, ...]]:
        """What finding a workspace depends on (see :func:`layout_key`)."""
        return self.has_project, self.workspace, self.members, self.exclude


def layout_key(doc: Document) -> tuple[bool, bool, tuple[str, ...], tuple[str, ...]]:
    """The facts of a pyproject.toml that decide which workspace it forms or joins (a cheap
    part of :func:`project_facts`): `[project]`, `[tool.uv.workspace]` and its globs."""
    uv = doc.root.path("tool", "uv")
    workspace = uv.get("workspace") if isinstance(uv, Table) else None
    members = workspace.get("members") if isinstance(workspace, Table) else None
    exclude = workspace.get("exclude") if isinstance(workspace, Table) else None
    return (isinstance(doc.root.get("project"), Table), isinstance(workspace, Table),
            _strings(members.py if isinstance(members, Array) else None),
            _strings(exclude.py if isinstance(exclude, Array) else None))


def _names(requirements: object) -> set[str]:
    found = set()
    for item in requirements if isinstance(requirements, list) else []:
        m = _REQUIREMENT_NAME.match(item) if isinstance(item, str) else None
        if m is not None:
            found.add(normalize_name(m.group(1)))
    return found


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def project_facts(doc: Document) -> ProjectFacts:
    root = doc.root
    project = root.get("project")
    name = project.get("name") if isinstance(project, Table) else None
    deps: set[str] = set()
    if isinstance(project, Table):
        dependencies = project.get("dependencies")
        deps |= _names(dependencies.py if isinstance(dependencies, Array) else None)
        optional = project.get("optional-dependencies")
        if isinstance(optional, Table):
            for entry in optional.entries.values():
                deps |= _names(entry.value.py if isinstance(entry.value, Array) else None)
    groups = root.get("dependency-groups")
    if isinstance(groups, Table):
        for entry in groups.entries.values():
            deps |= _names(entry.value.py if isinstance(entry.value, Array) else None)
    uv = root.path("tool", "uv")
    workspace = uv.get("workspace") if isinstance(uv, Table) else None
    if isinstance(uv, Table):
        dev = uv.get("dev-dependencies")
        deps |= _names(dev.py if isinstance(dev, Array) else None)
    members = workspace.get("members") if isinstance(workspace, Table) else None
    exclude = workspace.get("exclude") if isinstance(workspace, Table) else None
    sources = uv.get("sources") if isinstance(uv, Table) else None
    return ProjectFacts(
        normalize_name(name.py) if isinstance(name, Scalar) and name.kind == "string" else None,
        isinstance(project, Table), frozenset(deps), isinstance(workspace, Table),
        _strings(members.py if isinstance(members, Array) else None),
        _strings(exclude.py if isinstance(exclude, Array) else None),
        frozenset(normalize_name(k) for k in sources.entries) if isinstance(sources, Table)
        else frozenset())


@dataclass(slots=True)
class Config:
    kind: Kind
    doc: Document
    uv: Table | None  # `[tool.uv]`, or the document root of a uv.toml
    index_entry: Entry | None  # the `index` key of `uv` (array of tables or otherwise)
    indexes: list[IndexDef] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    # `[tool.uv-index-guard]` of a pyproject.toml
    settings: Table | None = None

    # Computed on first use by `by_name()`, `referenced()` and `project()`; the model does
    # not change.
    _project: ProjectFacts | None = field(default=None, repr=False, compare=False)
    _by_name: dict[str, list[IndexDef]] | None = field(default=None, repr=False, compare=False)
    _referenced: set[str] | None = field(default=None, repr=False, compare=False)

    def referenced(self) -> set[str]:
        """The index names that `[tool.uv.sources]` entries name (shared: do not modify)."""
        if self._referenced is None:
            self._referenced = {ref.index for ref in self.sources}
        return self._referenced

    def project(self) -> ProjectFacts:
        """The project and workspace facts of a pyproject.toml (none for a uv.toml)."""
        if self._project is None:
            self._project = (project_facts(self.doc) if self.kind is Kind.PYPROJECT
                             else ProjectFacts(None, False, frozenset(), False, (), ()))
        return self._project

    def index_with_url_at(self, offset: int) -> IndexDef | None:
        """The `[[index]]` table whose `url` value spans byte ``offset``."""
        for index in self.indexes:
            url = index.scalar("url")
            if index.origin is Origin.INDEX and url is not None and url.start <= offset <= url.end:
                return index
        return None

    def index_table(self, ordinal: int) -> IndexDef | None:
        """The `[[index]]` table at ``ordinal`` in the index array."""
        for index in self.indexes:
            if index.origin is Origin.INDEX and index.ordinal == ordinal:
                return index
        return None

    def by_name(self) -> dict[str, list[IndexDef]]:
        """The named indexes by name, in order (shared between rules: do not modify)."""
        if self._by_name is None:
            names: dict[str, list[IndexDef]] = {}
            for index in self.indexes:
                name = index.name
                if name is not None:
                    names.setdefault(name, []).append(index)
            self._by_name = names
        return self._by_name


#: Index scalars by table body, kept by the caller between versions of one document (the
#: engine's session): a body reused by the incremental parse has the same scalars.
ScalarCache = dict[object, dict[str, Scalar]]


def build(doc: Document, kind: Kind, scalars: tuple[ScalarCache, ScalarCache] | None = None,
          ) -> Config:
    """The configuration model of ``doc``; ``scalars`` is (the previous version's cache,
    this version's, filled here)."""
    if kind is Kind.PYPROJECT:
        tool = doc.root.get("tool")
        uv = tool.get("uv") if isinstance(tool, Table) else None
        settings = tool.get(tool_settings.TABLE) if isinstance(tool, Table) else None
        config = Config(kind, doc, uv if isinstance(uv, Table) else None, None,
                        settings=settings if isinstance(settings, Table) else None)
    else:
        config = Config(kind, doc, doc.root, None)
    uv_table = config.uv
    if uv_table is None:
        return config
    config.index_entry = uv_table.entries.get("index")
    config.indexes = list(_indexes(uv_table, config.index_entry, scalars))
    if kind is Kind.PYPROJECT:
        sources = uv_table.get("sources")
        if isinstance(sources, Table):
            config.sources = list(_sources(sources))
    return config


def _indexes(uv: Table, index_entry: Entry | None,
             scalars: tuple[ScalarCache, ScalarCache] | None) -> Iterator[IndexDef]:
    ordinal = 0
    if index_entry is not None and isinstance(index_entry.value, Array):
        old, new = scalars if scalars is not None else ({}, None)
        for item in index_entry.value.items:
            if isinstance(item, Table):
                end = item.header_end if item.how == "array-header" else item.start + 1
                body = item.body
                if new is None or body is None or len(item.entries) != len(body.entries):
                    yield IndexDef(Origin.INDEX, item, ordinal, item.start, end)
                else:  # the table's own body, nothing added by later headers
                    found = old.get(body)
                    index = IndexDef(Origin.INDEX, item, ordinal, item.start, end, found)
                    new[body] = index.scalars
                    yield index
            ordinal += 1
    legacy = uv.entries.get("index-url")
    if legacy is not None and isinstance(legacy.value, Scalar):
        yield IndexDef(Origin.INDEX_URL, legacy.value, ordinal, legacy.item_start, legacy.item_end)
        ordinal += 1
    extra = uv.entries.get("extra-index-url")
    if extra is not None and isinstance(extra.value, Array):
        for item in extra.value.items:
            if isinstance(item, Scalar):
                yield IndexDef(Origin.EXTRA_INDEX_URL, item, ordinal, item.start, item.end)
                ordinal += 1


def _sources(sources: Table) -> Iterator[SourceRef]:
    for package, entry in sources.entries.items():
        value = entry.value
        tables = [value] if isinstance(value, Table) else (
            [v for v in value.items if isinstance(v, Table)] if isinstance(value, Array) else [])
        for table in tables:
            index_entry = table.entries.get("index")
            if index_entry is None:
                continue
            v = index_entry.value
            if isinstance(v, Scalar) and v.kind == "string":
                yield SourceRef(package, v.py, v, index_entry, table, entry)


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, and there are many
class UrlValue:
    key: str  # "url", "publish-url", "index-url", "extra-index-url", ...
    value: Scalar
    index: IndexDef | None

    @property
    def url(self) -> str:
        return str(self.value.py)


def index_url_values(index: IndexDef) -> Iterator[UrlValue]:
    """The URLs of one index that uv treats as index or upload URLs."""
    if index.origin is not Origin.INDEX:
        if index.value.kind == "string" and isinstance(index.value, Scalar):
            yield UrlValue(index.origin.value, index.value, index)
        return
    for key in URL_KEYS:
        scalar = index.scalars.get(key)
        if scalar is not None and scalar.kind == "string":
            yield UrlValue(key, scalar, index)


def top_url_values(config: Config) -> Iterator[UrlValue]:
    """The upload and check URLs of `[tool.uv]`."""
    if config.uv is not None:
        for key in ("publish-url", "check-url"):
            top = config.uv.get(key)
            if isinstance(top, Scalar) and top.kind == "string":
                yield UrlValue(key, top, None)
