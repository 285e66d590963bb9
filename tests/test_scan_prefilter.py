"""The Hyperscan prefilter finds exactly what one `re` pass per finder finds."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import pytest
from scan_samples import FALSE_POSITIVES, TRUE_POSITIVES

from uv_index_guard import prefilter, scanner

pytest.importorskip("hyperscan", reason="the optional prefilter is not installed here")


def corpus(seed: int) -> bytes:
    """Real source text with every true and false positive planted at random places, some
    glued to words, some overlapping (a token inside another token's run)."""
    rng = random.Random(seed)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    text = "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in sorted(stdlib.glob("[a-c]*.py"))[:40])
    pieces = [s for _, s in TRUE_POSITIVES] + [s for _, s in FALSE_POSITIVES]
    pieces += ["https://ci:" + "Qm9vLcW5ntZ2Hx7p" + "@pypi.corp.internal/simple",
               "x" + TRUE_POSITIVES[0][1], TRUE_POSITIVES[0][1] + TRUE_POSITIVES[5][1],
               "://://" + "a:b@c", "glpat-glpat-" + "Zq8Lr2Vw5Xt9Nc3Hb7Km"]
    for _ in range(300):
        at = rng.randrange(len(text))
        sep = rng.choice(["", " ", "\n", "=", '"', "/"])
        text = text[:at] + sep + rng.choice(pieces) + sep + text[at:]
    return text.encode()


def secrets(data: bytes, pos: int, endpos: int, stop: int) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.rule, s.fingerprint)
            for s in scanner.find_secrets(data, pos, endpos, stop)]


@pytest.mark.parametrize("seed", range(6))
def test_prefilter_equals_one_pass_per_finder(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = corpus(seed)
    rng = random.Random(seed)
    windows = [(0, len(data), len(data))]
    for _ in range(5):
        pos = rng.randrange(len(data) // 2)
        stop = pos + rng.randrange(prefilter.MIN_BYTES, len(data) // 2)
        windows.append((pos, min(stop + 4096, len(data)), min(stop, len(data))))
    with_prefilter = [secrets(data, *w) for w in windows]
    assert any(with_prefilter)
    monkeypatch.setattr(prefilter, "MIN_BYTES", 1 << 62)  # force the `re` passes
    without = [secrets(data, *w) for w in windows]
    assert with_prefilter == without


def test_lead_starts_cover_every_lead() -> None:
    data = b"x" * prefilter.MIN_BYTES + b" glpat- GR1348941 _gitlab_session= pypi- :// glrtr-"
    starts = prefilter.lead_starts(data, 0, len(data))
    assert starts is not None
    flat = {s: i for i, group in enumerate(starts) for s in group}
    for lead, group in ((b"glpat-", 0), (b"GR1348941", 1), (b"_gitlab_session=", 2),
                        (b"pypi-", 3), (b"://", 4), (b"glrtr-", 0)):
        assert flat[data.index(lead)] == group


def test_dense_leads_fall_back_to_one_pass_per_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past one lead per DENSE_BYTES the prefilter stops (a Python call per lead costs more
    than `re`'s own search) and the finders run alone: the findings are the same."""
    token = "gl" + "pat-" + "Zq8Lr2Vw5Xt9Nc3Hb7Km"
    data = (b"https://u:p@h\n" * 5000 + token.encode() + b"\n"
            + b"https://ci:" + b"Qm9vLcW5ntZ2Hx7p" + b"@pypi.corp.internal/simple\n"
            + b"glpat-" * 5000)
    assert prefilter.lead_starts(data, 0, len(data)) is None
    sparse = b"x" * prefilter.MIN_BYTES + data[:200]
    assert prefilter.lead_starts(sparse, 0, len(sparse)) is not None
    found = secrets(data, 0, len(data), len(data))
    assert sorted(rule for _, _, rule, _ in found) == ["gitlab-pat", "url-credentials"]
    monkeypatch.setattr(prefilter, "MIN_BYTES", 1 << 62)
    assert secrets(data, 0, len(data), len(data)) == found
