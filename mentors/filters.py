"""Filters of the mentor pages' lists: the registry, the assignments, the visits, compliance, training."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kube_portal.filtering import ListFilterSet, bootstrap
from mentors import selectors
from mentors.models import RecruitmentStatus, VisitStatus
from regions.models import Level, Region


class MentorFilter(ListFilterSet):
    """Filters of `Mentor.objects.visible_to(user)`."""

    q = django_filters.CharFilter(label=_("Cari nama, NIK atau nama pengguna"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RecruitmentStatus.choices, empty_label=_("Semua status")
    )
    work_area = django_filters.ModelChoiceFilter(label=_("Kabupaten/kota"), queryset=Region.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kab/kota of the user's scope that have mentors.
        self.filters["work_area"].queryset = (
            Region.objects.visible_to(self.user)
            .filter(level=Level.KABKOTA, mentors__isnull=False)
            .distinct()
            .order_by("code")
        )
        bootstrap(self.form)

    def search(self, mentors, name, value):
        return mentors.search(value)


class AssignmentFilter(ListFilterSet):
    """Filters of the assignment list: KUBE with their visit clock (`mentors.selectors.with_visit_clock`)."""

    tampil = django_filters.ChoiceFilter(
        label=_("Tampilkan"), choices=[("tanpa", _("Belum ada pendamping"))], method="without_mentor"
    )

    def without_mentor(self, kubes, name, value):
        return kubes.filter(mentor_id__isnull=True)


#: The visit list's status parameter: one status, or every visit.
ALL_VISITS = "semua"


class VisitFilter(ListFilterSet):
    """Filters of `FieldVisit.objects.visible_to(user)`: the review queue (submitted, oldest first) by default."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[*VisitStatus.choices, (ALL_VISITS, _("Semua"))], method="with_status"
    )

    @property
    def status_shown(self) -> str:
        return self.data.get("status") or VisitStatus.SUBMITTED

    def with_status(self, visits, name, value):
        return visits if value == ALL_VISITS else visits.filter(status=value)

    def finish(self, visits):
        if not self.data.get("status"):
            visits = visits.filter(status=VisitStatus.SUBMITTED)
        if self.status_shown == VisitStatus.SUBMITTED:
            return visits.order_by("created_at", "id")
        return visits.order_by("-visited_on", "-id")


class ComplianceFilter(ListFilterSet):
    """The compliance page: KUBE with a mentor (overdue ones unless `tampil=semua`), and its two settings.

    Filters `Kube.objects.visible_to(user)`; `hari` is the overdue threshold of the page (the
    configured one by default), `tahun` the year of the visits-per-month table.
    """

    hari = django_filters.NumberFilter(label=_("Belum dikunjungi lebih dari (hari)"), min_value=1, method="noop")
    tahun = django_filters.NumberFilter(
        label=_("Tahun (kunjungan per bulan)"), min_value=2000, max_value=2100, method="noop"
    )
    tampil = django_filters.ChoiceFilter(label=_("Tampilkan"), choices=[("semua", _("Semua"))], method="noop")

    def noop(self, kubes, name, value):
        return kubes

    @property
    def today(self):
        return timezone.localdate()

    @property
    def days(self) -> int:
        return int(self.value("hari") or selectors.overdue_days())

    @property
    def year(self) -> int:
        return int(self.value("tahun") or self.today.year)

    @property
    def show_all(self) -> bool:
        return self.value("tampil") == "semua"

    def finish(self, kubes):
        kubes = selectors.with_visit_clock(kubes.with_mentor(on=self.today), today=self.today, days=self.days)
        if not self.show_all:
            kubes = kubes.filter(is_overdue=True)
        return selectors.most_overdue_first(kubes.select_related("kecamatan"))


class TrainingBatchFilter(ListFilterSet):
    """Filters of `TrainingBatch.objects.visible_to(user)`."""

    q = django_filters.CharFilter(
        label=_("Cari nama, penyelenggara atau tempat"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    tahun = django_filters.NumberFilter(
        label=_("Tahun"), field_name="start_date", lookup_expr="year", min_value=2000, max_value=2100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self.form)

    def search(self, batches, name, value):
        return batches.filter(Q(name__icontains=value) | Q(organiser__icontains=value) | Q(place__icontains=value))
