"""Arrows point down: no module of ours imports, as it loads, a module that imports it back.

Read from the source (ast), so the check does not depend on which module some other
test happened to import first; function-local imports, the usual way to hide a cycle,
are allowed only with a comment that says why.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = (
    "a1",
    "common",
    "generator",
    "library",
    "lifecycle",
    "accounts",
    "ops",
    "api",
    "gateway",
    "sandbox",
    "a1site",
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or "." in path.stem:  # gunicorn.conf.py is config
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module: str, path: Path, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The modules of ours an import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in MODULES}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        base = package.split(".")
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    loaded = set()
    if target in MODULES:
        loaded.add(target)
    for alias in node.names:
        if f"{target}.{alias.name}" in MODULES:
            loaded.add(f"{target}.{alias.name}")
    return loaded


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module loads: not those inside functions or classes."""
    found = []
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                pending.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)
    return found


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        graph[module] = set().union(
            *(_resolve(module, path, node) for node in _top_level_imports(tree))
        ) - {module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_it_has_no_import_cycle_among_our_modules():
    graph = _graph()
    assert graph["generator.runs.forms"] >= {
        "generator.runs.inputs",
        "generator.models",
    }  # read right
    assert _cycles(graph) == []


def test_it_finds_a_cycle_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


# The layers, lowest first: a package may import its own and any lower layer, never a
# higher one (docs/architecture.md, "The arrows"). library and lifecycle sit side by side.
LAYERS: list[set[str]] = [
    {"a1"},
    {"common"},
    {"generator"},
    {"library", "lifecycle"},
    {"accounts"},
    {"ops"},
    {"api", "gateway"},
    {"a1site"},
]
RANK = {package: n for n, layer in enumerate(LAYERS) for package in layer}
# Surfaces compose domains for a page: a view, the URLs, the admin, a context processor
# or a template tag may use the services of any package below api and gateway.
SURFACES = (".views", ".urls", ".admin", ".context_processors", ".templatetags")
SURFACE_REACH = RANK["ops"]
# The sandbox stands apart: it speaks A1's API and imports only the client's codes.
SANDBOX_MAY_IMPORT = {"a1", "sandbox"}


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def _is_surface(module: str) -> bool:
    return any(part in f".{module}." for part in (f"{s}." for s in SURFACES)) or module.endswith(
        SURFACES
    )


def _layer_offences(graph: dict[str, set[str]]) -> list[str]:
    offences = []
    for module, imports in graph.items():
        own = _package(module)
        for target in imports:
            theirs = _package(target)
            if own == "sandbox":
                if theirs not in SANDBOX_MAY_IMPORT:
                    offences.append(f"{module} -> {target}")
                continue
            if theirs == "sandbox" or own not in RANK or theirs not in RANK:
                continue
            reach = max(RANK[own], SURFACE_REACH) if _is_surface(module) else RANK[own]
            if RANK[theirs] > reach:
                offences.append(f"{module} -> {target}")
    return sorted(offences)


def test_every_import_points_down_the_layers():
    assert _layer_offences(_graph()) == []


def test_the_layer_rule_catches_an_upward_import():
    graph = {
        "generator.runs.starting": {"library.presets"},  # the core reaching up: refused
        "generator.runs.views.apps": {"library.presets"},  # a surface composing: allowed
        "a1.client": {"common.htmx"},  # the client reaching into Django helpers: refused
        "sandbox.api": {"generator.models"},  # the sandbox reading our tables: refused
        "api.runs": {"generator.runs.starting"},  # a surface over the core: allowed
    }
    assert _layer_offences(graph) == [
        "a1.client -> common.htmx",
        "generator.runs.starting -> library.presets",
        "sandbox.api -> generator.models",
    ]


# Inside the core (generator/), which domain's models and services may use which, as
# they stand: the domains share one set of models, so some arrows run both ways, but a
# new one is a decision, made here and in docs/architecture.md, not an accident.
# generator's own top-level modules (models, access, errors) are open to every domain.
CORE_DOMAINS: dict[str, set[str]] = {
    "runs": {"approvals", "audit", "files", "galleries", "keys", "money", "teams"},
    "batches": {"approvals", "files", "galleries", "keys", "money", "runs", "schedules", "teams"},
    "approvals": {"audit", "batches", "keys", "runs", "teams"},
    "money": {"audit", "keys", "runs", "teams"},
    "teams": {"audit", "runs"},
    "keys": {"audit", "money", "runs"},
    "galleries": {"batches", "runs"},
    "files": {"batches"},
    "schedules": set(),
    "audit": set(),
    "management": {"keys"},
    "templatetags": set(),
    "migrations": set(),
}


def _domain_offences(graph: dict[str, set[str]]) -> list[str]:
    offences = []
    for module, imports in graph.items():
        parts = module.split(".")
        if parts[0] != "generator" or len(parts) < 3 or _is_surface(module):
            continue
        allowed = CORE_DOMAINS.get(parts[1])
        for target in imports:
            theirs = target.split(".")
            if theirs[0] != "generator" or len(theirs) < 3 or theirs[1] == parts[1]:
                continue
            if allowed is None or theirs[1] not in allowed:
                offences.append(f"{module} -> {target}")
    return sorted(offences)


def test_every_core_domain_imports_only_the_domains_it_may():
    assert _domain_offences(_graph()) == []
    # The rule bites: the audit log reaching into runs, or a domain not in the map.
    assert _domain_offences(
        {
            "generator.audit.record": {"generator.runs.models"},
            "generator.new.x": {"generator.runs.models"},
        }
    ) == [
        "generator.audit.record -> generator.runs.models",
        "generator.new.x -> generator.runs.models",
    ]


def test_the_api_and_the_gateway_import_no_view():
    # They are surfaces of their own (their own views aside), over the domains' services (common.media serves a
    # stored image to both): a view module is another surface's detail.
    for module, imports in _graph().items():
        if _package(module) in ("api", "gateway"):
            views = [
                i
                for i in imports
                if (".views." in f"{i}." or i.endswith(".views"))
                and _package(i) != _package(module)
            ]
            assert not views, (module, views)


def test_domain_services_never_import_views_forms_or_the_surfaces():
    above = ("common.htmx", "api", "gateway")
    for module, imports in _graph().items():
        if _is_surface(module) or module.endswith((".forms", "tests")):
            continue
        if _package(module) in ("generator", "library", "lifecycle", "accounts"):
            wrong = [i for i in imports if i.startswith(above) or _is_surface(i)]
            wrong += [i for i in imports if i.endswith(".forms") and not module.endswith("forms")]
            assert not wrong, (module, wrong)


def test_it_has_no_unexplained_function_local_import():
    unexplained = []
    for module, path in MODULES.items():
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    here, above = lines[node.lineno - 1], lines[node.lineno - 2]
                    if "#" not in here and not above.strip().startswith("#"):
                        unexplained.append(f"{module}:{node.lineno}")
    assert unexplained == []


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(MODULES)
    script = (
        "import importlib, django; django.setup()\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print('imported', len(" + repr(names) + "))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "a1site.settings", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"imported {len(names)}" in done.stdout
