"""`uv-index-guard doctor`: for each index, where uv takes its credentials from and what the
index answers to them.

Exit status: 0 when every probe succeeded (or none was made), 1 when one failed or uv is
certain to fail (`authenticate = "always"` and no credentials from any source, which uv
refuses before sending a request), 2 when the configuration could not be read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from uv_index_guard.credentials import keyring_cli, settings
from uv_index_guard.credentials.hints import IndexFacts, hint, is_gitlab
from uv_index_guard.credentials.near_miss import keyring_near_misses, stored_mismatches
from uv_index_guard.credentials.probe import ProbeResult, probe, probe_url
from uv_index_guard.credentials.resolve import (
    IndexAuth,
    Resolution,
    Source,
    keyring_provider,
    resolve,
)
from uv_index_guard.credentials.stores import StoredCredential, Stores, SystemStores
from uv_index_guard.files import InputError, display_path
from uv_index_guard.finding import Finding
from uv_index_guard.index_env import env_vars
from uv_index_guard.model import IndexDef, Origin
from uv_index_guard.redact import safe_name, safe_url, scrub
from uv_index_guard.tokens import JOB_TOKEN_USER, kind_of
from uv_index_guard.urls import is_loopback, split_url, without_userinfo


@dataclass(frozen=True, slots=True)
class Options:
    path: str | None = None
    fmt: str = "text"
    probe: bool = True
    index: str | None = None
    timeout: float = 10.0


@dataclass(slots=True)
class IndexReport:
    file: str
    name: str | None
    url: str  # secrets masked
    env: tuple[str, str] | None
    env_set: tuple[bool, bool]
    resolution: Resolution = field(repr=False)
    probe_url: str | None = None
    probe: ProbeResult | None = None
    hint: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Keyring entries uv does not find, each with the commands that make it (in warnings).
    near_misses: list[str] = field(default_factory=list)
    #: What `check` says about this index's own table (masked, as `check` prints it).
    findings: list[Finding] = field(default_factory=list)

    @property
    def probed_ok(self) -> bool | None:
        return None if self.probe is None else self.probe.ok

    def to_json(self) -> dict[str, Any]:
        user_var, pass_var = self.env if self.env is not None else (None, None)
        username = self.resolution.username
        return {
            "name": self.name,
            "url": self.url,
            "env": {"username": user_var, "password": pass_var},
            "credentials": {"source": self.resolution.source.value,
                            "username": safe_name(username) if username else None},
            "probe": None if self.probe is None else {
                "status": self.probe.status, "ok": self.probe.ok, "hint": self.hint},
            "warnings": list(self.warnings),
            "findings": [{"code": f.code, "line": f.range.start.line + 1,
                          "message": f.message} for f in self.findings],
        }


def index_auth(index: IndexDef) -> IndexAuth | None:
    url = index.url
    if url is None:
        return None
    mode = index.string("authenticate") if index.origin is Origin.INDEX else None
    return IndexAuth(index.name, url, mode if mode in ("auto", "always", "never") else "auto")


def diagnose(files: list[settings.ConfigFile], environ: Mapping[str, str], stores: Stores,
             *, do_probe: bool = True, only: str | None = None,
             timeout: float = 10.0, stored: list[StoredCredential] | None = None,
             ) -> list[IndexReport]:
    configured, _where = settings.configured_keyring_provider(files)
    provider = keyring_provider(environ, configured)
    packages = _packages_by_index(files)
    reports: list[IndexReport] = []
    for file in files:
        if not file.lists_indexes:
            continue
        for index in file.analysis.config.indexes:
            if only is not None and index.name != only:
                continue
            auth = index_auth(index)
            if auth is None:
                continue
            reports.append(_diagnose_one(file, index, auth, environ, stores, provider,
                                         packages, do_probe, timeout, stored or []))
    return reports


def check_index(files: list[settings.ConfigFile], file: settings.ConfigFile, index: IndexDef,
                environ: Mapping[str, str], stores: Stores, *, do_probe: bool = True,
                timeout: float = 10.0) -> IndexReport | None:
    """One index of ``file`` (the other files give settings and `[tool.uv.sources]`)."""
    auth = index_auth(index)
    if auth is None:
        return None
    configured, _where = settings.configured_keyring_provider(files)
    return _diagnose_one(file, index, auth, environ, stores, keyring_provider(environ, configured),
                         _packages_by_index(files), do_probe, timeout, [])


def _packages_by_index(files: list[settings.ConfigFile]) -> dict[str, str]:
    """For each index name, the first package `[tool.uv.sources]` takes from it."""
    found: dict[str, str] = {}
    for file in files:
        for ref in file.analysis.config.sources:
            found.setdefault(ref.index, ref.package)
    return found


def index_findings(file: settings.ConfigFile, index: IndexDef) -> list[Finding]:
    """The findings of `check` that lie in ``index``'s own table (or legacy URL)."""
    lines = file.analysis.doc.lines
    end = index.table.end if index.table is not None else index.anchor_end
    first = lines.position(index.anchor_start).line
    last = lines.position(max(index.anchor_start, end - 1)).line
    return [f for f in file.analysis.findings if first <= f.range.start.line <= last]


