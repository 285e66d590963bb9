"""Suite-wide: wherever a test runs `check` in process, its quick path must agree with the
full analysis.

`engine.check_text` answers valid documents through `engine.quick_findings`, which reads
plain values and positions only the index tables with something to report (or, for a
finding about the whole configuration, only the `[tool.uv...]` blocks); the full analysis
(`engine.analyze`) builds the whole positioned tree. Every call that the quick path answers
is also run through the full analysis here, and the findings must be equal, so every
configuration the suite checks is also a differential test of the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from uv_index_guard import engine
from uv_index_guard.finding import Finding
from uv_index_guard.model import Kind


@pytest.fixture(autouse=True)
def quick_path_agrees(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    quick_findings = engine.quick_findings
    answered: list[str] = []  # the texts the quick path answered, for tests that ask

    def checked(text: str, path: str, kind: Kind, ignore: Iterable[str] = ()
                ) -> list[Finding] | None:
        ignore = tuple(ignore)
        quick = quick_findings(text, path, kind, ignore)
        if quick is not None:
            full = engine.analyze(text, path, kind, ignore).findings
            assert quick == full, f"quick path differs from the full analysis on:\n{text}"
            answered.append(text)
        return quick

    monkeypatch.setattr(engine, "quick_findings", checked)
    yield answered
