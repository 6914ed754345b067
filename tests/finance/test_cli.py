"""``ks invoices validate|import|inbox|escalate|post`` and ``ks payments
proposal|file|reconcile``: the interface operators and systems depend on."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from koncernservice.finance import iso20022
from koncernservice.finance.models import Invoice, InvoiceResponse, JournalLine, Payment
from koncernservice.finance.xmlgen import PartySpec, render
from tests.core.test_import import run
from tests.finance.ap import BAD_CVR, spec_for
from tests.finance.conftest import EINVOICE_DATA


def test_validate_json_keys_and_exit_code(tmp_path, db) -> None:
    from tests.factories import make_unit

    unit = make_unit("Skole")
    good = tmp_path / "good.xml"
    good.write_bytes(render(spec_for(unit), "oioubl"))
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    code, out, _err = run("invoices", "validate", str(good), str(pdf), "--json")
    assert code == 0
    results = json.loads(out)
    assert [set(r) for r in results] == [{"file", "format", "valid", "errors"}] * 2
    assert (results[0]["format"], results[0]["valid"], results[0]["errors"]) == ("oioubl", True, [])
    assert (results[1]["format"], results[1]["valid"]) == (None, False)
    assert set(results[1]["errors"][0]) == {"rule", "severity", "location", "message"}
    assert Invoice.objects.count() == 0  # validation stores nothing


def test_validate_exit_2_when_a_file_cannot_be_opened(tmp_path, db) -> None:
    code, out, _err = run("invoices", "validate", str(tmp_path / "missing.xml"), "--json")
    assert code == 2
    assert json.loads(out)[0]["errors"][0]["rule"] == "KS-READ"


def test_validate_reports_official_rule_ids(tmp_path, db) -> None:
    path = EINVOICE_DATA / "peppol-dk" / "Example-files" / "base-example.xml"
    if not path.exists():
        pytest.skip("official material not present")
    broken = tmp_path / "broken.xml"
    # drop the invoice number: BR-02 (an invoice shall have an invoice number)
    text = path.read_text(encoding="utf-8-sig").replace("<cbc:ID>Snippet1</cbc:ID>", "", 1)
    broken.write_text(text, encoding="utf-8")
    code, out, _err = run("invoices", "validate", str(broken), "--json")
    assert code == 0
    rules = {e["rule"] for e in json.loads(out)[0]["errors"]}
    assert "BR-02" in rules


def test_import_json_and_rejection_response_in_outbox(
    ap, tmp_path, settings, django_capture_on_commit_callbacks
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "1.xml").write_bytes(render(spec_for(ap.world.school), "peppol"))
    bad = spec_for(ap.world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR))
    (folder / "2.xml").write_bytes(render(bad, "oioubl"))
    with django_capture_on_commit_callbacks(execute=True):
        code, out, _err = run("invoices", "import", str(folder), "--json")
    assert code == 0
    results = json.loads(out)
    assert [r["status"] for r in results] == ["received", "rejected"]
    assert {e["rule"] for e in results[1]["errors"] if e["severity"] == "fatal"} == {"KS-CVR"}
    response = InvoiceResponse.objects.get()
    assert response.kind == "oioubl_application_response" and response.status_code == "RE"
    written = Path(response.outbox_path)
    assert (
        written.parent == settings.EINVOICE_OUTBOX_DIR and written.read_text() == response.content
    )
    assert "BusinessReject" in response.content and "KS-CVR" in response.content


def test_peppol_rejection_gets_an_invoice_response(
    ap, django_capture_on_commit_callbacks, tmp_path
) -> None:
    bad = spec_for(ap.world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR))
    path = tmp_path / "bad.xml"
    path.write_bytes(render(bad, "peppol"))
    with django_capture_on_commit_callbacks(execute=True):
        run("invoices", "import", str(path))
    response = InvoiceResponse.objects.get()
    assert response.kind == "peppol_invoice_response"
    assert "urn:fdc:peppol.eu:poacc:trns:invoice_response:3" in response.content


def test_missing_path_is_exit_2(ap) -> None:
    code, _out, err = run("invoices", "import", "/no/such/file.xml", "--json")
    assert code == 2 and "/no/such/file.xml" in err


def test_as_user_without_rights_is_exit_3(ap, tmp_path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(render(spec_for(ap.world.school), "peppol"))
    code, _out, _err = run("invoices", "import", str(path), "--as", "ingen")
    assert code == 3 and Invoice.objects.count() == 0


def test_inbox_post_and_payments(ap, tmp_path, settings) -> None:
    inbox = settings.EINVOICE_INBOX_DIR
    inbox.mkdir(parents=True)
    spec = spec_for(ap.world.school, due_date=timezone.localdate())
    (inbox / "a.xml").write_bytes(render(spec, "peppol"))
    code, out, _err = run("invoices", "inbox", "--json")
    assert code == 0 and json.loads(out)["received"] == 1
    Invoice.objects.update(status="approved")
    Invoice.objects.get().lines.update(account="22110")
    code, _out, err = run("invoices", "post", "--on", "2026-13-01", "--json")
    assert code == 2 and "Ikke en gyldig dato (brug ÅÅÅÅ-MM-DD)." in err  # --on named, no post
    assert not JournalLine.objects.exists()
    code, out, _err = run("invoices", "post", "--json")
    assert json.loads(out)["invoices"] == 1
    code, out, _err = run("payments", "proposal", "--json")
    proposal = json.loads(out)
    assert code == 0 and proposal["payments"] == 1 and proposal["total"] == "575.00"
    pain = tmp_path / "pain.xml"
    code, out, _err = run("payments", "file", str(proposal["run"]), "--out", str(pain), "--json")
    assert code == 0 and b"<EndToEndId>" in pain.read_bytes()
    payment = Payment.objects.get()
    camt = tmp_path / "camt.xml"
    camt.write_bytes(
        iso20022.build_camt054(
            message_id="B",
            created=timezone.now(),
            items=[(payment.end_to_end_id, payment.amount, "")],
        )
    )
    code, out, _err = run("payments", "reconcile", str(camt), "--json")
    assert json.loads(out)["paid"] == 1
    assert Invoice.objects.get().status == "paid"


# --- ks approvals: amount limits and substitutes ----------------------------------------------


def _limits() -> set[tuple[str, str, str]]:
    from koncernservice.finance.models import ApprovalLimit

    return {(x.unit.code, x.role, str(x.max_amount)) for x in ApprovalLimit.objects.all()}


def test_approvals_limit_set_and_list_by_finance(ap) -> None:
    """Finance sets a manager's amount limit on the school; it is listed for the school's
    administration (its subtree) and not for a unit outside it."""
    code, out, err = run(
        "approvals", "limit", "set", "--unit", "BUF-HS", "--role", "manager",
        "--amount", "50000,50", "--as", "bogholder", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "unit": "BUF-HS",
        "unit_name": "Husum Skole",
        "role": "manager",
        "max_amount": "50000.50",
    }
    assert _limits() == {("BUF-HS", "manager", "50000.50")}
    code, out, _err = run("approvals", "limits", "--unit", "BUF", "--as", "bogholder", "--json")
    assert code == 0 and [r["max_amount"] for r in json.loads(out)] == ["50000.50"]
    code, out, _err = run("approvals", "limits", "--unit", "SUF", "--as", "bogholder", "--json")
    assert (code, json.loads(out)) == (0, [])
    # setting it again changes the one limit (no second row)
    code, _out, _err = run(
        "approvals", "limit", "set", "--unit", "BUF-HS", "--role", "manager", "--amount", "75000"
    )
    assert code == 0 and _limits() == {("BUF-HS", "manager", "75000.00")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "NOPE", "--role", "manager", "--amount", "1000"], "Ukendt enhed: NOPE"),
        (["--unit", "BUF-HS", "--role", "manager", "--amount", "-1"], "Skal være over 0."),
        (["--unit", "BUF-HS", "--role", "manager", "--amount", "mange"], "Ikke et tal."),
        (["--unit", "BUF-HS", "--role", "chef", "--amount", "1000"], "Ukendt rolle: chef."),
    ],
)
def test_approvals_limit_bad_input_changes_nothing(ap, args, message) -> None:
    run("approvals", "limit", "set", "--unit", "BUF-HS", "--role", "manager", "--amount", "25000")
    code, out, err = run("approvals", "limit", "set", *args, "--as", "bogholder")
    assert (code, out) == (2, "")
    assert message in err
    assert _limits() == {("BUF-HS", "manager", "25000.00")}


def test_approvals_limits_without_the_right_see_and_change_nothing(ap) -> None:
    """A manager approves within a limit but does not set limits (finance does): the list
    is empty for them and setting one is refused (exit 3) without a change."""
    run("approvals", "limit", "set", "--unit", "BUF-HS", "--role", "manager", "--amount", "25000")
    code, out, _err = run("approvals", "limits", "--as", "leder", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, _out, err = run(
        "approvals", "limit", "set", "--unit", "BUF-HS", "--role", "manager",
        "--amount", "1000000", "--as", "leder",
    )  # fmt: skip
    assert code == 3 and "adgang" in err
    assert _limits() == {("BUF-HS", "manager", "25000.00")}
    code, _out, err = run("approvals", "limits", "--as", "ukendt")
    assert code == 2 and "Ukendt eller inaktiv bruger: ukendt" in err


def test_approvals_substitute_add_list_and_end(ap) -> None:
    """The absent manager names a substitute; both see it; the absent person ends it early
    (one not yet begun is removed)."""
    from koncernservice.finance.models import Substitution

    today = timezone.localdate()
    start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=10)
    code, out, err = run(
        "approvals", "substitute", "add", "--substitute", "leder2",
        "--from", start.isoformat(), "--to", end.isoformat(), "--as", "leder", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    made = json.loads(out)
    assert (made["absent"], made["substitute"], made["starts_on"], made["ends_on"]) == (
        "leder", "leder2", start.isoformat(), end.isoformat(),
    )  # fmt: skip
    for user in ("leder", "leder2"):
        code, out, _err = run("approvals", "substitutes", "--as", user, "--json")
        assert [r["id"] for r in json.loads(out)] == [made["id"]]
    code, out, _err = run("approvals", "substitutes", "--as", "bogholder", "--user", "leder")
    assert code == 0 and "leder2 for leder" in out
    code, out, _err = run("approvals", "substitute", "end", str(made["id"]), "--as", "leder")
    assert code == 0 and "Fjernet" in out
    assert not Substitution.objects.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--substitute", "ukendt", "--as", "leder"], 2, "Ukendt eller inaktiv bruger: ukendt"),
        (["--substitute", "leder", "--as", "leder"], 2, "En stedfortræder er en anden person."),
        (["--substitute", "leder2"], 2, "--absent"),  # the system operator is nobody's absence
        (["--substitute", "leder2", "--absent", "leder", "--as", "laerer"], 3, "adgang"),
    ],
)
def test_approvals_substitute_refused_changes_nothing(ap, args, code, message) -> None:
    from koncernservice.finance.models import Substitution

    got, out, err = run(
        "approvals", "substitute", "add", "--from", "2026-12-07", "--to", "2026-12-11", *args
    )
    assert (got, out) == (code, "")
    assert message in err
    assert not Substitution.objects.exists()


def test_approvals_substitute_dates_checked(ap) -> None:
    from koncernservice.finance.models import Substitution

    code, _out, err = run(
        "approvals", "substitute", "add", "--substitute", "leder2",
        "--from", "2026-12-11", "--to", "2026-12-07", "--as", "leder",
    )  # fmt: skip
    assert code == 2 and "Slutningen kan ikke ligge før starten." in err
    code, _out, err = run(
        "approvals", "substitute", "add", "--substitute", "leder2",
        "--from", "7/12", "--to", "2026-12-07", "--as", "leder",
    )  # fmt: skip
    assert code == 2 and "Ikke en gyldig dato (brug ÅÅÅÅ-MM-DD)." in err
    assert not Substitution.objects.exists()


def test_approvals_others_substitution_hidden_and_unchanged(ap) -> None:
    """Someone who is neither absent, substitute nor manages limits sees nothing of another
    person's substitution and cannot end it."""
    from koncernservice.finance.models import Substitution

    today = timezone.localdate()
    run(
        "approvals", "substitute", "add", "--substitute", "leder2", "--from",
        (today - dt.timedelta(days=1)).isoformat(), "--to",
        (today + dt.timedelta(days=5)).isoformat(), "--as", "leder",
    )  # fmt: skip
    substitution = Substitution.objects.get()
    code, out, _err = run("approvals", "substitutes", "--user", "leder", "--as", "laerer", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, _out, err = run("approvals", "substitute", "end", str(substitution.pk), "--as", "laerer")
    assert code == 2 and f"Ukendt stedfortrædelse: {substitution.pk}" in err
    substitution.refresh_from_db()
    assert substitution.ends_on == today + dt.timedelta(days=5)
    # the substitute may end it: it has begun, so it ends yesterday
    code, _out, _err = run("approvals", "substitute", "end", str(substitution.pk), "--as", "leder2")
    substitution.refresh_from_db()
    assert code == 0 and substitution.ends_on == today - dt.timedelta(days=1)
