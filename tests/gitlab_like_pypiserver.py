"""pypiserver as a stand-in for GitLab's PyPI registry: run with pypiserver's own command line
(`run -P htpasswd -a download,list,update ...`), but answer wrong credentials with
``401 Unauthorized`` and ``WWW-Authenticate: Basic``, as GitLab does (pypiserver says 403)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from pypiserver import bottle_wrapper

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def gitlab_like(app: WsgiApp) -> WsgiApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("403") and environ.get("HTTP_AUTHORIZATION"):
                status = "401 Unauthorized"
                headers = [h for h in headers if h[0].lower() != "www-authenticate"]
                headers.append(("WWW-Authenticate", 'Basic realm="GitLab"'))
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return wrapped


_run = bottle_wrapper.run


def _run_gitlab_like(app: WsgiApp, **kwargs: Any) -> Any:
    return _run(app=gitlab_like(app), **kwargs)


bottle_wrapper.run = _run_gitlab_like

if __name__ == "__main__":
    from pypiserver.__main__ import main

    main(sys.argv[1:])
