from django.conf import settings
from django.utils import translation


class ThaiFirstLocaleMiddleware:
    """Thai unless the user chose another language: browsers' Accept-Language is ignored,
    since most office PCs run English Windows while their users expect a Thai system."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.allowed else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
