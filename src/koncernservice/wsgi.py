import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
application = get_wsgi_application()
# Import every view module now (in `ks serve` before gunicorn forks its workers), not on each
# worker's first request, which then took 3-9 s on the shared machine.
get_resolver().url_patterns  # noqa: B018
# Move everything loaded so far (Django, the apps, the URLconf: about 160,000 objects) out of
# the garbage collector's reach: its collections of the oldest generation walked all of them
# again during requests (≈ 13 % of the "my cases" page's CPU in process, measured with
# bench/portal_profile.py against the tree without this). Under `ks serve` this runs before
# gunicorn forks, so the workers also keep sharing those memory pages.
gc.collect()
gc.freeze()
