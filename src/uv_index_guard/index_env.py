"""The environment variables uv reads an index's credentials from, named as uv names them.

Apart from :mod:`uv_index_guard.model` so that what only masks or names them (the scanner's
redaction, the credential doctor) does not load the TOML syntax to do so.
"""

from __future__ import annotations

import functools
import re

_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


@functools.lru_cache(maxsize=8192)  # the same names, edit after edit
def env_name(name: str) -> str:
    """The `<NAME>` part of `UV_INDEX_<NAME>_USERNAME` for an index name, as uv spells it."""
    return _NOT_ALPHANUMERIC.sub("_", name).upper()


def env_vars(name: str) -> tuple[str, str]:
    """(`UV_INDEX_<NAME>_USERNAME`, `UV_INDEX_<NAME>_PASSWORD`) for an index name."""
    stem = f"UV_INDEX_{env_name(name)}"
    return f"{stem}_USERNAME", f"{stem}_PASSWORD"
