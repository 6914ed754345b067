"""Rule sets. Every module in this package is imported automatically (pkgutil), so a new
``rules/<name>.py`` registers its rules with ``engine`` without editing this file."""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
