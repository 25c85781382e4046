from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from beneficiaries import rules
from beneficiaries.importing import MAX_FILE_BYTES
from beneficiaries.models import DeactivationReason, Household, Member, Program, Relationship
from beneficiaries.services import MEMBER_FIELDS, MemberChange, nik_registered_message, no_kk_registered_message
from kube_portal.concurrency import VersionedFormMixin
from regions.models import Level, Region

PROGRAM_FIELDS = {Program.PKH: "receives_pkh", Program.BPNT: "receives_bpnt", Program.PBI_JK: "receives_pbi_jk"}


class VillageField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} — {obj.parent.name} ({obj.code})"


class RuleField(forms.CharField):
    """A field whose value `beneficiaries.rules` normalises and checks.

    No length limit: "3273 0101 …" is longer than the 16 digits it holds. An empty value is
    refused by the rules too, so that the form and the import say the same thing; `required`
    only marks the field on the page.
    """

    def __init__(self, *, label, required=False):
        attrs = {"inputmode": "numeric", "autocomplete": "off"}
        super().__init__(label=label, required=required, widget=forms.TextInput(attrs=attrs))

    def validate(self, value):
        pass


def model_label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


def raise_errors(check: rules.Check) -> None:
    if check.errors:
        raise ValidationError([problem.message for problem in check.errors])


