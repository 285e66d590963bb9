"""`check`'s quick path (engine.quick_findings, screen.py): when it answers, and that it
answers as the full analysis does.

The suite-wide fixture in conftest.py compares the two on every in-process `check`; these
tests make sure the quick path is really taken where it should be, that it steps aside where
it cannot decide, and compare the two on random configurations.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import tomli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uv_index_guard import engine, screen
from uv_index_guard.screen import maybe_toml11, read_values, unplaced_model
from uv_index_guard.syntax import Table

QUICK = engine.quick_findings  # the function itself (conftest wraps the module's attribute)

INDEX = '[[tool.uv.index]]\nname = "{name}"\nurl = "https://{name}.example/simple"\n{extra}\n'


def pyproject(*indexes: str, tail: str = "") -> str:
    return '[project]\nname = "demo"\nversion = "1"\n\n' + "".join(indexes) + tail


def agree(text: str, path: str = "pyproject.toml") -> list[str]:
    """The codes the quick path finds; it must answer, and as the full analysis does."""
    kind = engine.kind_for(path, text)
    quick = QUICK(text, path, kind)
    assert quick is not None, "the quick path did not answer"
    assert quick == engine.analyze(text, path, kind).findings
    return [f.code for f in quick]


def test_a_clean_configuration_is_answered_without_any_tree() -> None:
    text = pyproject(INDEX.format(name="acme", extra="explicit = true"),
                     INDEX.format(name="mirror", extra="default = true\nformat = \"simple\""),
                     tail='[tool.uv.sources]\nacme-core = { index = "acme" }\n')
    assert agree(text) == []


GITLAB = "https://gitlab.example.com/api/v4/projects/7/packages/pypi"


@pytest.mark.parametrize(("url", "extra"), [
    (f"{GITLAB}/simple", f'publish-url = "{GITLAB}"'),
    (f"https://__token__@{GITLAB[8:]}/simple", 'authenticate = "always"'),
    ("http://127.0.0.1:8080/simple", 'authenticate = "always"'),
    ("http://mirror.example/simple", 'authenticate = "never"'),
], ids=["gitlab", "username-only", "loopback-http", "http-without-credentials"])
def test_urls_with_nothing_to_report_need_no_positions(
        monkeypatch: pytest.MonkeyPatch, url: str, extra: str) -> None:
    def no_positions(*args: object) -> None:
        raise AssertionError("positioned a table that has nothing to report")

    text = pyproject(INDEX.format(name="gl", extra=extra).replace(
        "https://gl.example/simple", url))
    with monkeypatch.context() as patch:
        patch.setattr(screen, "parse_spans", no_positions)
        assert agree(text) == []


@pytest.mark.parametrize(("url", "extra", "code"), [
    ("https://user:pw@a.example/simple", "", "UIG301"),
    ("http://mirror.example/simple", 'authenticate = "always"', "UIG209"),
    ("http://user@mirror.example/simple", "", "UIG209"),
])
def test_urls_with_something_to_report(url: str, extra: str, code: str) -> None:
    text = pyproject(INDEX.format(name="a", extra=extra).replace("https://a.example/simple", url))
    assert agree(text) == [code]


@pytest.mark.parametrize(("url", "publish"), [
    (GITLAB, f"{GITLAB}"), (f"{GITLAB}/simple", f"{GITLAB}/simple"),
    (f"{GITLAB}/simple/extra", GITLAB)])
def test_gitlab_registry_urls_of_the_wrong_shape(url: str, publish: str) -> None:
    text = pyproject(INDEX.format(name="gl", extra=f'publish-url = "{publish}"').replace(
        "https://gl.example/simple", url))
    assert "UIG208" in agree(text)


def test_many_indexes_with_findings_about_some() -> None:
    extras = ["explicit = true", 'authenticate = "always"', "explicit = false",
              'publish-url = "https://up.example/"', 'authenticate = "sometimes"',
              'url2 = "x"', 'ignore-error-codes = ["401"]']
    text = pyproject(*(INDEX.format(name=f"i{n}", extra=extras[n % len(extras)])
                       for n in range(70)))
    codes = agree(text)
    assert codes.count("UIG205") == 10  # the unused explicit ones
    assert codes.count("UIG106") == 20  # `sometimes`, and `["401"]`
    assert codes.count("UIG201") == 10  # `url2`


def test_check_text_takes_the_quick_path(quick_path_agrees: list[str]) -> None:
    text = pyproject(INDEX.format(name="a", extra="explicit = true"))
    assert [f.code for f in engine.check_text(text)] == ["UIG205"]
    assert quick_path_agrees == [text]


@pytest.mark.parametrize("header", [
    "[[tool.uv.index]]", "[[ tool.uv.index ]]  # the mirror", '[[tool."uv".index]]',
    "  [[tool . uv . 'index']]",
])
def test_header_spellings(header: str) -> None:
    block = INDEX.format(name="a", extra="explicit = true").replace("[[tool.uv.index]]", header)
    assert agree(pyproject(INDEX.format(name="b", extra=""), block)) == ["UIG205"]


@pytest.mark.parametrize("text", [
    pyproject(INDEX.format(name="a", extra="explicit = true")).replace("\n", "\r\n"),
    "\ufeff" + pyproject(INDEX.format(name="a", extra="explicit = true")),
    '[project]\ndescription = "naïve café ✓"\n' + INDEX.format(name="a", extra="explicit = true"),
    "[project]\nreadme = 'x' # [tool.x]\n" + INDEX.format(name="a", extra="explicit = true"),
    INDEX.format(name="a", extra='explicit = true\nignore-error-codes = [\n  401,\n  403,\n]'),
], ids=["crlf", "bom", "non-ascii", "comment", "multi-line-array"])
def test_answers_and_agrees_on(text: str) -> None:
    assert agree(text) == ["UIG205"]


def test_uv_toml() -> None:
    text = ('[[index]]\nname = "a"\nurl = "https://a.example/simple"\nauthenticate = "nope"\n'
            '[[index]]\nname = "b"\nurl = "https://b.example/simple"\n')
    assert agree(text, "uv.toml") == ["UIG106"]


@pytest.mark.parametrize(("text", "why"), [
    ("a = \n", "invalid TOML"),
    ('a = "\\x41"\n', "TOML 1.1 escape"),
    ('a = "\\e"\n', "TOML 1.1 escape"),
    ("t = 07:32\n", "TOML 1.1 time without seconds"),
    ("a = {\n  b = 1 }\n", "TOML 1.1 multi-line inline table"),
    ("a = { b = 1, }\n", "TOML 1.1 trailing comma"),
    ('[[index]]\nname = "a"\nurl = "https://a.example/"\n[[index]]\nname = "a"\n'
     'url = "https://b.example/"\n', "a uv.toml with a finding about all its indexes"),
    (pyproject(INDEX.format(name="a", extra="explicit = true"),
               tail='[tool.x]\ns = """\n[[tool.uv.index]]\n"""\n'),
     "an index header's line in a multi-line string"),
    ('[project]\nreadme = \'\'\'\n[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/"\n'
     'explicit = true\n[x]\'\'\'\n[tool.uv]\nindex = [{ name = "a", url = "https://a.example/",'
     ' explicit = true }]\n', "a string that looks like the index an inline table declares"),
    ('[tool]\nuv.index-url = "https://x.example/simple"\n'
     'x = """\n[tool.uv]\nindex-url = "https://x.example/simple"\n[x]"""\n',
     "a string that looks like the `[tool.uv]` that dotted keys declare"),
    ('[tool]\nuv.sources.x = { index = "b" }\n' + INDEX.format(name="a", extra=""),
     "dotted keys under `[tool]` add to `tool.uv`"),
    ('[tool.uv]\nindex = [{ name = "a", url = "https://a.example/simple", explicit = true }]\n',
     "an index spelled as an inline table, with a finding"),
    (pyproject(INDEX.format(name="a", extra="explicit = true"),
               tail='[tool.uv.index.cache-control]\napi = "max-age=1"\n'),
     "a sub-table header adds to an index with a finding"),
    (pyproject(INDEX.format(name="a", extra="explicit = true").replace(
        'name = "a"', 'name = "a"  # uv-index-guard: ignore[UIG205]')),
     "an inline suppression comment where there are findings"),
])
def test_steps_aside_when_the_values_cannot_decide(text: str, why: str) -> None:
    kind = engine.kind_for("x.toml", text)  # uv.toml for the `[[index]]` one
    assert QUICK(text, kind.value, kind) is None, why
    assert engine.check_text(text, kind.value) == engine.analyze(text, kind.value).findings


@pytest.mark.parametrize(("text", "codes"), [
    ('[tool.uv]\nindex-url = "https://x.example/simple"\n', ["UIG210"]),
    (pyproject(INDEX.format(name="a", extra=""), INDEX.format(name="a", extra="")), ["UIG103"]),
    (pyproject(INDEX.format(name="my-reg", extra=""), INDEX.format(name="my_reg", extra="")),
     ["UIG204"]),
    (pyproject(INDEX.format(name="a", extra="default = true"),
               INDEX.format(name="b", extra="default = true")), ["UIG104"]),
    (pyproject(INDEX.format(name="a", extra="").replace('name = "a"\n', "") + "explicit = true\n"),
     ["UIG105"]),
    (pyproject(INDEX.format(name="a b", extra="")), ["UIG102", "UIG106"]),  # and its URL
    (pyproject(INDEX.format(name="a", extra=""), tail='[tool.uv.sources]\nx = { index = "b" }\n'),
     ["UIG107"]),
    (pyproject(tail='[tool.uv]\nindexx = 1\n'), ["UIG211"]),
    (pyproject(tail='[tool.uv-index-guard]\nignore = ["UIG999"]\n'), ["UIG002"]),
    ('[tool.uv]\nextra-index-url = ["https://u:pw@x.example/simple"]\n', ["UIG210", "UIG301"]),
    (pyproject(*(INDEX.format(name=f"i{n % 29}", extra="explicit = true" if n % 3 else "")
                 for n in range(30))), ["UIG205"] * 19 + ["UIG103", "UIG205"]),
], ids=["UIG210", "UIG103", "UIG204", "UIG104", "UIG105", "UIG102", "UIG107", "UIG211", "UIG002",
        "legacy-url-with-password", "many-indexes"])
def test_a_finding_about_the_whole_configuration_reads_the_uv_blocks_alone(
        text: str, codes: list[str]) -> None:
    assert agree(text) == codes


def test_the_unplaced_model() -> None:
    text = ('[project]\nname = "x"\n[tool.ruff]\nline-length = 1\n[tool.uv]\nindex-url = "u"\n'
            + INDEX.format(name="a", extra="") + INDEX.format(name="b", extra="explicit = true")
            + '[tool.uv.sources]\nx = { index = "a" }\n[tool.pytest]\nx = 1\n')
    values = read_values(text, text.encode())
    assert values is not None
    model = unplaced_model(text, text.encode(), values)
    assert model is not None
    config, read = model
    # Only the `[tool.uv...]` blocks but the index tables are parsed.
    tool = config.doc.root.entries["tool"].value
    assert isinstance(tool, Table) and sorted(tool.entries) == ["uv"]
    assert sorted(tool.entries["uv"].value.py) == ["index-url", "sources"]  # type: ignore[attr-defined]
    # The index tables from tomli's values, then the legacy URL; the rules read the unused
    # explicit index and the legacy URL.
    assert [(i.name, i.ordinal) for i in config.indexes] == [("a", 0), ("b", 1), (None, 2)]
    assert [i.ordinal for i in read] == [1, 2]
    # Positioned when asked, where the full analysis has them.
    full = engine.analyze(text).config.indexes
    for index, same in zip(config.indexes, full, strict=True):
        assert (index.anchor_start, index.anchor_end) == (same.anchor_start, same.anchor_end)
        assert {k: (v.start, v.end) for k, v in index.scalars.items()} == {
            k: (v.start, v.end) for k, v in same.scalars.items()}


@pytest.mark.parametrize("text", [
    '[tool]\nuv.index-url = "u"\n',
    '[tool]\nuv = { index-url = "u" }\n[tool.uv-index-guard]\nignore = []\n',
    '[tool]\nuv.sources.x = { index = "b" }\n[[tool.uv.index]]\nname = "a"\n'
    'url = "https://a.example/simple"\n',
    '[tool.uv]\nindex = [{ name = "a", url = "https://a.example/simple" }]\nindex-url = "u"\n',
], ids=["dotted-keys", "inline-table", "dotted-keys-and-headers", "inline-index-tables"])
def test_no_unplaced_model_when_the_blocks_do_not_hold_it_all(text: str) -> None:
    values = read_values(text, text.encode())
    assert values is not None
    assert unplaced_model(text, text.encode(), values) is None


# --- random configurations -----------------------------------------------------------------

VALUES = {
    "name": ['"a"', '"b"', '"c-d"', '"c_d"', '""', '"é"', "1", "true"],
    "url": ['"https://a.example/simple"', '"http://b.example/simple"',
            '"https://user:pw@c.example/simple"', '"https://x.example:99999/"',
            '"https://gitlab.example.com/api/v4/projects/1/packages/pypi"', "42", '"rel/path"',
            '"https://__token__@d.example/simple"', '"http://127.0.0.1:8080/simple"',
            '"http://u@127.0.0.1/simple"', '"https://gitlab.example.com/api/v4/projects/1/'
            'packages/pypi/simple"'],
    "explicit": ["true", "false", '"yes"'],
    "default": ["true", "false", "1"],
    "format": ['"simple"', '"flat"', '"Simple"'],
    "authenticate": ['"always"', '"auto"', '"sometimes"'],
    "publish-url": ['"https://up.example/"', '"https://gitlab.example.com/api/v4/projects/1/'
                    'packages/pypi/simple"', '"ftp://x"', "true"],
    "ignore-error-codes": ["[401, 403]", '["401"]', "[70000]", "401", "[]"],
    "cache-control": ['{ api = "max-age=1" }', "{ api = 1 }", '"x"', "{}"],
    "username": ['"u"'],
    "explict": ["true"],
    "exclude-newer": ['"2024-01-01"', '"never"', "2024-01-01"],
    "hash-algorithm": ['"sha256"', '"md4"'],
}
HEADERS = ["[[tool.uv.index]]", "[[ tool.uv.index ]] # x", '[[tool."uv".index]]']


def configuration(pick: Callable[[Sequence[Any]], Any]) -> tuple[str, str]:
    """A random configuration and its file name, from the choices ``pick`` makes."""
    uv_toml = pick([False, False, False, True])
    blocks = []
    for _ in range(pick(range(6))):
        keys = [pick(sorted(VALUES)) for _ in range(pick(range(4)))]
        if pick([True, True, True, False]):
            keys = ["name", "url", *keys]  # mostly the two keys every index has
        body = "".join(f"{k} = {pick(VALUES[k])}\n" for k in dict.fromkeys(keys))
        header = "[[index]]" if uv_toml else pick(HEADERS)
        blocks.append(f"{header}\n{body}\n")
    tail = ""
    if not uv_toml:
        refs = dict.fromkeys(pick(["a", "b", "c-d", "zz"]) for _ in range(pick(range(3))))
        if refs:
            tail += "[tool.uv.sources]\n" + "".join(
                f'p{n} = {{ index = "{r}" }}\n' for n, r in enumerate(refs))
        if pick([True, False]):
            tail += '[tool.uv-index-guard]\nignore = ["UIG205"]\n'
    head = pick(["", 'keyring-provider = "subprocess"\n', 'readme = """\n[x]\n"""\n'])
    if not uv_toml:
        head = '[project]\nname = "x"\n' + (f"[tool.uv]\n{head}" if "keyring" in head else head)
    text = head + "\n" + "".join(blocks) + tail
    return text, "uv.toml" if uv_toml else "pyproject.toml"


@st.composite
def configurations(draw: st.DrawFn) -> tuple[str, str]:
    return configuration(lambda options: draw(st.sampled_from(options)))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(configurations())
def test_random_configurations_agree(case: tuple[str, str]) -> None:
    text, path = case
    kind = engine.kind_for(path, text)
    quick = QUICK(text, path, kind)
    if quick is not None:
        assert quick == engine.analyze(text, path, kind).findings


def test_random_configurations_are_often_answered() -> None:
    """The comparison above means little if the quick path always steps aside."""
    answered = 0
    pick = random.Random(2).choice
    for text, path in (configuration(pick) for _ in range(200)):
        if "index]]" in text:
            answered += QUICK(text, path, engine.kind_for(path, text)) is not None
    assert answered >= 25


# Values in TOML 1.0 and in TOML 1.1 only, and look-alikes in strings and comments.
TOML_VALUES = ["07:32", "07:32:00", "1979-05-27T07:32", "1979-05-27T07:32:00Z",
               "1979-05-27 07:32:00+07:00", "1979-05-27T07:32+07:00", '"\\x41"', '"\\e"',
               "'\\x41'", '"\\\\x41"', "{ a = 1, }", "{\n a = 1 }", '{ a = "}" }',
               "{ a = { b = 1 },\n}", "{ a = { b = 1 } }", "[1,\n 2]", '"""\n{\n"""',
               '{ a = """x""" }', "1 # {", "'{'", "{ a = 1 } # }", '"07:32"', "{}",
               '"a\\"{"', "{ a = 1 # c\n}", "[{ a = 1 }, { b = 2 },\n]"]


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOML_VALUES), max_size=6))
def test_toml_1_1_syntax_is_always_noticed(values: list[str]) -> None:
    """Whatever tomli reads and tomllib does not, `maybe_toml11` must flag (UIG003 needs it)."""
    text = "".join(f"k{n} = {value}\n" for n, value in enumerate(values))
    tomli.loads(text)  # every one of these is TOML 1.1
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert maybe_toml11(text.encode())
