"""Filters of the graduation lists: readiness, decisions, monitoring and poverty lines."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from graduation.models import Area, DecisionStatus, Readiness
from kube_portal.filtering import ListFilterSet, bootstrap
from regions.models import Region


class ReadinessFilter(ListFilterSet):
    """Filters of `GraduationStatus.objects.visible_to(user)`; each maps to an index of GraduationStatus."""

    kesiapan = django_filters.ChoiceFilter(
        label=_("Kesiapan"), field_name="state", choices=Readiness.choices, empty_label=_("Semua")
    )
    asesmen = django_filters.ChoiceFilter(
        label=_("Asesmen"), choices=[("perlu", _("Perlu asesmen"))], empty_label=_("Semua"), method="needing"
    )
    alamiah = django_filters.ChoiceFilter(
        label=_("Graduasi alamiah"),
        choices=[("ya", _("Calon graduasi alamiah"))],
        empty_label=_("Semua"),
        method="natural",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self.form, small=True)

    def needing(self, statuses, name, value):
        return statuses.filter(needs_assessment=True)

    def natural(self, statuses, name, value):
        return statuses.filter(alamiah_candidate=True)


#: The decision list's status parameter for the proposals still in process (its default).
OPEN = "open"


class DecisionFilter(ListFilterSet):
    """Filters of `GraduationDecision.objects.visible_to(user)`: the proposals in process by default."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[(OPEN, _("Dalam proses")), *DecisionStatus.choices], method="with_status"
    )

    @property
    def status_shown(self) -> str:
        return self.data.get("status") or OPEN

    def with_status(self, decisions, name, value):
        return decisions.open() if value == OPEN else decisions.filter(status=value)

    def finish(self, decisions):
        return decisions if self.data.get("status") else decisions.open()


class MonitoringFilter(ListFilterSet):
    """Filters of the decided graduations: in their months of monitoring, or (`kambuh`) those that relapsed."""

    kambuh = django_filters.BooleanFilter(label=_("Kambuh"), method="relapsed")

    def relapsed(self, decisions, name, value):
        return decisions.relapsed() if value else decisions

    def finish(self, decisions):
        return decisions if self.value("kambuh") else decisions.monitored(timezone.localdate())


class PovertyLineFilter(ListFilterSet):
    """Filters of the poverty lines (national reference data)."""

    provinsi = django_filters.ChoiceFilter(label=_("Provinsi"), method="of_province", empty_label=_("Semua"))
    wilayah = django_filters.ChoiceFilter(
        label=_("Wilayah"), field_name="area", choices=Area.choices, empty_label=_("Semua")
    )

    #: The `provinsi` value of the national lines.
    NATIONAL = "nasional"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = Region.objects.filter(code__in=self.queryset.values("province_id")).order_by("code")
        self.filters["provinsi"].extra["choices"] = [
            (self.NATIONAL, _("Nasional")),
            *((region.code, region.name) for region in provinces.only("code", "name")),
        ]
        bootstrap(self.form, small=True)

    def of_province(self, lines, name, value):
        return lines.filter(province__isnull=True) if value == self.NATIONAL else lines.filter(province_id=value)
