"""The ``ks`` command: the platform's management commands for operators and scripts.

``ks demo``, ``ks serve``, ``ks import org|employees FILE``, ``ks calendar due|between`` and
every Django command (``ks migrate``, ``ks createsuperuser`` ...). Commands that report take
``--json``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["ks", *(args or ["help"])])


if __name__ == "__main__":
    main()
