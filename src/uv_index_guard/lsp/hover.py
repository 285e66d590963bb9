"""Hover: what uv does with the index, key or source reference under the cursor.

Environment variables are looked up by name in the mapping the server passes in (the server's
own environment); a hover says whether each is set, never what it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lsprotocol import types

from uv_index_guard.index_env import env_vars
from uv_index_guard.lsp.documents import DocumentState
from uv_index_guard.model import ENUM_VALUES, INDEX_KEYS, Config, IndexDef, Origin
from uv_index_guard.redact import Masker, safe_name, safe_url
from uv_index_guard.syntax import Scalar
from uv_index_guard.urls import split_url


@dataclass(frozen=True, slots=True)
class Target:
    """What the cursor is on: an index, a key of an index table, or a source reference."""

    what: str  # "index", "key" or "source"
    start: int
    end: int
    index: IndexDef | None = None
    key: str = ""
    source_index: str = ""


def locate(config: Config, offset: int) -> Target | None:
    for index in config.indexes:
        table = index.table
        if table is None:
            if index.value.start <= offset <= index.value.end:
                return Target("index", index.value.start, index.value.end, index)
            continue
        if index.anchor_start <= offset < index.anchor_end and table.how == "array-header":
            return Target("index", index.anchor_start, index.anchor_end, index)
        for key, entry in table.entries.items():
            on_key = entry.key_start <= offset <= entry.key_end
            on_value = entry.value.start <= offset <= entry.value.end
            if key in ("name", "url") and (on_key or on_value):
                return Target("index", entry.item_start, entry.item_end, index, key)
            if on_key:
                return Target("key", entry.key_start, entry.key_end, index, key)
    for ref in config.sources:
        if ref.entry.item_start <= offset <= ref.entry.item_end:
            return Target("source", ref.entry.item_start, ref.entry.item_end,
                          source_index=ref.index)
    return None


def hover(state: DocumentState, position: types.Position,
          environ: Mapping[str, str]) -> types.Hover | None:
    analysis = state.current()
    target = locate(analysis.config, state.mapper.offset(position))
    if target is None:
        return None
    if target.what == "key":
        text = key_help(target.key)
    elif target.what == "source":
        text = source_help(analysis.config, target.source_index)
    else:
        assert target.index is not None
        text = index_help(analysis.config, target.index, environ)
    if text is None:
        return None
    rng = state.mapper.range(analysis.doc.range(target.start, target.end))
    text = Masker(analysis.config.by_name())(text)  # a token as an index name, too
    return types.Hover(contents=types.MarkupContent(types.MarkupKind.Markdown, text), range=rng)


def key_help(key: str) -> str | None:
    description = INDEX_KEYS.get(key)
    if description is None:
        return None
    text = f"**`{key}`** (index key)\n\n{description}"
    if key in ENUM_VALUES:
        text += "\n\nAllowed values: " + ", ".join(f'`"{v}"`' for v in ENUM_VALUES[key])
    elif key in ("explicit", "default"):
        text += "\n\nAllowed values: `true`, `false`"
    return text


def source_help(config: Config, name: str) -> str:
    matches = config.by_name().get(name, [])
    if not matches:
        declared = ", ".join(f"`{n}`" for n in config.by_name()) or "none"
        return (f"Index `{name}` is not declared in this file, so uv fails at lock time "
                f"(declared indexes: {declared}).")
    index = matches[-1]
    url = index.url
    shown = f"`{safe_url(url)}`" if url is not None else "*(no `url`)*"
    return f"Resolves to index **`{name}`**: {shown}"


def index_help(config: Config, index: IndexDef, environ: Mapping[str, str]) -> str:
    url = index.url
    name = index.name
    lines = [f"**Index `{name}`**" if name else "**Unnamed index**"]
    if url is not None:
        lines[0] += f" — `{safe_url(url)}`"
    if index.origin is not Origin.INDEX or not name:
        lines.append("")
        lines.append("Without a `name`, uv has no `UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` "
                     "variables for this index: credentials must come from the URL, netrc, "
                     "`uv auth login` or keyring.")
        return "\n".join(lines)
    user_var, pass_var = env_vars(name)
    lines += ["", "Credentials from the environment (they win over the URL):"]
    for var in (user_var, pass_var):
        state = "set in the server's environment" if var in environ else "not set"
        lines.append(f"- `{var}`: {state}")
    lines += ["", "How uv authenticates this index:"]
    lines += [f"- {line}" for line in auth_steps(config, index, environ)]
    return "\n".join(lines)


def auth_steps(config: Config, index: IndexDef, environ: Mapping[str, str]) -> list[str]:
    name = index.name or ""
    user_var, pass_var = env_vars(name)
    mode_value = index.scalar("authenticate")
    mode = str(mode_value.py) if isinstance(mode_value, Scalar) else "auto"
    parts = split_url(index.url or "")
    if mode == "never":
        return ['`authenticate = "never"`: uv never sends credentials to this index.']
    steps = []
    if mode == "always":
        steps.append('`authenticate = "always"`: every request carries credentials; without '
                     "any, uv fails with `Missing credentials for <url>`.")
    else:
        steps.append('`authenticate = "auto"`: uv first asks without credentials and looks '
                     "for them only after a 401, 403 or 404.")
    url_user = parts.username if parts is not None else ""
    has_password = parts is not None and parts.password is not None
    if url_user and has_password:
        steps.append(f"The URL carries a username (`{safe_name(url_user)}`) and a password "
                     "(`****`); `" + pass_var + "` would override it.")
    elif url_user:
        steps.append(f"The URL carries the username `{safe_name(url_user)}`.")
    else:
        steps.append("The URL carries no username.")
    steps.append("Then netrc (matched by host) and `uv auth login` credentials.")
    username = bool(url_user) or user_var in environ
    provider = _keyring_provider(config, environ)
    if provider != "subprocess":
        steps.append("Keyring is not used: `keyring-provider` is not `\"subprocess\"` (set it in "
                     "`[tool.uv]` or `UV_KEYRING_PROVIDER=subprocess`).")
    elif username:
        steps.append("Keyring is asked for the index URL, then its host, with that username.")
    elif mode == "always":
        steps.append("Keyring is asked with `--mode creds` (no username; keyring ≥ 25.2.1).")
    else:
        steps.append("Keyring is **skipped**: it needs a username. Put it in the URL "
                     f"(`https://USER@host/...`) or set `{user_var}`.")
    return steps


def _keyring_provider(config: Config, environ: Mapping[str, str]) -> str:
    if "UV_KEYRING_PROVIDER" in environ:
        return environ["UV_KEYRING_PROVIDER"]
    value = config.uv.get("keyring-provider") if config.uv is not None else None
    return str(value.py) if isinstance(value, Scalar) and value.kind == "string" else "disabled"
