"""ISO 20022 bank files: pain.001 (credit transfers out) and camt.054 / camt.053 (what the
bank booked). Pure functions over lxml, no database.

pain.001.001.03 (the version Danish banks accept for corporate payments) with one payment
information block per payment date and method:

* ``iban``: ``CdtrAcct/Id/IBAN`` (+ BIC when known), service level SEPA for EUR;
* ``domestic``: Danish account as ``Othr/Id`` (BBAN) and the reg. no. as clearing member
  (``DKNCC``) of the creditor agent;
* ``fik`` / ``giro`` (payment slips, "indbetalingskort"), as the Danish appendix to the
  Common Global Implementation (CGI) guidelines describes them: the creditor number (FIK
  71/73/75: 8 digits) or giro account (01/04/15) as the creditor account (``Othr/Id``,
  scheme ``Prtry`` ``OCR``), and card type and payment id joined by a slash as the
  structured creditor reference of type ``SCOR`` (``71/000000000012347``; ``73/`` for the
  card without a payment id). No local instrument is set for them. Card types 73 and 01
  carry a message to the creditor, so they keep the unstructured remittance text too; 71,
  75, 04 and 15 do not (some banks refuse it there). Each bank's guide adds details
  (e.g. batch booking, the initiating party's scheme): check it before going live.

camt.054/053 are read namespace-agnostically (any version): each transaction's
``EndToEndId``, amount, booked status and return information.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lxml import etree

PAIN_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
MAX_AMOUNT = Decimal(10) ** 12


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str
    org_id: str = ""


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: Decimal
    currency: str
    execution_date: dt.date
    method: str  # fik, giro, domestic, iban
    creditor_name: str
    card_type: str = ""
    payment_id: str = ""
    creditor: str = ""
    reg_no: str = ""
    account_no: str = ""
    iban: str = ""
    bic: str = ""
    remittance: str = ""


CARDS_WITH_MESSAGE = frozenset({"01", "73"})  # payment slips with a message to the creditor


def slip_reference(card_type: str, payment_id: str) -> str:
    """The creditor reference of a payment slip: ``71/000000000012347``, ``73/``."""
    return f"{card_type}/{payment_id}"


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{PAIN_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def build_pain001(
    *, message_id: str, created: dt.datetime, debtor: Debtor, transfers: Sequence[Transfer]
) -> bytes:
    root = etree.Element(f"{{{PAIN_NS}}}Document", nsmap={None: PAIN_NS})
    init = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(init, "GrpHdr")
    _sub(header, "MsgId", message_id[:35])
    _sub(header, "CreDtTm", created.strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(header, "NbOfTxs", str(len(transfers)))
    _sub(header, "CtrlSum", _amount(sum((t.amount for t in transfers), Decimal(0))))
    party = _sub(header, "InitgPty")
    _sub(party, "Nm", debtor.name[:70])
    if debtor.org_id:
        other = _sub(_sub(_sub(party, "Id"), "OrgId"), "Othr")
        _sub(other, "Id", debtor.org_id)
        _sub(_sub(other, "SchmeNm"), "Cd", "BANK")
    groups: dict[tuple[dt.date, str, str, str], list[Transfer]] = {}
    for t in transfers:
        groups.setdefault((t.execution_date, t.method, t.card_type, t.currency), []).append(t)
    for number, ((date, method, card, currency), items) in enumerate(sorted(groups.items()), 1):
        info = _sub(init, "PmtInf")
        _sub(info, "PmtInfId", f"{message_id[:28]}-{number:03d}")
        _sub(info, "PmtMtd", "TRF")
        _sub(info, "NbOfTxs", str(len(items)))
        _sub(info, "CtrlSum", _amount(sum((t.amount for t in items), Decimal(0))))
        kind = _sub(info, "PmtTpInf")
        if method == "iban" and currency == "EUR":
            _sub(_sub(kind, "SvcLvl"), "Cd", "SEPA")
        else:
            _sub(_sub(kind, "SvcLvl"), "Cd", "NURG")
        _sub(info, "ReqdExctnDt", date.isoformat())
        _sub(_sub(info, "Dbtr"), "Nm", debtor.name[:70])
        account = _sub(info, "DbtrAcct")
        _sub(_sub(account, "Id"), "IBAN", debtor.iban)
        _sub(account, "Ccy", "DKK")
        _sub(_sub(_sub(info, "DbtrAgt"), "FinInstnId"), "BIC", debtor.bic)
        _sub(info, "ChrgBr", "SLEV")
        for t in items:
            tx = _sub(info, "CdtTrfTxInf")
            ids = _sub(tx, "PmtId")
            _sub(ids, "InstrId", t.end_to_end_id)
            _sub(ids, "EndToEndId", t.end_to_end_id)
            _sub(_sub(tx, "Amt"), "InstdAmt", _amount(t.amount), Ccy=t.currency)
            if method == "domestic":
                member = _sub(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), "ClrSysMmbId")
                _sub(_sub(member, "ClrSysId"), "Cd", "DKNCC")
                _sub(member, "MmbId", t.reg_no)
            elif method == "iban" and t.bic:
                _sub(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), "BIC", t.bic)
            _sub(_sub(tx, "Cdtr"), "Nm", t.creditor_name[:70] or "-")
            creditor_id = _sub(_sub(tx, "CdtrAcct"), "Id")
            if method == "iban":
                _sub(creditor_id, "IBAN", t.iban)
            else:
                other = _sub(creditor_id, "Othr")
                if method == "domestic":
                    _sub(other, "Id", t.account_no)
                    _sub(_sub(other, "SchmeNm"), "Cd", "BBAN")
                else:
                    _sub(other, "Id", t.creditor)
                    _sub(_sub(other, "SchmeNm"), "Prtry", "OCR")
            remittance = _sub(tx, "RmtInf")
            if method not in {"fik", "giro"} or card in CARDS_WITH_MESSAGE:
                _sub(remittance, "Ustrd", t.remittance[:140] or t.end_to_end_id)
            if method in {"fik", "giro"}:
                ref = _sub(_sub(remittance, "Strd"), "CdtrRefInf")
                _sub(_sub(_sub(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                _sub(ref, "Ref", slip_reference(card, t.payment_id))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass(frozen=True)
class BankTransaction:
    """One transaction of a camt file. ``amount``/``currency``: what was booked (the
    transaction amount, else the entry's); ``instructed``: the amount we instructed, in its
    own currency, when the bank repeats it (``AmtDtls/InstdAmt``: a EUR transfer booked in
    DKK); ``charges``: the bank's charges reported with it (not included in ``amount``'s
    meaning: kept apart)."""

    end_to_end_id: str
    amount: Decimal
    booked: bool
    returned: bool
    reason: str
    currency: str = ""
    instructed: Decimal | None = None
    instructed_currency: str = ""
    charges: Decimal = Decimal(0)
    charges_currency: str = ""


class BankFileError(ValueError):
    pass


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _first(el: etree._Element, *path: str) -> etree._Element | None:
    current: etree._Element | None = el
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if isinstance(c.tag, str) and _local(c) == name), None)
    return current


def _text(el: etree._Element | None, *path: str) -> str:
    found = _first(el, *path) if el is not None and path else el
    return (found.text or "").strip() if found is not None else ""


def parse_camt(data: bytes) -> tuple[str, list[BankTransaction]]:
    """Read a camt.054 (debit notification) or camt.053 (statement): (kind, transactions)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:65536]:
        raise BankFileError(_("DTDs are not allowed in bank files."))
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BankFileError(
            _("The bank file is not well-formed XML: %(error)s") % {"error": exc}
        ) from None
    namespace = etree.QName(root).namespace or ""
    if "camt.054" in namespace:
        kind = "camt.054"
    elif "camt.053" in namespace:
        kind = "camt.053"
    else:
        raise BankFileError(_("Not a camt.054 or camt.053 file."))
    result: list[BankTransaction] = []
    for entry in root.iter():
        if not isinstance(entry.tag, str) or _local(entry) != "Ntry":
            continue
        status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
        booked = status == "BOOK"
        reversal = _text(entry, "RvslInd").lower() == "true"
        entry_amount = _first(entry, "Amt")
        for tx in entry.iter():
            if not isinstance(tx.tag, str) or _local(tx) != "TxDtls":
                continue
            e2e = _text(tx, "Refs", "EndToEndId")
            if not e2e:
                continue
            # lxml elements without children are falsy: look for the first one that exists
            candidates = (
                _first(tx, "AmtDtls", "TxAmt", "Amt"),
                _first(tx, "AmtDtls", "InstdAmt", "Amt"),
                _first(tx, "Amt"),
                entry_amount,
            )
            booked_el = next((c for c in candidates if c is not None), None)
            amount, currency = _money(e2e, booked_el)
            instructed_el = _first(tx, "AmtDtls", "InstdAmt", "Amt")
            instructed, instructed_currency = (
                _money(e2e, instructed_el) if instructed_el is not None else (None, "")
            )
            charges, charges_currency = _charges(e2e, _first(tx, "Chrgs"))
            returned_info = _first(tx, "RtrInf")
            returned = reversal or returned_info is not None
            reason = _text(returned_info, "Rsn", "Cd") if returned_info is not None else ""
            result.append(
                BankTransaction(
                    e2e,
                    amount,
                    booked,
                    returned,
                    reason,
                    currency,
                    instructed,
                    instructed_currency,
                    charges,
                    charges_currency,
                )
            )
    return kind, result


