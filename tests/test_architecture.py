"""Project rules that keep the monolith modular and the repository honest."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "koncernservice"

# Who may import whom (DESIGN.md, "Dependency direction"). Every app may use core.
ALLOWED = {
    "core": set(),
    "demo": {"core"},
    "insights": {"core"},
    "portal": {"core"},
    "worktime": {"core"},
    "procurement": {"core"},
    "finance": {"core", "procurement"},
    "hr": {"core", "portal"},
    "paygap": {"core", "hr"},
}
PUBLIC_MODULES = {
    "services",
    "selectors",
    "models",
    "rules",
    "access",
    "errors",
    "forms",  # input parsing shared by the apps' views (posted ids)
    "audit",
    "system",
    "calendars",
    "tables",
    "charts",
    "periods",
    "bulk",
    "prepared",
    "management",
    "worklist",  # each app's waiting work for the landing page
}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_apps_import_only_allowed_apps_through_their_public_modules(app: str) -> None:
    problems = []
    for path in (SRC / app).rglob("*.py"):
        for name in imports_of(path):
            parts = name.split(".")
            if parts[0] != "koncernservice" or len(parts) < 2 or parts[1] == app:
                continue
            other = parts[1]
            if other not in ALLOWED:
                continue  # project-level modules (settings, api)
            if other not in ALLOWED[app]:
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
            elif len(parts) > 2 and parts[2] not in PUBLIC_MODULES:
                problems.append(f"{path.relative_to(ROOT)} reaches into {name}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_migrations_are_up_to_date() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exc:
        pytest.fail(f"Missing migrations:\n{out.getvalue()} (exit {exc.code})")


def test_translations_are_compiled_and_complete() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "compile_messages.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_cpr_reaches_the_log(caplog) -> None:
    import logging

    from koncernservice.core.logging import MaskCprFilter

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "Person %s oprettet", ("0101902001",), None
    )
    MaskCprFilter().filter(record)
    assert record.getMessage() == "Person 010190-**** oprettet"


def test_committed_openapi_schema_matches_the_code() -> None:
    """The API schema is committed (docs/api/openapi.json) so that changes show in review."""
    import json

    from koncernservice.api import api

    committed = json.loads((ROOT / "docs" / "api" / "openapi.json").read_text(encoding="utf-8"))
    current = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))
    assert current == committed, (
        "Regenerate: ./dev ks export_openapi_schema --api koncernservice.api.api "
        "--output docs/api/openapi.json --indent 2 --sorted"
    )


MSGID_PATTERNS = [
    re.compile(r"""\b(?:_|gettext|gettext_lazy|pgettext)\(\s*"((?:[^"\\]|\\.)+)"\s*[,)%]"""),
    re.compile(r"""\{%\s*translate\s+"([^"]+)"\s*%\}"""),
    re.compile(r"""\{%\s*translate\s+'([^']+)'\s*%\}"""),
]


def test_every_literal_ui_text_has_a_danish_translation() -> None:
    """A text marked for translation but missing from locale/da would show in English."""
    import polib

    translated = {
        entry.msgid
        for po in SRC.glob("**/locale/da/LC_MESSAGES/django.po")  # the project's and each app's
        for entry in polib.pofile(str(po))
        if entry.translated()
    }
    missing = set()
    for path in [*SRC.rglob("*.py"), *SRC.rglob("*.html")]:
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in MSGID_PATTERNS:
            for match in pattern.finditer(text):
                msgid = match.group(1).replace('\\"', '"')
                if msgid not in translated:
                    missing.add(f"{path.relative_to(ROOT)}: {msgid}")
    assert not missing, "Run makemessages and translate:\n" + "\n".join(sorted(missing))