class HouseholdForm(VersionedFormMixin, forms.ModelForm):
    no_kk = RuleField(label=model_label(Household, "no_kk"), required=True)
    rt = RuleField(label=model_label(Household, "rt"))
    rw = RuleField(label=model_label(Household, "rw"))
    desil = RuleField(label=model_label(Household, "desil"))
    programs = forms.MultipleChoiceField(
        label=_("Program bantuan yang diterima"),
        choices=Program.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Household
        fields = ["no_kk", "village", "address", "rt", "rw", "is_urban", "desil", "phone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.warnings: list[str] = []
        villages = Region.objects.visible_to(user).current().filter(level=Level.VILLAGE).select_related("parent")
        # A district has a few hundred villages; the whole country has 83,000: type the code instead.
        widget = forms.TextInput(attrs={"placeholder": "32.73.01.1001"}) if user.scope.national else forms.Select
        self.fields["village"] = VillageField(
            queryset=villages.order_by("parent__name", "name"), label=_("Desa/kelurahan"), widget=widget
        )
        self.fields["desil"].widget = forms.NumberInput(attrs={"min": 1, "max": 10})
        if self.instance.pk:
            self.initial["programs"] = [code for code, name in PROGRAM_FIELDS.items() if getattr(self.instance, name)]

    def clean_no_kk(self):
        check = rules.no_kk_check(self.cleaned_data["no_kk"], today=timezone.localdate())
        raise_errors(check)
        self.warnings += [problem.message for problem in check.warnings]
        message = no_kk_registered_message(no_kk=check.value, user=self.user, exclude_household_id=self.instance.pk)
        if message:
            raise ValidationError(message)
        return check.value

    def clean_rt(self):
        check = rules.rt_rw_check(self.cleaned_data["rt"], field_name="rt")
        raise_errors(check)
        return check.value

    def clean_rw(self):
        check = rules.rt_rw_check(self.cleaned_data["rw"], field_name="rw")
        raise_errors(check)
        return check.value

    def clean_desil(self):
        check = rules.desil_check(self.cleaned_data["desil"])
        raise_errors(check)
        return check.value

    def validate_unique(self):
        """Uniqueness is checked above with a message that respects the user's scope."""

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data[name] for name in ("no_kk", "address", "rt", "rw", "is_urban", "desil", "phone")
        }
        data["village_id"] = self.cleaned_data["village"].code
        for code, name in PROGRAM_FIELDS.items():
            data[name] = code in self.cleaned_data["programs"]
        return data


class MemberForm(forms.ModelForm):
    nik = RuleField(label=model_label(Member, "nik"), required=True)

    class Meta:
        model = Member
        fields = list(MEMBER_FIELDS)  # a copy: the inline formset factory appends the foreign key
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.warnings: list[str] = []

    def clean(self):
        cleaned = super().clean()
        check = rules.member_check(
            nik=cleaned.get("nik"),
            sex=cleaned.get("sex"),
            birth_date=cleaned.get("birth_date"),
            is_pregnant=bool(cleaned.get("is_pregnant")),
            today=timezone.localdate(),
        )
        for problem in check.errors:
            self.add_error(problem.field, problem.message)
        self.warnings += [problem.message for problem in check.warnings]
        if check.value:
            cleaned["nik"] = check.value
            message = nik_registered_message(nik=check.value, user=self.user, exclude_member_id=self.instance.pk)
            if message:
                self.add_error("nik", message)
        return cleaned

    def validate_unique(self):
        """NIK uniqueness is checked in clean() with a scope-aware message; the database backs it."""


class BaseMemberFormSet(BaseInlineFormSet):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            user=self.user,
        )
        self.add_fields(form, None)
        return form

    def kept_forms(self):
        return [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        heads = [form for form in kept if form.cleaned_data.get("relationship") == Relationship.HEAD]
        if len(heads) != 1:
            raise ValidationError(_("Satu keluarga harus memiliki tepat satu kepala keluarga."))
        niks = [form.cleaned_data["nik"] for form in kept]
        if len(niks) != len(set(niks)):
            raise ValidationError(_("NIK yang sama diisi lebih dari sekali."))

    def member_changes(self) -> list[MemberChange]:
        changes = []
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            deleting = self.can_delete and self._should_delete_form(form)
            data = {name: form.cleaned_data.get(name) for name in MEMBER_FIELDS}
            for name in ("education", "occupation"):
                data[name] = data[name] or ""
            changes.append(MemberChange(data=data, id=form.instance.pk, delete=deleting))
        return changes

    @property
    def warnings(self) -> list[str]:
        return [warning for form in self.forms for warning in getattr(form, "warnings", [])]


MemberFormSet = inlineformset_factory(
    Household,
    Member,
    form=MemberForm,
    formset=BaseMemberFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    can_delete=True,
)


class DeactivateForm(forms.Form):
    reason = forms.ChoiceField(label=_("Alasan"), choices=DeactivationReason.choices)
    note = forms.CharField(label=_("Keterangan"), max_length=255, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas CSV atau XLSX"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("Uji coba saja (tidak menyimpan apa pun)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per form, in the reader's language: at import time no language is active yet.
        self.fields["file"].help_text = _("Satu baris per anggota keluarga. Ukuran maksimal %(size)d MB.") % {
            "size": MAX_FILE_BYTES // (1024 * 1024)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Jenis berkas tidak didukung. Unggah berkas CSV atau XLSX."))
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                _("Berkas terlalu besar; batasnya %(limit)d MB. Bagi menjadi beberapa berkas.")
                % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise ValidationError(_("Berkas kosong."))
        return upload


class BulkUpdateForm(forms.Form):
    """Set one programme (or the desil) on the households ticked in the list."""

    FIELDS = {
        "pkh": "receives_pkh",
        "bpnt": "receives_bpnt",
        "pbi_jk": "receives_pbi_jk",
        "desil": "desil",
    }

    households = forms.ModelMultipleChoiceField(
        queryset=Household.objects.none(),
        error_messages={"required": _("Pilih dulu keluarga yang akan diubah.")},
    )
    field = forms.ChoiceField(
        widget=forms.Select(attrs={"class": "form-select"}),
        label=_("Ubah"),
        choices=[
            ("pkh", _("Penerima PKH")),
            ("bpnt", _("Penerima Sembako/BPNT")),
            ("pbi_jk", _("Penerima PBI-JK")),
            ("desil", _("Desil DTSEN")),
        ],
    )
    value = forms.CharField(
        label=_("Nilai"),
        help_text=_("Y/N untuk program, 1–10 atau kosong untuk desil."),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].queryset = Household.objects.visible_to(user).active()

    def clean(self):
        cleaned = super().clean()
        field, value = cleaned.get("field"), (cleaned.get("value") or "").strip().upper()
        if field is None:
            return cleaned
        if field == "desil":
            check = rules.desil_check(value)
            if check.errors:
                self.add_error("value", check.errors[0].message)
                return cleaned
            cleaned["changes"] = {"desil": check.value}
        else:
            if value not in ("Y", "N"):
                self.add_error("value", _("Isi Y atau N."))
                return cleaned
            cleaned["changes"] = {self.FIELDS[field]: value == "Y"}
        return cleaned
