"""Read-only admin views: changes go through the app's pages and services (the audit trail records them)."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from beneficiaries.models import DuplicateDecision, Household, ImportJob, Member


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["nik", "name", "sex", "birth_date", "relationship"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["no_kk", "region_code", "is_active", "updated_at"]
    list_filter = ["is_active", "deactivation_reason"]
    search_fields = ["=no_kk", "region_code"]
    show_full_result_count = False
    inlines = [MemberInline]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "original_name", "user", "dry_run", "status", "households_created", "rows_rejected"]
    list_filter = ["status", "dry_run"]


@admin.register(DuplicateDecision)
class DuplicateDecisionAdmin(ReadOnlyAdmin):
    list_display = ["nik_a", "nik_b", "verdict", "decided_by", "decided_at"]
