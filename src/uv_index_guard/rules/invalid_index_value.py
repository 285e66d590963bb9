from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from urllib.parse import unquote

from uv_index_guard.finding import Finding, Fix, Severity
from uv_index_guard.kinds import Kind
from uv_index_guard.model import BOOL_KEYS, ENUM_VALUES, IndexDef, Origin
from uv_index_guard.redact import safe_url
from uv_index_guard.rules.base import Context, Rule, toml_string
from uv_index_guard.syntax import Array, Scalar, Table, Value

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))  # stripped from both ends of a URL
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")  # removed anywhere in a URL
_AUTHORITY_END = re.compile(r"[/?#\\]")
_IPV4_NUMBER = {16: re.compile(r"[0-9A-Fa-f]*"), 8: re.compile(r"[0-7]*"),
                10: re.compile(r"[0-9]+")}
_SPECIAL = ("http", "https", "ws", "wss", "ftp")
# WHATWG's forbidden domain code points (checked after percent-decoding), and U+FFFD, which
# invalid UTF-8 decodes to and IDNA rejects.
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|\ufffd]")
# `http(s)://host[:port]` then nothing or a path, query or fragment, where host is an ASCII
# hostname whose last label starts with a letter (so it is not read as an IPv4 number): what
# nearly every index URL looks like, and what `url_problem` accepts unless the port is too big.
_PLAIN_URL = re.compile(
    r"https?://(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*\.?(?::([0-9]*))?(?:[/?#\\].*)?", re.S)
_STRING_KEYS = frozenset({"name", "url", "publish-url", "format", "authenticate", "exclude-newer",
                          "hash-algorithm"})
_TYPE_NAMES = {"string": "string", "integer": "integer", "float": "float", "boolean": "boolean",
               "datetime": "datetime", "array": "array", "table": "table"}


def describe(value: Value) -> str:
    if isinstance(value, Scalar):
        if value.kind == "string":
            return f'string "{value.py}"' if len(str(value.py)) < 40 else "a string"
        return f"{_TYPE_NAMES.get(value.kind, value.kind)} `{value.raw}`"
    return "a table" if isinstance(value, Table) else "an array"


def url_problem(url: str, *, must_be_url: bool) -> str | None:
    """What uv's URL parser (WHATWG, the `url` crate) objects to in ``url``, or None.

    With ``must_be_url`` false (an index URL), uv parses only `http:`, `https:` and `file:`
    (lower case) as URLs; anything else is a path, which uv accepts unless it is empty.
    """
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:
        port = plain.group(1)
        return "invalid port number" if port and int(port) > 65535 else None
    if not url and not must_be_url:
        return "an empty string is neither a URL nor a path"
    url = _TAB_OR_NEWLINE.sub("", url.strip(_C0_OR_SPACE))
    m = _SCHEME.match(url)
    if m is None:
        return f'relative URL without a base: "{safe_url(url)}"' if must_be_url else None
    scheme = m.group(1) if not must_be_url else m.group(1).lower()
    if scheme not in (_SPECIAL if must_be_url else ("http", "https")):
        return None
    # Special schemes skip any run of `/` and `\` after the colon: `https:///x` is host `x`.
    rest = url[m.end() :].lstrip("/\\")
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        close = host.find("]")
        if close == -1 or not _is_ipv6(host[1:close]):
            return "invalid IPv6 address"
        port = host[close + 1 :].removeprefix(":")
        host = host[: close + 1]
    else:
        host, _, port = host.partition(":")
        if not host:
            return "empty host"
        host = unquote(host, errors="replace").lower()
        if _FORBIDDEN_HOST.search(host):
            return "invalid international domain name"
        if _ends_in_number(host) and not _is_ipv4(host):
            return "invalid IPv4 address"
    if port and (not port.isdigit() or int(port) > 65535):
        return "invalid port number"
    return None


@functools.lru_cache(maxsize=4096)
def cached_url_problem(url: str, must_be_url: bool) -> str | None:
    """:func:`url_problem`, remembered: a language server checks the same URLs on every edit."""
    return url_problem(url, must_be_url=must_be_url)


def _is_ipv6(text: str) -> bool:
    try:
        import ipaddress  # only for bracketed hosts (keeps start-up short)

        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return "%" not in text


def _ipv4_parts(host: str) -> list[str]:
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


def _ends_in_number(host: str) -> bool:
    """A host whose last label is a number is parsed as an IPv4 address (WHATWG)."""
    last = _ipv4_parts(host)[-1]
    return _IPV4_NUMBER[10].fullmatch(last) is not None or (
        last[:2] in ("0x", "0X") and _IPV4_NUMBER[16].fullmatch(last[2:]) is not None)


