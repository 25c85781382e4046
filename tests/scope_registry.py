"""How to build, in Kabupaten Garut, the object behind each URL that takes an identifier.

`tests/test_scope.py` walks every URL pattern of the project. Each pattern with a
parameter must have an entry here: a function that receives the `world` (regions
and personas from conftest.py) and returns the URL kwargs of an object that lies
in Kabupaten Garut (32.05), visible to `world.officer_garut`. The Bandung officer
(and a Bandung mentor) must then get 404 from that URL.

Adding a view that takes an identifier? Add its entry here, in the app's section.
"""

from conftest import KAB_GARUT


def _garut_mentor_login(world):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(username="pendamping_garut", role=Role.PENDAMPING, region=world.regions[KAB_GARUT])


OBJECT_URLS = {
    # regions
    "regions:region_detail": lambda world: {"code": KAB_GARUT},
    # accounts
    "accounts:user_edit": lambda world: {"pk": _garut_mentor_login(world).pk},
    "accounts:user_deactivate": lambda world: {"pk": _garut_mentor_login(world).pk},
    "accounts:user_password_reset": lambda world: {"pk": _garut_mentor_login(world).pk},
    # beneficiaries
    # groups
    # mentors
    # graduation
    # dashboards
}
