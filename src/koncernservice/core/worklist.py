"""What waits for the user: each app names a function on its AppConfig (``worklist``, a
dotted path to ``function(user) -> list[WorkItem]``) that counts the work waiting for that
user in its area, scoped by the user's roles; the landing page shows the items with a count.

The functions count only (no titles), so nothing confidential reaches the landing page, and
each checks the permission first, so a user without the area's roles costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class WorkItem:
    label: str  # what waits, in Danish, without the count ("Fakturaer til kontering")
    count: int
    url: str
    area: str = ""  # the app's name (the landing page's "Område" column)


def worklist(*, user: Any) -> list[WorkItem]:
    """Every app's waiting work for ``user`` with a count above zero, in app order."""
    items: list[WorkItem] = []
    for config in apps.get_app_configs():
        path = getattr(config, "worklist", None)
        if path:
            area = str(config.verbose_name)
            items.extend(
                WorkItem(i.label, i.count, i.url, area)
                for i in import_string(path)(user)
                if i.count
            )
    return items
