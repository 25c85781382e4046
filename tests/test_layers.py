"""Imports point down the layers (DESIGN.md section 5): the register and the groups never import
graduation or dashboards, not even inside a function; graduation subscribes to their signals."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ABOVE = {
    "beneficiaries": {"groups", "mentors", "graduation", "dashboards"},
    "groups": {"mentors", "graduation", "dashboards"},
}
# Older upward imports inside functions (the mentor's scope, KUBE membership filters), left for their own change.
KNOWN = {("beneficiaries", "mentors"), ("beneficiaries", "groups"), ("groups", "mentors")}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    apps = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            apps |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            apps.add(node.module.split(".")[0])
    return apps


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_lower_apps_do_not_import_graduation_or_dashboards(app):
    offending = {}
    for path in (ROOT / app).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        upward = (_imported_apps(path) & ABOVE[app]) - {other for lower, other in KNOWN if lower == app}
        if upward:
            offending[str(path.relative_to(ROOT))] = sorted(upward)
    assert offending == {}


def test_graduation_subscribes_to_the_lower_layers_signals():
    from beneficiaries.signals import households_changed
    from groups.signals import kube_maturity_changed, memberships_changed

    for signal in (households_changed, memberships_changed, kube_maturity_changed):
        assert any("graduation" in str(receiver) for receiver in signal.receivers), signal