def _is_ipv4(host: str) -> bool:
    """WHATWG's IPv4 parser: 1 to 4 decimal, octal (`0` prefix) or hex (`0x`) numbers."""
    parts = _ipv4_parts(host)
    if len(parts) > 4:
        return False
    numbers: list[int] = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not _IPV4_NUMBER[base].fullmatch(digits):
            return False
        numbers.append(int(digits, base) if digits else 0)
    if any(n > 255 for n in numbers[:-1]):
        return False
    return numbers[-1] < 1 << 8 * (5 - len(numbers))


class InvalidIndexValue(Rule):
    """UIG106: a value uv cannot read: wrong type, unknown variant, an unparsable URL."""

    code = "UIG106"
    name = "invalid-index-value"
    severity = Severity.ERROR
    summary = "An index setting has a value uv cannot read"

    per_index = True

    def check_before(self, ctx: Context) -> Iterator[Finding]:
        config = ctx.config
        entry = config.index_entry
        if entry is not None and not (isinstance(entry.value, Array) and all(
                isinstance(i, Table) for i in entry.value.items)):
            value = entry.value
            if isinstance(value, Array):
                bad = next(i for i in value.items if not isinstance(i, Table))
                yield ctx.finding(self, bad.start, bad.end,
                                  f"invalid type: {describe(bad)}, expected an index table "
                                  "`{ name = \"...\", url = \"...\" }`")
            else:
                yield ctx.finding(self, value.start, value.end,
                                  f"invalid type: {describe(value)}, expected an array of index "
                                  "tables (`[[tool.uv.index]]`)")

    def check_index(self, ctx: Context, index: IndexDef) -> Iterator[Finding]:
        if index.origin is Origin.INDEX:
            yield from self.check_table(ctx, index.value)
        elif ctx.config.kind is Kind.UV_TOML:
            yield from self.check_legacy(ctx, index.value)

    def check_after(self, ctx: Context) -> Iterator[Finding]:
        config = ctx.config
        if config.kind is Kind.UV_TOML and config.uv is not None:
            yield from self.check_legacy_types(ctx, config.uv)
        sources = config.uv.get("sources") if config.uv is not None else None
        if config.kind is Kind.PYPROJECT and isinstance(sources, Table):
            yield from self.check_sources(ctx, sources)

    def check_sources(self, ctx: Context, sources: Table) -> Iterator[Finding]:
        """`pkg = { index = "name" }` or a list of such tables; uv refuses other shapes."""
        for package, entry in sources.entries.items():
            value = entry.value
            if isinstance(value, Array):
                tables = [v for v in value.items if isinstance(v, Table)]
                if len(tables) != len(value.items):
                    bad = next(v for v in value.items if not isinstance(v, Table))
                    yield ctx.finding(self, bad.start, bad.end,
                                      f"`{package}`: invalid type: {describe(bad)}, expected a "
                                      "source table (`{ index = \"...\" }`)")
            elif isinstance(value, Table):
                tables = [value]
            else:
                yield ctx.finding(self, value.start, value.end,
                                  f"`{package}`: invalid type: {describe(value)}, expected a "
                                  "source table (`{ index = \"...\" }`) or a list of them")
                continue
            for table in tables:
                index = table.get("index")
                if index is not None and not (isinstance(index, Scalar)
                                              and index.kind == "string"):
                    yield ctx.finding(self, index.start, index.end,
                                      f"`{package}`: `index`: invalid type: {describe(index)}, "
                                      "expected the name of an index")

    def check_legacy(self, ctx: Context, value: Value) -> Iterator[Finding]:
        if isinstance(value, Scalar) and value.kind == "string":
            problem = url_problem(value.py, must_be_url=False)
            if problem:
                yield ctx.finding(self, value.start, value.end, f"invalid URL: {problem}")

    def check_legacy_types(self, ctx: Context, uv: Table) -> Iterator[Finding]:
        for message, value in legacy_type_errors(uv):
            yield ctx.finding(self, value.start, value.end, message)

    def check_table(self, ctx: Context, table: Value) -> Iterator[Finding]:
        if not isinstance(table, Table):
            return
        for key, entry in table.entries.items():
            value = entry.value
            if type(value) is Scalar:  # the common cases first: a name, a URL, a flag
                kind = value.kind
                if kind == "string" and (key == "url" or key == "publish-url"):
                    problem = cached_url_problem(value.py, key == "publish-url")
                    if problem:
                        yield ctx.finding(self, value.start, value.end,
                                          f"`{key}`: invalid URL: {problem}")
                    continue
                if (kind == "string" and key == "name") or (
                        kind == "boolean" and key in BOOL_KEYS):
                    continue
            message, fix = self.value_problem(ctx, key, value)
            if message:
                yield ctx.finding(self, value.start, value.end, f"`{key}`: {message}",
                                  [fix] if fix else [])

    def value_problem(self, ctx: Context, key: str, value: Value) -> tuple[str | None, Fix | None]:
        is_str = isinstance(value, Scalar) and value.kind == "string"
        if key in _STRING_KEYS:
            if not is_str:
                return f"invalid type: {describe(value)}, expected a string", None
            if key == "name":
                return None, None
        if key in BOOL_KEYS:
            if isinstance(value, Scalar) and value.kind == "boolean":
                return None, None
            fix = None
            if is_str and str(value.py).strip().lower() in ("true", "false", "yes", "no"):
                new = "true" if str(value.py).strip().lower() in ("true", "yes") else "false"
                fix = Fix(f"Replace with `{new}`", (ctx.replace_value(value, new),))
            return f"invalid type: {describe(value)}, expected a boolean", fix
        if key in ENUM_VALUES and isinstance(value, Scalar):
            allowed = ENUM_VALUES[key]
            if value.py not in allowed:
                choices = ", ".join(f"`{a}`" for a in allowed)
                fix = None
                lowered = str(value.py).strip().lower()
                if lowered in allowed:
                    fix = Fix(f"Replace with `\"{lowered}\"`",
                              (ctx.replace_value(value, toml_string(lowered, value)),))
                return f"unknown variant `{value.py}`, expected one of {choices}", fix
        if key in ("url", "publish-url") and isinstance(value, Scalar):
            problem = url_problem(value.py, must_be_url=key == "publish-url")
            if problem:
                return f"invalid URL: {problem}", None
        if key == "exclude-newer" and isinstance(value, Scalar) and not re.search(
                r"[0-9]", str(value.py)):
            # Dates, timestamps and durations (`2024-01-01`, `3 days`, `P3D`) all have a digit.
            return (f"`{value.py}` is not a date (`2024-01-01`), a timestamp "
                    "(`2024-01-01T00:00:00Z`) or a duration (`3 days`, `P3D`)"), None
        if key == "ignore-error-codes":
            return self.codes_problem(ctx, value)
        if key == "cache-control":
            if not isinstance(value, Table):
                return (f"invalid type: {describe(value)}, expected a table "
                        "`{ api = \"...\", files = \"...\" }`"), None
            for sub in ("api", "files"):
                v = value.get(sub)
                if v is not None and not (isinstance(v, Scalar) and v.kind == "string"):
                    return f"`{sub}`: invalid type: {describe(v)}, expected a string", None
        return None, None

    def codes_problem(self, ctx: Context, value: Value) -> tuple[str | None, Fix | None]:
        if not isinstance(value, Array):
            return f"invalid type: {describe(value)}, expected an array of status codes", None
        for item in value.items:
            if isinstance(item, Scalar) and item.kind == "integer":
                if item.py is None or not 0 <= item.py <= 65535:
                    return f"invalid value: integer `{item.raw}`, expected u16", None
                continue
            fix = None
            if all(isinstance(i, Scalar) and (i.kind == "integer" or str(i.py).isdigit())
                   for i in value.items):
                numbers = ", ".join(str(int(i.py)) for i in value.items if isinstance(i, Scalar))
                fix = Fix("Write the status codes as numbers",
                          (ctx.replace_value(value, f"[{numbers}]"),))
            return f"invalid type: {describe(item)}, expected u16 (an HTTP status code)", fix
        return None, None


def legacy_type_errors(uv: Table) -> Iterator[tuple[str, Value]]:
    """Type errors in `index-url` / `extra-index-url`."""
    legacy = uv.get("index-url")
    if legacy is not None and not (isinstance(legacy, Scalar) and legacy.kind == "string"):
        yield f"`index-url`: invalid type: {describe(legacy)}, expected a string", legacy
    extra = uv.get("extra-index-url")
    if extra is not None:
        if not isinstance(extra, Array):
            yield f"`extra-index-url`: invalid type: {describe(extra)}, expected a sequence", extra
        else:
            for item in extra.items:
                if not (isinstance(item, Scalar) and item.kind == "string"):
                    yield (f"`extra-index-url`: invalid type: {describe(item)}, expected a string",
                           item)
