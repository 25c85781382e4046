from django.contrib import admin

from dashboards.models import DashboardRefresh


@admin.register(DashboardRefresh)
class DashboardRefreshAdmin(admin.ModelAdmin):
    """The ledger of aggregate rebuilds, read-only: rows are written by `dashboards.refresh.refresh_all`."""

    list_display = ["finished_at", "trigger", "duration_ms", "area_rows", "month_rows"]
    list_filter = ["trigger"]
    date_hierarchy = "finished_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
