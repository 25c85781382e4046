"""A mentor's history: the record, their assignments and their training (audit.history)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.history import History, Stream, history_of
from mentors.models import Assignment, Mentor, TrainingParticipation


def mentor_history(mentor: Mentor) -> History:
    return history_of(
        mentor,
        Stream(Mentor.pgh_event_model, Q(pgh_obj=mentor.pk)),
        Stream(Assignment.pgh_event_model, Q(mentor=mentor.pk), subject=_("Penugasan"), subject_fields=("kube",)),
        Stream(
            TrainingParticipation.pgh_event_model,
            Q(mentor=mentor.pk),
            subject=_("Pelatihan"),
            subject_fields=("batch",),
        ),
    )
