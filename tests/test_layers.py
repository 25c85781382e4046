"""The layering test (DESIGN.md section 5): imports point down the layers, and only down.

    kube_portal, regions, accounts, audit (foundation) ← beneficiaries ← groups ← mentors ← graduation ← dashboards ← api

Every module of every app is parsed (not imported) and every import in it is checked: at the top of
the module or inside a function, `import x`, `from x import y`, `importlib.import_module("x")`.
An app may import its own layer and the layers below it; where a lower layer must learn of a
higher one, the higher app fills a hook of the lower one in its AppConfig.ready()
(`kube_portal.hooks`). Management commands are modules of their app and follow its layer.
Tests (they may build data of any app) and migrations (frozen history) are left out, and so is
`bench/`: scripts above every app, like the tests.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

#: The layers, lowest first: the one place that states the allowed order.
LAYERS: tuple[tuple[str, ...], ...] = (
    # audit (the trail every app's models are tracked in) belongs to the foundation like accounts.
    ("kube_portal", "regions", "accounts", "audit"),
    ("beneficiaries",),
    ("groups",),
    ("mentors",),
    ("graduation",),
    ("dashboards",),
    # The REST API serves every register through the apps' own services and querysets.
    ("api",),
)
#: Upward imports tolerated for now, as (importing module, imported module). Must stay empty.
KNOWN: set[tuple[str, str]] = set()

RANK = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}
SKIPPED_PARTS = {"tests", "migrations"}


@dataclass(frozen=True)
class Upward:
    path: str
    line: int
    module: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.module} imports {self.imported}"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(line, imported module) of every import in the tree, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                yield node.lineno, ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def upward_imports(root: Path, layers: dict[str, int] = RANK) -> list[Upward]:
    """Every import in the apps under `root` that points to a higher layer."""
    found = []
    for app, rank in layers.items():
        for path in sorted((root / app).rglob("*.py")):
            if SKIPPED_PARTS & set(path.relative_to(root).parts):
                continue
            module = _module_name(root, path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, imported in _imports(tree, module, path.name == "__init__.py"):
                target = imported.split(".")[0]
                if layers.get(target, -1) > rank and (module, imported) not in KNOWN:
                    found.append(Upward(str(path.relative_to(root)), line, module, imported))
    return sorted(found, key=lambda upward: (upward.path, upward.line))


def test_no_module_imports_a_higher_layer():
    assert [str(upward) for upward in upward_imports(ROOT)] == []


def _module_graph(root: Path, apps_: tuple[str, ...]) -> dict[str, set[str]]:
    """Module → the modules of the apps it imports (anywhere in it)."""
    paths = {}
    for app in apps_:
        for path in (root / app).rglob("*.py"):
            if not SKIPPED_PARTS & set(path.relative_to(root).parts):
                paths[_module_name(root, path)] = path
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {imported for _line, imported in _imports(tree, module, path.name == "__init__.py")}
        # `from package import module` imports the submodule too.
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[module] = {target for target in targets if target in paths and target != module}
    return graph


def import_cycles(root: Path, apps_: tuple[str, ...] = tuple(RANK)) -> list[list[str]]:
    """Groups of modules that import each other in a circle (inside functions too), by Tarjan's algorithm."""
    graph = _module_graph(root, apps_)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in graph[module]:
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return cycles


def test_no_import_cycles():
    """Modules that import each other (one of them inside a function, to get away with it) are one knot."""
    assert import_cycles(ROOT) == []


def test_no_upward_import_is_tolerated():
    assert set() == KNOWN


def test_every_app_has_its_place_in_the_layers():
    """A new app must be given a layer, or the test would not look at it."""
    local = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    assert local | {"kube_portal"} == set(RANK)


UPWARD_MODULE = '''
"""A module of the register that reaches up."""
from beneficiaries.models import Household
from . import rules


def kube_of(household):
    from groups.models import Membership  # upward, inside a function

    return Membership.objects.filter(household=household)


def refresh():
    import importlib

    return importlib.import_module("dashboards.refresh")
'''


def test_the_check_fails_on_an_upward_import(tmp_path):
    """The checker, run on a module that imports up (at its top, in a function, by name), reports each."""
    module = tmp_path / "beneficiaries" / "reaching_up.py"
    module.parent.mkdir()
    (module.parent / "__init__.py").write_text("")
    (module.parent / "rules.py").write_text("")
    module.write_text(UPWARD_MODULE + "\nfrom mentors.models import Mentor\n")
    found = upward_imports(tmp_path)
    assert [(u.path, u.module, u.imported) for u in found] == [
        ("beneficiaries/reaching_up.py", "beneficiaries.reaching_up", "groups.models"),
        ("beneficiaries/reaching_up.py", "beneficiaries.reaching_up", "dashboards.refresh"),
        ("beneficiaries/reaching_up.py", "beneficiaries.reaching_up", "mentors.models"),
    ]
    # The same module without its upward imports passes: own layer, lower layers, relative imports.
    module.write_text('"""Fine."""\nfrom beneficiaries.models import Household\nfrom regions.models import Region\n')
    assert upward_imports(tmp_path) == []


def test_the_cycle_check_finds_a_cycle(tmp_path):
    package = tmp_path / "groups"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("def awaiting():\n    from groups.permissions import AWAITING\n")
    (package / "permissions.py").write_text("from groups.models import Status\n")
    assert import_cycles(tmp_path, ("groups",)) == [["groups.models", "groups.permissions"]]


def test_graduation_subscribes_to_the_lower_layers_signals():
    from beneficiaries.signals import households_changed
    from groups.signals import kube_maturity_changed, memberships_changed

    for signal in (households_changed, memberships_changed, kube_maturity_changed):
        assert any("graduation" in str(receiver) for receiver in signal.receivers), signal


def test_the_hooks_of_the_lower_layers_are_filled_by_the_apps_above():
    from beneficiaries import models as beneficiaries
    from beneficiaries.panels import HOUSEHOLD_PANELS
    from groups import models as groups
    from kube_portal import nightly
    from kube_portal.scoping import mentor_kube_ids

    for hook in (mentor_kube_ids, groups.current_assignments, beneficiaries.occupying_memberships):
        assert hook._provider is not None, hook
    assert [name for name, _panel in HOUSEHOLD_PANELS.items()] == ["kube_memberships", "readiness"]
    assert [step.name for step in nightly.steps()] == ["maturity", "readiness", "dashboards"]
    assert [step.name for step in nightly.steps(province="32")] == ["maturity", "readiness"]


@pytest.mark.parametrize("module", ["kube_portal.scoping", "beneficiaries.models", "groups.models"])
def test_lower_modules_load_without_the_apps_above(module):
    """Importing a lower module loads nothing of the layers above it (no hidden import path)."""
    import subprocess

    rank = RANK[module.split(".")[0]]
    higher = [app for app, app_rank in RANK.items() if app_rank > rank]
    code = (
        "import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'kube_portal.settings'); "
        "from django.conf import settings; "
        f"settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a not in {higher!r}]; "
        f"django.setup(); import {module}; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({higher!r})))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