def _diagnose_one(file: settings.ConfigFile, index: IndexDef, auth: IndexAuth,
                  environ: Mapping[str, str], stores: Stores, provider: str,
                  packages: dict[str, str], do_probe: bool, timeout: float,
                  stored: list[StoredCredential]) -> IndexReport:
    env = env_vars(auth.name) if auth.name is not None else None
    flat = index.string("format") == "flat"
    package = packages.get(auth.name) if auth.name is not None and not flat else None
    parts = split_url(auth.url)
    web = parts is not None and parts.scheme in ("http", "https") and bool(parts.host)
    target = probe_url(auth.url, package, flat) if web else None
    resolution = resolve(auth, environ, stores, provider, target)
    report = IndexReport(
        display_path(str(file.path)), auth.name, safe_url(auth.url), env,
        (env is not None and env[0] in environ, env is not None and env[1] in environ),
        resolution, target)
    report.findings = index_findings(file, index)
    checked = {f.code for f in report.findings}
    report.warnings = warnings_for(index, auth, resolution, environ, checked, target)
    report.near_misses = keyring_near_misses(index, auth, resolution, stores, provider,
                                             environ)
    report.warnings += report.near_misses + stored_mismatches(auth, stored)
    if not web:
        report.warnings.append("not an http(s) URL: a local directory or file, which uv reads "
                               "without credentials; nothing to probe")
    elif do_probe and target is not None:
        report.probe = probe(target, resolution, timeout=timeout, flat=flat)
        facts = IndexFacts(auth.name, without_userinfo(auth.url), package, env,
                           auth.authenticate, timeout)
        # uv's certain failure is already a warning (warnings_for): not said twice.
        if not resolution.missing:
            report.hint = hint(report.probe, resolution, facts)
    return report


def warnings_for(index: IndexDef, auth: IndexAuth, resolution: Resolution,
                 environ: Mapping[str, str], checked: frozenset[str] | set[str] = frozenset(),
                 request_url: str | None = None) -> list[str]:
    """What the resolution means for uv; ``checked`` are the codes `check` already reports
    for this index (shown beside these), so nothing is said twice. ``request_url`` is the
    first page uv would ask for (the package's, when `[tool.uv.sources]` names one)."""
    found = [note.text for note in resolution.notes]
    parts = split_url(auth.url)
    plain = auth.url if parts is None else without_userinfo(auth.url)
    if resolution.missing:
        found.append(f'`authenticate = "always"` and no credentials from any source: uv will '
                     f"fail with `Missing credentials for: {safe_url(request_url or plain)}`")
    elif (resolution.source is Source.NONE and is_gitlab(plain) and not resolution.username
          and auth.authenticate != "never"):
        found.append("a GitLab registry and no credentials from any source: uv asks "
                     "anonymously, and a private project answers 401 (uv stops: \"lack of "
                     "valid authentication credentials\") or 404 (uv moves on to the next "
                     "index)")
    if (parts is not None and parts.scheme == "http" and not is_loopback(parts.hostname)
            and "UIG209" not in checked
            and (resolution.has_credentials or resolution.username)):
        found.append(f"credentials go to `{parts.host}` over plain http://, readable by anyone "
                     "on the way; use https://")
    if is_gitlab(without_userinfo(auth.url)) and auth.authenticate == "auto" and (
            index.origin is Origin.INDEX):
        found.append('`authenticate = "auto"` on a GitLab registry: uv\'s first request goes '
                     "without credentials (unless the URL or `UV_INDEX_*` carry them), and "
                     "GitLab answers a package it does not have by forwarding to pypi.org; set "
                     '`authenticate = "always"` (with `explicit = true`)')
    publish = index.string("publish-url") if index.origin is Origin.INDEX else None
    if publish is not None and _job_token_publish(publish, environ):
        name = f"--index {auth.name} " if auth.name else ""
        found.append("`publish-url` with a CI job token: `uv publish --token $CI_JOB_TOKEN` "
                     "sends the username `__token__` and GitLab answers 401; use "
                     f"`uv publish {name}--username {JOB_TOKEN_USER} "
                     "--password \"$CI_JOB_TOKEN\"`")
    return found


