"""Every rule on its fixture files, against reviewed snapshots of what `check` reports.

Each file under `tests/fixtures/rules/<CODE>/` is a text on which that rule fires
(`fires-*`) or stays quiet (`quiet-*`); a directory there is a tree of files (a workspace)
checked together, each file in the workspace uv would see. The snapshot
(`__snapshots__/test_rule_fixtures.ambr`) holds every finding of the files in full
(position, code, severity, message) and, for each of its fixes, the text the fix produces.
Update it with `pytest --snapshot-update` and review the diff; the structural checks below
hold whatever the snapshot says.
"""

from __future__ import annotations

import pytest
from helpers import RuleFixture, apply_edits, conceal, rule_fixtures
from syrupy.assertion import SnapshotAssertion

from uv_index_guard.engine import check_files
from uv_index_guard.finding import Finding
from uv_index_guard.rules import CODES

FIXTURES = rule_fixtures()


def render(text: str, findings: list[Finding]) -> str:
    """What a reviewer reads: each finding, then each fix's resulting text."""
    out: list[str] = []
    for f in findings:
        start, end = f.range.start, f.range.end
        out.append(f"{start.line + 1}:{start.column + 1}-{end.line + 1}:{end.column + 1} "
                   f"{f.code} {f.severity.label}: {f.message}")
        for fix in f.fixes:
            out.append(f"  fix ({'safe' if fix.safe else 'unsafe'}): {fix.title}")
            out.extend(f"  | {line}" for line in apply_edits(text, fix.edits).split("\n"))
    return "\n".join(out) + "\n" if out else "(no findings)\n"


def findings_of(fixture: RuleFixture) -> dict[str, list[Finding]]:
    """What `check` reports: each file in the workspace uv sees among the fixture's files."""
    return check_files(fixture.files)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_rule_fixture(fixture: RuleFixture, snapshot: SnapshotAssertion) -> None:
    found = findings_of(fixture)
    own = [f for findings in found.values() for f in findings if f.code == fixture.code]
    if fixture.fires:
        assert own, f"{fixture.code} did not fire"
        for finding in own:
            assert finding.severity is CODES[fixture.code].severity
            assert finding.path in fixture.files
            assert finding.range.end >= finding.range.start
    else:
        assert own == [], [f.message for f in own]
    if fixture.single:
        shown = render(fixture.text, found[fixture.path])
    else:
        shown = "".join(f"--- {path}\n" + render(fixture.files[path], found[path])
                        for path in sorted(fixture.files))
    assert conceal(shown) == snapshot


def test_every_code_has_a_firing_and_a_quiet_fixture() -> None:
    assert {f.code for f in FIXTURES if f.fires} == set(CODES)
    assert {f.code for f in FIXTURES if not f.fires} == set(CODES)
    assert len({f.id for f in FIXTURES}) == len(FIXTURES)


def test_no_finding_shows_a_token_of_its_file() -> None:
    """What `check` says about a file (its messages, fix titles) never holds a token written
    in it: the CI rules name variables and usernames, never values."""
    from uv_index_guard.tokens import find_tokens

    for fixture in FIXTURES:
        for path, findings in findings_of(fixture).items():
            text = fixture.files[path]
            tokens = [text[m.start:m.end] for m in find_tokens(text)]
            for finding in findings:
                shown = " ".join([finding.message, *(f.title for f in finding.fixes)])
                assert not [t for t in tokens if t in shown], (fixture.id, finding.code)
