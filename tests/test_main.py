"""The demo: runs, is deterministic for a seed, scales with --members."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from community_marketing.__main__ import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    # Timings are the only part that may differ between runs.
    return re.sub(r"\d+\.\d+ (ms|s)", "<t>", capsys.readouterr().out)


def test_demo_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "--seed", "3", "--members", "300")
    assert first == run(capsys, "--seed", "3", "--members", "300")
    assert first != run(capsys, "--seed", "4", "--members", "300")
    assert "Consent ledger" in first
    assert "audience for today's newsletter" in first
    assert "badge beside the nickname" in first
    assert "friends of friends of" in first
    assert "Leiden communities, modularity" in first
    assert "a niche plan of" in first
    assert "viral coefficient" in first
    assert "why " in first
    assert "a minute later: cooldown" in first


def test_demo_scales(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--members", "120")
    assert "community of 120" in out


def test_demo_rejects_tiny_communities(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--members", "3"])
    assert "--members must be at least 50" in capsys.readouterr().err


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "community_marketing"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "Done in" in done.stdout
