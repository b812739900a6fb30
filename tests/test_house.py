"""The house keeps its rooms livable: sizes and the direction of imports (DESIGN.md)."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "community_marketing"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 800
MAX_CLASS_CODE_LINES = 500
MAX_FUNCTION_CODE_LINES = 60
SUBPACKAGES = ("optin", "groups", "referrals", "recommend")


def _code_lines(source: str) -> set[int]:
    """Line numbers holding code: not blank, not a comment, not a docstring."""
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            lines.difference_update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    return lines


def _sizes() -> list[tuple[str, str, int]]:
    rows = []
    for path in SOURCES:
        source = path.read_text()
        code = _code_lines(source)
        name = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                rows.append(
                    (kind, f"{name}:{node.lineno} {node.name}", len(code.intersection(span)))
                )
    return rows


def _docstring_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            lines.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    return lines


def test_no_module_over_800_lines_besides_its_docstrings() -> None:
    """A face carries every public method's numpydoc text and examples; the rest fits 800."""
    big = {}
    for path in SOURCES:
        source = path.read_text()
        n = len(source.splitlines()) - len(_docstring_lines(source))
        if n > MAX_MODULE_LINES:
            big[str(path.relative_to(PACKAGE.parent))] = n
    assert big == {}


@pytest.mark.parametrize(
    ("kind", "limit"), [("class", MAX_CLASS_CODE_LINES), ("function", MAX_FUNCTION_CODE_LINES)]
)
def test_no_class_or_function_over_its_size(kind: str, limit: int) -> None:
    big = {where: n for k, where, n in _sizes() if k == kind and n > limit}
    assert big == {}


def _imports(path: Path) -> set[str]:
    """Absolute module names that ``path`` imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = parts[:-1]
    names: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("community_marketing")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_subpackages_exist() -> None:
    for name in SUBPACKAGES:
        assert (PACKAGE / name / "__init__.py").is_file(), name


def test_imports_flow_one_way() -> None:
    """Helpers import no primitive; a primitive imports no other but those DESIGN.md allows."""
    allowed_primitives = {"groups": {"optin"}, "evaluation": {"recommend"}}
    top = {"campaign", "rights", "datasets", "niches", "__main__", "__init__", ""}
    wrong = []
    for path in SOURCES:
        here = _layer(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for module in _imports(path):
            there = _layer(module).removesuffix(".py")
            if here in top or there == here or there.startswith("_") or there == "errors":
                continue
            if here.startswith("_") or here == "errors":
                wrong.append(f"{path.name} imports {module}")
            elif there in top or (
                there in SUBPACKAGES and there not in allowed_primitives.get(here, set())
            ):
                wrong.append(f"{here} imports {module}")
    assert wrong == []
