"""Danish explanations of the official rules (the official messages are English).

``danish_message(rule_id, message)``: a hand-written explanation for the rules users
meet most (``DANISH``), otherwise a Danish explanation of the rule's family (code lists,
decimals, VAT categories, UBL syntax rules, ...)."""

from __future__ import annotations

import re

VAT_CATEGORIES = {
    "S": "standardsats (S)",
    "Z": "nulsats (Z)",
    "E": "momsfritaget (E)",
    "AE": "omvendt betalingspligt (AE)",
    "IC": "momsfri levering inden for EU (K)",
    "G": "momsfri eksport uden for EU (G)",
    "O": "uden for momsområdet (O)",
    "AF": "IGIC, De Kanariske Øer (L)",
    "AG": "IPSI, Ceuta og Melilla (M)",
    "B": "split payment (B)",
}

# The VAT category rules have the same meaning per number in every category.
_VAT_BY_NUMBER = {
    "01": "En faktura med linjer, rabatter eller gebyrer i momskategori {cat} skal have en "
    "momsspecifikation (VAT breakdown) for kategorien.",
    "02": "En fakturalinje i momskategori {cat} kræver sælgers momsnummer (eller "
    "skatterepræsentantens eller køberens momsnummer, som reglen angiver).",
    "03": "En rabat på dokumentniveau i momskategori {cat} kræver sælgers momsnummer.",
    "04": "Et gebyr på dokumentniveau i momskategori {cat} kræver sælgers momsnummer.",
    "05": "Momssatsen på en fakturalinje i momskategori {cat} er forkert for kategorien.",
    "06": "Momssatsen på en rabat på dokumentniveau i momskategori {cat} er forkert for "
    "kategorien.",
    "07": "Momssatsen på et gebyr på dokumentniveau i momskategori {cat} er forkert for "
    "kategorien.",
    "08": "Momsgrundlaget for kategori {cat} skal være summen af linjebeløb minus rabatter "
    "plus gebyrer i kategorien.",
    "09": "Momsbeløbet for kategori {cat} er forkert (grundlag × sats, eller 0 hvis kategorien "
    "er momsfri).",
    "10": "Fritagelsesgrunden (kode eller tekst) for momskategori {cat} mangler eller må ikke "
    "være der.",
}

