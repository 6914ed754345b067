from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from koncernservice.api import api
from koncernservice.core import views as core_views
from koncernservice.insights import views as insights_views

urlpatterns = [
    path("", insights_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("", include("koncernservice.core.urls")),
    path("portal/", include("koncernservice.portal.urls")),
    path("worktime/", include("koncernservice.worktime.urls")),
    path("indkoeb/", include("koncernservice.procurement.urls")),
    path("finans/", include("koncernservice.finance.urls")),
    path("hr/", include("koncernservice.hr.urls")),
    path("loengennemsigtighed/", include("koncernservice.paygap.urls")),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
