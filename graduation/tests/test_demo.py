import pytest

from beneficiaries.demo import seed_households
from graduation.demo import seed_assessments
from graduation.models import HouseholdAssessment

pytestmark = pytest.mark.django_db


def test_demo_assessments_cover_most_households_once(regions, admin_user):
    seed_households(200, within="32.73")
    added = seed_assessments()
    assert 100 < added < 190  # about 70 % of 200
    assert HouseholdAssessment.objects.count() == added
    assert seed_assessments() == 0


def test_demo_households_stay_inside_the_given_region(regions):
    from beneficiaries.models import Household

    assert seed_households(30, within="32.05") == 30
    assert not Household.objects.exclude(region_code__startswith="32.05.").exists()
    assert seed_households(30, within="32.05") == 0
