"""Forms of the KUBE pages: they parse input; the services in `groups.services` apply the rules."""

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import (
    BusinessField,
    GrantStage,
    Kube,
    KurStatus,
    MemberRole,
    Program,
)
from groups.money import format_rupiah, parse_rupiah
from groups.services import KUBE_FIELDS
from kube_portal.concurrency import VersionedFormMixin
from kube_portal.dates import month_start
from regions.models import Region


class RupiahField(forms.CharField):
    """An amount in whole Rupiah, typed as `Rp 1.250.000` or `1250000`."""

    def __init__(self, *, min_value: int | None = 0, **kwargs):
        self.min_value = min_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "Rp 0"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_rupiah(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        amount = parse_rupiah(value)
        if self.min_value is not None and amount < self.min_value:
            raise forms.ValidationError(
                _("Jumlah tidak boleh kurang dari %(min)s.") % {"min": format_rupiah(self.min_value)}
            )
        return amount


class MonthField(forms.DateField):
    """A month typed as `2025-04` (the browser's month picker); stored as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        date = super().to_python(value)
        return month_start(date) if date else date


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class KubeForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Kube
        # The same fields the registry services accept: one list, in groups/services.py.
        fields = KUBE_FIELDS
        widgets = {
            "founded_on": DateInput(),
            "plan_regional_potential": forms.Textarea(attrs={"rows": 3}),
            "plan_raw_materials": forms.Textarea(attrs={"rows": 3}),
            "plan_skills": forms.Textarea(attrs={"rows": 3}),
            "plan_marketing": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(is_active=True)
        self.fields["business_field"].queryset = BusinessField.objects.filter(is_active=True)
        in_scope = Region.objects.visible_to(user).current()
        self.fields["kecamatan"].queryset = in_scope.kecamatan().select_related("parent").order_by("code")
        self.fields["kecamatan"].label_from_instance = lambda region: (
            f"{region.code} {region.name} ({region.parent.name})"
        )
        # Validation accepts any village in scope (the service checks it lies in the kecamatan);
        # the list offers only the villages of the chosen kecamatan, refreshed by htmx on change.
        village = self.fields["secretariat_village"]
        village.queryset = in_scope.villages()
        kecamatan_code = self.data.get(self.add_prefix("kecamatan")) or (self.instance.kecamatan_id or "")
        village.widget.choices = [("", "---------")] + [
            (region.code, f"{region.code} {region.name}")
            for region in Region.objects.current().villages().filter(parent_id=kecamatan_code).order_by("code")
        ]
        self.fields["kecamatan"].widget.attrs.update(
            {
                "hx-get": reverse("groups:village_options"),
                "hx-target": "#id_secretariat_village",
                "hx-trigger": "change",
            }
        )


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, comment_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if comment_required:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("Alasan")


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Cari No. KK, NIK atau nama"), required=False)


class MembershipAddForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Jabatan"), choices=MemberRole.choices, initial=MemberRole.ANGGOTA)
    joined_on = forms.DateField(label=_("Bergabung"), widget=DateInput(), initial=timezone.localdate)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Jabatan"), choices=MemberRole.choices)


class MembershipEndForm(forms.Form):
    left_on = forms.DateField(label=_("Tanggal keluar"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("Alasan keluar"), max_length=255)
    replacement_no_kk = forms.RegexField(
        label=_("No. KK pengganti (opsional)"),
        regex=r"^[0-9]{16}$",
        required=False,
        help_text=_("Keluarga pengganti mengambil alih jabatan yang sama."),
        error_messages={"invalid": _("No. KK terdiri dari 16 angka.")},
    )


class GrantForm(forms.Form):
    amount = RupiahField(label=_("Nilai (Rp)"), min_value=1)
    disbursed_on = forms.DateField(label=_("Tanggal penyaluran"), widget=DateInput())
    transfer_reference = forms.CharField(label=_("Referensi transfer (SP2D/bukti transfer)"), max_length=100)
    stage = forms.ChoiceField(label=_("Tahap"), choices=GrantStage.choices)

    def clean_disbursed_on(self):
        value = self.cleaned_data["disbursed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Tanggal penyaluran tidak boleh di masa depan."))
        return value


class ReportForm(forms.Form):
    month = MonthField(label=_("Bulan"))
    revenue = RupiahField(label=_("Omzet (Rp)"))
    costs = RupiahField(label=_("Biaya (Rp)"))
    cash = RupiahField(label=_("Kas (Rp)"), min_value=None)
    group_savings = RupiahField(label=_("Tabungan kelompok (Rp)"))
    assets_value = RupiahField(label=_("Nilai aset (Rp)"))
    members_present = forms.IntegerField(label=_("Anggota hadir rapat bulanan"), min_value=0, max_value=20)
    hens = forms.IntegerField(label=_("Jumlah ayam"), min_value=0, required=False)
    eggs_produced_kg = forms.DecimalField(
        label=_("Telur diproduksi (kg)"), min_value=0, max_digits=9, decimal_places=1, required=False
    )
    eggs_sold_kg = forms.DecimalField(
        label=_("Telur terjual (kg)"), min_value=0, max_digits=9, decimal_places=1, required=False
    )
    notes = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kube: Kube, **kwargs):
        super().__init__(*args, **kwargs)
        # A new report is for the month just ended on the phone's calendar (the field app may show a
        # page kept offline since an earlier month).
        if not self.is_bound and self.initial.get("month") == default_report_month():
            self.fields["month"].widget.attrs["data-default"] = "last-month"
        self.tracks_eggs = kube.program.tracks_eggs
        if self.tracks_eggs:
            for name in ("hens", "eggs_produced_kg", "eggs_sold_kg"):
                self.fields[name].required = True
        else:
            for name in ("hens", "eggs_produced_kg", "eggs_sold_kg"):
                del self.fields[name]

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise forms.ValidationError(_("Bulan laporan tidak boleh di masa depan."))
        return month

    def clean(self):
        data = super().clean()
        produced, sold = data.get("eggs_produced_kg"), data.get("eggs_sold_kg")
        if produced is not None and sold is not None and sold > produced * 2:
            # Sales can exceed one month's production by stock, not several times over.
            self.add_error("eggs_sold_kg", _("Telur terjual jauh melebihi produksi; periksa kembali."))
        return data

    @classmethod
    def initial_for(cls, report) -> dict:
        fields = ["revenue", "costs", "cash", "group_savings", "assets_value", "members_present", "notes"]
        fields += ["hens", "eggs_produced_kg", "eggs_sold_kg"]
        return {"month": report.month, **{name: getattr(report, name) for name in fields}}


class KurForm(forms.Form):
    bank = forms.CharField(label=_("Bank penyalur KUR"), max_length=100)
    amount = RupiahField(label=_("Nilai pengajuan (Rp)"), min_value=1, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=KurStatus.choices, initial=KurStatus.DIRUJUK)


def default_report_month() -> datetime.date:
    """Reports are entered for the month just ended."""
    return month_start(timezone.localdate(), -1)
