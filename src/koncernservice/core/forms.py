"""Forms only validate input; the login form also enforces the lockout."""

from __future__ import annotations

from typing import Annotated, Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from koncernservice.core import services
from koncernservice.core.models import AuditEntry

MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id in an API body: larger numbers are refused (422) before a query, where SQLite
cannot bind them (``pk__in``)."""


def posted_id(value: Any) -> int | None:
    """A row id sent by a form or a query string: a whole number the database can hold, or
    None. A tampered or garbage value ("abc", "²", twenty digits) must not reach the query,
    where it raises instead of finding nothing."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def posted_id_or_404(value: Any) -> int:
    found = posted_id(value)
    if found is None:
        raise Http404
    return found


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Note that both are case-sensitive."),
        "inactive": _("This user account is not active."),
        "locked": _(
            "Too many failed logins. The account is locked for %(minutes)d minutes. "
            "Contact the service desk if you need help."
        ),
    }

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        if username and services.login_is_locked(username):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failed(username=username, ip_address=_client_ip(self.request))
            raise
        services.login_succeeded(username=username)
        return cleaned


def _client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *AuditEntry.Action.choices]
    )
    content_type = forms.ChoiceField(
        label=_("Object type"),
        required=False,
        choices=[
            ("", _("All")),
            ("orgunit", _("Organisational unit")),
            ("person", _("Person")),
            ("employment", _("Employment")),
            ("roleassignment", _("Role assignment")),
            ("user", _("User")),
            ("businesscalendar", _("Business calendar")),
        ],
    )
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DueDateForm(forms.Form):
    start = forms.DateTimeField(
        label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    business_hours = forms.DecimalField(
        label=_("Business hours"), min_value=0, max_value=100000, decimal_places=2
    )
