"""The dashboard's visit coverage uses the boundary of the overdue clock (mentors.selectors)."""

import datetime

import pytest
from django.utils import timezone

from dashboards.models import AreaFigures
from dashboards.refresh import refresh_all
from groups.tests.factories import KubeFactory
from mentors.models import VisitStatus
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_a_visit_30_days_ago_as_on_time(regions, admin_user):
    today = timezone.localdate()
    for visited in (30, 31):
        kube = KubeFactory(status="aktif")
        AssignmentFactory(kube=kube, started_on=today - datetime.timedelta(days=100), created_by=admin_user)
        FieldVisitFactory(kube=kube, visited_on=today - datetime.timedelta(days=visited), status=VisitStatus.VERIFIED)
    refresh_all(trigger="test")
    figures = AreaFigures.objects.get(region_code="", program_id=0)
    assert (figures.kube_aktif, figures.kube_assigned, figures.kube_visited) == (2, 2, 1)
