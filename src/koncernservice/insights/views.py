from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from koncernservice.core.worklist import worklist
from koncernservice.insights.selectors import landing_figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what the user's roles let them see, in figures."""
    return render(
        request,
        "insights/home.html",
        {
            "figures": landing_figures(user=request.user),
            "worklist": worklist(user=request.user),
        },
    )
