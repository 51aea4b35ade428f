"""The shape of the core: kinds are declared once, modules import without cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from second_classroom.models import KINDS

PACKAGE = REPO / "src" / "second_classroom"
DECLARATIONS = {PACKAGE / "models.py"}  # where kinds are declared, by name


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _kind_literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and node.value in KINDS:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for e in node.elts for v in _kind_literals(e)]
    return []


def kind_comparisons(source: str) -> list[tuple[int, str]]:
    """Return (line, kind name) of every comparison with a kind's name written as a literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                found += [(node.lineno, name) for name in _kind_literals(side)]
    return found


def test_the_kind_check_finds_what_it_looks_for() -> None:
    assert kind_comparisons('if record.kind == "sites": pass') == [(1, "sites")]
    assert kind_comparisons('x = kind in ("people", "relics")') == [(1, "people"), (1, "relics")]
    assert kind_comparisons('x = "outlines" != k') == [(1, "outlines")]
    assert kind_comparisons('x = kind == "themes"') == []


def test_no_module_outside_the_declarations_asks_which_kind_a_record_is() -> None:
    sources = [p for p in _modules().values() if p not in DECLARATIONS]
    sources += sorted((REPO / "hooks").glob("*.py"))
    found = {f"{p.relative_to(REPO)}:{line}": name for p in sources
             for line, name in kind_comparisons(p.read_text("utf-8"))}
    assert found == {}, "kind-specific code belongs on the kind's declaration (models.py)"


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the package modules `name` imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            if base in known:
                out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
    out.discard(name)
    return out


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle per strongly connected group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_the_cycle_finder_finds_cycles() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_the_core_has_no_import_cycles() -> None:
    modules = _modules()
    known = set(modules)
    # Parents of a package import it implicitly; a module's own package is not a cycle.
    graph = {name: {m for m in _imports(name, path, known) if not name.startswith(m + ".")}
             for name, path in modules.items()}
    assert import_cycles(graph) == []


def test_every_module_imports_in_a_fresh_interpreter_without_the_cli_or_mkdocs() -> None:
    names = sorted(n for n in _modules() if not n.startswith("second_classroom.cli"))
    code = ("import importlib, sys\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            "bad = [m for m in sys.modules if m == 'mkdocs' or m.startswith('mkdocs.')"
            " or m == 'second_classroom.cli' or m.startswith('second_classroom.cli.')]\n"
            "print(','.join(bad))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", "library modules must not import the CLI or MkDocs"
