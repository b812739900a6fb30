"""The README's commands are the ones CI runs; the project files agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import community_marketing

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    demo, tests = readme_commands()
    assert demo.endswith("-m community_marketing")
    assert "pytest" in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci
    assert "ruff check ." in "\n".join(ci)
    assert "mypy --strict community_marketing" in "\n".join(ci)


def test_runtime_dependencies_are_the_agreed_ones() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=;\[ ]", dep)[0] for dep in project["dependencies"]}
    assert names == {"attrs", "numpy", "scipy", "implicit", "threadpoolctl"}


def test_changelog_has_unreleased_on_top() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    first = re.search(r"^## \[(.+?)\]", text, re.MULTILINE)
    assert first is not None
    assert first.group(1) == "Unreleased"


def test_package_ships_py_typed() -> None:
    assert (Path(community_marketing.__file__).parent / "py.typed").exists()
