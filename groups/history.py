"""A KUBE's history: its record (bank account and status included), memberships, grants and reports."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.history import History, Stream, history_of
from groups.models import BusinessReport, Grant, Kube, Membership


def kube_history(kube: Kube) -> History:
    return history_of(
        kube,
        Stream(Kube.pgh_event_model, Q(pgh_obj=kube.pk)),
        Stream(Membership.pgh_event_model, Q(kube=kube.pk), subject=_("Keanggotaan"), subject_fields=("household",)),
        Stream(Grant.pgh_event_model, Q(kube=kube.pk), subject=_("Bantuan"), subject_fields=("transfer_reference",)),
        Stream(BusinessReport.pgh_event_model, Q(kube=kube.pk), subject=_("Laporan usaha"), subject_fields=("month",)),
    )
