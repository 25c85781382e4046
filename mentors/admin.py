from django.contrib import admin

from mentors.models import Mentor, MentorSettings, TrainingBatch, TrainingParticipation


@admin.register(MentorSettings)
class MentorSettingsAdmin(admin.ModelAdmin):
    """One row: the caseload cap, the overdue threshold and the photo limits."""

    list_display = ["caseload_cap", "overdue_days", "max_photos", "max_photo_mb"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MentorSettings.objects.exists()


class TrainingParticipationInline(admin.TabularInline):
    model = TrainingParticipation
    extra = 0
    raw_id_fields = ["mentor"]


@admin.register(TrainingBatch)
class TrainingBatchAdmin(admin.ModelAdmin):
    list_display = ["name", "organiser", "place", "start_date", "end_date"]
    search_fields = ["name"]
    inlines = [TrainingParticipationInline]


@admin.register(Mentor)
class MentorAdmin(admin.ModelAdmin):
    list_display = ["name", "work_area", "status", "user"]
    list_filter = ["status"]
    search_fields = ["name", "nik"]
    raw_id_fields = ["user", "work_area", "created_by"]
    readonly_fields = ["region_code"]
