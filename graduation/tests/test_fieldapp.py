"""What graduation tells the mentor's field app: the households that need an assessment."""

import datetime

import pytest

from beneficiaries.models import Household
from graduation.fieldapp import households_to_assess
from graduation.tests.helpers import assess, garut_household
from kube_portal.dates import add_months

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def test_households_without_an_assessment_in_the_last_twelve_months_need_one(regions):
    never, old, recent = garut_household(), garut_household(), garut_household()
    assess(old, on=add_months(TODAY, -12))
    assess(recent, on=add_months(TODAY, -12) + datetime.timedelta(days=1))
    needing = households_to_assess(Household.objects.filter(pk__in=[never.pk, old.pk, recent.pk]), today=TODAY)
    assert set(needing) == {never, old}
