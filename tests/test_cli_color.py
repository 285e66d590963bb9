"""`--color`, NO_COLOR / FORCE_COLOR, a terminal or not; `-v`."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from scan_samples import p, rand

from uv_index_guard.cli import main, use_color

ESC = "\x1b["
BROKEN = ('[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\nexplict = true\n'
          'default = true\n\n[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\n'
          'default = true\n')


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("choice", "env", "tty", "expected"), [
    ("never", {"FORCE_COLOR": "1"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"TERM": "dumb"}, True, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": "0"}, False, False),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
])
def test_use_color(choice: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    stream = Tty() if tty else io.StringIO()
    assert use_color(choice, stream, env) is expected


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "deploy.env").write_text(f"T={p('pat')}{rand(20)}\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", [["check"], ["scan"]])
def test_color_flag_and_environment(project: Path, command: list[str],
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    def out(*args: str) -> str:
        main([*command, *args])
        return capsys.readouterr().out

    plain = out()
    assert ESC not in plain and plain.strip()  # not a terminal: no colour
    coloured = out("--color", "always")
    assert ESC in coloured and coloured != plain
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain  # the same text, painted
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert out() == coloured and out("--color", "never") == plain
    monkeypatch.setenv("NO_COLOR", "1")
    assert out() == plain
    monkeypatch.delenv("NO_COLOR")
    # Reports are never painted.
    assert ESC not in out("--color", "always", "--output-format", "json")


def test_a_terminal_gets_colour(project: Path) -> None:
    """A real pseudo-terminal: `auto` colours; piped, it does not."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    cmd = [sys.executable, "-m", "uv_index_guard", "check", "."]
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(cmd, stdout=follower, stderr=subprocess.DEVNULL, env=env,
                              cwd=project, check=False, timeout=60)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert proc.returncode == 1 and ESC.encode() in b"".join(chunks)
    piped = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=project,
                           check=False, timeout=60)
    assert piped.returncode == 1 and ESC not in piped.stdout and "UIG104" in piped.stdout


@pytest.mark.parametrize("command", [["check", "."], ["scan", "."],
                                     ["scan", "--git"]])
def test_verbose_says_what_was_read_and_never_a_secret(
        project: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "."], cwd=project, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x"],
                   cwd=project, check=True)
    quiet_code = main(command)
    quiet = capsys.readouterr()
    code = main([*command, "-v"])
    loud = capsys.readouterr()
    assert code == quiet_code and loud.out == quiet.out  # -v adds to stderr only
    said = [line for line in loud.err.splitlines() if line.startswith("uv-index-guard [")]
    assert said and len(said) == len(loud.err.splitlines()) - len(quiet.err.splitlines())
    assert any("scanned" in line or "checking" in line for line in said)
    token = (project / "deploy.env").read_text().strip().split("=", 1)[1]
    assert token not in loud.err and token[6:] not in loud.err
    main(command)  # -v is gone again
    assert "uv-index-guard [" not in capsys.readouterr().err


def test_json_ignores_color(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--color", "always", "--output-format", "json", "."])
    json.loads(capsys.readouterr().out)
