"""The two configuration files uv reads, by file name (a module of its own, so that the
front ends that only need the names, such as the secret scanner's hook, stay light)."""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    """The two files uv reads settings from, by their file name."""

    PYPROJECT = "pyproject.toml"
    UV_TOML = "uv.toml"

    @classmethod
    def of_name(cls, name: str) -> Kind | None:
        """The kind of a file called ``name`` (a base name), or None for any other file."""
        return _KINDS.get(name)


_KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}
#: The file names of configuration files.
CONFIG_NAMES: frozenset[str] = frozenset(_KINDS)


__all__ = ["CONFIG_NAMES", "Kind"]
