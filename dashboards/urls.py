from django.urls import path, register_converter

from dashboards import views


class RegionCodeConverter:
    """A province, kab/kota or kecamatan code: `32`, `32.05`, `32.05.01`."""

    regex = r"[0-9]{2}(?:\.[0-9]{2}){0,2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(RegionCodeConverter, "dashboard_region")

app_name = "dashboards"

urlpatterns = [
    path("", views.national, name="national"),
    path("ekspor/", views.national_export, name="national_export"),
    path("<dashboard_region:region_code>/", views.region, name="region"),
    path("<dashboard_region:region_code>/ekspor/", views.region_export, name="region_export"),
]
