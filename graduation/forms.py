from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from graduation.models import CriteriaSet, GraduationKind, HouseholdAssessment, ProposalBasis
from kube_portal.concurrency import VersionedFormMixin


class CriteriaForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = CriteriaSet
        fields = ["income_multiple", "min_kube_level", "min_kube_months", "assets_threshold", "desil_threshold", "note"]


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = HouseholdAssessment
        fields = ["assessed_on", "visit", "monthly_income", "savings", "productive_assets", "housing_condition", "note"]
        widgets = {
            # The phone sets today's date itself: a page kept offline was rendered on an earlier day.
            "assessed_on": forms.DateInput(attrs={"type": "date", "data-default": "today"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, household, **kwargs):
        from mentors.models import FieldVisit

        super().__init__(*args, **kwargs)
        # A mentor's assessment can come from a visit to the household's KUBE.
        visits = FieldVisit.objects.visible_to(user).filter(kube__memberships__household=household)
        self.fields["visit"].queryset = visits.select_related("kube").order_by("-visited_on", "-id")
        self.fields["visit"].required = False
        self.fields["visit"].label_from_instance = lambda v: f"{v.visited_on:%d-%m-%Y} · {v.kube.name}"

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Tanggal asesmen tidak boleh di masa depan."))
        return day


class ProposeForm(forms.Form):
    basis = forms.ChoiceField(label=_("Dasar usulan"), choices=ProposalBasis.choices)
    reason = forms.CharField(label=_("Alasan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("basis") == ProposalBasis.OTHER and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Tuliskan alasan usulan."))
        return data


class DecisionActionForm(forms.Form):
    ACTIONS = [("verify", _("Verifikasi")), ("decide", _("Putuskan")), ("reject", _("Tolak"))]

    action = forms.ChoiceField(choices=ACTIONS)
    kind = forms.ChoiceField(label=_("Jenis graduasi"), choices=GraduationKind.choices, required=False)
    note = forms.CharField(label=_("Catatan / alasan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
