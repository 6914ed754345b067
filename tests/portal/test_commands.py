"""``ks portal``: sweep, case look-up within access, catalogue and mail import."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from koncernservice.portal import services
from koncernservice.portal.models import Case
from tests.portal.test_calls import salary_team_answers

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import sys

    old = sys.stderr
    sys.stderr = err
    try:
        call_command("portal", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def test_sweep_prints_json(portal) -> None:
    code, out, _ = run("sweep-sla", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"checked", "warning_50", "warning_75", "breached", "closed"}


def test_case_lookup_respects_confidentiality(portal) -> None:
    secret = services.case_create(
        actor=portal.world.manager, service=portal.dismissal, title="Fortroligt", answers={}
    )
    code, out, _ = run("case", secret.number, "--json", "--as", "jurist")
    assert code == 0 and json.loads(out)["title"] == "Fortroligt"
    code, out, err = run("case", secret.number, "--json", "--as", "admin")
    assert code == 2 and out == "" and "Fortroligt" not in err


def test_mail_import_moves_files(portal, tmp_path) -> None:
    from koncernservice.portal.models import Service

    Service.objects.create(
        area=portal.salary.area, code="andet", name="Andet", default_queue=portal.general
    )
    (tmp_path / "1.eml").write_bytes(
        b"From: laerer@example.kk.dk\r\nSubject: Hvor er min feriepenge?\r\n\r\nHej KS"
    )
    (tmp_path / "2.eml").write_bytes(b"From: x@example.com\r\nSubject: spam\r\n\r\nspam")
    code, out, _ = run("mail-import", str(tmp_path), "--json")
    result = json.loads(out)
    assert code == 0 and result["created"] == 1 and result["rejected"] == 1
    assert (tmp_path / "afvist" / "2.eml").exists()
    assert (tmp_path / "behandlet" / "1.eml").exists()
    assert Case.objects.get().title == "Hvor er min feriepenge?"


def test_calls_import_command(portal, tmp_path) -> None:
    path = tmp_path / "opkald.csv"
    path.write_text("time;queue;wait;talk\n2026-03-02T09:15:00;Løn;35;180\n", encoding="utf-8")
    code, out, _ = run("calls-import", str(path), "--json")
    assert code == 0 and json.loads(out)["imported"] == 1
    path.write_text("time;queue;wait;talk\nforkert;Løn;x;1\n", encoding="utf-8")
    code, out, err = run("calls-import", str(path), "--json")
    assert code == 2 and json.loads(err)["errors"][0]["row"] == 2


def test_calls_import_names_unknown_telephony_queues_and_bad_files(portal, tmp_path) -> None:
    """Calls from a telephony queue no team answers are imported and named in the summary;
    a file that is missing, empty or not UTF-8 text stops with a Danish message, exit 2."""
    salary_team_answers(portal, "Løn")
    path = tmp_path / "opkald.csv"
    path.write_text(
        "time,queue,wait,talk\n2026-03-02T09:15:00,Løn,35,180\n"
        "2026-03-02T09:16:00,Løn 2,10,60\n2026-03-02T09:17:00,Løn 2,10,60\n",
        encoding="utf-8",
    )
    code, out, _ = run("calls-import", str(path))
    assert code == 0
    assert "3 importeret, 0 fandtes allerede." in out
    assert "2 opkald fra en telefonkø, som intet team besvarer: Løn 2" in out
    for name, content, message in (
        ("mangler.csv", None, "Filen blev ikke fundet"),
        ("tom.csv", b"", "Filen er tom."),
        (
            "latin1.csv",
            "time;queue;wait;talk\n2026-03-02T09:15:00;Løn;1;2\n".encode("latin-1"),
            "Filen er ikke UTF-8-tekst.",
        ),
    ):
        if content is not None:
            (tmp_path / name).write_bytes(content)
        code, _out, err = run("calls-import", str(tmp_path / name))
        assert code == 2 and message in err, (name, err)
    from koncernservice.portal.models import TelephonyRecord

    assert TelephonyRecord.objects.count() == 3
