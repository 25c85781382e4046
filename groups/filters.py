"""The KUBE list's filters; the export applies the same ones."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from groups.models import BusinessType, MaturityLevel, Program, Status
from kube_portal.filtering import ListFilterSet, bootstrap
from regions.models import Region


class KubeFilter(ListFilterSet):
    """Filters of `Kube.objects.visible_to(user)`."""

    q = django_filters.CharFilter(
        label=_("Cari nama atau nomor registrasi"), method="search", widget=forms.TextInput(attrs={"type": "search"})
    )
    program = django_filters.ModelChoiceFilter(
        label=_("Program"), queryset=Program.objects.all(), empty_label=_("Semua")
    )
    business_type = django_filters.ChoiceFilter(
        label=_("Jenis usaha"), choices=BusinessType.choices, empty_label=_("Semua")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=_("Semua"))
    maturity_level = django_filters.ChoiceFilter(
        label=_("Tingkat"), choices=MaturityLevel.choices, empty_label=_("Semua")
    )
    # Only kecamatan that hold a KUBE the user sees (__init__).
    kecamatan = django_filters.ModelChoiceFilter(
        label=_("Kecamatan"), queryset=Region.objects.none(), empty_label=_("Semua")
    )
    has_mentor = django_filters.ChoiceFilter(
        label=_("Pendamping"),
        choices=[("ya", _("Ada pendamping")), ("tidak", _("Tanpa pendamping"))],
        empty_label=_("Semua"),
        method="mentored",
    )
    reporting = django_filters.ChoiceFilter(
        label=_("Laporan usaha"),
        choices=[("tidak", _("Tidak melapor")), ("ya", _("Melapor (KUBE aktif)"))],
        empty_label=_("Semua"),
        method="reported",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kecamatan = self.filters["kecamatan"]
        # One query, whatever the scope's size.
        kecamatan.queryset = (
            Region.objects.filter(code__in=self.queryset.values("kecamatan_id"))
            .select_related("parent")
            .order_by("code")
        )
        user = self.user
        if not user.is_mentor and (user.is_national or user.role == Role.DIREKTORAT):
            # Thousands of kecamatan make no usable list: national and directorate users type the code.
            kecamatan.extra["widget"] = forms.TextInput(attrs={"placeholder": "32.73.01", "inputmode": "decimal"})
        bootstrap(self.form)
        self.form.fields["kecamatan"].label_from_instance = lambda region: f"{region.name} ({region.parent.name})"

    def search(self, kubes, name, value):
        return kubes.search(value)

    def mentored(self, kubes, name, value):
        return kubes.with_mentor(value == "ya")

    def reported(self, kubes, name, value):
        return kubes.not_reporting() if value == "tidak" else kubes.active().filter(not_reporting=False)
