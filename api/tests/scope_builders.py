"""API objects in Kabupaten Garut for tests/scope_registry.py (visible to the Garut officer).

The URL-walking scope test (tests/test_scope.py) finds every API route with an identifier by
itself; each needs an entry here. The Bandung officer and the Bandung mentor must get 404.
"""

from conftest import KAB_GARUT


def _kube(world, status="aktif"):
    from tests.scope_registry import _garut_kube

    return _garut_kube(world, status=status)


def _household(world):
    from tests.scope_registry import _garut_household

    return _garut_household(world)


def _visit(world, photo=False):
    from mentors.tests.scope_builders import _garut_visit

    return _garut_visit(world, photo=photo)


def _assignment(world):
    from mentors.tests.scope_builders import _garut_assignment

    return _garut_assignment(world)


def _batch(world):
    from mentors.tests.scope_builders import _garut_batch

    return _garut_batch(world)


def _decision(world):
    from graduation.tests.scope_builders import _garut_decision

    return _garut_decision(world)


def _assessment(world):
    from graduation.tests.helpers import assess

    return assess(_household(world), income=1_000_000, assessor=world.officer_garut)


def _readiness(world):
    from graduation.services import readiness_recompute

    household = _household(world)
    readiness_recompute(household_ids=[household.pk])
    return household


def _grant(world):
    from groups.tests.factories import GrantFactory

    return GrantFactory(kube=_kube(world), recorded_by=world.officer_garut)


def _import_job(world):
    from tests.scope_registry import _garut_import_job

    return _garut_import_job(world)


def _pk(build):
    return lambda world: {"pk": build(world).pk}


API_URLS = {
    "api:region-detail": lambda world: {"code": KAB_GARUT},
    "api:household-detail": _pk(_household),
    "api:household-deactivate": _pk(_household),
    "api:kube-detail": _pk(_kube),
    "api:kube-history": _pk(_kube),
    "api:kube-propose": _pk(lambda world: _kube(world, "draft")),
    "api:kube-recommend": _pk(lambda world: _kube(world, "diusulkan")),
    "api:kube-approve": _pk(lambda world: _kube(world, "direkomendasikan")),
    "api:kube-return": _pk(lambda world: _kube(world, "diusulkan")),
    "api:kube-activate": _pk(lambda world: _kube(world, "nonaktif")),
    "api:kube-deactivate": _pk(_kube),
    "api:kube-dissolve": _pk(_kube),
    "api:kube-redraft": _pk(lambda world: _kube(world, "dikembalikan")),
    "api:membership-detail": lambda world: {"pk": _kube(world).memberships.get().pk},
    "api:membership-end": lambda world: {"pk": _kube(world).memberships.get().pk},
    "api:grant-detail": _pk(_grant),
    "api:business-report-detail": lambda world: {"pk": _kube(world).reports.get().pk},
    "api:mentor-detail": lambda world: {"pk": _assignment(world).mentor_id},
    "api:training-batch-detail": _pk(_batch),
    "api:training-batch-participants": _pk(_batch),
    "api:assignment-detail": _pk(_assignment),
    "api:assignment-end": _pk(_assignment),
    "api:field-visit-detail": _pk(_visit),
    "api:field-visit-verify": _pk(_visit),
    "api:field-visit-return": _pk(_visit),
    "api:field-visit-photo": lambda world: (lambda visit: {"pk": visit.pk, "photo_id": visit.photos.get().pk})(
        _visit(world, photo=True)
    ),
    "api:assessment-detail": _pk(_assessment),
    "api:readiness-detail": lambda world: {"household": _readiness(world).pk},
    "api:graduation-decision-detail": _pk(_decision),
    "api:graduation-decision-verify": _pk(_decision),
    "api:graduation-decision-decide": _pk(_decision),
    "api:graduation-decision-reject": _pk(_decision),
    "api:import-job-detail": _pk(_import_job),
    "api:import-job-error-report": _pk(_import_job),
}
