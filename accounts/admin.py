from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import User

# The admin has its own login page; it obeys the same throttle as the app's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "region", "directorate_area", "is_active"]
    list_filter = ["role", "is_active", "directorate_area"]
    raw_id_fields = ["region"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Peran dan wilayah"), {"fields": ["role", "directorate_area", "region", "phone"]}),
    )
