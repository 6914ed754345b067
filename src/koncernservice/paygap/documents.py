"""Documents of pay transparency: chart geometry (SVG on pages), the Art. 7 letter and the
annual report as PDF (fpdf2, bars drawn as rectangles) and Excel (openpyxl, native charts)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

FEMALE_COLOUR = (122, 38, 120)  # #7a2678, contrast 9.6:1 on white
MALE_COLOUR = (31, 95, 153)  # #1f5f99, contrast 6.6:1 on white
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def pct(value: Any) -> str:
    """A percentage for people: ``12,34 %``; ``–`` for a withheld or missing value."""
    if value is None or value == "":
        return "–"
    return f"{formats.number_format(Decimal(str(value)), 2, use_l10n=True)} %"


def kr(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return (
        f"{formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)} kr."
    )


# --- Chart geometry for the SVG on pages ----------------------------------------------------------


def quartile_bars(quartiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per band (lowest first) the widths (0-100) of the women's and men's parts."""
    names = [_("Lower"), _("Lower middle"), _("Upper middle"), _("Upper")]
    bars = []
    for index, (name, band) in enumerate(zip(names, quartiles, strict=False)):
        women = None if band.get("F") is None else float(Decimal(str(band["F"])))
        men = None if band.get("M") is None else float(Decimal(str(band["M"])))
        bars.append(
            {
                "name": name,
                "y": 10 + index * 34,
                "women": women,
                "men": men,
                "women_width": women or 0,
                "men_x": women or 0,
                "men_width": men or 0,
                "label": _("%(band)s: women %(f)s, men %(m)s")
                % {"band": name, "f": pct(band.get("F")), "m": pct(band.get("M"))},
            }
        )
    return bars


def gap_bars(rows: list[dict[str, Any]], key: str = "gap") -> dict[str, Any]:
    """Horizontal bars of category gaps around a zero axis (scale to the largest |gap|)."""
    values = [abs(float(Decimal(str(r[key])))) for r in rows if r.get(key) is not None]
    largest = max([5.0, *values])
    bars = []
    for index, row in enumerate(rows):
        value = row.get(key)
        y = 8 + index * 26
        if value is None:
            bars.append(
                {
                    "y": y,
                    "name": row["category"],
                    "x": 50,
                    "width": 0,
                    "value": None,
                    "label": _("%(c)s: withheld") % {"c": row["category"]},
                }
            )
            continue
        number = float(Decimal(str(value)))
        width = abs(number) / largest * 45
        bars.append(
            {
                "y": y,
                "name": row["category"],
                "x": 50 if number >= 0 else 50 - width,
                "width": width,
                "value": value,
                "flag": abs(number) >= 5,
                "label": f"{row['category']}: {pct(value)}",
            }
        )
    return {"bars": bars, "height": 16 + len(rows) * 26, "largest": largest}


# --- PDF ----------------------------------------------------------------------------------------


def _pdf() -> Any:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("ks", "", str(regular))
            pdf.add_font("ks", "B", str(bold))
            pdf.ks_font = "ks"
            break
    else:
        pdf.ks_font = "helvetica"
    pdf.add_page()
    return pdf


