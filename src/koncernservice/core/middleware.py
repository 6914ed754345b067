"""Request middleware: the acting user for the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from koncernservice.core.audit import audit_context


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # Read now (as the check below would) and handed on as the user itself: every
            # attribute read through Django's lazy wrapper cost three Python calls, and a
            # list page read ~500 of them (access checks, navigation, templates).
            user.is_authenticated  # noqa: B018
            user = request.user = user._wrapped
        if user is not None and user.is_authenticated:
            with audit_context(actor=user):
                return self.get_response(request)
        return self.get_response(request)


class LanguageMiddleware:
    """Danish unless the user chose another language (cookie set by the language switch).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which would show
    English to every municipal PC with an English browser; the platform is Danish first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
