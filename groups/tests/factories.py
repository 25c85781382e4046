"""KUBE, memberships, grants and reports; a KUBE in Kecamatan Sukasari, Kota Bandung, by default."""

import datetime
import importlib

import factory

from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from groups.models import (
    BusinessField,
    BusinessReport,
    BusinessType,
    Grant,
    Kube,
    MemberRole,
    Membership,
    Program,
)

BANDUNG_KECAMATAN = "32.73.01"  # Sukasari
GARUT_KECAMATAN = "32.05.01"  # Garut Kota


def ensure_reference_data() -> None:
    """The programmes, fields and thresholds the data migration seeds.

    A transactional test (the browser tests) flushes every table, seeded rows included;
    re-seeding is idempotent, so factories and tests call this before reading them.
    """
    from django.apps import apps

    seed = importlib.import_module("groups.migrations.0002_reference_data").seed
    if not Program.objects.filter(code="reguler").exists():
        seed(apps, None)


def get_program(code: str) -> Program:
    ensure_reference_data()
    return Program.objects.get(code=code)


def get_business_field(name: str) -> BusinessField:
    ensure_reference_data()
    return BusinessField.objects.get(name=name)


class KubeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kube

    name = factory.Sequence(lambda n: f"KUBE Maju Bersama {n}")
    program = factory.LazyFunction(lambda: get_program("reguler"))
    business_type = BusinessType.PERDAGANGAN
    business_field = factory.LazyFunction(lambda: get_business_field("Warung sembako"))
    kecamatan_id = BANDUNG_KECAMATAN
    founded_on = datetime.date(2025, 1, 15)
    bank_name = "BRI"
    bank_account_number = factory.Sequence(lambda n: f"0012{n:08d}")
    bank_account_holder = factory.LazyAttribute(lambda kube: kube.name)

    class Params:
        garut = factory.Trait(kecamatan_id=GARUT_KECAMATAN)


def household_in(kecamatan_code: str, village_suffix: str = "1001", **kwargs):
    """An active household with its head, living in a village of the kecamatan."""
    household = HouseholdFactory(village_id=f"{kecamatan_code}.{village_suffix}", **kwargs)
    MemberFactory(household=household)
    return household


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    kube = factory.SubFactory(KubeFactory)
    household = factory.LazyAttribute(lambda m: household_in(m.kube.kecamatan_id))
    role = MemberRole.ANGGOTA
    joined_on = datetime.date(2025, 1, 15)


def complete_members(kube: Kube, count: int = 5) -> list[Membership]:
    """A ketua, a sekretaris, a bendahara and anggota up to `count` households, all eligible."""
    roles = [MemberRole.KETUA, MemberRole.SEKRETARIS, MemberRole.BENDAHARA]
    roles += [MemberRole.ANGGOTA] * (count - len(roles))
    return [MembershipFactory(kube=kube, role=role) for role in roles[:count]]


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    kube = factory.SubFactory(KubeFactory)
    amount = 20_000_000
    disbursed_on = datetime.date(2025, 3, 1)
    transfer_reference = factory.Sequence(lambda n: f"TRF-{n:06d}")
    recorded_by = factory.SubFactory("accounts.tests.factories.UserFactory")


class BusinessReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessReport

    kube = factory.SubFactory(KubeFactory)
    month = datetime.date(2025, 4, 1)
    revenue = 5_000_000
    costs = 4_000_000
    cash = 1_000_000
    group_savings = 500_000
    assets_value = 15_000_000
    members_present = 5
