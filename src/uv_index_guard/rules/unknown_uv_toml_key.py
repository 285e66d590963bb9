from __future__ import annotations

from collections.abc import Iterator

from uv_index_guard.finding import Finding, Severity
from uv_index_guard.kinds import Kind
from uv_index_guard.rules.base import Context, Rule, did_you_mean
from uv_index_guard.syntax import Entry, Table

# The top-level keys uv 0.13 accepts in uv.toml (the list of its "unknown field" error).
UV_SETTINGS_KEYS = frozenset(
    """
required-version system-certs native-tls offline no-cache cache-dir preview preview-features
python-preference python-downloads concurrent-downloads concurrent-builds concurrent-installs
index index-url extra-index-url no-index find-links index-strategy keyring-provider http-proxy
https-proxy no-proxy allow-insecure-host resolution prerelease prerelease-package fork-strategy
dependency-metadata config-settings config-settings-package no-build-isolation
require-build-hashes no-build-isolation-package extra-build-dependencies extra-build-variables
exclude-newer exclude-newer-package link-mode compile-bytecode no-sources no-sources-package
upgrade upgrade-package reinstall reinstall-package no-build no-build-package no-binary
no-binary-package torch-backend python-install-mirror pypy-install-mirror
graalpy-install-mirror pyodide-install-mirror python-downloads-json-url publish-url
trusted-publishing check-url add-bounds audit pip cache-keys override-dependencies
exclude-dependencies constraint-dependencies build-constraint-dependencies environments
required-environments minimum-libc-version conflicts workspace sources managed package
default-groups dependency-groups dev-dependencies build-backend
""".split()
)

# Keys uv knows but refuses in uv.toml: "The `sources` field is not allowed in a `uv.toml` file.
# `sources` is only applicable in the context of a project, and should be placed in a
# `pyproject.toml` file instead."
PROJECT_ONLY_KEYS = frozenset(
    """
conflicts workspace sources dev-dependencies default-groups dependency-groups managed package
build-backend environments required-environments
""".split()
)

#: The settings keys of `[tool.uv]` (those that a uv.toml may hold too).
SETTINGS_KEYS = UV_SETTINGS_KEYS - PROJECT_ONLY_KEYS


def unknown_settings(table: Table) -> Iterator[tuple[str, Entry, str]]:
    """(key, entry, did-you-mean hint) for each key of ``table`` that uv's settings lack."""
    for key, entry in table.entries.items():
        if key not in UV_SETTINGS_KEYS:
            guess = did_you_mean(key, UV_SETTINGS_KEYS)
            yield key, entry, f"; did you mean `{guess}`?" if guess else ""


class UnknownUvTomlKey(Rule):
    """UIG108: uv.toml has a top-level key uv does not know, or allows only in pyproject.toml."""

    code = "UIG108"
    name = "unknown-uv-toml-key"
    severity = Severity.ERROR
    summary = "uv.toml has a key uv does not know"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.config.kind is not Kind.UV_TOML:
            return
        for key, entry in ctx.config.doc.root.entries.items():
            if key in PROJECT_ONLY_KEYS:
                yield ctx.finding(self, entry.key_start, entry.key_end,
                                  f"`{key}` is not allowed in uv.toml, only in `[tool.uv]` of a "
                                  "pyproject.toml; uv refuses the whole file")
        for key, entry, hint in unknown_settings(ctx.config.doc.root):
            if key not in PROJECT_ONLY_KEYS:
                yield ctx.finding(self, entry.key_start, entry.key_end,
                                  f"unknown field `{key}` in uv.toml; uv refuses the whole file"
                                  f"{hint}")
