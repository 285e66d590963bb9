"""The language server's settings: what an editor sends, read into :class:`Settings`.

An editor gives them as the `uvIndexGuard` section of its settings, camelCase, as VS Code
sends it::

    {"severity": "warning", "ignore": ["UIG205"], "hover": {"credentialSource": false},
     "codeLens": false}

both as `initializationOptions` and as the answer to `workspace/configuration` (section
`uvIndexGuard`). VS Code's flat spelling (``"hover.credentialSource": false``) is read too,
and so is the section wrapped in its name (``{"uvIndexGuard": {...}}``), which is what some
editors' configuration tables hold. An empty array stands for an empty object: Neovim
encodes an empty Lua table (its default `init_options = {}`) as `[]`.

:func:`parse` never fails: a value it cannot use is replaced by its default and described
in one problem (by its key, what was expected and the JSON type it had; a value is never
quoted, since it could be anything). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from uv_index_guard.engine import Shown
from uv_index_guard.finding import Severity
from uv_index_guard.redact import safe_text
from uv_index_guard.rules import CODES
from uv_index_guard.rules.invalid_settings import SECRET_RULES

#: The settings section, as `workspace/configuration` is asked for it.
SECTION: Final = "uvIndexGuard"
#: The keys the server reads (nested keys dotted).
KEYS: Final = ("severity", "ignore", "hover.credentialSource", "codeLens")
#: Keys of the same section that the VS Code extension reads itself (it chooses and starts
#: the server with them): accepted without a word.
CLIENT_KEYS: Final = frozenset({"enable", "path", "interpreter", "importStrategy", "trace"})

_SEVERITIES: Final = tuple(s.label for s in Severity)
_MAX_KEY: Final = 40
_MAX_KEYS: Final = 10


@dataclass(frozen=True, slots=True)
class Settings:
    #: The lowest severity shown as a diagnostic.
    severity: Severity = Severity.INFO
    #: Rule codes not shown, in addition to the project's `[tool.uv-index-guard] ignore`.
    ignore: frozenset[str] = frozenset()
    #: Whether the index hover says where uv takes the credentials from.
    hover_credential_source: bool = True
    #: Whether `textDocument/codeLens` answers the code lenses.
    code_lens: bool = True

    @property
    def shown(self) -> Shown:
        """Which findings the engine shows as diagnostics."""
        return Shown(self.ignore, self.severity)


DEFAULT: Final = Settings()


def json_type(value: object) -> str:
    """The JSON type of a plain value, with its article ("a string", "an array")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a value of type {type(value).__name__}"


def section(obj: object) -> Any:
    """``obj``'s `uvIndexGuard` section when it is wrapped in it, else ``obj``."""
    if isinstance(obj, Mapping) and len(obj) == 1 and isinstance(obj.get(SECTION), Mapping):
        return obj[SECTION]
    return obj


def parse(obj: object) -> tuple[Settings, list[str]]:
    """The settings in ``obj`` (the `uvIndexGuard` section as plain JSON values; None or an
    empty object: the defaults), and the problems found, each a sentence for the log."""
    obj = section(obj)
    if obj is None or _empty_table(obj):
        return DEFAULT, []
    if not isinstance(obj, Mapping):
        return DEFAULT, [f"the settings must be an object, got {json_type(obj)}; "
                         "using the defaults"]
    problems: list[str] = []
    flat: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in obj.items():
        name = str(key)
        if name == "hover":
            if value is None or _empty_table(value):
                continue
            if not isinstance(value, Mapping):
                problems.append(f"`hover` must be an object (with `credentialSource`), got "
                                f"{json_type(value)}; using the defaults")
                continue
            for sub, sub_value in value.items():
                flat.setdefault(f"hover.{sub}", sub_value)
        elif name.split(".", 1)[0] in CLIENT_KEYS:
            continue
        else:
            flat[name] = value  # a dotted key wins over the same key nested
    for name in flat:
        if name not in KEYS:
            unknown.append(name)
    settings = Settings(
        severity=_severity(flat.get("severity"), problems),
        ignore=_ignore(flat.get("ignore"), problems),
        hover_credential_source=_boolean("hover.credentialSource",
                                         flat.get("hover.credentialSource"),
                                         DEFAULT.hover_credential_source, problems),
        code_lens=_boolean("codeLens", flat.get("codeLens"), DEFAULT.code_lens, problems),
    )
    if unknown:
        problems.append(_unknown(unknown))
    return settings, problems


def _empty_table(value: object) -> bool:
    """An empty array where an object is expected: an empty Lua table, as Neovim sends it."""
    return isinstance(value, list | tuple) and not value


def _severity(value: object, problems: list[str]) -> Severity:
    if value is None:
        return DEFAULT.severity
    if isinstance(value, str):
        try:
            return Severity.parse(value)
        except ValueError:
            pass
    got = "an unknown string" if isinstance(value, str) else json_type(value)
    choices = ", ".join(f'"{s}"' for s in _SEVERITIES)
    problems.append(f"`severity` must be one of {choices}, got {got}; "
                    f'using "{DEFAULT.severity.label}"')
    return DEFAULT.severity


def _ignore(value: object, problems: list[str]) -> frozenset[str]:
    if value is None:
        return DEFAULT.ignore
    if not isinstance(value, list | tuple):
        problems.append(f'`ignore` must be an array of rule codes (such as "UIG205"), got '
                        f"{json_type(value)}; ignoring no code")
        return DEFAULT.ignore
    codes = [item for item in value if _is_code(item)]
    bad = [str(at) for at, item in enumerate(value, 1) if not _is_code(item)]
    if bad:
        if len(bad) == 1:
            which = f"entry {bad[0]} is"
        elif len(bad) <= _MAX_KEYS:
            which = f"entries {', '.join(bad[:-1])} and {bad[-1]} are"
        else:
            which = f"{len(bad)} entries (the first {', '.join(bad[:3])}) are"
        problems.append(f'`ignore`: {which} not a rule code (a code such as "UIG205"); '
                        "skipped")
    return frozenset(codes)


def _is_code(item: object) -> bool:
    """Whether ``item`` is a code the project's `ignore` takes: a rule code (`UIG205`), or a
    `scan` rule (which no diagnostic has, so it changes nothing here)."""
    return isinstance(item, str) and (item in CODES or item in SECRET_RULES)


def _boolean(key: str, value: object, default: bool, problems: list[str]) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    problems.append(f"`{key}` must be a boolean (true or false), got {json_type(value)}; "
                    f"using {str(default).lower()}")
    return default


def _unknown(keys: list[str]) -> str:
    def shown(key: str) -> str:
        key = safe_text(key)
        return f"`{key[:_MAX_KEY]}…`" if len(key) > _MAX_KEY else f"`{key}`"

    names = ", ".join(shown(k) for k in keys[:_MAX_KEYS])
    if len(keys) > _MAX_KEYS:
        names += f" and {len(keys) - _MAX_KEYS} more"
    known = ", ".join(f"`{k}`" for k in KEYS)
    word = "key" if len(keys) == 1 else "keys"
    return f"unknown {word} {names} (known: {known}); skipped"
