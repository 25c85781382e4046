"""Builders for tests/scope_registry.py: mentor objects in Kabupaten Garut, visible to its officer."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile


def _garut_assignment(world):
    from accounts.models import Role
    from groups.tests.factories import KubeFactory, MembershipFactory
    from mentors.tests.factories import AssignmentFactory, MentorFactory

    kube = KubeFactory(garut=True, status="aktif", founded_on=datetime.date(2025, 1, 10))
    MembershipFactory(kube=kube)
    mentor = MentorFactory(garut=True)
    assert mentor.user.role == Role.PENDAMPING
    return AssignmentFactory(mentor=mentor, kube=kube, created_by=world.officer_garut)


def _garut_visit(world, *, photo=False):
    from mentors.models import VisitPhoto
    from mentors.photos import process_photo
    from mentors.tests.factories import FieldVisitFactory, jpeg_bytes

    assignment = _garut_assignment(world)
    visit = FieldVisitFactory(mentor=assignment.mentor, kube=assignment.kube)
    if photo:
        processed = process_photo(SimpleUploadedFile("a.jpg", jpeg_bytes(size=(64, 48))), max_bytes=1_048_576, index=1)
        stored = VisitPhoto(visit=visit)
        stored.image.save("scope-test.jpg", processed.image, save=False)
        stored.thumbnail.save("scope-test.jpg", processed.thumbnail, save=False)
        stored.save()
    return visit


def _garut_batch(world):
    from mentors.models import TrainingParticipation
    from mentors.tests.factories import MentorFactory, TrainingBatchFactory

    batch = TrainingBatchFactory()
    TrainingParticipation.objects.create(batch=batch, mentor=MentorFactory(garut=True))
    return batch


def _returned_visit(world):
    from mentors.models import VisitStatus

    visit = _garut_visit(world)
    visit.status, visit.review_comment = VisitStatus.RETURNED, "Lengkapi foto."
    visit.save()
    return visit


MENTOR_URLS = {
    "mentors:mentor_detail": lambda world: {"pk": _garut_assignment(world).mentor_id},
    "mentors:mentor_edit": lambda world: {"pk": _garut_assignment(world).mentor_id},
    "mentors:mentor_report": lambda world: {
        "pk": _garut_visit(world).mentor_id,
        "year": 2025,
        "month": 4,
        "fmt": "pdf",
    },
    "mentors:batch_detail": lambda world: {"pk": _garut_batch(world).pk},
    "mentors:participant_add": lambda world: {"pk": _garut_batch(world).pk},
    "mentors:kube_assign": lambda world: {"kube_pk": _garut_assignment(world).kube_id},
    "mentors:assignment_end": lambda world: {"pk": _garut_assignment(world).pk},
    "mentors:visit_create": lambda world: {"kube_pk": _garut_assignment(world).kube_id},
    "mentors:visit_detail": lambda world: {"pk": _garut_visit(world).pk},
    "mentors:visit_photo": lambda world: (
        lambda visit: {"pk": visit.pk, "photo_pk": visit.photos.get().pk, "size": "kecil"}
    )(_garut_visit(world, photo=True)),
    "mentors:visit_verify": lambda world: {"pk": _garut_visit(world).pk},
    "mentors:visit_return": lambda world: {"pk": _garut_visit(world).pk},
    "mentors:visit_resubmit": lambda world: {"pk": _returned_visit(world).pk},
}
