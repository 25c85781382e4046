"""The household list's search, filters and sorting; the export applies the same ones."""

from django import forms
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Program
from regions.models import Level, Region

SORTS = {
    "no_kk": ("no_kk",),
    "-no_kk": ("-no_kk",),
    "desa": ("region_code", "no_kk"),
    "-diubah": ("-updated_at", "-id"),
    "nama": ("head_name", "no_kk"),
}


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    desa = forms.CharField(label=_("Desa/kelurahan"), required=False)
    program = forms.ChoiceField(
        label=_("Program"), required=False, choices=[("", _("Semua program")), *Program.choices]
    )
    kube = forms.ChoiceField(
        label=_("KUBE"),
        required=False,
        choices=[("", _("Semua")), ("ya", _("Anggota KUBE")), ("tidak", _("Belum anggota KUBE"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("aktif", _("Aktif")), ("nonaktif", _("Nonaktif")), ("semua", _("Semua"))],
    )
    urut = forms.ChoiceField(
        label=_("Urutkan"),
        required=False,
        choices=[
            ("no_kk", _("No. KK")),
            ("-no_kk", _("No. KK (menurun)")),
            ("nama", _("Nama kepala keluarga")),
            ("desa", _("Desa/kelurahan")),
            ("-diubah", _("Terakhir diubah")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        prefixes = user.scope.prefixes
        kecamatan = Region.objects.visible_to(user).current().filter(level=Level.KECAMATAN)
        if prefixes is None or any(len(prefix) <= 2 for prefix in prefixes):
            # Thousands of kecamatan in a province or the country: a code prefix field instead.
            self.fields["kecamatan"] = forms.CharField(
                label=_("Kode kecamatan"), required=False, widget=forms.TextInput(attrs={"placeholder": "32.73.01"})
            )
        else:
            self.fields["kecamatan"].choices = [("", _("Semua kecamatan"))] + [
                (region.code, region.name) for region in kecamatan.order_by("name").only("code", "name")
            ]
        self.fields["desa"].widget.attrs["placeholder"] = "32.73.01.1001"

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

    def apply(self, households):
        """`households` must come from HouseholdQuerySet.with_head()."""
        if not self.is_bound:
            return households.active().order_by(*self.ordering("no_kk"))
        if not self.is_valid():
            return households.none()
        data = self.cleaned_data
        households = households.search(data["q"])
        if data["kecamatan"]:
            households = households.in_region(data["kecamatan"].strip())
        if data["desa"]:
            households = households.in_region(data["desa"].strip())
        if data["program"]:
            households = households.with_program(data["program"])
        if data["kube"]:
            households = households.in_kube(data["kube"] == "ya")
        status = data["status"] or "aktif"
        if status == "aktif":
            households = households.active()
        elif status == "nonaktif":
            households = households.filter(is_active=False)
        # "nama" sorts on the head_name annotation of HouseholdQuerySet.with_head().
        return households.order_by(*self.ordering(data["urut"] or "no_kk"))
