from django.contrib import admin

from groups.models import BusinessField, MaturityThresholds, Program, ProgramGrantAmount


class ProgramGrantAmountInline(admin.TabularInline):
    model = ProgramGrantAmount
    extra = 1


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tracks_eggs", "is_active"]
    inlines = [ProgramGrantAmountInline]


@admin.register(BusinessField)
class BusinessFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "business_type", "is_active"]
    list_filter = ["business_type", "is_active"]
    search_fields = ["name"]


@admin.register(MaturityThresholds)
class MaturityThresholdsAdmin(admin.ModelAdmin):
    """Each save is a new version: the latest applies from the next classification on."""

    list_display = [
        "valid_from",
        "berkembang_months_active",
        "berkembang_min_profitable",
        "berkembang_window",
        "maju_months_active",
        "maju_min_savings",
        "maju_min_reports",
        "not_reporting_months",
    ]

    def has_change_permission(self, request, obj=None):
        # Old versions explain past classifications; a change is a new row.
        return obj is None and super().has_change_permission(request, obj)
