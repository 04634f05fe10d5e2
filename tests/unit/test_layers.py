"""The layer rules of ARCHITECTURE.md, checked on the source: the domain never imports Reflex,
and the outside-world adapters never reach up into the domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["services", "models", "integrations"])
def test_domain_layers_never_import_reflex(layer: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(name for name in _imports(path) if name.split(".")[0] == "reflex")
        for path in _modules(layer)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _graph() -> dict[str, set[str]]:
    """Module → the portal modules it imports (function-level imports included: a cycle broken by
    hiding an import inside a function is still a cycle)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                               for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]



def test_integrations_never_import_services() -> None:
    """The outside-world adapters take plain data (documents, contract PDFs), so they never reach up."""
    graph = _graph()
    reaching_up = {module: sorted(t for t in targets if t.startswith("portal_app.services"))
                   for module, targets in graph.items() if module.startswith("portal_app.integrations")}
    assert {module: targets for module, targets in reaching_up.items() if targets} == {}


def test_icons_are_named_when_the_page_is_built() -> None:
    """`rx.icon(<a var>)` pulls lucide's whole dynamic icon loader (about 55 KB gzip) into the page;
    choose between named icons with `rx.cond(x, rx.icon("a"), rx.icon("b"))` instead."""
    dynamic = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "icon"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "rx" and node.args
                    and isinstance(node.args[0], (ast.Call, ast.Subscript))):
                dynamic.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert dynamic == []


# Names that reach the database: a handler that uses one, directly or through a helper of its class
# or module, blocks while the database answers (unless it is inside `asyncio.to_thread(...)`).
_BLOCKING = {"session_scope", "_principal", "resolve_session", "resolve_staff_session"}
_OFF_THE_LOOP = {"signed_in_event"}


def _names_on_the_loop(fn: ast.AST) -> set[str]:
    """The names a function uses, leaving out what it hands to `asyncio.to_thread` (run elsewhere)."""
    names: set[str] = set()
    pending = [fn]
    while pending:
        node = pending.pop()
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "to_thread"):
            continue
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        pending.extend(ast.iter_child_nodes(node))
    return names


def _handlers_that_block_the_loop() -> list[str]:
    """Event handlers in state/ that reach the database on the event loop."""
    found = []
    for path in sorted((PACKAGE / "state").glob("*.py")):
        tree = ast.parse(path.read_text())
        functions = {f.name: f for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            methods = {f.name: f for f in cls.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}

            def reaches_db(fn: ast.AST, seen: frozenset = frozenset()) -> bool:
                names = _names_on_the_loop(fn)
                if names & _BLOCKING:
                    return True
                helpers = (methods.get(name) or functions.get(name) for name in names)
                return any(h is not None and h.name not in seen and reaches_db(h, seen | {h.name}) for h in helpers)

            for fn in cls.body:
                decorators = [ast.unparse(d) for d in getattr(fn, "decorator_list", [])]
                if (isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and any(d.startswith("rx.event") for d in decorators)
                        and not _OFF_THE_LOOP.intersection(decorators) and reaches_db(fn, frozenset({fn.name}))):
                    found.append(f"{path.name}:{cls.name}.{fn.name}")
    return found


def test_no_event_handler_blocks_the_event_loop_on_the_database() -> None:
    """A plain `def` handler runs on the event loop, and so does an `async` one outside its awaits:
    while it waits on the database every other tab waits too. Such handlers use `signed_in_event`,
    `self._signed_in(...)`, or hand the blocking part to a thread (`in_one_session`, `asyncio.to_thread`)."""
    assert _handlers_that_block_the_loop() == []
