"""Bahasa Indonesia unless the user chose English with the language switch; gzip for the API."""

from django.middleware.gzip import GZipMiddleware

#: The machine interface (api/): its clients say their language in Accept-Language, and get gzip.
API_PREFIX = "/api/"


class ChosenLanguageOnlyMiddleware:
    """Drop the browser's Accept-Language before LocaleMiddleware reads it.

    Many officers' browsers are set to English; the app still speaks Bahasa Indonesia to
    them unless they pick English themselves (the switch stores it in the language cookie).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ApiGZipMiddleware(GZipMiddleware):
    """Compress API answers (a page of 1,000 households shrinks about tenfold).

    Only the API: the pages carry CSRF tokens next to reflected input, which compression would
    expose (BREACH); API clients authenticate with tokens that no other site can make a browser send.
    """

    def process_response(self, request, response):
        if not request.path.startswith(API_PREFIX):
            return response
        return super().process_response(request, response)
