"""The household list's search, filters and sorting; the export applies the same ones."""

import django_filters
from django import forms
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import ImportJob, Program
from kube_portal.filtering import ListFilterSet, bootstrap
from regions.models import Level, Region

SORTS = {
    "no_kk": ("no_kk",),
    "-no_kk": ("-no_kk",),
    "desa": ("region_code", "no_kk"),
    "-diubah": ("-updated_at", "-id"),
    "nama": ("head_name", "no_kk"),
}
STATUSES = {"aktif": {"is_active": True}, "nonaktif": {"is_active": False}, "semua": {}}


class HouseholdFilter(ListFilterSet):
    """Filters of `Household.objects.visible_to(user)`; active households by No. KK by default."""

    strict = True  # personal data, exported

    q = django_filters.CharFilter(label=_("Cari"), method="search")
    # A list of the kecamatan in a district's scope; a code prefix field for wider scopes (__init__).
    kecamatan = django_filters.ChoiceFilter(label=_("Kecamatan"), method="in_region")
    desa = django_filters.CharFilter(
        label=_("Desa/kelurahan"), method="in_region", widget=forms.TextInput(attrs={"placeholder": "32.73.01.1001"})
    )
    program = django_filters.ChoiceFilter(
        label=_("Program"), choices=Program.choices, empty_label=_("Semua program"), method="with_program"
    )
    kube = django_filters.ChoiceFilter(
        label=_("KUBE"),
        choices=[("ya", _("Anggota KUBE")), ("tidak", _("Belum anggota KUBE"))],
        empty_label=_("Semua"),
        method="in_kube",
    )
    # Applied in finish(): "aktif" when not given.
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("aktif", _("Aktif")), ("nonaktif", _("Nonaktif")), ("semua", _("Semua"))],
        empty_label=None,
        method="noop",
    )
    urut = django_filters.ChoiceFilter(
        label=_("Urutkan"),
        choices=[
            ("no_kk", _("No. KK")),
            ("-no_kk", _("No. KK (menurun)")),
            ("nama", _("Nama kepala keluarga")),
            ("desa", _("Desa/kelurahan")),
            ("-diubah", _("Terakhir diubah")),
        ],
        empty_label=None,
        method="noop",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefixes = self.user.scope.prefixes
        if prefixes is None or any(len(prefix) <= 2 for prefix in prefixes):
            # Thousands of kecamatan in a province or the country: a code prefix field instead.
            wide = django_filters.CharFilter(
                label=_("Kode kecamatan"),
                method="in_region",
                widget=forms.TextInput(attrs={"placeholder": "32.73.01"}),
            )
            wide.model, wide.parent = self.queryset.model, self
            self.filters["kecamatan"] = wide
        else:
            kecamatan = Region.objects.visible_to(self.user).current().filter(level=Level.KECAMATAN)
            self.filters["kecamatan"].extra["choices"] = [
                (region.code, region.name) for region in kecamatan.order_by("name").only("code", "name")
            ]
            self.filters["kecamatan"].extra["empty_label"] = _("Semua kecamatan")

    def search(self, households, name, value):
        return households.search(value)

    def in_region(self, households, name, value):
        return households.in_region(value.strip())

    def with_program(self, households, name, value):
        return households.with_program(value)

    def in_kube(self, households, name, value):
        return households.in_kube(value == "ya")

    def noop(self, households, name, value):
        return households

    def finish(self, households):
        households = households.filter(**STATUSES[self.value("status", "aktif")])
        # "nama" sorts on the head's name kept on the household (Household.head_name, indexed).
        return households.order_by(*self.ordering(self.value("urut", "no_kk")))

    def ordering(self, sort: str) -> list:
        fields = SORTS[sort]
        if self.user.scope.national or sort not in ("no_kk", "-no_kk", "desa"):
            return list(fields)
        # No. KK and village codes begin with the region code, so a district's rows sit together
        # in those indexes; with LIMIT the planner would still walk the index from the start,
        # filtering out everything before the district (seconds at a million households).
        # Sorting by the "C" collation cannot use those indexes: the planner takes the
        # region-prefix index and sorts the district's few thousand rows instead.
        return [
            Collate(name.lstrip("-"), "C").desc() if name.startswith("-") else Collate(name, "C").asc()
            for name in fields
        ]


class ImportJobFilter(ListFilterSet):
    """Filters of an uploader's import jobs (the list under the upload form)."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=ImportJob.Status.choices, empty_label=_("Semua"))
    uji = django_filters.BooleanFilter(
        label=_("Uji coba"),
        field_name="dry_run",
        widget=forms.Select(choices=[("", _("Semua")), ("true", _("Uji coba")), ("false", _("Impor"))]),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self.form, small=True)
