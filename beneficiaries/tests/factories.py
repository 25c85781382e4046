"""Households and members with valid, consistent identity numbers in Kota Bandung by default."""

import datetime

import factory

from beneficiaries.models import Household, Member, Relationship, Sex

BANDUNG_VILLAGE = "32.73.01.1001"
GARUT_VILLAGE = "32.05.01.1001"


def compose_nik(village_code: str, birth_date: datetime.date, sex: str, serial: int) -> str:
    """A NIK as Dukcapil issues it: kecamatan code, birth date (day + 40 for women), serial."""
    day = birth_date.day + (40 if sex == Sex.FEMALE else 0)
    return village_code.replace(".", "")[:6] + f"{day:02d}{birth_date:%m%y}{serial:04d}"


def compose_no_kk(village_code: str, issued: datetime.date, serial: int) -> str:
    return village_code.replace(".", "")[:6] + f"{issued:%d%m%y}{serial:04d}"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village_id = BANDUNG_VILLAGE
    no_kk = factory.Sequence(lambda n: compose_no_kk(BANDUNG_VILLAGE, datetime.date(2015, 3, 10), n % 9999 + 1))
    address = factory.Faker("street_address", locale="id_ID")
    rt = "001"
    rw = "002"
    is_urban = True

    class Params:
        garut = factory.Trait(
            village_id=GARUT_VILLAGE,
            no_kk=factory.Sequence(lambda n: compose_no_kk(GARUT_VILLAGE, datetime.date(2016, 4, 11), n % 9999 + 1)),
            is_urban=False,
        )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Faker("name", locale="id_ID")
    sex = Sex.MALE
    birth_date = datetime.date(1980, 6, 15)
    relationship = Relationship.HEAD
    nik = factory.LazyAttributeSequence(
        lambda m, n: compose_nik(m.household.region_code, m.birth_date, m.sex, n % 9999 + 1)
    )

    @factory.post_generation
    def head_name(member, create, extracted, **kwargs):
        # What the household services do after writing members: the household keeps its head's name.
        if create:
            Household.objects.filter(pk=member.household_id).refresh_head_name()
            member.household.refresh_from_db(fields=["head_name"])


def garut_household_for_scope_test(world) -> Household:
    """A household of Kab. Garut with its head, for tests/scope_registry.py."""
    head = MemberFactory(household=HouseholdFactory(garut=True))
    return head.household


def garut_import_job_for_scope_test(world):
    """A finished dry run by the Garut officer, with an error report, for tests/scope_registry.py."""
    from django.core.files.base import ContentFile

    from beneficiaries.models import ImportJob

    job = ImportJob.objects.create(
        user=world.officer_garut,
        file=ContentFile(b"no_kk\n", name="garut.csv"),
        original_name="garut.csv",
        dry_run=True,
        status=ImportJob.Status.DONE,
    )
    job.error_report.save("garut-errors.xlsx", ContentFile(b"PK"))
    return job