def _money(e2e: str, el: etree._Element | None) -> tuple[Decimal, str]:
    """An ISO 20022 amount element: (value, ``Ccy``)."""
    raw = (el.text or "").strip() if el is not None else ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BankFileError(
            _("Transaction %(id)s: amount '%(amount)s' is not a number.")
            % {"id": e2e, "amount": raw}
        ) from None
    # ISO 20022 amounts have at most 18 digits, 5 decimals; ours are stored with 12 + 2
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise BankFileError(
            _("Transaction %(id)s: amount '%(amount)s' is out of range.")
            % {"id": e2e, "amount": raw}
        )
    return value, (el.get("Ccy", "") if el is not None else "")


def _charges(e2e: str, charges: etree._Element | None) -> tuple[Decimal, str]:
    """The charges of a transaction: ``Chrgs/TtlChrgsAndTaxAmt`` when given, else the sum of
    the records' amounts (camt.05x.001.02: ``Chrgs`` repeated with ``Amt``; .04 and later:
    ``Chrgs/Rcrd/Amt``). Charges in several currencies are not added up: the first counts."""
    if charges is None:
        return Decimal(0), ""
    total = _first(charges, "TtlChrgsAndTaxAmt")
    if total is not None:
        return _money(e2e, total)
    parent = charges.getparent()
    blocks = [c for c in parent if isinstance(c.tag, str) and _local(c) == "Chrgs"]
    records = [
        r for block in blocks for r in block if isinstance(r.tag, str) and _local(r) == "Rcrd"
    ] or blocks
    amounts = [_money(e2e, _first(r, "Amt")) for r in records if _first(r, "Amt") is not None]
    if not amounts:
        return Decimal(0), ""
    currency = amounts[0][1]
    return sum((a for a, c in amounts if c == currency), Decimal(0)), currency


