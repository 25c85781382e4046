"""Read-only admin of the audit trail: every event (filter by model, label, actor, source) and the old rows."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin

from audit.context import Source
from audit.models import LegacyEntry


class ActorFilter(admin.SimpleListFilter):
    """By the actor's username, typed in: a list of every login would not fit the sidebar."""

    title = _("oleh (nama pengguna)")
    parameter_name = "actor"
    template = "audit/admin/input_filter.html"

    def lookups(self, request, model_admin):
        return [(self.value() or "", self.value() or "")]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        user = get_user_model().objects.filter(username=self.value().strip()).only("pk").first()
        return queryset.filter(user=user.pk) if user else queryset.none()

    def choices(self, changelist):
        # The other filters of the page travel with the typed name (hidden fields of the form).
        yield {
            "value": self.value() or "",
            "others": sorted(
                (key, value[-1] if isinstance(value, list) else value)
                for key, value in changelist.params.items()
                if key != self.parameter_name
            ),
        }


class SourceFilter(admin.SimpleListFilter):
    title = _("sumber")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return Source.choices

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


class AuditEventsAdmin(EventsAdmin):
    """pghistory's events admin (read-only: no add, change or delete) with the actor and source."""

    show_full_result_count = False

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), ActorFilter, SourceFilter]

    def get_list_display(self, request):
        return ["pgh_created_at", "pgh_obj_model", "pgh_obj_id", "pgh_label", "user", "source", "url", "pgh_diff"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the app (its services and the trail's triggers), read in the admin, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegacyEntry)
class LegacyEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "object_model", "object_id", "entry_model", "subject", "action", "source", "actor"]
    list_filter = ["object_model", "action", "source"]
    list_select_related = ["actor"]
    show_full_result_count = False
