"""The dashboard's packages form no import cycle, and the layers point one way.

Each top-level package or module of `product_dashboard` is a node; an import anywhere in one
(function-level imports included) is an edge to the other. A cycle means two features can only
be understood, tested and changed together.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.quick

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "product_dashboard"

# Who may not depend on whom: the inbound side builds on conflict/, which builds on product/.
FORBIDDEN = {
    "product": {"collection", "conflict", "sync", "inbound"},
    "conflict": {"inbound", "sync"},
    "inbound": {"sync"},
}
# The foundations, and the only parts of the app each may import.
ONLY = {
    "shopify": {"kit"},  # the Admin API client imports nothing of the app but generic helpers
    "kit": {"exceptions"},  # generic helpers know no feature (they may raise the app's 4xx)
    "models": {"kit"},
}


def _node(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "product_dashboard" and len(parts) > 1 else None


def import_graph() -> dict[str, dict[str, list[str]]]:
    """node -> imported node -> where (file:line)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        source = _node(".".join(relative.parts))
        if source is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                target = _node(name)
                if target is not None and target != source:
                    graph[source][target].append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_packages() -> None:
    graph = import_graph()
    found = cycles(graph)
    detail = [
        f"{a} -> {b}: {graph[a][b][:2]}"
        for component in found
        for a in component
        for b in component
        if b in graph.get(a, {})
    ]
    assert found == [], "\n".join(detail)


def test_layers_point_one_way() -> None:
    graph = import_graph()
    wrong = [
        f"{source} -> {target}: {where[:2]}"
        for source, targets in sorted(graph.items())
        for target, where in sorted(targets.items())
        if target in FORBIDDEN.get(source, set()) or (source in ONLY and target not in ONLY[source])
    ]
    assert wrong == [], "\n".join(wrong)


def test_the_graph_sees_function_level_imports(tmp_path: Path) -> None:
    """The test itself: an import hidden in a function is an edge like any other."""
    tree = ast.parse("def f():\n    from product_dashboard.sync.jobs import x\n")
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert [_node(n.module or "") for n in imports] == ["sync"]
    assert cycles({"a": {"b": ["x"]}, "b": {"a": ["y"]}}) == [["a", "b"]]
    assert cycles({"a": {"b": ["x"]}, "b": {}}) == []
