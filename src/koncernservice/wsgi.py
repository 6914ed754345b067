import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
application = get_wsgi_application()
# Import every view module now (in `ks serve` before gunicorn forks its workers), not on each
# worker's first request, which then took 3-9 s on the shared machine.
get_resolver().url_patterns  # noqa: B018
