"""The field app's files that must be served from the site root (kube_portal.urls includes them)."""

from django.urls import path

from mentors import fieldapp

urlpatterns = [
    path("sw.js", fieldapp.service_worker, name="service_worker"),
    path("manifest.webmanifest", fieldapp.manifest, name="web_manifest"),
]
