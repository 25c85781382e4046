"""Who calls the API: a token (devices, integration accounts) or the browser's session (with CSRF).

The token goes in `Authorization: Token kube_…` (or `Bearer`); it is checked by its hash
(`accounts.services.api_token_authenticate`). A revoked token, or one whose login was
deactivated, is a 401 like no token at all. Token authentication comes first in the
settings, so an unauthenticated request is answered 401 with `WWW-Authenticate: Token`
(not 403, and never a redirect to the login page): the field app knows its session expired.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.services import api_token_authenticate

KEYWORDS = (b"token", b"bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Header Authorization tidak valid."))
        try:
            secret = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Token tidak valid.")) from None
        token = api_token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token tidak valid atau sudah dicabut."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """The app's own session; unsafe methods need the CSRF token in the X-CSRFToken header."""
