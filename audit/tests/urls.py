"""A stand-in API endpoint (Django REST framework, token-style authentication in the view) and the app's pages."""

from django.contrib.auth import get_user_model
from django.urls import include, path
from rest_framework import authentication, exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beneficiaries.models import Household


class UsernameToken(authentication.BaseAuthentication):
    """`Authorization: Token <username>`: authenticates inside the view, after every middleware ran."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Token "):
            return None
        user = get_user_model().objects.filter(username=header.removeprefix("Token ")).first()
        if user is None:
            raise exceptions.AuthenticationFailed
        return (user, None)


class SetPhone(APIView):
    authentication_classes = [UsernameToken]
    permission_classes = [IsAuthenticated]

    def post(self, request, pk):
        Household.objects.visible_to(request.user).filter(pk=pk).update(phone="0899")
        return Response({"ok": True})


urlpatterns = [
    path("api/uji/<int:pk>/", SetPhone.as_view()),
    path("", include("kube_portal.urls")),
]
