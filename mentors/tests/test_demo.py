"""The demo mentors: one per ~10 KUBE, the demo login linked, visits with gaps, the 2020 batch."""

import datetime

import pytest
from django.utils import timezone

from accounts.demo import seed_users
from accounts.models import User
from groups.models import Kube
from groups.tests.factories import KubeFactory, complete_members
from mentors.demo import BATCH_NAME, seed_mentors
from mentors.models import Assignment, FieldVisit, Mentor, TrainingBatch
from mentors.selectors import with_visit_clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(regions):
    seed_users()
    founded = timezone.localdate() - datetime.timedelta(days=900)
    for index in range(24):
        kube = KubeFactory(status="aktif", founded_on=founded, activated_on=founded + datetime.timedelta(days=40))
        if index < 3:
            complete_members(kube, 5)
    for _ in range(6):
        KubeFactory(garut=True, status="aktif", founded_on=founded)
    KubeFactory(status="draft")


def test_seed_mentors_assigns_every_active_kube_and_links_the_demo_login(demo_world):
    created = seed_mentors(seed=7)
    assert 3 <= created <= 5  # about one per ten KUBE
    assert not Kube.objects.active().exclude(mentor_assignments__isnull=False).exists()
    assert Assignment.objects.values("kube").count() == 30

    login = User.objects.get(username="pendamping.bandung")
    mentor = Mentor.objects.get(user=login)
    visible = Kube.objects.visible_to(login)
    assert 8 <= visible.count() <= 10
    assert all(kube.region_code.startswith("32.73.") for kube in visible)
    assert FieldVisit.objects.visible_to(login).exists()
    assert FieldVisit.objects.filter(mentor=mentor, members_present__isnull=False).exists()


def test_visits_span_two_years_with_some_kube_overdue(demo_world):
    seed_mentors(seed=11)
    today = timezone.localdate()
    first = FieldVisit.objects.order_by("visited_on").first().visited_on
    assert (today - first).days > 365
    assert not FieldVisit.objects.filter(visited_on__gt=today).exists()
    last = [k.last_visited_on for k in with_visit_clock(Kube.objects.active())]
    overdue = [d for d in last if d is None or (today - d).days > 30]
    assert 0 < len(overdue) < len(last)


def test_the_2020_batch_has_244_participants(demo_world):
    seed_mentors(seed=3)
    batch = TrainingBatch.objects.get(name=BATCH_NAME)
    assert batch.participations.count() == 244
    areas = set(batch.participations.values_list("mentor__region_code", flat=True))
    assert "32.73" in areas


def test_seed_mentors_is_idempotent(demo_world):
    seed_mentors(seed=5)
    counts = (Mentor.objects.count(), Assignment.objects.count(), FieldVisit.objects.count())
    assert seed_mentors(seed=6) == 0
    assert (Mentor.objects.count(), Assignment.objects.count(), FieldVisit.objects.count()) == counts
    assert TrainingBatch.objects.get().participations.count() == 244
