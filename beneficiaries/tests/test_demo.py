import pytest
from django.db.models import Count, Q

from beneficiaries.demo import seed_households
from beneficiaries.models import Household, Member
from beneficiaries.rules import nik_check, no_kk_check
from regions.models import Region

pytestmark = pytest.mark.django_db


def test_demo_households_are_realistic_and_topped_up(regions):
    assert seed_households(300, seed=1) == 300
    households = Household.objects.annotate(heads=Count("members", filter=Q(members__relationship="kepala")))
    assert set(households.values_list("heads", flat=True)) == {1}
    villages = set(Household.objects.values_list("village_id", flat=True))
    assert Region.objects.filter(code__in=villages, level=4).count() == len(villages)
    # Weighted by population: Jawa Barat (48 M) holds far more than Jakarta (11 M) or Sumatera Utara (15 M).
    by_province = {code: Household.objects.filter(region_code__startswith=code).count() for code in ["32", "31", "12"]}
    assert by_province["32"] > by_province["31"] and by_province["32"] > by_province["12"]
    for household in Household.objects.all()[:50]:
        assert no_kk_check(household.no_kk).valid
    for member in Member.objects.all()[:300]:
        assert nik_check(member.nik, sex=member.sex, birth_date=member.birth_date).valid
        assert member.nik[:6] == member.household.region_code.replace(".", "")[:6]

    assert seed_households(300) == 0
    assert seed_households(350) == 50
    assert Household.objects.count() == 350
