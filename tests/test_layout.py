"""The package shows the pipeline: a folder per stage, later stages import earlier ones and never the reverse,
no import cycles, no module over 500 lines. Imports are read with ``ast`` (module-level and function-level
alike), so a lazy import counts as much as any other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "generator"
MAX_LINES = 500

# Each stage and the stages it may import (besides itself and the package root's __version__). The order is the
# pipeline's: policy -> model -> render -> output -> terraform; insight reads the model;
# recovery (restore, drill) acts on AWS from what insight reads; the CLI imports all.
ALLOWED: dict[str, set[str]] = {
    "diagnostics": set(),
    "aws": {"diagnostics"},
    "policy": {"diagnostics", "aws"},
    "model": {"diagnostics", "aws", "policy"},
    "render": {"diagnostics", "aws", "policy", "model"},
    "output": {"diagnostics", "aws", "policy", "model", "render"},
    "terraform": {"diagnostics", "aws", "policy", "model", "render", "output"},
    "insight": {"diagnostics", "aws", "policy", "model"},
    "recovery": {"diagnostics", "aws", "policy", "model", "insight"},
    "cli": {"diagnostics", "aws", "policy", "model", "render", "output", "terraform", "insight", "recovery"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every generator module ``path`` imports (``from generator.x import y`` counts y when it is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("generator"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                out.add(full if full in MODULES else node.module)
    return {m for m in out if m in MODULES}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def test_every_module_belongs_to_a_stage() -> None:
    loose = sorted(m for m in MODULES if _stage(m) is None
                   and m not in ("generator", "generator.__main__", "generator.data"))  # data: no code
    assert loose == [], "put these in the folder of their stage"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_later_stages_import_earlier_ones_never_the_reverse(module: str) -> None:
    stage = _stage(module)
    if stage is None:
        return
    wrong = sorted(m for m in GRAPH[module] if (s := _stage(m)) is not None and s != stage and s not in ALLOWED[stage])
    assert wrong == [], f"{module} ({stage}) imports a later stage"


def test_nothing_imports_the_cli() -> None:
    importers = sorted(m for m, deps in GRAPH.items() if _stage(m) != "cli" and m != "generator.__main__"
                       and any(_stage(d) == "cli" for d in deps))
    assert importers == []


def test_no_import_cycles() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(GRAPH[m]):
            if d == m or _is_package_of(d, m):
                continue  # a module importing a sibling through its package face is no cycle of files
            if state.get(d) == 1:
                cycles.append([*path[path.index(d):], d] if d in path else [m, d])
            elif d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def _is_package_of(package: str, module: str) -> bool:
    return MODULES[package].name == "__init__.py" and module.startswith(package + ".")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_500_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by what its parts do"
