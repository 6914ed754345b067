"""The platform's HTTP API (django-ninja), OpenAPI at ``/api/docs``.

Systems authenticate with a bearer token (``Authorization: Bearer ks_…``); people with their
browser session. Every error is a problem-details document (RFC 9457) with a Danish message.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from koncernservice.core.errors import DomainError
from koncernservice.core.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session (CSRF-checked for unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="Koncernservice API",
    version="1",
    description="Organisation, people and employments of the municipality, scoped by role.",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
)


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    *,
    errors: list[Any] | None = None,
    code: str = "error",
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"about:blank#{code}",
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    code = "forbidden" if exc.status == 403 else "invalid"
    return problem(
        request, exc.status, str(exc.message), code=code, errors=[e.as_dict() for e in exc.errors]
    )


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(p) for p in err.get("loc", [])[1:]) or None,
            "message": err.get("msg", ""),
            "code": err.get("type", "invalid"),
        }
        for err in exc.errors
    ]
    return problem(request, 422, _("The request is not valid."), errors=errors, code="invalid")


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, _("Log in or give a valid API token."), code="unauthenticated")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, _("Not found, or you do not have access."), code="not_found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc), code="error")


from koncernservice.core.api import router as core_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/portal", "koncernservice.portal.api.router")
api.add_router("/worktime", "koncernservice.worktime.api.router")
api.add_router("/procurement", "koncernservice.procurement.api.router")
api.add_router("/finance", "koncernservice.finance.api.router")
api.add_router("/hr", "koncernservice.hr.api.router")
api.add_router("/paygap", "koncernservice.paygap.api.router")
