"""The project's URLs plus one deliberately unscoped view, for the test of the scope test."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path

from kube_portal.urls import urlpatterns as project_urlpatterns
from regions.models import Region


def leaky_region(request, code):
    region = get_object_or_404(Region, code=code)  # deliberately not through visible_to()
    return HttpResponse(region.name)


leaky_patterns = ([path("<str:code>/", leaky_region, name="region")], "leaky")

urlpatterns = [*project_urlpatterns, path("leaky/", include(leaky_patterns))]
