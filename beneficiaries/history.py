"""A household's history: its own events and its members' (audit.history)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.history import History, Stream, history_of
from beneficiaries.models import Household, Member, mask_nik


def household_history(household: Household) -> History:
    """NIKs are masked unless the page says the reader may see them in full."""
    return history_of(
        household,
        Stream(Household.pgh_event_model, Q(pgh_obj=household.pk)),
        Stream(Member.pgh_event_model, Q(household=household.pk), subject=_("Anggota"), subject_fields=("name", "nik")),
        masks={"nik": mask_nik},
    )
