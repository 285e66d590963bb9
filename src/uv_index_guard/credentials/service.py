"""URLs the way uv's credential code compares them: normalised service URLs, realms, path
prefixes and the keyring service names uv asks for (crates/uv-auth: ``service.rs``,
``realm.rs``, ``index.rs``, ``keyring.rs``)."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

Realm = tuple[str, str, int | None]


def _split(url: str) -> tuple[SplitResult, str, str, int | None] | None:
    """(parts, lower-cased scheme, host, port), or None when ``url`` has no scheme or host."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or not host:
        return None
    return parts, scheme, host, port


def normalize(url: str) -> str | None:
    """``url`` without userinfo, as the `url` crate prints it: scheme and host lower-cased, the
    scheme's default port dropped, ``/`` for an empty path. None when it has no host."""
    split = _split(url)
    if split is None:
        return None
    parts, scheme, host, port = split
    return urlunsplit((scheme, _authority(scheme, host, port), parts.path or "/", parts.query,
                       parts.fragment))


def _authority(scheme: str, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        shown += f":{port}"
    return shown


def realm(url: str) -> Realm | None:
    """Scheme, host and non-default port: credentials never cross a realm (RFC 7235)."""
    split = _split(url)
    if split is None:
        return None
    _parts, scheme, host, port = split
    return (scheme, host, None if port == DEFAULT_PORTS.get(scheme) else port)


def host_port(url: str) -> str | None:
    """``host[:port]`` (the port only when it is not the scheme's default)."""
    r = realm(url)
    if r is None:
        return None
    scheme, host, port = r
    return _authority(scheme, host, port)


def path_of(url: str) -> str:
    try:
        return urlsplit(url.strip()).path or "/"
    except ValueError:
        return "/"


def is_path_prefix(prefix: str, path: str) -> bool:
    """True when ``prefix`` is a whole-segment prefix of ``path`` (``/simple`` of
    ``/simple/anyio`` but not of ``/simpleevil``)."""
    if prefix == path:
        return True
    if not path.startswith(prefix):
        return False
    return prefix.endswith("/") or path[len(prefix):].startswith("/")


def keyring_services(index_url: str) -> list[str]:
    """The keyring services uv asks for an index, in order: the index URL (no userinfo), then
    ``host[:port]``, then for a non-https URL ``scheme://host[:port]``."""
    services: list[str] = []
    full = normalize(index_url)
    if full is None:
        return services
    services.append(full)
    host = host_port(index_url)
    if host is not None:
        services.append(host)
        scheme = full.split(":", 1)[0]
        if scheme != "https":
            services.append(f"{scheme}://{host}")
    return list(dict.fromkeys(services))


def is_local_host(host: str) -> bool:
    """Hosts for which `uv auth login` accepts plain http (``localhost`` and ``127.0.0.1``)."""
    return host in ("localhost", "127.0.0.1")
