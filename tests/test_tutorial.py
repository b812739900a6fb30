"""docs/tutorial.md runs: every ```python block, in order, in one namespace.

The page walks the Last.fm data, which a checkout may not have: the test skips, saying
where the files belong. The page's blocks have no ``>>>`` prompts, so the doctest
collector (``--doctest-glob='*.md'``) leaves them to this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "tutorial.md"
DATA = ROOT.parent / "shared" / "data" / "lastfm-2k"
FILES = ("user_artists.dat", "user_friends.dat", "artists.dat")
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def blocks() -> list[str]:
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_code_and_no_doctest_prompts() -> None:
    code = blocks()
    assert len(code) >= 6
    assert not any(">>>" in block for block in code)
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "tutorial.md" in nav


@pytest.mark.lastfm
def test_the_tutorial_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = [name for name in FILES if not (DATA / name).exists()]
    if missing:
        pytest.skip(
            f"Last.fm data not found: put {', '.join(missing)} (hetrec2011-lastfm-2k, "
            f"from GroupLens) in {DATA} (../shared/data/lastfm-2k beside the repository)"
        )
    pytest.importorskip("pandas")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for number, block in enumerate(blocks()):
        exec(compile(block, f"{PAGE.name}, block {number}", "exec"), namespace)


def test_without_the_data_it_skips_and_says_where_it_belongs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    monkeypatch.setattr(sys.modules[__name__], "DATA", tmp_path / "lastfm-2k")
    with pytest.raises(pytest.skip.Exception, match=r"put user_artists.dat, .* in .*lastfm-2k"):
        test_the_tutorial_runs(monkeypatch)
