"""`[tool.uv-index-guard]`: this tool's own settings, read from plain values in one way.

`check` (through the engine), the secret scanner and the rule that validates the table
(UIG002) all take the keys and their meaning from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

TABLE: Final = "uv-index-guard"
#: The keys of `[tool.uv-index-guard]`, each an array of strings.
KEYS: Final = ("ignore", "exclude")


@dataclass(frozen=True, slots=True)
class ToolSettings:
    #: Config rule codes (`UIG205`) not to report.
    ignore: frozenset[str] = frozenset()
    #: gitignore-style patterns of paths the scanner skips.
    exclude: tuple[str, ...] = ()


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def from_table(table: Any) -> ToolSettings:
    """The settings of a `[tool.uv-index-guard]` table's plain value (anything else: none)."""
    if not isinstance(table, dict):
        return ToolSettings()
    return ToolSettings(frozenset(_strings(table.get("ignore"))),
                        tuple(_strings(table.get("exclude"))))


def from_pyproject(data: Any) -> ToolSettings | None:
    """The settings in a pyproject.toml's plain value; None when it has no such table."""
    tool = data.get("tool") if isinstance(data, dict) else None
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    return from_table(table) if isinstance(table, dict) else None
