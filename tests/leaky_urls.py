"""The project's URLs plus one deliberately unscoped view and one undeclared download, for the tests of the tests."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path

from kube_portal.urls import urlpatterns as project_urlpatterns
from regions.models import Region


def leaky_region(request, code):
    region = get_object_or_404(Region, code=code)  # deliberately not through visible_to()
    return HttpResponse(region.name)


def leaky_export(request):
    response = HttpResponse("nama\n=HYPERLINK(1)\n", content_type="text/csv")  # deliberately not through spreadsheets
    response["Content-Disposition"] = 'attachment; filename="leaky.csv"'
    return response


leaky_patterns = (
    [path("<str:code>/", leaky_region, name="region"), path("ekspor.csv", leaky_export, name="export")],
    "leaky",
)

urlpatterns = [*project_urlpatterns, path("leaky/", include(leaky_patterns))]
