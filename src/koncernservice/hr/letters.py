"""The employment letter (ansættelsesbrev) as PDF with fpdf2, in Danish, from a template per
agreement, including the placement and its explanation.

fpdf2's core fonts (Helvetica) cover latin-1, which holds æ, ø and å; the few characters
outside it (dashes, typographic quotes) are replaced, so no font file is needed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fpdf import FPDF

from koncernservice.core.models import Employment
from koncernservice.hr import rules
from koncernservice.hr.models import AgreementVersion

_REPLACE = {
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "≤": "<=",
    "≥": ">=",
    "•": "-",
    "\u00a0": " ",
}

# Agreement-specific paragraphs (the template per agreement); others get the general one.
TEMPLATES: dict[str, str] = {
    "hk-kontor": (
        "Ansættelsen sker i henhold til overenskomsten for kontor- og IT-personale mellem KL og "
        "HK Kommunal. Prøvetiden er 3 måneder."
    ),
    "socialraadgivere": (
        "Ansættelsen sker i henhold til overenskomsten for socialrådgivere og socialformidlere "
        "mellem KL og Dansk Socialrådgiverforening."
    ),
    "laerere": (
        "Ansættelsen sker i henhold til overenskomsten for lærere m.fl. i folkeskolen mellem KL "
        "og Lærernes Centralorganisation. Arbejdstiden tilrettelægges efter skolens "
        "opgaveoversigt."
    ),
    "sygeplejersker": (
        "Ansættelsen sker i henhold til overenskomsten for sygeplejersker mellem KL og Dansk "
        "Sygeplejeråd. Autorisation fra Styrelsen for Patientsikkerhed er en forudsætning."
    ),
    "sosu": (
        "Ansættelsen sker i henhold til overenskomsten for social- og sundhedspersonale mellem "
        "KL og FOA. Autorisation kræves for social- og sundhedsassistenter."
    ),
    "ac": (
        "Ansættelsen sker i henhold til overenskomsten for akademikere i kommunerne mellem KL og "
        "Akademikerne."
    ),
}
GENERAL = "Ansættelsen sker i henhold til den gældende overenskomst for stillingen."


def latin1(text: str) -> str:
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _kr(amount: Any) -> str:
    return (
        f"{rules.money(Decimal(str(amount))):,.2f}".replace(",", "X")
        .replace(".", ",")
        .replace("X", ".")
    )


def employment_letter(
    *,
    name: str,
    email: str,
    employment: Employment,
    placement: dict[str, Any],
    version: AgreementVersion,
) -> bytes:
    """``placement`` as :meth:`rules.Placement.as_dict` (pay_step, monthly, hourly,
    pension_percent, pension_monthly, lines with label, value, rule, inputs, overridden,
    reason)."""
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Ansættelsesbrev {employment.employee_number}"))
    pdf.set_author("Københavns Kommune")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(value: str, size: float = 10.5, style: str = "", height: float = 5.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, height, latin1(value), new_x="LMARGIN", new_y="NEXT")

    text(employment.unit.name, 9, height=4.5)
    text("Københavns Kommune", 9, height=4.5)
    pdf.ln(6)
    text(f"{name}\n{email}")
    pdf.ln(4)
    text("Ansættelsesbrev", 16, "B", 8)
    if version.agreement.is_synthetic:
        text("DEMO: lønnen er beregnet efter en syntetisk lønskala, ikke den officielle.", 8, "I")
    pdf.ln(2)
    text(
        f"Du ansættes som {employment.position_title} i {employment.unit.name} fra "
        f"{employment.start_date:%d.%m.%Y} med {employment.weekly_hours.normalize()} timer om "
        f"ugen. Dit medarbejdernummer er {employment.employee_number}."
    )
    pdf.ln(2)
    text(TEMPLATES.get(version.agreement.code, GENERAL))
    pdf.ln(3)
    text("Løn", 12, "B", 7)
    text(
        f"Overenskomst: {version.agreement.name} ({version.version}, fra "
        f"{version.valid_from:%d.%m.%Y}).\n"
        f"Løntrin {placement['pay_step']}. Månedsløn {_kr(placement['monthly'])} kr. "
        f"(timeløn {_kr(placement['hourly'])} kr.). Pensionsbidrag "
        f"{Decimal(str(placement['pension_percent'])).normalize()} %: "
        f"{_kr(placement['pension_monthly'])} kr. om "
        f"måneden. Lønnen reguleres efter overenskomstens bestemmelser."
    )
    pdf.ln(3)
    text("Sådan er lønnen fastsat", 12, "B", 7)
    for line in placement["lines"]:
        text(f"{line['label']}: {line['value']}", 10, "B", 5)
        text(f"Regel: {line['rule']}", 9, height=4.5)
        text(f"Grundlag: {line['inputs']}", 9, height=4.5)
        if line.get("overridden"):
            text(f"Ændret af sagsbehandler. Begrundelse: {line.get('reason', '')}", 9, "I", 4.5)
        pdf.ln(1)
    pdf.ln(3)
    text(
        "Oplysningerne om din anciennitet bygger på de perioder, du har oplyst, og som er "
        "bekræftet af sagsbehandleren. Er der fejl, så kontakt os inden tiltrædelsen."
    )
    pdf.ln(6)
    text(f"Venlig hilsen\n{employment.unit.name}")
    return bytes(pdf.output())
