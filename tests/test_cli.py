"""`uv-index-guard check` as a user runs it: exit codes, formats, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uv_index_guard.cli import main

PROJECT = """[project]
name = "demo"
version = "0.1.0"
"""
CLEAN = PROJECT + """
[[tool.uv.index]]
name = "internal"
url = "https://pypi.internal.example/simple"
"""
BROKEN = PROJECT + """
[[tool.uv.index]]
name = "internal"
url = "https://pypi.internal.example/simple"
explict = true
default = true

[[tool.uv.index]]
name = "other"
url = "https://other.example/simple"
default = true
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "pyproject.toml", CLEAN)
    code, out, _ = run(capsys, "check", str(f))
    assert code == 0
    assert "All checks passed! (1 file checked)" in out


def test_text_output_is_path_line_col_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", BROKEN)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check")
    assert code == 1
    lines = out.splitlines()
    assert "pyproject.toml:8:1: UIG201 [*] unknown index key `explict`" in lines[0]
    assert any(line.startswith("pyproject.toml:14:11: UIG104") for line in lines)
    assert lines[-1].startswith("Found 1 error, 1 warning in 1 file")


def test_json_output_exact_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "pyproject.toml", BROKEN)
    code, out, _ = run(capsys, "check", "--format", "json", str(f))
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["findings"]
    keys = ["path", "line", "column", "end_line", "end_column", "severity", "code", "message",
            "fixable"]
    for item in data["findings"]:
        assert list(item) == keys
        assert item["severity"] in ("error", "warning", "info")
        assert item["line"] >= 1 and item["column"] >= 1
    codes = {(i["code"], i["line"], i["column"], i["end_column"]) for i in data["findings"]}
    assert ("UIG104", 14, 11, 15) in codes
    assert ("UIG201", 8, 1, 8) in codes


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 1), ("warning", 1), ("info", 1)])
def test_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str,
                 expected: int) -> None:
    f = write(tmp_path / "pyproject.toml", BROKEN)
    assert run(capsys, "check", "--fail-on", fail_on, str(f))[0] == expected


def test_warnings_pass_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "pyproject.toml", CLEAN + "explict = true\n")
    assert run(capsys, "check", str(f))[0] == 0
    assert run(capsys, "check", "--fail-on", "warning", str(f))[0] == 1


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "pyproject.toml", b"\x00\x01\x02binary")
    code, _, err = run(capsys, "check", str(f))
    assert code == 2
    assert err.strip().endswith("pyproject.toml: is a binary file, not TOML")
    assert "Traceback" not in err


def test_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "uv.toml", "# caf\xe9\n".encode("latin-1"))
    code, _, err = run(capsys, "check", str(f))
    assert code == 2
    assert "not valid UTF-8 (byte 0xe9 on line 1)" in err


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "pyproject.toml", "")
    code, out, err = run(capsys, "check", str(f))
    assert code == 0
    assert "is empty; nothing to check" in err
    assert "All checks passed!" in out


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(tmp_path / "nope.toml"))
    assert code == 2
    assert "no such file or directory" in err
    assert out == ""


def test_directory_without_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "readme.txt", "hello")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 0
    assert "no `pyproject.toml` or `uv.toml` found under" in err


def test_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument --output-format/--format: invalid choice" in err
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from uv_index_guard import __version__

    for flag in ("--version", "-V"):
        with pytest.raises(SystemExit) as exc:
            main([flag])
        assert exc.value.code == 0
        assert capsys.readouterr().out.strip() == f"uv-index-guard {__version__}"


