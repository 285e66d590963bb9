"""Random edits of valid configurations: `check` never crashes, agrees with tomllib on
TOML validity, and does work linear in the input (counted in function calls, not seconds)."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable
from types import ModuleType

import tomli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uv_index_guard.engine import check_text
from uv_index_guard.rules.base import _closest

BASES = [
    """[project]
name = "demo"
version = "0.1.0"
dependencies = ["foo", "bar"]

[[tool.uv.index]]
name = "gitlab"
url = "https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple"
explicit = true
authenticate = "always"

[[tool.uv.index]]
name = "mirror"
url = "https://mirror.example.com/simple"
default = true
ignore-error-codes = [401, 403]

[tool.uv.sources]
foo = { index = "gitlab" }
bar = [{ index = "gitlab", marker = "sys_platform == 'linux'" }]
""",
    """[tool.uv]
index = [
  { name = "a", url = "https://a.example/simple" },
  { name = "b", url = 'https://b.example/simple', explicit = true },
]
index-url = "https://legacy.example/simple"
extra-index-url = ["https://extra.example/simple"]
[tool.uv.sources]
x = { index = "b" }
""",
    """[[tool."uv".index]]
name = "é-index"
url = "https://ü.example/simple"
tool.x = 1
""",
]
BLOCK = '\n[[tool.uv.index]]\nname = "n{i}"\nurl = "https://h{i}.example/simple"\n'
FRAGMENTS = ["[", "]", "[[", "]]", '"', "'", '"""', "=", "\n", " ", "#", ",", "{", "}",
             "tool.uv.index", "name", "url", "true", "1", "é", "\\", "explicit", ".",
             BLOCK.format(i=99), "[[tool.uv.index]]\n", "\r\n", "\t", "\x00",
             ",}", "{a=1,\n", "\\x41", "\\e"]


@st.composite
def edited(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "paste"]))
        if op == "delete":
            end = draw(st.integers(pos, min(len(text), pos + 30)))
            text = text[:pos] + text[end:]
        elif op == "insert":
            text = text[:pos] + draw(st.sampled_from(FRAGMENTS)) + text[pos:]
        else:
            garbage = draw(st.text(max_size=12))
            text = text[:pos] + garbage + text[pos:]
    return text


def is_valid(parser: ModuleType, text: str) -> bool:
    try:
        parser.loads(text.removeprefix("\ufeff"))  # uv, like us, allows a BOM
    except parser.TOMLDecodeError:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_random_edits_never_crash_and_agree_with_the_spec(text: str) -> None:
    findings = check_text(text)
    invalid = [f for f in findings if f.code == "UIG001"]
    toml11 = [f for f in findings if f.code == "UIG003"]
    # UIG001 exactly when TOML 1.1 (what uv reads) rejects the text; UIG003 when only
    # TOML 1.0 (tomllib) does.
    assert bool(invalid) == (not is_valid(tomli, text)), (text, invalid)
    assert bool(toml11) == (is_valid(tomli, text) and not is_valid(tomllib, text)), text
    lines = text.count("\n") + 1
    for f in findings:
        assert 0 <= f.range.start.line <= lines
        assert f.range.start <= f.range.end


def count_calls(fn: Callable[[], object]) -> int:
    """Function calls made by ``fn``, from a cold did-you-mean cache (a warm one would make
    the count depend on what ran before)."""
    _closest.cache_clear()
    calls = 0

    def profiler(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profiler)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_work_grows_linearly(text: str) -> None:
    def blocks(n: int) -> str:
        return "".join(BLOCK.format(i=i) for i in range(n))

    # Each size has blocks, so that all three go the same way (the quick path or the full
    # analysis: adding the first block can turn a valid text invalid, or the other way).
    base = count_calls(lambda: check_text(text + blocks(20)))
    mid = count_calls(lambda: check_text(text + blocks(60)))
    big = count_calls(lambda: check_text(text + blocks(180)))
    # 120 more blocks may cost at most ~3x what 40 more cost (plus slack), never 9x.
    assert big - mid <= 3.6 * max(mid - base, 1) + 2000, (base, mid, big)
