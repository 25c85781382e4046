"""Forms of the mentor pages: they parse input; `mentors.services` applies the rules."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.forms import RupiahField
from kube_portal.concurrency import StaleEdit, VersionedFormMixin
from mentors.models import Assignment, Education, Mentor, RecruitmentStatus, Topic, TrainingResult
from regions.models import Level, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MentorForm(VersionedFormMixin, forms.Form):
    name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    nik = forms.CharField(label=_("NIK"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    phone = forms.CharField(label=_("Telepon"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("Pendidikan terakhir"), choices=Education.choices)
    work_area = forms.ModelChoiceField(label=_("Wilayah kerja (kabupaten/kota)"), queryset=Region.objects.none())
    status = forms.ChoiceField(label=_("Status rekrutmen"), choices=RecruitmentStatus.choices)
    contract_start = forms.DateField(label=_("Kontrak mulai"), required=False, widget=DATE)
    contract_end = forms.DateField(label=_("Kontrak berakhir"), required=False, widget=DATE)

    def __init__(self, *args, user, mentor: Mentor | None = None, **kwargs):
        if mentor is not None:
            kwargs.setdefault("version", mentor.version)
        if mentor is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": mentor.name,
                "nik": mentor.nik,
                "phone": mentor.phone,
                "education": mentor.education,
                "work_area": mentor.work_area_id,
                "status": mentor.status,
                "contract_start": mentor.contract_start,
                "contract_end": mentor.contract_end,
            }
        super().__init__(*args, **kwargs)
        areas = Region.objects.visible_to(user).current().filter(level=Level.KABKOTA).order_by("code")
        self.fields["work_area"].queryset = areas
        if areas.count() == 1:
            self.fields["work_area"].initial = areas.first().pk
        if mentor is not None:
            allowed = {mentor.status, *mentor.next_statuses}
            self.fields["status"].choices = [c for c in RecruitmentStatus.choices if c[0] in allowed]
        else:
            self.fields["status"].initial = RecruitmentStatus.CALON


class MentorCreateForm(MentorForm):
    """The mentor and their login: the district officer gives the first password."""

    username = forms.CharField(label=_("Nama pengguna (untuk masuk)"), max_length=150)
    password1 = forms.CharField(
        label=_("Kata sandi awal"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("Kedua kata sandi tidak sama."))
        return second


class TrainingBatchForm(forms.Form):
    name = forms.CharField(label=_("Nama pelatihan"), max_length=200)
    organiser = forms.CharField(label=_("Penyelenggara"), max_length=200)
    place = forms.CharField(label=_("Tempat"), max_length=200)
    start_date = forms.DateField(label=_("Tanggal mulai"), widget=DATE)
    end_date = forms.DateField(label=_("Tanggal selesai"), widget=DATE)


class ParticipationForm(forms.Form):
    mentor = forms.ModelChoiceField(label=_("Pendamping"), queryset=Mentor.objects.none())
    attended = forms.BooleanField(label=_("Hadir"), required=False, initial=True)
    result = forms.ChoiceField(label=_("Hasil"), choices=TrainingResult.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = Mentor.objects.visible_to(user).order_by("name")


class AssignForm(VersionedFormMixin, forms.Form):
    """Assign a mentor to a KUBE (or reassign it).

    It carries the open assignment it was opened on (`current`, empty for none, and its
    `version`), so that a reassignment made meanwhile by someone else is not undone blindly.
    """

    mentor = forms.ModelChoiceField(label=_("Pendamping"), queryset=Mentor.objects.none())
    started_on = forms.DateField(label=_("Mulai bertugas"), widget=DATE, initial=timezone.localdate)
    current = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, kube, current: Assignment | None = None, **kwargs):
        kwargs.setdefault("version", current.version if current else 0)
        super().__init__(*args, **kwargs)
        self.fields["current"].initial = current.pk if current else None
        self.fields["mentor"].queryset = (
            Mentor.objects.visible_to(user)
            .filter(status=RecruitmentStatus.AKTIF, region_code=kube.region_code[:5], user__isnull=False)
            .with_caseload()
            .order_by("name")
        )
        self.order_fields(["mentor", "started_on"])
        self.fields["mentor"].label_from_instance = lambda m: (
            _("%(name)s (%(count)d KUBE)")
            % {
                "name": m.name,
                "count": m.caseload,
            }
        )

    def seen(self) -> tuple[int | None, int]:
        """The open assignment (id, version) the form was opened on."""
        return self.cleaned_data["current"], self.cleaned_data["version"]

    def show_stale(self, error: StaleEdit) -> None:
        super().show_stale(error)
        self.data[self.add_prefix("current")] = error.current.pk


class AssignmentEndForm(VersionedFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("Tanggal berakhir"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Alasan"), max_length=255, required=False)


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("Alasan pengembalian"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ResubmitForm(forms.Form):
    notes = forms.CharField(label=_("Catatan usaha"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    problems = forms.CharField(label=_("Masalah"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(label=_("Tindak lanjut"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_plan = forms.CharField(
        label=_("Rencana kunjungan berikutnya"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class VisitForm(forms.Form):
    """The mentor's visit form; photos come from `request.FILES` and are checked by the service."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    # The phone sets today's date itself: a page kept offline was rendered on an earlier day.
    visited_on = forms.DateField(
        label=_("Tanggal kunjungan"),
        widget=forms.DateInput(attrs={"type": "date", "data-default": "today"}, format="%Y-%m-%d"),
    )
    members = forms.TypedMultipleChoiceField(
        label=_("Anggota yang hadir"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topik pendampingan"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    notes = forms.CharField(label=_("Catatan usaha"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    problems = forms.CharField(
        label=_("Masalah yang dihadapi"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up = forms.CharField(label=_("Tindak lanjut"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_plan = forms.CharField(
        label=_("Rencana kunjungan berikutnya"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    accuracy_m = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    located_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    # That month's business report, optional.
    revenue = RupiahField(label=_("Omzet bulan ini"), required=False)
    costs = RupiahField(label=_("Biaya bulan ini"), required=False)
    cash = RupiahField(label=_("Kas"), required=False, min_value=None)
    group_savings = RupiahField(label=_("Tabungan kelompok"), required=False)
    assets_value = RupiahField(label=_("Nilai aset"), required=False)

    REPORT_FIELDS = ("revenue", "costs", "cash", "group_savings", "assets_value")

    def __init__(self, *args, members: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = members

    def clean(self):
        data = super().clean()
        typed = [name for name in self.REPORT_FIELDS if data.get(name) is not None]
        if typed and (data.get("revenue") is None or data.get("costs") is None):
            self.add_error("revenue", _("Isi omzet dan biaya untuk menyimpan laporan usaha bulan ini."))
        return data

    def report(self) -> dict | None:
        data = self.cleaned_data
        if data.get("revenue") is None:
            return None
        report = {name: data[name] for name in self.REPORT_FIELDS if data.get(name) is not None}
        report["members_present"] = len(data.get("members") or [])
        return report


def default_visit_date() -> datetime.date:
    return timezone.localdate()
