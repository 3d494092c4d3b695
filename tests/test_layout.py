"""The code's layout keeps its promises: imports run one way and never in circles.

Imports are read with the standard library's ``ast`` from every module of the three code
folders, including imports inside functions (a lazy import that closes a circle is still a
circle). The rules, from docs/model.md and ``experiments/__init__.py``:

* packages: the command line -> the rest of ``experiments`` -> ``model`` -> ``agents``;
* rooms of ``experiments``: a module imports only from its own room or rooms listed after it
  in :data:`ROOMS`;
* no circle between modules;
* ``argparse`` only in the command-line package; project code imported as ``jiesu.*`` only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agents", "model", "experiments")
#: Rooms of experiments/, from the top (may import everything after it) to the bottom.
ROOMS = (
    "cli",
    "api",
    "designs",
    "reports",
    "figures",
    "execution",
    "analysis",
    "outputs",
    "scenarios",
    "limits",  # declared bounds and checks of single values (names, counts, addresses) of every command
    "errors",
)
#: Package order: a package may import only from itself and the packages after it.
LAYERS = ("experiments.cli", "experiments", "model", "agents")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if "__pycache__" not in p.parts
    }


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every imported name (``a.b.c`` for ``from a.b import c``) with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((f"<relative import level {node.level}>", node.lineno))
                continue
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _project_target(name: str) -> str | None:
    """The project module an imported name refers to (``jiesu.`` stripped), or None."""
    if not name.startswith("jiesu."):
        return None
    name = name[len("jiesu.") :]
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for module, path in MODULES.items():
        for name, _ in _imports(path):
            target = _project_target(name)
            if target is not None and target != module:
                graph.add_edge(module, target)
    return graph


def _layer(module: str) -> int:
    return next(i for i, prefix in enumerate(LAYERS) if module == prefix or module.startswith(prefix + "."))


def _room(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "experiments" or len(parts) < 2:
        return None
    return ROOMS.index(parts[1]) if parts[1] in ROOMS else -1


def test_every_experiments_module_lives_in_a_declared_room():
    strays = [m for m in MODULES if _room(m) == -1]
    assert strays == [], f"modules outside the rooms of experiments/ (add the room to ROOMS): {strays}"


def test_no_import_circles():
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == [], f"import circles: {cycles}"


def test_packages_import_one_way():
    wrong = [
        f"{a} -> {b}" for a, b in _graph().edges if _layer(b) < _layer(a)
    ]  # a later layer must not import an earlier one
    assert wrong == [], f"imports against the direction cli -> experiments -> model -> agents: {wrong}"


def test_rooms_of_experiments_import_one_way():
    wrong = []
    for a, b in _graph().edges:
        ra, rb = _room(a), _room(b)
        if ra is not None and rb is not None and rb < ra:
            wrong.append(f"{a} -> {b}")
    assert wrong == [], f"imports against the order of ROOMS {ROOMS}: {wrong}"


def test_argparse_only_in_the_command_line_package():
    offenders = [
        f"{module} (line {line})"
        for module, path in MODULES.items()
        if not module.startswith("experiments.cli")
        for name, line in _imports(path)
        if name.split(".")[0] == "argparse"
    ]
    assert offenders == [], f"argparse imported outside experiments/cli/: {offenders}"


def test_project_code_is_imported_through_the_jiesu_namespace():
    offenders = [
        f"{module}: {name} (line {line})"
        for module, path in MODULES.items()
        for name, line in _imports(path)
        if name.split(".")[0] in PACKAGES or name.startswith("<relative")
    ]
    assert offenders == [], (
        f"import project code as jiesu.model / jiesu.agents / jiesu.experiments: {offenders}"
    )


def test_the_walker_sees_lazy_imports_and_circles(tmp_path):
    """Imports inside functions count, and a two-module circle is found."""
    (tmp_path / "a.py").write_text("def f():\n    from jiesu.agents import b\n")
    assert ("jiesu.agents.b", 2) in _imports(tmp_path / "a.py")
    circle = nx.DiGraph([("agents.a", "agents.b"), ("agents.b", "agents.a")])
    assert list(nx.simple_cycles(circle)), "the circle check must see a two-module circle"


def test_installed_names_do_not_shadow_other_projects(tmp_path):
    """Installed, only ``jiesu`` is importable: no top-level ``model``, ``agents``, ``experiments``."""
    code = (
        "import importlib.util, jiesu.model, jiesu.agents.citizens, jiesu.experiments.cli.main\n"
        "print([importlib.util.find_spec(n) is None for n in ('model', 'agents', 'experiments')])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True, True, True]", "the project leaks top-level package names"
