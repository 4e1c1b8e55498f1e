"""The application's import graph, read with `ast`, and the checks on it.

Every `import` counts, also one inside a function (a lazy import hides a circle
from Python, not from the reader). Parent packages that Python imports on the
way (`app/__init__.py` for `app.x`) are not edges: they are where a module
lives, not what it uses. Used by tests/test_architecture.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if not level:
        return module
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def build_graph(root: Path = ROOT, packages: Iterable[str] = ("app",),
                modules: Iterable[str] = ("config", "wsgi")) -> Graph:
    """Module -> the application modules it imports (only modules inside `root`)."""
    files: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            files[module_name(path, root)] = path
    for name in modules:
        if (root / f"{name}.py").exists():
            files[name] = root / f"{name}.py"
    graph: Graph = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node.module or "", node.level, name, is_package)
                # `from pkg import module` is an edge to that module, else to pkg
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                           for alias in node.names]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of more than one module
    (Tarjan's algorithm, iterative), each sorted, the list sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return sorted(found)


def layer_of(module: str, layers: list[list[str]]) -> tuple[int, str] | None:
    """(layer number, the owning domain) of a module; layer 0 is the top."""
    best: tuple[int, str] | None = None
    for number, domains in enumerate(layers):
        for domain in domains:
            if module == domain or module.startswith(domain + "."):
                if best is None or len(domain) > len(best[1]):
                    best = (number, domain)
    return best


def upward_imports(graph: Mapping[str, Iterable[str]],
                   layers: list[list[str]]) -> list[tuple[str, str]]:
    """Imports that run from a lower layer up to a higher one, or sideways between
    two domains of the same layer; a domain's own modules may import each other."""
    wrong = []
    for source, targets in graph.items():
        here = layer_of(source, layers)
        if here is None:
            continue
        for target in targets:
            there = layer_of(target, layers)
            if there is None or there[1] == here[1]:
                continue
            if there[0] <= here[0]:
                wrong.append((source, target))
    return sorted(wrong)


def unplaced(graph: Mapping[str, Iterable[str]], layers: list[list[str]]) -> list[str]:
    return sorted(m for m in graph if layer_of(m, layers) is None)
