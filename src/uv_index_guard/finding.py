"""The one result type shared by the CLI, the hooks and the language server."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from uv_index_guard.text import Range


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity `{text}`") from None


class Tag(enum.Enum):
    """What an editor may show about a finding beyond its severity."""

    UNNECESSARY = "unnecessary"  # configuration that does nothing (shown faded)
    DEPRECATED = "deprecated"  # a setting that still works but is on its way out


@dataclass(frozen=True)
class TextEdit:
    """Replace the text in ``range`` with ``new_text`` (code-point positions)."""

    range: Range
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Finding:
    path: str
    range: Range
    severity: Severity
    code: str
    message: str
    fixes: tuple[Fix, ...] = field(default=())
    # Secret findings: a hash of the secret (never the secret) and, in history scans, the
    # commit that added it.
    fingerprint: str | None = None
    commit: str | None = None
    # `scan --verify`: what the GitLab instance said of the token (active, inactive, unknown).
    verified: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.range.start.line, self.range.start.column, self.code)
