"""`scan --verify` against a fake GitLab API on 127.0.0.1 that records every request."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from helpers import validate
from scan_samples import p, pypi, rand, routable

from uv_index_guard.cli import main
from uv_index_guard.credentials import verify

ACTIVE_PAT = p("pat") + rand(20)
SCOPELESS_PAT = routable()  # active, but without the scope: 403
REVOKED_PAT = p("pat") + rand(20)
JOB_TOKEN = p("cbt") + "64_" + rand(20)
RUNNER_TOKEN = p("rt") + rand(20)
DEPLOY_TOKEN = p("dt") + rand(20)  # no endpoint verifies it alone: never sent
PASSWORD = rand(14)
PYPI = pypi()
NEVER_SENT = (DEPLOY_TOKEN, PASSWORD, PYPI)
ALL = (ACTIVE_PAT, SCOPELESS_PAT, REVOKED_PAT, JOB_TOKEN, RUNNER_TOKEN, *NEVER_SENT)


@dataclass
class FakeGitLab:
    """What the fake instance knows: active tokens per kind, and every request it got."""

    prefix: str = ""
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    delay: float = 0.0
    endless: bool = False  # answer with a body that never ends

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        self.requests.append((method, path, headers, body))
        time.sleep(self.delay)
        api = path.removeprefix(self.prefix)
        if method == "GET" and api == "/api/v4/personal_access_tokens/self":
            token = headers.get("private-token")
            return 200 if token == ACTIVE_PAT else 403 if token == SCOPELESS_PAT else 401
        if method == "GET" and api == "/api/v4/job":
            return 200 if headers.get("job-token") == JOB_TOKEN else 401
        if method == "POST" and api == "/api/v4/runners/verify":
            form = parse_qs(body.decode())
            return 200 if form.get("token") == [RUNNER_TOKEN] else 403
        return 404


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = fake.answer(method, self.path, headers, body)
            if fake.endless:
                self.send_response(status)
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                self.wfile.write(b"x" * 65536)
                self.wfile.flush()
                time.sleep(3)
                return
            payload = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self.handle_one("GET")

        def do_POST(self) -> None:
            self.handle_one("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # a timed-out client
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    for secret in ALL:
        assert secret not in out and secret not in err, "a secret was printed"
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI_SERVER_URL", raising=False)
    (tmp_path / "a.env").write_text(
        f"A={ACTIVE_PAT}\nB={SCOPELESS_PAT}\nC={REVOKED_PAT}\nD={DEPLOY_TOKEN}\n")
    (tmp_path / "b.env").write_text(
        f"E={JOB_TOKEN}\nF={RUNNER_TOKEN}\nG={PYPI}\nURL=https://u:{PASSWORD}@h.acme.dev/s\n"
        f"A_AGAIN={ACTIVE_PAT}\n")
    return tmp_path


EXPECTED = {  # (path, line) -> verdict
    ("a.env", 1): "active", ("a.env", 2): "active", ("a.env", 3): "inactive",
    ("a.env", 4): "unknown", ("b.env", 1): "active", ("b.env", 2): "active",
    ("b.env", 3): "unknown", ("b.env", 4): "unknown", ("b.env", 5): "active",
}


def sent(fake: FakeGitLab) -> list[bytes]:
    return [b"".join([m.encode(), p.encode(), json.dumps(h).encode(), body])
            for m, p, h, body in fake.requests]


def test_verify_in_every_format(project: Path, gitlab: tuple[FakeGitLab, str],
                                capsys: pytest.CaptureFixture[str]) -> None:
    fake, url = gitlab
    code, out, _ = run(capsys, "--verify", "--gitlab-url", url, "--format", "json")
    assert code == 1
    rows = json.loads(out)["findings"]
    assert {(r["path"], r["line"]): r["verified"] for r in rows} == EXPECTED
    # Each verifiable token once (ACTIVE_PAT is found twice), nothing else, this host only.
    assert len(fake.requests) == 5
    for secret in NEVER_SENT:
        assert not any(secret.encode() in r for r in sent(fake))
    assert sum(ACTIVE_PAT.encode() in r for r in sent(fake)) == 1
    code, out, _ = run(capsys, "--verify", "--gitlab-url", url, "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert sorted(r["properties"]["verified"] for r in results) == sorted(EXPECTED.values())
    code, out, _ = run(capsys, "--verify", "--gitlab-url", url, "--format", "gitlab")
    vulns = json.loads(out)["vulnerabilities"]
    assert sorted(v["details"]["verified"]["value"] for v in vulns) == sorted(
        EXPECTED.values())
    # Text: active tokens first, each with "revoke now", and a count.
    code, out, _ = run(capsys, "--verify", "--gitlab-url", url)
    lines = out.splitlines()
    assert [line.endswith("[active: revoke now]") for line in lines[:5]] == [True] * 5
    assert not any("revoke now]" in line for line in lines[5:9])
    assert lines[-1] == ("Verified with the GitLab instance: 5 active (revoke now), "
                         "1 inactive, 3 unknown.")


def test_nothing_is_sent_without_verify(project: Path, gitlab: tuple[FakeGitLab, str],
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, url = gitlab
    monkeypatch.setenv("CI_SERVER_URL", url)
    code, out, _ = run(capsys, "--format", "json")
    assert code == 1 and fake.requests == []
    assert all("verified" not in r for r in json.loads(out)["findings"])
    # With --verify, CI_SERVER_URL names the instance (GitLab CI sets it).
    code, _, _ = run(capsys, "--verify")
    assert code == 1 and len(fake.requests) == 5


def test_verify_in_history_and_under_a_path_prefix(
        project: Path, gitlab: tuple[FakeGitLab, str], capsys: pytest.CaptureFixture[str],
        ) -> None:
    fake, url = gitlab
    fake.prefix = "/gitlab"
    for args in (["init", "-q"], ["config", "user.email", "d@example.com"],
                 ["config", "user.name", "D"], ["add", "."], ["commit", "-q", "-m", "one"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    code, out, _ = run(capsys, "--git", "--verify", "--gitlab-url", url + "/gitlab/",
                       "--format", "json")
    assert code == 1
    assert {(r["path"], r["line"]): r["verified"] for r in json.loads(out)["findings"]} == \
        EXPECTED
    assert {path.split("/api/")[0] for _, path, _, _ in fake.requests} == {"/gitlab"}


def test_merge_reports_keeps_verdicts(project: Path, gitlab: tuple[FakeGitLab, str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    _fake, url = gitlab
    run(capsys, "--verify", "--gitlab-url", url, "--format", "json", "--output", "r.json")
    assert main(["merge-reports", "r.json", "--output-format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)["findings"]
    assert {(r["path"], r["line"]): r["verified"] for r in rows} == EXPECTED


def test_only_the_status_is_read(gitlab: tuple[FakeGitLab, str]) -> None:
    """A hostile instance's endless body is never downloaded: the status decides (reading
    the body would end in the read timeout, and `unknown`)."""
    fake, url = gitlab
    fake.endless = True
    assert verify.verify({"k": ("gitlab-pat", ACTIVE_PAT)}, url, timeout=1.0) == {
        "k": "active"}


def test_an_unanswering_instance_gives_unknown(gitlab: tuple[FakeGitLab, str]) -> None:
    fake, url = gitlab
    fake.delay = 1.0
    found = verify.verify({"k": ("gitlab-pat", ACTIVE_PAT)}, url, timeout=0.2)
    assert found == {"k": "unknown"}
    closed = verify.verify({"k": ("gitlab-pat", ACTIVE_PAT)}, "http://127.0.0.1:9",
                           timeout=0.5)
    assert closed == {"k": "unknown"}


@pytest.mark.parametrize(("flag", "env", "expected"), [
    (None, {}, "https://gitlab.com"),
    (None, {"CI_SERVER_URL": "https://gitlab.acme.dev/"}, "https://gitlab.acme.dev"),
    ("https://git.corp.example/gitlab/", {"CI_SERVER_URL": "https://x.example"},
     "https://git.corp.example/gitlab"),
    ("http://localhost:8080", {}, "http://localhost:8080"),
    ("http://[::1]:8080", {}, "http://[::1]:8080"),
])
def test_instance_url(flag: str | None, env: dict[str, str], expected: str) -> None:
    assert verify.instance_url(flag, env) == expected


@pytest.mark.parametrize(("url", "reason"), [
    ("http://gitlab.acme.dev", "only sent over https"),
    ("https://user:" + "pw" + "@gitlab.acme.dev", "carries no credentials"),
    ("https://gitlab.acme.dev/?private_token=1", "no query or fragment"),
    ("ftp://gitlab.acme.dev", "expected https://HOST"),
    ("https://gitlab.acme.dev:99999", "not a URL"),
])
def test_refused_instance_urls_exit_2(project: Path, capsys: pytest.CaptureFixture[str],
                                      url: str, reason: str) -> None:
    code, out, err = run(capsys, "--verify", "--gitlab-url", url)
    assert code == 2 and reason in err and out == ""
    assert "pw@" not in err


def test_gitlab_url_needs_verify(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--gitlab-url", "https://gitlab.acme.dev"])
    assert exc.value.code == 2 and "names the instance for `--verify`" in capsys.readouterr().err


@pytest.mark.parametrize(("fmt", "schema"), [
    ("sarif", "sarif-schema-2.1.0.json"),
    ("gitlab", "secret-detection-report-format-15.0.7.json"),
])
def test_verified_reports_are_valid_under_the_official_schemas(
        project: Path, gitlab: tuple[FakeGitLab, str], capsys: pytest.CaptureFixture[str],
        fmt: str, schema: str) -> None:
    _fake, url = gitlab
    code, out, _ = run(capsys, "--verify", "--gitlab-url", url, "--format", fmt)
    assert code == 1
    document = json.loads(out)
    validate(document, schema)  # the structure (where `verified` may go)
