"""Graduation objects in Kabupaten Garut for tests/scope_registry.py (visible to the Garut officer)."""


def _garut_household(world):
    from graduation.tests.helpers import garut_household

    return garut_household()


def _garut_decision(world):
    from graduation.models import GraduationDecision, ProposalBasis

    return GraduationDecision.objects.create(
        household=_garut_household(world),
        basis=ProposalBasis.OTHER,
        reason="Usaha berjalan baik",
        proposed_by=world.officer_garut,
    )


GRADUATION_URLS = {
    "graduation:household_readiness": lambda world: {"household_id": _garut_household(world).pk},
    "graduation:assessment_create": lambda world: {"household_id": _garut_household(world).pk},
    "graduation:decision_propose": lambda world: {"household_id": _garut_household(world).pk},
    "graduation:decision_detail": lambda world: {"pk": _garut_decision(world).pk},
}
