"""Request rates per token and per user (settings.API_THROTTLE_*), counted in Redis.

Two counters: one per token (a device or integration that loops), one per login (all its
tokens and its browser together). Like the login throttle, they step aside when Redis is
down: the API keeps answering rather than failing every request.
"""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken

logger = logging.getLogger(__name__)


class _SteppingAside(SimpleRateThrottle):
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # noqa: BLE001 - the cache backend's connection errors, whichever client raises them
            logger.warning("API throttle unavailable (%s): request let through", error.__class__.__name__)
            return True


class TokenRateThrottle(_SteppingAside):
    scope = "api_token"

    def get_rate(self):
        return settings.API_THROTTLE_TOKEN_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_SteppingAside):
    scope = "api_user"

    def get_rate(self):
        return settings.API_THROTTLE_USER_RATE

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
