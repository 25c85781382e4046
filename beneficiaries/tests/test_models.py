import pytest
from django.db import IntegrityError, transaction

from beneficiaries.models import Household, Member, Relationship
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_region_code_follows_the_village(regions):
    household = HouseholdFactory(garut=True)
    assert household.region_code == "32.05.01.1001"
    household.village_id = "32.73.01.1002"
    household.save(update_fields=["village"])
    household.refresh_from_db()
    assert household.region_code == "32.73.01.1002"


@pytest.mark.parametrize(
    "changes",
    [
        {"no_kk": "32730115031"},
        {"no_kk": "327301150315000A"},
        {"desil": 11},
        {"desil": 0},
        {"is_active": False},
        {"deactivation_reason": "pindah"},
    ],
)
def test_household_constraints_hold_in_the_database(regions, changes):
    household = HouseholdFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(**changes)


def test_kecamatan_cannot_be_the_village(regions):
    household = HouseholdFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(village_id="32.73.01", region_code="32.73.01")


def test_one_head_per_household(regions):
    head = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(household=head.household, relationship=Relationship.HEAD)
    MemberFactory(household=head.household, relationship=Relationship.CHILD)
    assert head.household.members.count() == 2


def test_nik_is_unique_and_16_digits(regions):
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(nik=member.nik, relationship=Relationship.CHILD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(nik="327301150680")


def test_only_women_are_pregnant(regions):
    member = MemberFactory(sex="L")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(is_pregnant=True)


def test_scope_follows_the_village(regions, officer_bandung, officer_garut, officer_jabar, mentor_bandung):
    bandung = HouseholdFactory()
    garut = HouseholdFactory(garut=True)
    assert list(Household.objects.visible_to(officer_bandung)) == [bandung]
    assert list(Household.objects.visible_to(officer_garut)) == [garut]
    assert set(Household.objects.visible_to(officer_jabar)) == {bandung, garut}
    assert not Household.objects.visible_to(mentor_bandung).exists()
    MemberFactory(household=garut)
    assert not Member.objects.visible_to(officer_bandung).exists()


def test_head_of_reads_the_member_who_heads_the_household_from_any_path(regions):
    from django.db.models import F

    from beneficiaries.models import head_of

    head = MemberFactory(name="Ujang Supriatna")
    MemberFactory(household=head.household, name="Euis Supriatna", relationship=Relationship.WIFE, sex="P")
    without_head = HouseholdFactory()
    households = Household.objects.with_head().order_by("pk")
    assert [(h.head_name, h.head_nik) for h in households] == [("Ujang Supriatna", head.nik), ("", None)]
    annotated = Member.objects.filter(household__in=[head.household, without_head]).annotate(
        household_head=head_of("household"), own_name=F("name")
    )
    assert {member.own_name: member.household_head for member in annotated} == {
        "Ujang Supriatna": "Ujang Supriatna",
        "Euis Supriatna": "Ujang Supriatna",
    }


def test_refresh_head_name_copies_the_heads_name_and_writes_only_what_changed(regions):
    head = MemberFactory(name="Ujang Supriatna")
    household = head.household
    assert household.head_name == "Ujang Supriatna"
    Member.objects.filter(pk=head.pk).update(name="Ujang S.")
    other = MemberFactory(name="Asep")
    assert Household.objects.all().refresh_head_name() == 1
    assert dict(Household.objects.values_list("pk", "head_name")) == {
        household.pk: "Ujang S.",
        other.household_id: "Asep",
    }
    Member.objects.filter(pk=head.pk).update(relationship=Relationship.OTHER)
    assert Household.objects.all().refresh_head_name() == 1
    assert Household.objects.get(pk=household.pk).head_name == ""
