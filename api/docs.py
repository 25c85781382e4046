"""The API's docs page: Swagger UI from static/vendor/swagger-ui (no CDN), started by static/api/docs.js."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def docs(request):
    return render(request, "api/docs.html")