@pytest.mark.parametrize("command", ["check", "scan", "merge-reports", "doctor"])
def test_an_unknown_option_shows_the_commands_usage(capsys: pytest.CaptureFixture[str],
                                                    command: str) -> None:
    token = "gl" + "pat-" + "Qx7Rt2Lm9Vb4Np8Kw3Zd"
    with pytest.raises(SystemExit) as exc:
        main([command, "x.json", "--bogus", f"--token={token}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: uv-index-guard {command} ")
    assert "error: unrecognized arguments: --bogus --token=" in err and token not in err


def test_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--exit-zero` (ruff's): findings exit 0; an error still exits 2."""
    bad = write(tmp_path / "pyproject.toml",
                '[[tool.uv.index]]\nname = "a"\nurl = "https://u:' + 'Vb4Np8Kw3Zd'
                + '@h.acme.dev/simple"\n')
    assert main(["check", str(bad)]) == 1
    assert main(["check", "--exit-zero", str(bad)]) == 0
    assert main(["scan", "--exit-zero", str(bad)]) == 0
    assert main(["scan", str(bad)]) == 1
    assert main(["check", "--exit-zero", str(tmp_path / "missing.toml")]) == 2
    capsys.readouterr()


def test_directory_walk_skips_ignored_venvs_and_node_modules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", CLEAN)
    write(tmp_path / "pkg" / "uv.toml", '[[index]]\nurl = "https://x.example/simple"\n'
          'explicit = true\n')
    write(tmp_path / ".venv" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / ".venv" / "lib" / "pyproject.toml", BROKEN)
    write(tmp_path / "env2" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "env2" / "pyproject.toml", BROKEN)
    write(tmp_path / "node_modules" / "x" / "pyproject.toml", BROKEN)
    write(tmp_path / "build" / "pyproject.toml", BROKEN)
    write(tmp_path / "vendored" / "keep" / "uv.toml", "bogus = 1\n")
    write(tmp_path / ".gitignore", "build/\n/vendored/*\n!/vendored/keep/\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--format", "json", ".")
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert paths == {os.path.join("pkg", "uv.toml"), os.path.join("vendored", "keep", "uv.toml")}
    assert code == 1


def test_uv_toml_uses_ignore_from_nearest_pyproject(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", PROJECT + '\n[tool.uv-index-guard]\nignore = ["UIG209"]\n')
    f = write(tmp_path / "sub" / "uv.toml",
              '[[index]]\nname = "m"\nurl = "http://mirror.example/simple"\n'
              'authenticate = "always"\n')
    code, out, _ = run(capsys, "check", "--format", "json", str(f))
    assert json.loads(out)["findings"] == []
    assert code == 0
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    code, out, _ = run(capsys, "check", "--format", "json", str(f))
    assert [x["code"] for x in json.loads(out)["findings"]] == ["UIG209"]


def test_secret_never_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = "glpat-" + "Zq8Lr2Vw5Xt9" + "Nc3Hb7Km"
    f = write(tmp_path / "pyproject.toml", PROJECT + f"""
[[tool.uv.index]]
name = "gitlab"
url = "https://__token__:{token}@gitlab.example.com/api/v4/projects/7/packages/pypi/simple"
""")
    for fmt in ("text", "json"):
        code, out, err = run(capsys, "check", "--format", fmt, str(f))
        assert code == 1
        assert token not in out + err
        assert token[6:] not in out + err
        assert "glpat-…b7Km" in out


def test_module_entry_point(tmp_path: Path) -> None:
    f = write(tmp_path / "pyproject.toml", CLEAN)
    proc = subprocess.run([sys.executable, "-m", "uv_index_guard", "check", str(f)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "All checks passed!" in proc.stdout


def test_settings_read_from_a_toml_1_1_pyproject(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # uv reads TOML 1.1; so must the settings lookup, or `ignore` would be silently dropped.
    write(tmp_path / "pyproject.toml", PROJECT + '\n[tool.uv-index-guard]\nignore = [\n'
          '  "UIG209",\n]\nx = { a = 1,\n  b = 2 }\n')
    f = write(tmp_path / "uv.toml", '[[index]]\nname = "m"\nurl = "http://mirror.example/simple"\n'
              'authenticate = "always"\n')
    code, out, _ = run(capsys, "check", "--format", "json", str(f))
    assert json.loads(out)["findings"] == []
    assert code == 0


def test_check_and_scan_read_standard_input(tmp_path: Path) -> None:
    """`-` reads standard input (ruff's and gitleaks' convention), named by
    `--stdin-filename`; the real process, with a real pipe."""
    password = "Vb4Np8Kw3Zd" + "q7"
    config = ('[[tool.uv.index]]\nname = "a"\n'
              f'url = "https://u:{password}@h.acme.dev/simple"\n')

    def cli(*args: str, data: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "uv_index_guard", *args], input=data,
                              capture_output=True, text=True, cwd=tmp_path, check=False)

    done = cli("check", "-", data=config)
    assert done.returncode == 1 and done.stdout.startswith("pyproject.toml:3:18: UIG301")
    # The name says the kind: an unknown top-level key is uv.toml's problem only.
    typo = 'index-urll = "https://h.acme.dev/simple"\n'
    done = cli("check", "-", "--stdin-filename", "sub/uv.toml", "--fail-on", "warning",
               data=typo)
    assert done.returncode == 1 and done.stdout.startswith("sub/uv.toml:1:1: UIG"), done.stdout
    done = cli("check", "-", data=typo)
    assert done.returncode == 0 and done.stdout == "All checks passed! (1 file checked)\n"
    done = cli("check", "-", "--stdin-filename", "notes.txt", data=config)
    assert done.returncode == 2 and "must end in `pyproject.toml` or `uv.toml`" in done.stderr
    done = cli("scan", "-", "--stdin-filename", "deploy/.env", data=config)
    assert done.returncode == 1
    assert done.stdout.startswith("deploy/.env:3:18: url-credentials")
    assert "1 secret in 1 file" in done.stdout and password not in done.stdout
    done = cli("scan", "-", data="nothing\n")
    assert done.returncode == 0 and "No secrets found (1 file scanned)." in done.stdout
    for out in (done.stdout, done.stderr):
        assert password not in out


def test_rule_explains_a_code_or_a_scan_rule(capsys: pytest.CaptureFixture[str]) -> None:
    from uv_index_guard.rules import CODES
    from uv_index_guard.scanner import RULES as SCAN_RULES

    docs = Path(__file__).resolve().parents[1] / "docs" / "rules"
    assert main(["rule", "uig301"]) == 0
    assert capsys.readouterr().out == (docs / "UIG301.md").read_text().rstrip("\n") + "\n"
    assert main(["rule", "url-credentials"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# url-credentials: Password embedded in a URL")
    assert "uv-index-guard fix --to keyring" in out
    assert main(["rule", "UIG999"]) == 2
    assert "no rule `UIG999`" in capsys.readouterr().err
    token = "gl" + "pat-" + "Qx7Rt2Lm9Vb4Np8Kw3Zd"
    assert main(["rule", token]) == 2
    assert token not in capsys.readouterr().err
    assert main(["rule", "--all"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [*CODES, *{r.id: 0 for r in SCAN_RULES}]


def test_every_scan_rule_has_a_page_that_matches_it() -> None:
    """docs/rules/scan/ID.md: the rule's name, its fix as reports give it, and an example
    the scanner indeed leaves alone."""
    import re

    from uv_index_guard.scanner import RULES as SCAN_RULES
    from uv_index_guard.scanner import scan_text

    docs = Path(__file__).resolve().parents[1] / "docs" / "rules" / "scan"
    index = (docs / "README.md").read_text()
    for rule in SCAN_RULES:
        page = (docs / f"{rule.id}.md").read_text()
        assert page.startswith(f"# {rule.id}: {rule.name}\n")
        assert f"## What to do\n\n{rule.solution}\n" in page
        assert (f"**Security severity:** {rule.score} · **GitLab report severity:** "
                f"{rule.gitlab_severity}\n") in page
        assert f"| {rule.score} | {rule.gitlab_severity} |" in index
        assert f"[`{rule.id}`]({rule.id}.md)" in index
        (example,) = re.findall(r"## Not reported\n\n```\n(.*?)```", page, re.S)
        assert scan_text(example) == [], rule.id


def test_quiet_and_statistics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ruff's -q (the findings only) and --statistics (a count per rule), on check, scan and
    merge-reports."""
    bad = write(tmp_path / "pyproject.toml",
                '[[tool.uv.index]]\nname = "a"\nurl = "https://u:' + 'Vb4Np8Kw3Zd'
                + '@h.acme.dev/simple"\nexplicit = true\n')
    assert main(["check", "-q", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1].split()[0] for line in out] == ["UIG205", "UIG301"]
    assert main(["check", "--statistics", str(bad)]) == 1
    assert capsys.readouterr().out == "    1  UIG205\n    1  UIG301\n"
    assert main(["scan", "-q", str(bad)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert ": url-credentials " in line
    report = tmp_path / "r.json"
    assert main(["scan", "--statistics", "--format", "json", "--output", str(report),
                 str(bad)]) == 1
    assert capsys.readouterr().out == "    1  url-credentials\n"
    assert main(["merge-reports", "-q", str(report)]) == 1
    assert capsys.readouterr().out.splitlines() == [line]
    clean = write(tmp_path / "c" / "pyproject.toml", '[project]\nname = "c"\n')
    assert main(["check", "-q", str(clean)]) == 0
    assert capsys.readouterr().out == ""


NAMELESS = ('\ufeff[[tool.uv.index]]\nurl = "https://gitlab.com/api/v4/projects/1/packages/pypi/'
            'simple"\nexplicit = true\n\n[[tool.uv.index]]\nname = "b"\n'
            'url = "https://b.acme.dev/simple"\nexplict = true\n')


def test_fix_diff_and_unsafe_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ruff's --fix / --diff / --unsafe-fixes: the safe fix (a name for an explicit index,
    UIG105) is written; the guessed rename (`explict` -> `explicit`, UIG101) only with
    --unsafe-fixes; --diff writes nothing; the BOM and the file's mode stay."""
    path = write(tmp_path / "pyproject.toml", NAMELESS.encode())
    path.chmod(0o640)
    assert main(["check", "--diff", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"--- a/{path}\n+++ b/{path}\n") and '+name = "gitlab"' in out
    assert "-explict = true" not in out and err.strip() == "Would fix 1 finding."
    assert path.read_bytes() == NAMELESS.encode()
    assert main(["check", "--diff", "--unsafe-fixes", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "-explict = true" in out and err.strip() == "Would fix 2 findings."
    main(["check", "--fix", str(path)])
    out, _ = capsys.readouterr()
    assert "Fixed 1 finding" in out
    text = path.read_bytes().decode("utf-8")
    assert text.startswith('\ufeff[[tool.uv.index]]\nname = "gitlab"\nurl = ')
    assert "explict = true" in text and (path.stat().st_mode & 0o777) == 0o640
    main(["check", "--fix", "--unsafe-fixes", str(path)])
    out, _ = capsys.readouterr()
    assert "Fixed 1 finding" in out and "explict" not in path.read_text(encoding="utf-8")
    assert main(["check", "--diff", str(path)]) == 0  # nothing left to fix
    assert capsys.readouterr().err.strip() == "Would fix 0 findings."
    assert main(["check", "--fix", "-"]) == 2
    assert "not on standard input" in capsys.readouterr().err


def test_the_summary_says_which_flag_fixes(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "pyproject.toml", NAMELESS.encode())
    main(["check", str(path)])
    assert capsys.readouterr().out.splitlines()[-1].endswith(
        "[*] 1 fixable with `--fix`, 1 more with `--unsafe-fixes`.")
