import pytest
from django.utils import timezone

from accounts.demo import seed_users
from groups.demo import seed_kube
from groups.models import Kube, Membership, Status
from groups.services import proposal_problems
from groups.tests.factories import household_in
from kube_portal.dates import months_between

pytestmark = pytest.mark.django_db


def test_seed_kube_groups_neighbours_by_the_rules(regions):
    seed_users()
    households = [household_in("32.73.01", f"100{index % 4 + 1}") for index in range(23)]
    households += [household_in("32.05.01") for _ in range(9)]
    loners = [household_in("32.73.02") for _ in range(3)]

    created = seed_kube(seed=7)
    assert created == Kube.objects.count() >= 3
    assert not Membership.objects.filter(household__in=loners).exists()
    assert Membership.objects.filter(household__in=households).count() == len(households)
    for kube in Kube.objects.all():
        # The lifecycle rules hold for every generated group, whatever its status.
        problems = [p for p in proposal_problems(kube) if p.code != "other_kube"]
        assert problems == [], (kube, [p.messages for p in problems])
        changes = list(kube.status_changes.order_by("at", "id").values_list("to_status", flat=True))
        assert changes[0] == Status.DRAFT and changes[-1] == kube.status
        if kube.status in (Status.AKTIF, Status.NONAKTIF):
            assert kube.grants.count() == 1 and kube.activated_on
            reports = list(kube.reports.all())
            assert 1 <= len(reports) <= 24
            assert all((r.hens is not None) == kube.program.tracks_eggs for r in reports)
            if kube.status == Status.AKTIF:
                assert kube.maturity_reason["months_active"] == months_between(kube.activated_on, timezone.localdate())
                assert kube.maturity_periods.get(ended_on=None).level == kube.maturity_level
            if kube.status_changes.filter(to_status=Status.AKTIF).exists():
                note = kube.status_changes.get(to_status=Status.AKTIF)
                assert (note.note, note.note_params, note.comment) == (
                    "first_grant",
                    {"reference": kube.grants.get().transfer_reference},
                    "",
                )
        else:
            assert not kube.grants.exists() and not kube.reports.exists()
    assert Kube.objects.filter(region_code="32.05.01").get().memberships.count() == 9

    assert seed_kube(seed=7) == 0


def test_registration_numbers_continue_the_sequence(regions):
    seed_users()
    for _ in range(6):
        household_in("32.05.01")
    from groups.tests.factories import KubeFactory

    first = KubeFactory(garut=True)
    seed_kube(seed=1)
    generated = Kube.objects.exclude(pk=first.pk).get()
    assert int(generated.registration_number[-5:]) == int(first.registration_number[-5:]) + 1
