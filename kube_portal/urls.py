from django.contrib import admin
from django.urls import include, path

from kube_portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The field app's service worker and manifest live at the root: a worker's scope is its folder.
    path("", include("mentors.root_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("akun/", include("accounts.urls")),
    path("wilayah/", include("regions.urls")),
    path("kpm/", include("beneficiaries.urls")),
    path("kube/", include("groups.urls")),
    path("pendamping/", include("mentors.urls")),
    path("graduasi/", include("graduation.urls")),
    path("dasbor/", include("dashboards.urls")),
    path("api/", include("api.urls")),
]

# MEDIA_ROOT is never served as such, not even in development: uploaded photos are
# personal data and go out only through views that check the user's scope.

handler403 = "kube_portal.views.permission_denied"
handler404 = "kube_portal.views.page_not_found"
handler500 = "kube_portal.views.server_error"