def _job_token_publish(publish_url: str, environ: Mapping[str, str]) -> bool:
    parts = split_url(publish_url)
    if parts is None or not is_gitlab(without_userinfo(publish_url)):
        return False
    secret = parts.password or parts.username
    kind = kind_of(secret) if secret else None
    if kind is not None and kind.rule == "gitlab-cicd-job-token":
        return parts.username != JOB_TOKEN_USER
    if "CI_JOB_TOKEN" not in environ:
        return False
    return environ.get("UV_PUBLISH_USERNAME") != JOB_TOKEN_USER


# --- output ------------------------------------------------------------------------------


def render_json(reports: list[IndexReport],
                keyring: keyring_cli.KeyringReport | None = None) -> str:
    data: dict[str, Any] = {"indexes": [r.to_json() for r in reports]}
    if keyring is not None:
        data["keyring"] = keyring_json(keyring)
    return json.dumps(data, indent=2)


def render_text(reports: list[IndexReport], probed: bool) -> str:
    lines: list[str] = []
    for report in reports:
        title = f"index `{report.name}`" if report.name else "unnamed index"
        lines.append(f"{title} ({report.file})")
        lines.append(f"  url:          {report.url}")
        if report.env is not None:
            shown = [f"`{var}` ({'set' if is_set else 'not set'})"
                     for var, is_set in zip(report.env, report.env_set, strict=True)]
            lines.append(f"  env:          {', '.join(shown)}")
        else:
            lines.append("  env:          none (the index has no `name`)")
        lines.append(f"  credentials:  {credentials_line(report.resolution)}")
        if report.probe is not None:
            lines.append(f"  probe:        {_probe_line(report)}")
        if report.hint:
            lines.append(f"  hint: {report.hint}")
        lines += [f"  check {f.code} (line {f.range.start.line + 1}): {f.message}"
                  for f in report.findings]
        lines += [f"  warning: {w}" for w in report.warnings]
        lines.append("")
    lines.append(summary(reports, probed))
    return "\n".join(lines)


def keyring_lines(report: keyring_cli.KeyringReport) -> list[str]:
    """The `keyring` section of the text output."""
    lines = ["keyring (what uv's subprocess provider runs)"]
    for label, found in (("uv runs:", report.uv), ("shell PATH:", report.shell)):
        if found is None:
            continue
        version = f"keyring {found.version}" if found.version else "version unknown"
        backends = ", ".join(found.usable) or "no usable backend"
        lines.append(f"  {label:<13} {found.path} ({version}; {backends})")
    if report.uv is None:
        lines.append("  uv runs:      nothing (no `keyring` on PATH)")
    lines += [f"  warning: {w}" for w in report.warnings]
    lines.append("")
    return lines


def keyring_json(report: keyring_cli.KeyringReport) -> dict[str, Any]:
    def one(found: keyring_cli.Keyring | None) -> dict[str, Any] | None:
        return None if found is None else {
            "path": found.path, "version": found.version, "usable": list(found.usable),
            "backends": [name for name, _ in found.backends]}
    return {"uv": one(report.uv), "shell": one(report.shell), "warnings": report.warnings}


