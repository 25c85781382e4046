"""How to build, in Kabupaten Garut, the object behind each URL that takes an identifier.

`tests/test_scope.py` walks every URL pattern of the project. Each pattern with a
parameter must have an entry here: a function that receives the `world` (regions
and personas from conftest.py) and returns the URL kwargs of an object that lies
in Kabupaten Garut (32.05), visible to `world.officer_garut`. The Bandung officer
(and a Bandung mentor) must then get 404 from that URL.

Adding a view that takes an identifier? Add its entry here, in the app's section.
"""

from api.tests.scope_builders import API_URLS
from conftest import KAB_GARUT
from graduation.tests.scope_builders import GRADUATION_URLS
from mentors.tests.scope_builders import MENTOR_URLS


def _garut_mentor_login(world):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="pendamping_garut", role=Role.PENDAMPING, region=world.regions[KAB_GARUT])


def _garut_token(world):
    from accounts.services import api_token_issue

    return api_token_issue(manager=world.officer_garut, user=_garut_mentor_login(world), name="HP Garut")[0]


def _garut_kube(world, status="aktif"):
    """A KUBE in Kecamatan Garut Kota with one member and one monthly report."""
    import datetime

    from groups.models import BusinessReport
    from groups.tests.factories import KubeFactory, MembershipFactory

    kube = KubeFactory(garut=True, status=status, activated_on=datetime.date(2025, 3, 1))
    MembershipFactory(kube=kube)
    BusinessReport.objects.create(kube=kube, month=datetime.date(2025, 4, 1), revenue=5_000_000, costs=4_000_000)
    return kube


def _garut_draft(world):
    return _garut_kube(world, status="draft")


def _garut_household(world):
    from beneficiaries.tests.factories import garut_household_for_scope_test

    return garut_household_for_scope_test(world)


def _garut_import_job(world):
    from beneficiaries.tests.factories import garut_import_job_for_scope_test

    return garut_import_job_for_scope_test(world)


OBJECT_URLS = {
    # regions
    "regions:region_detail": lambda world: {"code": KAB_GARUT},
    # accounts
    "accounts:user_edit": lambda world: {"pk": _garut_mentor_login(world).pk},
    "accounts:user_deactivate": lambda world: {"pk": _garut_mentor_login(world).pk},
    "accounts:user_password_reset": lambda world: {"pk": _garut_mentor_login(world).pk},
    "accounts:token_revoke": lambda world: {"pk": _garut_token(world).pk},
    # beneficiaries
    "beneficiaries:household_detail": lambda world: {"pk": _garut_household(world).pk},
    "beneficiaries:household_edit": lambda world: {"pk": _garut_household(world).pk},
    "beneficiaries:household_deactivate": lambda world: {"pk": _garut_household(world).pk},
    "beneficiaries:import_status": lambda world: {"pk": _garut_import_job(world).pk},
    "beneficiaries:import_progress": lambda world: {"pk": _garut_import_job(world).pk},
    "beneficiaries:import_error_report": lambda world: {"pk": _garut_import_job(world).pk},
    "beneficiaries:import_confirm": lambda world: {"pk": _garut_import_job(world).pk},
    # groups
    "groups:kube_detail": lambda world: {"pk": _garut_kube(world).pk},
    "groups:kube_edit": lambda world: {"pk": _garut_draft(world).pk},
    "groups:kube_transition": lambda world: {"pk": _garut_draft(world).pk, "action": "usulkan"},
    "groups:membership_add": lambda world: {"pk": _garut_draft(world).pk},
    "groups:membership_end": lambda world: (lambda kube: {"pk": kube.pk, "membership_id": kube.memberships.get().pk})(
        _garut_kube(world)
    ),
    "groups:membership_role": lambda world: (lambda kube: {"pk": kube.pk, "membership_id": kube.memberships.get().pk})(
        _garut_kube(world)
    ),
    "groups:grant_add": lambda world: {"pk": _garut_kube(world, status="ditetapkan").pk},
    "groups:report_add": lambda world: {"pk": _garut_kube(world).pk},
    "groups:report_edit": lambda world: (lambda kube: {"pk": kube.pk, "report_id": kube.reports.get().pk})(
        _garut_kube(world)
    ),
    "groups:kube_classify": lambda world: {"pk": _garut_kube(world).pk},
    "groups:kur_refer": lambda world: {"pk": _garut_kube(world).pk},
    # mentors
    **MENTOR_URLS,
    # graduation
    **GRADUATION_URLS,
    # dashboards
    "dashboards:region": lambda world: {"region_code": KAB_GARUT},
    "dashboards:region_export": lambda world: {"region_code": KAB_GARUT},
    # the REST API
    **API_URLS,
}
