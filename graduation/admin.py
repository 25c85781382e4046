"""Django admin for national administrators: read-mostly views of the graduation records.

Criteria are changed on the criteria page (a new version each time), not edited here.
"""

from django.contrib import admin

from graduation.models import CriteriaSet, GraduationDecision, HouseholdAssessment, PovertyLine, RecomputeRun


@admin.register(PovertyLine)
class PovertyLineAdmin(admin.ModelAdmin):
    list_display = ["province", "area", "period", "amount", "source"]
    list_filter = ["area", "period"]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["version", "is_active", "income_multiple", "min_kube_level", "min_kube_months", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HouseholdAssessment)
class HouseholdAssessmentAdmin(admin.ModelAdmin):
    list_display = ["household", "assessed_on", "monthly_income", "source", "assessor"]
    raw_id_fields = ["household", "visit", "assessor"]


@admin.register(GraduationDecision)
class GraduationDecisionAdmin(admin.ModelAdmin):
    list_display = ["household", "status", "basis", "kind", "proposed_at", "relapse_on"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["household", "relapse_assessment"]


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "run_date", "province", "status", "started_at", "finished_at", "households_changed"]

    def has_change_permission(self, request, obj=None):
        return False