def credentials_line(resolution: Resolution) -> str:
    user = f"username `{safe_name(resolution.username)}`" if resolution.username else (
        "no username")
    if resolution.source is Source.NONE:
        return f"none ({user} only)" if resolution.username else "none"
    timing = "" if resolution.eager else "; sent after an anonymous 401/403/404, as uv does"
    kind = "bearer token" if resolution.bearer is not None else user
    return f"{resolution.where}, {kind} (source `{resolution.source.value}`){timing}"


def _probe_line(report: IndexReport) -> str:
    result = report.probe
    assert result is not None
    url = safe_url(result.url)
    if result.status is None:
        return f"GET {url} -> no response: {result.error} ({result.elapsed_ms} ms)"
    sent = "without credentials"
    if result.sent_credentials:
        sent = ("with credentials" if report.resolution.has_credentials
                else "with the username only")
    line = f"GET {url} -> {result.status} in {result.elapsed_ms} ms ({sent})"
    if result.forwarded_to:
        line += f", redirected to {safe_url(result.forwarded_to)} (not followed)"
    elif result.redirects:
        line += f", after {len(result.redirects)} redirect(s)"
    return line


def summary(reports: list[IndexReport], probed: bool) -> str:
    n = len(reports)
    noun = "index" if n == 1 else "indexes"
    if not probed:
        return f"{n} {noun}; not probed (`--no-probe`)."
    done = [r for r in reports if r.probe is not None]
    failed = [r for r in done if not r.probe or not r.probe.ok]
    if failed:
        names = ", ".join(f"`{r.name}`" if r.name else "unnamed" for r in failed)
        return f"{n} {noun}: {len(failed)} of {len(done)} probes failed ({names})."
    return f"{n} {noun}: all {len(done)} probes succeeded." if done else f"{n} {noun}."


def _secrets(reports: list[IndexReport]) -> list[str]:
    found: list[str] = []
    for report in reports:
        res = report.resolution
        found += [s for s in (res.password, res.bearer) if s]
        if res.username and kind_of(res.username) is not None:
            found.append(res.username)
    return found


def run(options: Options, environ: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    path = Path(options.path) if options.path is not None else None
    try:
        files, problems = settings.load(path, environ)
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return 2
    for line in problems:
        print(f"warning: {line}", file=err)
    broken = [f for f in files if f.analysis.doc.problems]
    for file in broken:
        problem = file.analysis.doc.problems[0]
        position = file.analysis.doc.lines.position(problem.start)
        print(f"error: {display_path(str(file.path))}:{position.line + 1}:"
              f"{position.column + 1}: {problem.message}", file=err)
    if broken:
        print("hint: uv refuses this file too; `uv-index-guard check` shows every problem",
              file=err)
        return 2
    if not any(f.scope == "project" for f in files):
        print(f"error: no `pyproject.toml` or `uv.toml` found for "
              f"{options.path or 'the current directory'}", file=err)
        return 2
    stores = SystemStores(environ)
    reports = diagnose(files, environ, stores, do_probe=options.probe, only=options.index,
                       timeout=options.timeout, stored=stores.stored())
    configured, _where = settings.configured_keyring_provider(files)
    keyring = None
    if keyring_provider(environ, configured) == "subprocess" or any(
            r.near_misses for r in reports):
        project = next(f.path.parent for f in files if f.scope == "project").resolve()
        keyring = keyring_cli.inspect(project, environ)
    for line in stores.problems:
        print(f"warning: {line}", file=err)
    shown = ", ".join(f"`{display_path(str(f.path))}`" for f in files if f.lists_indexes)
    if options.index is not None and not reports:
        print(f"error: no index named `{options.index}` in {shown}", file=err)
        return 2
    if not reports:
        print(f"No indexes configured in {shown}: uv uses PyPI only, and there are no "
              "credentials to check.", file=out if options.fmt == "text" else err)
        if options.fmt == "json":
            print(render_json(reports), file=out)
        return 0
    if options.fmt == "json":
        text = render_json(reports, keyring)
    else:
        text = render_text(reports, options.probe)
        if keyring is not None:
            text = "\n".join(keyring_lines(keyring)) + "\n" + text
    print(scrub(text, _secrets(reports), min_length=6), file=out)
    failed = any((r.probe is not None and not r.probe.ok) or r.resolution.missing
                 for r in reports)
    return 1 if failed else 0