def build_camt054(
    *, message_id: str, created: dt.datetime, items: Sequence[tuple[str, Decimal, str]]
) -> bytes:
    """A camt.054 debit notification for (end-to-end id, amount booked, return reason or '')
    — the bank's side, for the demo and tests."""

    def sub(parent: etree._Element, tag: str, text: str | None = None, **a: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{CAMT054_NS}}}{tag}", a)
        if text is not None:
            el.text = text
        return el

    root = etree.Element(f"{{{CAMT054_NS}}}Document", nsmap={None: CAMT054_NS})
    notification = sub(root, "BkToCstmrDbtCdtNtfctn")
    header = sub(notification, "GrpHdr")
    sub(header, "MsgId", message_id)
    sub(header, "CreDtTm", created.strftime("%Y-%m-%dT%H:%M:%S"))
    ntf = sub(notification, "Ntfctn")
    sub(ntf, "Id", message_id)
    for e2e, amount, reason in items:
        entry = sub(ntf, "Ntry")
        sub(entry, "Amt", _amount(amount), Ccy="DKK")
        sub(entry, "CdtDbtInd", "CRDT" if reason else "DBIT")
        if reason:
            sub(entry, "RvslInd", "true")
        sub(entry, "Sts", "BOOK")
        tx = sub(sub(entry, "NtryDtls"), "TxDtls")
        sub(sub(tx, "Refs"), "EndToEndId", e2e)
        sub(sub(sub(tx, "AmtDtls"), "TxAmt"), "Amt", _amount(amount), Ccy="DKK")
        if reason:
            sub(sub(sub(tx, "RtrInf"), "Rsn"), "Cd", reason)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