DANISH: dict[str, str] = {
    "BR-01": "Fakturaen mangler specifikations-id (CustomizationID).",
    "BR-02": "Fakturaen mangler fakturanummer.",
    "BR-03": "Fakturaen mangler udstedelsesdato.",
    "BR-04": "Fakturaen mangler fakturatypekode.",
    "BR-05": "Fakturaen mangler valutakode.",
    "BR-06": "Fakturaen mangler sælgers navn.",
    "BR-07": "Fakturaen mangler købers navn.",
    "BR-08": "Fakturaen mangler sælgers postadresse.",
    "BR-09": "Sælgers postadresse mangler landekode.",
    "BR-10": "Fakturaen mangler købers postadresse.",
    "BR-11": "Købers postadresse mangler landekode.",
    "BR-12": "Fakturaen mangler summen af linjebeløb (LineExtensionAmount).",
    "BR-13": "Fakturaen mangler totalbeløb uden moms (TaxExclusiveAmount).",
    "BR-14": "Fakturaen mangler totalbeløb med moms (TaxInclusiveAmount).",
    "BR-15": "Fakturaen mangler beløbet til betaling (PayableAmount).",
    "BR-16": "Fakturaen skal have mindst én fakturalinje.",
    "BR-17": "Betalingsmodtagers navn mangler, selv om betalingsmodtager er en anden end sælger.",
    "BR-18": "Skatterepræsentantens navn mangler.",
    "BR-19": "Skatterepræsentantens postadresse mangler.",
    "BR-20": "Skatterepræsentantens postadresse mangler landekode.",
    "BR-21": "En fakturalinje mangler linje-id.",
    "BR-22": "En fakturalinje mangler antal.",
    "BR-23": "En fakturalinje mangler enhedskode for antallet.",
    "BR-24": "En fakturalinje mangler linjebeløb.",
    "BR-25": "En fakturalinje mangler varenavn.",
    "BR-26": "En fakturalinje mangler nettopris.",
    "BR-27": "Varens nettopris må ikke være negativ.",
    "BR-28": "Varens bruttopris må ikke være negativ.",
    "BR-29": "Fakturaperiodens slutdato ligger før startdatoen.",
    "BR-30": "Linjeperiodens slutdato ligger før startdatoen.",
    "BR-31": "En rabat på dokumentniveau mangler beløb.",
    "BR-32": "En rabat på dokumentniveau mangler momskategori.",
    "BR-33": "En rabat på dokumentniveau mangler begrundelse (tekst eller kode).",
    "BR-36": "Et gebyr på dokumentniveau mangler beløb.",
    "BR-37": "Et gebyr på dokumentniveau mangler momskategori.",
    "BR-38": "Et gebyr på dokumentniveau mangler begrundelse (tekst eller kode).",
    "BR-41": "En linjerabat mangler beløb.",
    "BR-42": "En linjerabat mangler begrundelse (tekst eller kode).",
    "BR-43": "Et linjegebyr mangler beløb.",
    "BR-44": "Et linjegebyr mangler begrundelse (tekst eller kode).",
    "BR-45": "En momsspecifikation mangler momsgrundlag.",
    "BR-46": "En momsspecifikation mangler momsbeløb.",
    "BR-47": "En momsspecifikation mangler momskategori.",
    "BR-48": "En momsspecifikation mangler momssats.",
    "BR-49": "En betalingsinstruktion mangler betalingsmåde (PaymentMeansCode).",
    "BR-50": "Kontonummer til betaling mangler ved bankoverførsel.",
    "BR-51": "Fakturaen må ikke indeholde det fulde kortnummer.",
    "BR-52": "Et bilag mangler reference (ID).",
    "BR-53": "Momsbeløbet i regnskabsvalutaen mangler, når en regnskabsvaluta er angivet.",
    "BR-54": "En vareegenskab mangler navn eller værdi.",
    "BR-55": "En henvisning til en tidligere faktura mangler fakturanummer.",
    "BR-56": "Skatterepræsentanten mangler momsnummer.",
    "BR-57": "Leveringsadressen mangler landekode.",
    "BR-61": "Kontonummer til betaling mangler ved overførsel (betalingsmåde 30, 58 eller 31).",
    "BR-62": "Sælgers elektroniske adresse (EndpointID) mangler schemeID.",
    "BR-63": "Købers elektroniske adresse (EndpointID) mangler schemeID.",
    "BR-64": "Varens standard-id mangler schemeID.",
    "BR-65": "Varens klassifikationskode mangler listID.",
    "BR-66": "Fakturaen må højst have ét betalingskort.",
    "BR-67": "Fakturaen må højst have ét betalingsmandat.",
    "BR-CO-03": "Momsdato og momsdatokode må ikke begge være angivet.",
    "BR-CO-04": "Hver fakturalinje skal have en momskategori.",
    "BR-CO-05": "Rabattens begrundelseskode og tekst skal betyde det samme.",
    "BR-CO-06": "Gebyrets begrundelseskode og tekst skal betyde det samme.",
    "BR-CO-07": "Linjerabattens begrundelseskode og tekst skal betyde det samme.",
    "BR-CO-08": "Linjegebyrets begrundelseskode og tekst skal betyde det samme.",
    "BR-CO-09": "Momsnumre skal begynde med et landepræfiks (fx DK).",
    "BR-CO-10": "Summen af linjebeløb passer ikke med fakturalinjerne.",
    "BR-CO-11": "Summen af rabatter på dokumentniveau passer ikke med rabatterne.",
    "BR-CO-12": "Summen af gebyrer på dokumentniveau passer ikke med gebyrerne.",
    "BR-CO-13": "Totalbeløbet uden moms er ikke linjebeløb minus rabatter plus gebyrer.",
    "BR-CO-14": "Fakturaens samlede moms passer ikke med momsspecifikationerne.",
    "BR-CO-15": "Totalbeløbet med moms er ikke totalbeløbet uden moms plus momsen.",
    "BR-CO-16": "Beløbet til betaling er ikke totalbeløbet med moms minus forudbetalt beløb plus "
    "afrunding.",
    "BR-CO-17": "Momsbeløbet i en momsspecifikation er ikke grundlag × sats (afrundet til 2 "
    "decimaler).",
    "BR-CO-18": "Fakturaen skal have mindst én momsspecifikation.",
    "BR-CO-19": "Fakturaperioden skal have en start- eller slutdato.",
    "BR-CO-20": "Linjeperioden skal have en start- eller slutdato.",
    "BR-CO-21": "En rabat på dokumentniveau skal have en begrundelse (tekst eller kode).",
    "BR-CO-22": "Et gebyr på dokumentniveau skal have en begrundelse (tekst eller kode).",
    "BR-CO-23": "En linjerabat skal have en begrundelse (tekst eller kode).",
    "BR-CO-24": "Et linjegebyr skal have en begrundelse (tekst eller kode).",
    "BR-CO-25": "Når der er et beløb til betaling, skal der være forfaldsdato eller "
    "betalingsbetingelser.",
    "BR-CO-26": "Sælger skal kunne identificeres: sælger-id, CVR-nummer eller momsnummer.",
    "PEPPOL-EN16931-R001": "Forretningsprocessen (ProfileID) mangler.",
    "PEPPOL-EN16931-R002": "Der må højst være én note på dokumentniveau.",
    "PEPPOL-EN16931-R003": "Købers reference eller ordrereference skal være angivet (i Danmark "
    "typisk EAN-/ordrenummer eller kontaktperson).",
    "PEPPOL-EN16931-R004": "Specifikations-id (CustomizationID) skal være Peppol BIS Billing 3.0.",
    "PEPPOL-EN16931-R005": "Regnskabsvalutaen skal være en anden end fakturavalutaen.",
    "PEPPOL-EN16931-R007": "Forretningsprocessen (ProfileID) har ikke formatet "
    "urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0.",
    "PEPPOL-EN16931-R008": "Dokumentet må ikke indeholde tomme elementer.",
    "PEPPOL-EN16931-R010": "Købers elektroniske adresse (EndpointID) mangler.",
    "PEPPOL-EN16931-R020": "Sælgers elektroniske adresse (EndpointID) mangler.",
    "PEPPOL-EN16931-R040": "Rabat-/gebyrbeløbet er ikke grundbeløb × procent / 100.",
    "PEPPOL-EN16931-R041": "Grundbeløbet mangler, når en procentsats er angivet.",
    "PEPPOL-EN16931-R042": "Procentsatsen mangler, når et grundbeløb er angivet.",
    "PEPPOL-EN16931-R043": "ChargeIndicator skal være 'true' eller 'false'.",
    "PEPPOL-EN16931-R044": "Gebyr på prisniveau er ikke tilladt.",
    "PEPPOL-EN16931-R046": "Nettoprisen er ikke bruttopris minus rabat.",
    "PEPPOL-EN16931-R051": "Alle beløb skal være i fakturavalutaen.",
    "PEPPOL-EN16931-R053": "Der skal være præcis én momstotal med momsspecifikationer.",
    "PEPPOL-EN16931-R054": "Der skal kun være én momstotal uden specifikationer, når "
    "regnskabsvaluta er angivet.",
    "PEPPOL-EN16931-R055": "Momsen i fakturavaluta og i regnskabsvaluta skal have samme fortegn.",
    "PEPPOL-EN16931-R061": "Mandatreference mangler ved direkte debitering.",
    "PEPPOL-EN16931-R080": "Der må kun være én projektreference.",
    "PEPPOL-EN16931-R100": "Der må kun være ét faktureret objekt pr. linje.",
    "PEPPOL-EN16931-R101": "Dokumentreference på linjen må kun bruges til det fakturerede objekt.",
    "PEPPOL-EN16931-R110": "Linjeperiodens startdato ligger uden for fakturaperioden.",
    "PEPPOL-EN16931-R111": "Linjeperiodens slutdato ligger uden for fakturaperioden.",
    "PEPPOL-EN16931-R120": "Linjebeløbet er ikke antal × (pris / prisgrundlag) plus gebyrer minus "
    "rabatter.",
    "PEPPOL-EN16931-R121": "Prisgrundlaget (BaseQuantity) skal være større end nul.",
    "PEPPOL-EN16931-R130": "Enheden for prisgrundlaget skal være den samme som for antallet.",
    "PEPPOL-COMMON-R040": "GLN-nummeret har ikke et gyldigt format eller kontrolciffer.",
    "PEPPOL-COMMON-R042": "CVR-nummeret har ikke det rigtige format.",
    "DK-R-002": "Danske leverandører skal angive CVR-nummer (PartyLegalEntity/CompanyID).",
    "DK-R-003": "Varens klassifikation skal bruge UNSPSC version 19.05.01 eller 26.08.01.",
    "DK-R-004": "Andre afgifter end moms skal angives som gebyr med årsagskode ZZZ og "
    "afgiftskategorien i begrundelsen.",
    "DK-R-005": "Betalingsmåden er ikke tilladt for danske leverandører (tilladt: 1, 10, 31, 42, "
    "48, 49, 50, 58, 59, 93, 97).",
    "DK-R-006": "Bankkonto og registreringsnummer skal angives ved betalingsmåde 31 eller 42.",
    "DK-R-007": "Mandat-id og betalers konto skal angives ved betalingsmåde 49 (Betalingsservice).",
    "DK-R-008": "Ved girobetaling (50) skal PaymentID begynde med 01#, 04# eller 15#, og "
    "girokontonummeret skal have 7 eller 8 cifre.",
    "DK-R-009": "Ved girobetaling med 04# eller 15# skal det 16-cifrede betalings-id følge efter "
    "#.",
    "DK-R-010": "Ved FIK-betaling (93) skal PaymentID begynde med 71#, 73# eller 75#, og "
    "kreditornummeret skal have præcis 8 tegn.",
    "DK-R-011": "Ved FIK-betaling med 71# eller 75# skal det 15-16-cifrede betalings-id følge "
    "efter #.",
    "DK-R-013": "Danske leverandører skal angive schemeID for PartyIdentification/ID.",
    "DK-R-014": "Danske leverandører skal bruge schemeID 0184 (CVR) for "
    "PartyLegalEntity/CompanyID.",
    "DK-R-016": "En kreditnota fra en dansk leverandør må ikke have et negativt beløb til "
    "betaling.",
    "RULES-EVALUATION-ERROR": "Reglerne kunne ikke evalueres, fordi en værdi har et ugyldigt "
    "format (fx et beløb eller en dato).",
}

_FAMILIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^BR-CL-"), "Koden findes ikke på den kodeliste, standarden tillader for feltet."),
    (re.compile(r"^BR-DEC-"), "Beløbet har flere decimaler end tilladt (højst 2)."),
    (
        re.compile(r"^UBL-CR-"),
        "Elementet bør ikke bruges i en faktura efter EN 16931 (UBL-syntaksregel); "
        "modtageren ser bort fra det.",
    ),
    (re.compile(r"^UBL-SR-"), "Elementet må højst forekomme én gang (UBL-syntaksregel)."),
    (re.compile(r"^UBL-DT-"), "Datatypen er ikke tilladt (UBL-syntaksregel for EN 16931)."),
    (
        re.compile(r"^BR-CO-"),
        "Beløbene eller oplysningerne hænger ikke sammen (EN 16931 beregningsregel).",
    ),
    (re.compile(r"^PEPPOL-EN16931-CL"), "Koden findes ikke på den kodeliste, Peppol tillader."),
    (
        re.compile(r"^PEPPOL-COMMON-R04"),
        "Identifikatoren har ikke det rigtige format eller kontrolciffer.",
    ),
    (re.compile(r"^PEPPOL-"), "Fakturaen overholder ikke en Peppol BIS 3-regel."),
    (re.compile(r"^DK-R-"), "Fakturaen overholder ikke en dansk regel (Peppol DK CIUS)."),
    (
        re.compile(r"^(NO|SE|IT|GR|IS|NL|DE)-"),
        "Fakturaen overholder ikke en national regel for leverandørens eller køberens land.",
    ),
    (re.compile(r"^BR-"), "Fakturaen overholder ikke en forretningsregel i EN 16931."),
]

_VAT_RULE = re.compile(r"^BR-(S|Z|E|AE|IC|G|O|AF|AG|B)-(\d+)$")


def danish_message(rule_id: str, message: str = "") -> str:
    da = DANISH.get(rule_id)
    if da:
        return da
    m = _VAT_RULE.match(rule_id)
    if m:
        cat = VAT_CATEGORIES.get(m.group(1), m.group(1))
        text = _VAT_BY_NUMBER.get(m.group(2))
        if text and m.group(1) != "B":
            return text.format(cat=cat)
        return f"Momsreglerne for momskategori {cat} er ikke overholdt."
    for pattern, text in _FAMILIES:
        if pattern.match(rule_id):
            return text
    return "Fakturaen overholder ikke reglen."
