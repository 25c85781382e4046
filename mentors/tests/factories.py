"""Mentors, assignments and visits; a mentor of Kota Bandung by default."""

import datetime
import io
import random
import uuid

import factory
from PIL import Image

from accounts.models import Role
from accounts.tests.factories import UserFactory
from beneficiaries.tests.factories import compose_nik
from mentors.models import Assignment, Education, FieldVisit, Mentor, RecruitmentStatus, Topic, TrainingBatch

BANDUNG = "32.73"
GARUT = "32.05"


class MentorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mentor

    name = factory.Faker("name", locale="id_ID")
    nik = factory.Sequence(lambda n: compose_nik("32.73.01", datetime.date(1990, 5, 17), "L", n % 9999 + 1))
    phone = "081234567890"
    education = Education.S1
    work_area_id = BANDUNG
    status = RecruitmentStatus.AKTIF
    contract_start = datetime.date(2025, 1, 1)
    contract_end = datetime.date(2026, 12, 31)
    user = factory.LazyAttribute(
        lambda m: UserFactory(username=f"pdp{uuid.uuid4().hex[:10]}", role=Role.PENDAMPING, region_id=m.work_area_id)
    )

    class Params:
        garut = factory.Trait(
            work_area_id=GARUT,
            nik=factory.Sequence(lambda n: compose_nik("32.05.01", datetime.date(1991, 2, 3), "L", n % 9999 + 1)),
        )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    mentor = factory.SubFactory(MentorFactory)
    kube = factory.SubFactory("groups.tests.factories.KubeFactory", status="aktif")
    started_on = datetime.date(2025, 2, 1)
    created_by = factory.LazyFunction(lambda: UserFactory(username="penugas", role=Role.ADMIN, is_superuser=True))


class FieldVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldVisit

    mentor = factory.SubFactory(MentorFactory)
    kube = factory.SubFactory("groups.tests.factories.KubeFactory", status="aktif")
    visited_on = datetime.date(2025, 4, 10)
    topics = factory.LazyFunction(lambda: [Topic.BOOKKEEPING])
    notes = "Pembukuan kas dibahas."


class TrainingBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingBatch

    name = factory.Sequence(lambda n: f"Bimbingan Pemantapan Pendamping KUBE Angkatan {n}")
    organiser = "Direktorat PFM Wilayah I"
    place = "Bandung"
    start_date = datetime.date(2025, 3, 3)
    end_date = datetime.date(2025, 3, 7)


def jpeg_bytes(*, size=(800, 600), color=(200, 120, 40), gps=False) -> bytes:
    """A small JPEG; with `gps`, an EXIF block holding a GPS position, as phones write it."""
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "S", 2: (6.0, 54.0, 3.0), 3: "E", 4: (107.0, 36.0, 9.0)}  # GPSInfo
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


def phone_photo(path, seed: int) -> str:
    """A 3,000 x 4,000 phone photo (12 MP) with an EXIF GPS position, busy enough to weigh 4+ MB; its path."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize((3000, 4000))
    noise = Image.effect_noise((3000, 4000), 40 + rng.randint(0, 20))
    image = Image.merge("RGB", (base, noise, Image.blend(base, noise, 0.5)))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "S", 2: (6.0, 55.0, 3.0), 3: "E", 4: (107.0, 37.0, 9.0)}
    image.save(path, format="JPEG", quality=92, exif=exif)
    return str(path)
