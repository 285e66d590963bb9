"""Showing URLs, names and text without their secrets (messages, hovers, titles, logs).

One place decides how a secret is shown: :func:`tokens.mask` for a token (`glpat-…x4Tb`),
`****` for a password. Everything that quotes user text goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from uv_index_guard.index_env import env_name
from uv_index_guard.tokens import find_tokens, kind_of, mask
from uv_index_guard.urls import split_url


def safe_url(url: str) -> str:
    """The URL with its password as `****`, a token used as the username masked, and any
    other token in it (path, query) masked. A URL that does not parse loses everything
    before its last `@`."""
    parts = split_url(url)
    if parts is None:
        shown = "****@" + url.rpartition("@")[2] if "@" in url else url
    else:
        shown = url
        if parts.password is not None:
            shown = url[: parts.password_start] + "****" + url[parts.userinfo_end :]
        elif parts.username:
            raw_user = url[parts.userinfo_start : parts.userinfo_end]
            if kind_of(parts.username) is not None or kind_of(raw_user) is not None:
                shown = url[: parts.userinfo_start] + mask(parts.username) + url[
                    parts.userinfo_end :]
    return safe_text(shown)


def safe_text(text: str) -> str:
    """``text`` with every token-shaped part masked."""
    for match in sorted(find_tokens(text), key=lambda m: m.start, reverse=True):
        text = text[: match.start] + mask(text[match.start : match.end]) + text[match.end :]
    return text


def without_secrets(text: str) -> str:
    """``text`` with every token masked (as :func:`safe_text`) and every other secret the
    scanner finds in it (a URL's password) as `****`: for text from outside, such as a
    report that `merge-reports` is given, which anything may have written."""
    # Here, not at the top: the language server uses this module and needs no scanner.
    from uv_index_guard.scanner import find_secrets

    data = safe_text(text).encode("utf-8", "surrogateescape")
    for secret in reversed(find_secrets(data)):
        data = data[: secret.start] + b"****" + data[secret.end :]
    return data.decode("utf-8", "surrogateescape")


class Masker:
    """Shows text of one document without its secrets: every token-shaped part masked, and
    the `UV_INDEX_<NAME>_` spelling of a token-shaped index name too (the variable names
    derived from a token carry it, upper-cased)."""

    __slots__ = ("_derived",)

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._derived: list[tuple[str, str]] = []
        for name in names:
            self._derived += _name_masks(name)

    def __call__(self, text: str) -> str:
        for secret, shown in self._derived:
            if secret and secret in text:
                text = text.replace(secret, shown)
        return safe_text(text)


@lru_cache(maxsize=1 << 16)
def _name_masks(name: str) -> tuple[tuple[str, str], ...]:
    """How a token-shaped index name and the spellings derived from it are shown (none for
    any other name). Kept between analyses: a document's names rarely change while typing,
    and a large workspace has thousands of them."""
    if not any(True for _ in find_tokens(name)) and kind_of(name) is None:
        return ()
    shown = safe_text(name)
    return ((env_name(name), "****"), (name.upper(), "****"),
            (name, shown if shown != name else mask(name)))


def safe_name(text: str) -> str:
    """A user name shown as is, unless it is a token."""
    return mask(text) if kind_of(text) is not None else text


def scrub(text: str, secrets: list[str], min_length: int = 1) -> str:
    """Last line of defence: no secret of this run (of ``min_length`` or more characters)
    appears in ``text``."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret and len(secret) >= min_length:
            text = text.replace(secret, "****")
    return text


def exception_trail(exc: BaseException) -> str:
    """An unexpected exception as its type and last frames only (`KeyError at a.py:3 f <-
    b.py:9 g`): its message may quote the input, a secret say."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    trail = " <- ".join(f"{f.filename.replace(chr(92), '/').rsplit('/', 1)[-1]}:{f.lineno} "
                        f"{f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {trail}"
