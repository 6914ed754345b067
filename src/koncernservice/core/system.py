"""The operator acting from the server's shell through the ``ks`` command.

Whoever can run ``ks`` on the server can already reach the database, so a command without
``--as USER`` acts as this system operator (full rights, recorded in the audit trail as
``system:<os user>``). With ``--as USER`` the command is checked against that user's roles.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class SystemOperator:
    username: str
    pk: None = None
    person_id: None = None
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = True

    def __str__(self) -> str:
        return self.username


def system_operator() -> SystemOperator:
    try:
        who = getpass.getuser()
    except Exception:  # no login name in a container
        who = "unknown"
    return SystemOperator(username=f"system:{who}")
