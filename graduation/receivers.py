"""Graduation listens to the layers below (connected in GraduationConfig.ready()).

A household's readiness is recomputed at once, in the transaction of the change, when its
members, its memberships or its KUBE's maturity change (DESIGN.md section 4): beneficiaries and
groups announce the change with a signal and never import graduation.
"""

from graduation.services import readiness_recompute
from groups.services import member_household_ids


def recompute_households(sender, household_ids, **kwargs) -> None:
    readiness_recompute(household_ids=household_ids)


def recompute_kube_members(sender, kube, **kwargs) -> None:
    readiness_recompute(household_ids=member_household_ids(kube))
