"""Bahasa Indonesia unless the user chose English with the language switch."""


class ChosenLanguageOnlyMiddleware:
    """Drop the browser's Accept-Language before LocaleMiddleware reads it.

    Many officers' browsers are set to English; the app still speaks Bahasa Indonesia to
    them unless they pick English themselves (the switch stores it in the language cookie).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