def _text(pdf: Any, value: str) -> str:
    if pdf.ks_font == "helvetica":
        return (
            value.replace("–", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")
        )
    return value


def _para(pdf: Any, text: str, size: int = 11, bold: bool = False, gap: float = 2) -> None:
    pdf.set_font(pdf.ks_font, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.55, _text(pdf, text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _row(pdf: Any, cells: list[str], widths: list[float], bold: bool = False) -> None:
    pdf.set_font(pdf.ks_font, "B" if bold else "", 9)
    for cell, width in zip(cells, widths, strict=True):
        pdf.cell(width, 6, _text(pdf, cell)[:60], border=1)
    pdf.ln(6)


def letter_pdf(request: Any) -> bytes:
    """The Art. 7 answer as a Danish letter."""
    answer = request.answer
    pdf = _pdf()
    _para(pdf, answer.get("employer", ""), 10)
    _para(pdf, request.person.full_name, 10)
    _para(
        pdf, formats.date_format(request.answered_at or request.requested_on, "j. F Y"), 10, gap=6
    )
    _para(pdf, _("Answer to your request for pay information"), 15, bold=True, gap=4)
    _para(
        pdf,
        _(
            "You asked on %(date)s for information about your pay level and the average pay "
            "levels, by sex, of the employees in your category of workers (EU directive "
            "2023/970, Art. 7). The figures are for the calendar year %(year)s."
        )
        % {
            "date": formats.date_format(request.requested_on, "j. F Y"),
            "year": answer.get("year"),
        },
    )
    own = answer.get("own", {})
    _para(pdf, _("Your pay level"), 12, bold=True)
    widths = [95.0, 75.0]
    _row(pdf, [_("Gross annual pay"), kr(own.get("annual"))], widths)
    _row(pdf, [_("of which basic pay"), kr(own.get("basic"))], widths)
    _row(pdf, [_("of which complementary or variable pay"), kr(own.get("complementary"))], widths)
    _row(pdf, [_("Hours paid"), formats.number_format(Decimal(own.get("hours", "0")), 2)], widths)
    _row(pdf, [_("Gross hourly pay"), kr(own.get("hourly"))], widths)
    pdf.ln(4)
    _para(pdf, _("Your category of workers: %(c)s") % {"c": answer.get("category", "")}, 12, True)
    count = answer.get("count", {})
    if answer.get("published"):
        widths3 = [70.0, 50.0, 50.0]
        _row(pdf, ["", _("Women"), _("Men")], widths3, bold=True)
        _row(pdf, [_("Number of employees"), str(count.get("F")), str(count.get("M"))], widths3)
        hourly, annual = answer.get("mean_hourly") or {}, answer.get("mean_annual") or {}
        _row(
            pdf, [_("Average gross hourly pay"), kr(hourly.get("F")), kr(hourly.get("M"))], widths3
        )
        _row(
            pdf, [_("Average gross annual pay"), kr(annual.get("F")), kr(annual.get("M"))], widths3
        )
    else:
        _para(
            pdf,
            _(
                "The averages by sex are not given, because the category has fewer than "
                "%(n)s women or fewer than %(n)s men, and the figures could identify "
                "individual colleagues' pay."
            )
            % {"n": answer.get("min_group")},
        )
    pdf.ln(4)
    _para(
        pdf,
        _(
            "Pay level means gross pay: basic pay and every complementary or variable component "
            "(allowances, overtime, bonuses, benefits in kind). Hourly pay is the annual pay "
            "divided by the hours paid. You may share information about your pay. If you think "
            "the information is incomplete or wrong, you may ask for clarification; contact HR."
        ),
        10,
    )
    _para(pdf, _("Kind regards, HR, Koncernservice"), 10)
    return bytes(pdf.output())


def report_pdf(report: Any) -> bytes:
    """The annual report: indicators a–f per section, g per category, bars drawn."""
    data = report.data
    pdf = _pdf()
    _para(
        pdf,
        _("Gender pay gap report %(y)s: %(u)s") % {"y": report.year, "u": report.unit.name},
        16,
        True,
    )
    if report.status == "approved":
        when = formats.date_format(report.approved_at, "j. F Y H:i") if report.approved_at else ""
        _para(
            pdf,
            _("Approved by %(who)s on %(when)s.") % {"who": report.approved_by_label, "when": when},
            10,
        )
    else:
        _para(pdf, _("Draft: not approved."), 10)
    _para(
        pdf,
        _(
            "Gap = (men's level - women's level) / men's level x 100. Figures for groups with "
            "fewer than %(n)s women or men are withheld (-)."
        )
        % {"n": data.get("min_group")},
        9,
    )
    for section in data.get("sections", []):
        if pdf.get_y() > 200:
            pdf.add_page()
        count = section.get("count", {})
        _para(
            pdf,
            _("%(u)s (women %(f)s, men %(m)s)")
            % {"u": section["unit"]["name"], "f": count.get("F", 0), "m": count.get("M", 0)},
            13,
            True,
        )
        widths = [110.0, 60.0]
        share = section.get("share_receiving_complementary", {})
        for label, value in [
            (_("(a) Mean gender pay gap"), pct(section.get("mean_gap"))),
            (
                _("(b) Mean gap in complementary or variable pay"),
                pct(section.get("mean_gap_complementary")),
            ),
            (_("(c) Median gender pay gap"), pct(section.get("median_gap"))),
            (
                _("(d) Median gap in complementary or variable pay"),
                pct(section.get("median_gap_complementary")),
            ),
            (_("(e) Women receiving complementary pay"), pct(share.get("F"))),
            (_("(e) Men receiving complementary pay"), pct(share.get("M"))),
        ]:
            _row(pdf, [label, value], widths)
        pdf.ln(2)
        _para(pdf, _("(f) Women and men in each quartile pay band"), 10, True)
        for bar in quartile_bars(section.get("quartiles", [])):
            y = pdf.get_y()
            pdf.set_font(pdf.ks_font, "", 8)
            pdf.cell(35, 6, _text(pdf, bar["name"]))
            x = pdf.get_x()
            if bar["women"] is None:
                pdf.cell(100, 6, "-")
            else:
                pdf.set_fill_color(*FEMALE_COLOUR)
                pdf.rect(x, y + 1, bar["women_width"], 4, style="F")
                pdf.set_fill_color(*MALE_COLOUR)
                pdf.rect(x + bar["women_width"], y + 1, bar["men_width"], 4, style="F")
                pdf.set_x(x + 102)
                pdf.cell(35, 6, _text(pdf, f"K {pct(bar['women'])} / M {pct(bar['men'])}"))
            pdf.ln(6)
        pdf.ln(2)
        _para(pdf, _("(g) Gap by category of workers"), 10, True)
        widths4 = [80.0, 22.0, 34.0, 34.0]
        _row(
            pdf, [_("Category"), _("Women/men"), _("Basic pay"), _("Complementary")], widths4, True
        )
        for row in section.get("category_rows", []):
            if pdf.get_y() > 270:
                pdf.add_page()
            _row(
                pdf,
                [
                    row["category"],
                    f"{row['count']['F']}/{row['count']['M']}",
                    pct(row.get("basic_gap")),
                    pct(row.get("complementary_gap")),
                ],
                widths4,
            )
        pdf.ln(4)
    return bytes(pdf.output())


# --- Excel ----------------------------------------------------------------------------------------


def report_xlsx(report: Any) -> bytes:
    """The annual report as a workbook: an indicators sheet, a categories sheet, with charts."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    data = report.data
    book = Workbook()
    sheet = book.active
    sheet.title = _("Indicators")[:31]
    sheet.append(
        [_("Gender pay gap report %(y)s: %(u)s") % {"y": report.year, "u": report.unit.name}]
    )
    status = (
        _("Approved by %(who)s on %(when)s.")
        % {
            "who": report.approved_by_label,
            "when": report.approved_at.isoformat() if report.approved_at else "",
        }
        if report.status == "approved"
        else _("Draft: not approved.")
    )
    sheet.append([status])
    sheet.append([])
    sheet.append(
        [
            _("Unit"),
            _("Women"),
            _("Men"),
            _("(a) Mean gap %"),
            _("(b) Mean gap complementary %"),
            _("(c) Median gap %"),
            _("(d) Median gap complementary %"),
            _("(e) Women receiving complementary %"),
            _("(e) Men receiving complementary %"),
        ]
        + [f"(f) {name} {sex} %" for name in ("Q1", "Q2", "Q3", "Q4") for sex in ("K", "M")]
    )
    for section in data.get("sections", []):
        share = section.get("share_receiving_complementary", {})
        quartile_cells = []
        for band in section.get("quartiles", []):
            quartile_cells += [_num(band.get("F")), _num(band.get("M"))]
        sheet.append(
            [
                section["unit"]["name"],
                section["count"]["F"],
                section["count"]["M"],
                _num(section.get("mean_gap")),
                _num(section.get("mean_gap_complementary")),
                _num(section.get("median_gap")),
                _num(section.get("median_gap_complementary")),
                _num(share.get("F")),
                _num(share.get("M")),
                *quartile_cells,
            ]
        )
    # The quartile chart of the legal entity (first section)
    first = data.get("sections", [{}])[0]
    start = sheet.max_row + 3
    sheet.cell(start, 1, _("Quartile pay bands"))
    sheet.cell(start, 2, _("Women %"))
    sheet.cell(start, 3, _("Men %"))
    for index, bar in enumerate(quartile_bars(first.get("quartiles", [])), start=1):
        sheet.cell(start + index, 1, bar["name"])
        sheet.cell(start + index, 2, bar["women"])
        sheet.cell(start + index, 3, bar["men"])
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "percentStacked"
    chart.overlap = 100
    chart.title = _("Women and men in each quartile pay band")
    chart.add_data(
        Reference(sheet, min_col=2, max_col=3, min_row=start, max_row=start + 4),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=start + 1, max_row=start + 4))
    sheet.add_chart(chart, f"E{start}")

    cats = book.create_sheet(_("Categories")[:31])
    cats.append(
        [
            _("Unit"),
            _("Category"),
            _("Women"),
            _("Men"),
            _("Gap %"),
            _("Basic pay gap %"),
            _("Complementary pay gap %"),
        ]
    )
    for section in data.get("sections", []):
        for row in section.get("category_rows", []):
            cats.append(
                [
                    section["unit"]["name"],
                    row["category"],
                    row["count"]["F"],
                    row["count"]["M"],
                    _num(row.get("gap")),
                    _num(row.get("basic_gap")),
                    _num(row.get("complementary_gap")),
                ]
            )
    rows = len(first.get("category_rows", []))
    if rows:
        gap_chart = BarChart()
        gap_chart.type = "bar"
        gap_chart.title = _("Gap by category of workers (%)")
        gap_chart.add_data(
            Reference(cats, min_col=6, max_col=7, min_row=1, max_row=1 + rows),
            titles_from_data=True,
        )
        gap_chart.set_categories(Reference(cats, min_col=2, min_row=2, max_row=1 + rows))
        gap_chart.height = max(7.5, rows * 0.6)
        cats.add_chart(gap_chart, "I2")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _num(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))
