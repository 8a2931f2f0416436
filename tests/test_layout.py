"""The layout the README describes holds: imports go one way (no module-level cycle; a
function-level import between flowgraph modules says which real cycle needs it), the stages
after graph building know ops only through their OpDefs, and the module map lists every module."""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

from flowgraph import registry

import op_cases  # noqa: F401  (imports every module that registers ops)

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "flowgraph"


def _modules() -> dict:
    """{dotted name: path} of every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imported(module: str, node: ast.ImportFrom) -> list:
    """The flowgraph modules an `from ... import ...` statement in `module` loads."""
    is_package = MODULES[module].name == "__init__.py"
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    found = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
    if len(found) < len(node.names) and target in MODULES:
        found.append(target)
    return found


def _imports():
    """({module: modules imported at module level}, [(module, line, imported) in functions])."""
    top, inner = {}, []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top[module] = set()
        module_level = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                targets = _imported(module, node)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name in MODULES]
            else:
                continue
            if id(node) in module_level:
                top[module].update(targets)
            elif targets:
                inner.append((module, node.lineno, targets))
    return top, inner


def _cycle(graph: dict):
    """One import cycle of `graph` as a list of modules, or None (iterative DFS)."""
    state = {}
    for start in graph:
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        state[start], path = 1, [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def test_no_import_cycle_at_module_level():
    top, _ = _imports()
    # a package imports its submodules and they import it back only as the package's parent:
    # leave out edges to the package root, which Python has half-imported by then anyway
    graph = {m: {t for t in ts if t != "flowgraph"} for m, ts in top.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_function_level_imports_between_modules_give_their_reason():
    _, inner = _imports()
    unexplained = []
    for module, line, targets in inner:
        text = MODULES[module].read_text(encoding="utf-8").splitlines()[line - 1]
        if "#" not in text:
            unexplained.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {targets}")
    assert not unexplained, unexplained


@pytest.mark.parametrize("path", ["plan.py", "executor.py", "viz.py", "export/graphdef.py",
                                  "export/autolog.py", "export/board.py", "session.py"])
def test_later_stages_name_no_op_types(path):
    """Facts about ops come from their OpDefs: no op type name appears as a string."""
    tree = ast.parse((PACKAGE / path).read_text(encoding="utf-8"))
    names = set(registry.all_ops())
    found = {n.value for n in ast.walk(tree)
             if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in names}
    assert not found, f"{path} names op types {sorted(found)}"


def test_the_readme_module_map_lists_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `((?:flowgraph|cli)/[\w/]+\.py)` \|", readme, flags=re.M))
    present = {str(p.relative_to(ROOT)) for p in [*PACKAGE.rglob("*.py"), *(ROOT / "cli").glob("*.py")]
               if p.name not in ("__init__.py", "__main__.py") or p.parent == PACKAGE}
    assert listed == present, (f"missing from the map: {sorted(present - listed)}; "
                               f"listed but gone: {sorted(listed - present)}")


@pytest.mark.parametrize("path", ["plan.py", "executor.py"])
def test_the_run_path_reads_in_short_functions(path):
    tree = ast.parse((PACKAGE / path).read_text(encoding="utf-8"))
    long = [f"{n.name} ({n.end_lineno - n.lineno + 1} lines)" for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno + 1 > 30]
    assert not long, long
