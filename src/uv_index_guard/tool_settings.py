"""`[tool.uv-index-guard]`: this tool's own settings, read from plain values in one way.

`check` (through the engine), the secret scanner and the rule that validates the table
(UIG002) all take the keys and their meaning from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

TABLE: Final = "uv-index-guard"
#: The keys of `[tool.uv-index-guard]`, each an array of strings.
KEYS: Final = ("ignore", "exclude", "gitlab-token-prefixes", "allow")

# What GitLab accepts as an instance's personal access token prefix (its application
# setting `personal_access_token_prefix`: these characters, at most 20); under 3 characters a
# prefix would match ordinary words.
_PREFIX: Final = re.compile(r"[A-Za-z0-9_+=/@:.-]{3,20}")


def token_prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot be a `gitlab-token-prefixes` entry; None when it can."""
    if _PREFIX.fullmatch(prefix) is None:
        return ("a token prefix is 3 to 20 of the characters GitLab allows in one "
                "(letters, digits and `_+=/@:.-`)")
    return None


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be an `allow` entry (not a regex, or one that matches the empty
    string and so every secret); None when it can."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"not a regular expression ({exc.msg})"
    if compiled.search("") is not None:
        return "it matches the empty string, so it would allow every secret"
    return None


@dataclass(frozen=True, slots=True)
class ToolSettings:
    #: Config rule codes (`UIG205`) not to report.
    ignore: frozenset[str] = frozenset()
    #: gitignore-style patterns of paths the scanner skips.
    exclude: tuple[str, ...] = ()
    #: An instance's own personal access token prefixes (GitLab's
    #: `personal_access_token_prefix`), valid ones only: the scanner finds tokens under them.
    gitlab_token_prefixes: tuple[str, ...] = ()
    #: Regexes (Python syntax) of secrets `scan` does not report, valid ones only.
    allow: tuple[str, ...] = ()


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def from_table(table: Any) -> ToolSettings:
    """The settings of a `[tool.uv-index-guard]` table's plain value (anything else: none)."""
    if not isinstance(table, dict):
        return ToolSettings()
    prefixes = tuple(p for p in _strings(table.get("gitlab-token-prefixes"))
                     if token_prefix_problem(p) is None)
    allow = tuple(p for p in _strings(table.get("allow")) if regex_problem(p) is None)
    return ToolSettings(frozenset(_strings(table.get("ignore"))),
                        tuple(_strings(table.get("exclude"))), prefixes, allow)


def from_pyproject(data: Any) -> ToolSettings | None:
    """The settings in a pyproject.toml's plain value; None when it has no such table."""
    tool = data.get("tool") if isinstance(data, dict) else None
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    return from_table(table) if isinstance(table, dict) else None
