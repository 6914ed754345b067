"""The content of the demo municipality: administrations, areas, unit kinds, jobs and names.

Plain Danish data, no logic. The generator in :mod:`koncernservice.demo.services` draws from
it with a seeded random generator, so the same scale always gives the same municipality.
Everything here is synthetic; names of schools and centres are typical of Copenhagen but
the structure, people and numbers are invented.
"""

from __future__ import annotations

from dataclasses import dataclass


def names(text: str) -> tuple[str, ...]:
    """A tuple of names from a comma-separated block of text (keeps long lists compact)."""
    return tuple(" ".join(name.split()) for name in text.split(",") if name.strip())


def weighted(text: str) -> tuple[tuple[str, float], ...]:
    """``"Nielsen 245, Jensen 243"`` → ``(("Nielsen", 245.0), ("Jensen", 243.0))``."""
    pairs = (name.rsplit(maxsplit=1) for name in names(text))
    return tuple((name, float(weight)) for name, weight in pairs)


# --- Jobs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A job category and position title, how common it is in a profile and how often part-time."""

    category: str
    title: str
    weight: float
    part_time: float = 0.1


@dataclass(frozen=True)
class Profile:
    """The staff of a kind of unit: its manager's title, its jobs and the share of women."""

    manager_title: str
    jobs: tuple[Job, ...]
    female_share: float = 0.6


OFFICE_JOBS = (
    Job("Kontorfuldmægtig", "Kontorfuldmægtig", 3, 0.15),
    Job("AC-fuldmægtig", "AC-fuldmægtig", 1.5, 0.05),
)

PROFILES: dict[str, Profile] = {
    # Børne- og Ungdomsforvaltningen
    "daycare": Profile(
        "Institutionsleder",
        (
            Job("Pædagog", "Pædagog", 50, 0.3),
            Job("Pædagogmedhjælper", "Pædagogmedhjælper", 30, 0.45),
            Job("Pædagogisk assistent", "Pædagogisk assistent", 8, 0.3),
            Job("Køkkenmedarbejder", "Køkkenassistent", 4, 0.5),
            Job("Pædagog", "Souschef", 2, 0.0),
        ),
        0.82,
    ),
    "school": Profile(
        "Skoleleder",
        (
            Job("Lærer", "Lærer", 60, 0.08),
            Job("Pædagog", "Pædagog", 12, 0.3),
            Job("Kontorfuldmægtig", "Skolesekretær", 4, 0.2),
            Job("Teknisk servicemedarbejder", "Pedel", 3, 0.05),
            Job("Lærer", "Viceskoleleder", 1, 0.0),
            Job("Lærer", "Lærer, specialklasse", 5, 0.1),
            *OFFICE_JOBS,
        ),
        0.68,
    ),
    "school_dept": Profile(
        "Afdelingsleder",
        (
            Job("Lærer", "Lærer", 70, 0.08),
            Job("Pædagog", "Pædagog", 15, 0.3),
            Job("Pædagogmedhjælper", "Pædagogmedhjælper", 5, 0.5),
            Job("Lærer", "Lærer, specialklasse", 5, 0.1),
        ),
        0.68,
    ),
    "after_school": Profile(
        "SFO-leder",
        (
            Job("Pædagog", "Pædagog", 55, 0.35),
            Job("Pædagogmedhjælper", "Pædagogmedhjælper", 35, 0.55),
            Job("Pædagogisk assistent", "Pædagogisk assistent", 10, 0.4),
        ),
        0.7,
    ),
    "youth_club": Profile(
        "Klubleder",
        (
            Job("Pædagog", "Pædagog", 45, 0.3),
            Job("Pædagogmedhjælper", "Pædagogmedhjælper", 30, 0.5),
            Job("Pædagog", "Ungdomsmedarbejder", 20, 0.5),
        ),
        0.55,
    ),
    "dental": Profile(
        "Klinikleder",
        (
            Job("Tandlæge", "Tandlæge", 22, 0.25),
            Job("Tandplejer", "Tandplejer", 25, 0.3),
            Job("Klinikassistent", "Klinikassistent", 45, 0.35),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 5, 0.2),
        ),
        0.85,
    ),
    "health_visitor": Profile(
        "Afdelingsleder",
        (
            Job("Sundhedsplejerske", "Sundhedsplejerske", 80, 0.3),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 8, 0.2),
            Job("Psykolog", "Psykolog", 5, 0.2),
        ),
        0.95,
    ),
    "ppr": Profile(
        "Afdelingsleder",
        (
            Job("Psykolog", "Skolepsykolog", 45, 0.15),
            Job("Tale-hørelærer", "Tale-hørekonsulent", 20, 0.15),
            Job("Pædagog", "Pædagogisk konsulent", 20, 0.1),
            *OFFICE_JOBS,
        ),
        0.8,
    ),
    # Sundheds- og Omsorgsforvaltningen
    "care_home": Profile(
        "Plejehjemsleder",
        (
            Job("Social- og sundhedshjælper", "Social- og sundhedshjælper", 35, 0.45),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 35, 0.35),
            Job("Sygeplejerske", "Sygeplejerske", 10, 0.25),
            Job("Ergoterapeut", "Ergoterapeut", 3, 0.2),
            Job("Fysioterapeut", "Fysioterapeut", 3, 0.2),
            Job("Køkkenmedarbejder", "Ernæringsassistent", 5, 0.3),
            Job("Pædagog", "Aktivitetsmedarbejder", 3, 0.4),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 2, 0.1),
        ),
        0.86,
    ),
    "care_unit": Profile(
        "Afdelingsleder",
        (
            Job("Social- og sundhedshjælper", "Social- og sundhedshjælper", 40, 0.45),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 40, 0.35),
            Job("Sygeplejerske", "Sygeplejerske", 12, 0.25),
            Job("Social- og sundhedsassistent", "Nattevagt", 6, 0.6),
        ),
        0.86,
    ),
    "home_care": Profile(
        "Hjemmeplejeleder",
        (
            Job("Social- og sundhedshjælper", "Social- og sundhedshjælper", 50, 0.45),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 30, 0.35),
            Job("Sygeplejerske", "Sygeplejerske", 6, 0.25),
            Job("Kontorfuldmægtig", "Planlægger", 4, 0.1),
        ),
        0.84,
    ),
    "home_nursing": Profile(
        "Sygeplejeleder",
        (
            Job("Sygeplejerske", "Sygeplejerske", 70, 0.3),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 20, 0.3),
            Job("Kontorfuldmægtig", "Planlægger", 5, 0.1),
        ),
        0.9,
    ),
    "rehab": Profile(
        "Centerleder",
        (
            Job("Fysioterapeut", "Fysioterapeut", 35, 0.2),
            Job("Ergoterapeut", "Ergoterapeut", 35, 0.2),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 20, 0.35),
            Job("Sygeplejerske", "Sygeplejerske", 5, 0.2),
        ),
        0.8,
    ),
    "health_centre": Profile(
        "Centerleder",
        (
            Job("Sygeplejerske", "Sygeplejerske", 30, 0.25),
            Job("Fysioterapeut", "Fysioterapeut", 15, 0.2),
            Job("Diætist", "Klinisk diætist", 10, 0.3),
            Job("AC-fuldmægtig", "Sundhedskonsulent", 20, 0.1),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 8, 0.15),
        ),
        0.8,
    ),
    # Socialforvaltningen
    "social_case": Profile(
        "Afdelingsleder",
        (
            Job("Socialrådgiver", "Socialrådgiver", 60, 0.1),
            Job("Socialrådgiver", "Familiebehandler", 10, 0.1),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 12, 0.15),
            Job("AC-fuldmægtig", "AC-fuldmægtig", 6, 0.05),
            Job("Psykolog", "Psykolog", 4, 0.15),
        ),
        0.82,
    ),
    "social_residential": Profile(
        "Forstander",
        (
            Job("Pædagog", "Socialpædagog", 40, 0.2),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 20, 0.3),
            Job("Pædagogmedhjælper", "Omsorgsmedhjælper", 20, 0.45),
            Job("Sygeplejerske", "Sygeplejerske", 5, 0.2),
            Job("Pædagog", "Nattevagt", 6, 0.6),
            Job("Socialrådgiver", "Socialrådgiver", 4, 0.1),
        ),
        0.65,
    ),
    "social_outreach": Profile(
        "Forstander",
        (
            Job("Pædagog", "Socialpædagog", 35, 0.2),
            Job("Socialrådgiver", "Socialrådgiver", 20, 0.1),
            Job("Social- og sundhedsassistent", "Social- og sundhedsassistent", 15, 0.3),
            Job("Sygeplejerske", "Sygeplejerske", 8, 0.2),
            Job("Køkkenmedarbejder", "Køkkenmedarbejder", 8, 0.4),
            Job("Pædagog", "Gadeplansmedarbejder", 10, 0.2),
        ),
        0.55,
    ),
    # Teknik- og Miljøforvaltningen
    "parks": Profile(
        "Driftsleder",
        (
            Job("Gartner", "Gartner", 40, 0.05),
            Job("Gartner", "Anlægsgartner", 20, 0.05),
            Job("Driftsmedarbejder", "Driftsmedarbejder", 25, 0.05),
            Job("Driftsmedarbejder", "Maskinfører", 8, 0.0),
            Job("Ingeniør", "Landskabsarkitekt", 3, 0.05),
        ),
        0.25,
    ),
    "city_cleaning": Profile(
        "Driftsleder",
        (
            Job("Renovationsmedarbejder", "Renovationsmedarbejder", 45, 0.05),
            Job("Renovationsmedarbejder", "Skraldemand", 20, 0.05),
            Job("Driftsmedarbejder", "Gadefejer", 20, 0.05),
            Job("Driftsmedarbejder", "Chauffør", 10, 0.0),
        ),
        0.15,
    ),
    "engineering": Profile(
        "Kontorchef",
        (
            Job("Ingeniør", "Ingeniør", 40, 0.05),
            Job("Ingeniør", "Trafikplanlægger", 10, 0.05),
            Job("AC-fuldmægtig", "Arkitekt", 15, 0.05),
            Job("AC-fuldmægtig", "Byplanlægger", 15, 0.05),
            Job("Teknisk assistent", "Bygningskonstruktør", 10, 0.05),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 6, 0.1),
        ),
        0.45,
    ),
    "environment": Profile(
        "Kontorchef",
        (
            Job("AC-fuldmægtig", "Miljømedarbejder", 35, 0.05),
            Job("Teknisk assistent", "Miljøtekniker", 25, 0.05),
            Job("Ingeniør", "Miljøingeniør", 25, 0.05),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 8, 0.1),
        ),
        0.5,
    ),
    "parking": Profile(
        "Driftsleder",
        (
            Job("Parkeringskontrollør", "Parkeringskontrollør", 80, 0.1),
            Job("Kontorfuldmægtig", "Sagsbehandler", 15, 0.1),
        ),
        0.35,
    ),
    # Kultur- og Fritidsforvaltningen
    "library": Profile(
        "Biblioteksleder",
        (
            Job("Bibliotekar", "Bibliotekar", 45, 0.2),
            Job("Biblioteksassistent", "Biblioteksassistent", 25, 0.35),
            Job("Kulturformidler", "Kulturformidler", 12, 0.2),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 5, 0.2),
            Job("Biblioteksassistent", "Studentermedhjælper", 8, 0.9),
        ),
        0.72,
    ),
    "sports": Profile(
        "Anlægsleder",
        (
            Job("Driftsmedarbejder", "Driftsmedarbejder", 35, 0.1),
            Job("Idrætsmedarbejder", "Livredder", 25, 0.45),
            Job("Idrætsmedarbejder", "Idrætskonsulent", 15, 0.1),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 8, 0.2),
            Job("Idrætsmedarbejder", "Svømmeinstruktør", 10, 0.6),
        ),
        0.45,
    ),
    "culture": Profile(
        "Kulturhusleder",
        (
            Job("Kulturformidler", "Kulturformidler", 40, 0.25),
            Job("Kulturformidler", "Kulturmedarbejder", 25, 0.35),
            Job("Teknisk servicemedarbejder", "Teknisk medarbejder", 15, 0.2),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 8, 0.2),
        ),
        0.6,
    ),
    "citizen_service": Profile(
        "Afdelingsleder",
        (
            Job("Kontorfuldmægtig", "Borgerservicemedarbejder", 70, 0.2),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 15, 0.2),
            Job("AC-fuldmægtig", "AC-fuldmægtig", 5, 0.05),
        ),
        0.7,
    ),
    # Beskæftigelses- og Integrationsforvaltningen
    "jobcentre": Profile(
        "Afdelingsleder",
        (
            Job("Jobkonsulent", "Jobkonsulent", 45, 0.08),
            Job("Socialrådgiver", "Socialrådgiver", 20, 0.08),
            Job("Jobkonsulent", "Virksomhedskonsulent", 10, 0.05),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 10, 0.15),
            Job("AC-fuldmægtig", "AC-fuldmægtig", 6, 0.05),
        ),
        0.7,
    ),
    "guidance": Profile(
        "Afdelingsleder",
        (
            Job("Uddannelsesvejleder", "Uddannelsesvejleder", 75, 0.1),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 10, 0.15),
            Job("AC-fuldmægtig", "AC-fuldmægtig", 5, 0.05),
        ),
        0.7,
    ),
    "language_school": Profile(
        "Skoleleder",
        (
            Job("Underviser", "Sproglærer", 70, 0.2),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 10, 0.2),
            Job("Jobkonsulent", "Studievejleder", 8, 0.1),
        ),
        0.72,
    ),
    # Økonomiforvaltningen and Koncernservice
    "office": Profile(
        "Kontorchef",
        (
            Job("AC-fuldmægtig", "AC-fuldmægtig", 40, 0.05),
            Job("AC-fuldmægtig", "Specialkonsulent", 15, 0.05),
            Job("AC-fuldmægtig", "Chefkonsulent", 5, 0.02),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 20, 0.15),
            Job("Økonomimedarbejder", "Økonomimedarbejder", 10, 0.1),
            Job("Jurist", "Jurist", 5, 0.05),
        ),
        0.58,
    ),
    "audit": Profile(
        "Revisionschef",
        (
            Job("AC-fuldmægtig", "Revisor", 60, 0.05),
            Job("Økonomimedarbejder", "Revisionsassistent", 25, 0.1),
            Job("AC-fuldmægtig", "Specialkonsulent", 10, 0.05),
        ),
        0.55,
    ),
    "it": Profile(
        "Teamleder",
        (
            Job("IT-medarbejder", "IT-konsulent", 45, 0.03),
            Job("IT-medarbejder", "Systemadministrator", 25, 0.03),
            Job("IT-medarbejder", "Supporter", 20, 0.1),
            Job("AC-fuldmægtig", "Projektleder", 8, 0.02),
        ),
        0.3,
    ),
    "ks_payroll": Profile(
        "Teamleder",
        (
            Job("Lønkonsulent", "Lønkonsulent", 55, 0.1),
            Job("Lønkonsulent", "Personalekonsulent", 20, 0.1),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 15, 0.15),
            Job("AC-fuldmægtig", "AC-fuldmægtig", 5, 0.05),
        ),
        0.8,
    ),
    "ks_law": Profile(
        "Teamleder",
        (
            Job("Jurist", "Jurist", 60, 0.05),
            Job("Jurist", "Personalejuridisk konsulent", 25, 0.05),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 10, 0.1),
        ),
        0.7,
    ),
    "ks_hr": Profile(
        "Teamleder",
        (
            Job("HR-konsulent", "HR-konsulent", 55, 0.05),
            Job("HR-konsulent", "Rekrutteringskonsulent", 25, 0.05),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 10, 0.1),
        ),
        0.75,
    ),
    "ks_finance": Profile(
        "Teamleder",
        (
            Job("Økonomimedarbejder", "Økonomimedarbejder", 45, 0.1),
            Job("Økonomimedarbejder", "Bogholder", 30, 0.1),
            Job("Økonomimedarbejder", "Debitormedarbejder", 15, 0.1),
            Job("AC-fuldmægtig", "Regnskabskonsulent", 6, 0.05),
        ),
        0.65,
    ),
    "ks_procurement": Profile(
        "Teamleder",
        (
            Job("Indkøber", "Indkøber", 40, 0.05),
            Job("Indkøber", "Indkøbskonsulent", 25, 0.05),
            Job("AC-fuldmægtig", "Kontraktstyrer", 20, 0.05),
            Job("Jurist", "Udbudsjurist", 8, 0.05),
        ),
        0.55,
    ),
    "ks_insurance": Profile(
        "Teamleder",
        (
            Job("Forsikringskonsulent", "Forsikringskonsulent", 45, 0.05),
            Job("Forsikringskonsulent", "Arbejdsskadekonsulent", 35, 0.05),
            Job("Jurist", "Jurist", 10, 0.05),
        ),
        0.65,
    ),
    "ks_service": Profile(
        "Teamleder",
        (
            Job("Kontorfuldmægtig", "Servicemedarbejder", 60, 0.15),
            Job("Kontorfuldmægtig", "Kontorfuldmægtig", 20, 0.15),
            Job("Lønkonsulent", "Lønkonsulent", 8, 0.1),
            Job("HR-konsulent", "HR-konsulent", 5, 0.05),
        ),
        0.7,
    ),
}

MANAGER_CATEGORY = "Leder"
FULL_TIME_HOURS = 37
PART_TIME_HOURS = (20, 22, 24, 25, 26, 28, 30, 32, 34)

# --- Organisation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A named unit that an area always creates first (the places the demo users work)."""

    name: str
    profile: str
    key: str = ""


@dataclass(frozen=True)
class UnitKind:
    """A kind of generated unit: name patterns (``{s}`` a stem, ``{n}`` a neighbourhood)."""

    patterns: tuple[str, ...]
    stems: str  # key into STEMS, or "" when the patterns only use {n}
    profile: str
    weight: float
    sub_units: tuple[tuple[str, str], ...] = ()  # (name, profile) of possible sub-units
    sub_chance: float = 0.0  # how often a unit of this kind is split into sub-units


@dataclass(frozen=True)
class Area:
    """An area or centre (depth 2) of an administration."""

    name: str
    neighbourhoods: tuple[str, ...]
    kinds: tuple[UnitKind, ...]
    anchors: tuple[Anchor, ...] = ()
    weight: float = 1.0
    core: bool = False  # always built, with all its anchors, whatever the scale
    manager_title: str = "Områdechef"


@dataclass(frozen=True)
class Administration:
    code: str
    name: str
    abbreviation: str
    share: float  # share of the municipality's employees
    areas: tuple[Area, ...]
    director_title: str = "Administrerende direktør"


CITY = names(
    """
    Amager, Valby, Vanløse, Nørrebro, Østerbro, Vesterbro, Bispebjerg, Brønshøj, Sydhavn, Indre By,
    Ørestad, Husum, Christianshavn, Nordvest, Kongens Enghave, Islands Brygge, Sundby, Tingbjerg,
    Emdrup, Nordhavn
    """
)  # Copenhagen neighbourhoods, for units that exist all over the city

SCHOOL_SUB_UNITS = (
    ("Indskolingen", "school_dept"),
    ("Mellemtrinnet", "school_dept"),
    ("Udskolingen", "school_dept"),
    ("SFO", "after_school"),
    ("Specialklasserækken", "school_dept"),
)
DAYCARE_SUB_UNITS = (("Vuggestuen", "daycare"), ("Børnehaven", "daycare"))
CARE_HOME_SUB_UNITS = (
    ("Afdeling stuen", "care_unit"),
    ("Afdeling 1. sal", "care_unit"),
    ("Afdeling 2. sal", "care_unit"),
    ("Afdeling 3. sal", "care_unit"),
    ("Demensafsnittet", "care_unit"),
    ("Aflastningsafsnittet", "care_unit"),
)
HOME_CARE_SUB_UNITS = (
    ("Dagteam", "home_care"),
    ("Aftenteam", "home_care"),
    ("Natteam", "home_care"),
    ("Weekendteam", "home_care"),
)
JOBCENTRE_SUB_UNITS = (
    ("Team Jobparate", "jobcentre"),
    ("Team Aktivitetsparate", "jobcentre"),
    ("Team Sygedagpenge", "jobcentre"),
    ("Team Ressourceforløb", "jobcentre"),
    ("Virksomhedsservice", "jobcentre"),
)
SOCIAL_CASE_SUB_UNITS = (
    ("Team 0-6 år", "social_case"),
    ("Team 7-13 år", "social_case"),
    ("Team 14-17 år", "social_case"),
    ("Team Voksne", "social_case"),
    ("Team Handicap", "social_case"),
    ("Familiebehandlingen", "social_case"),
)
LANGUAGE_SUB_UNITS = (
    ("Danskuddannelse 1", "language_school"),
    ("Danskuddannelse 2", "language_school"),
    ("Danskuddannelse 3", "language_school"),
    ("Jobrettet dansk", "language_school"),
)

DAYCARE = UnitKind(
    (
        "Børnehuset {s}",
        "Vuggestuen {s}",
        "Børnehaven {s}",
        "Daginstitutionen {s}",
        "Naturbørnehaven {s}",
        "Børnehuset {s} ({n})",
    ),
    "daycare",
    "daycare",
    62,
    DAYCARE_SUB_UNITS,
    0.15,
)
YOUTH_CLUB = UnitKind(
    ("Fritidscenter {n}", "Klubben {s}", "Ungdomsklubben {s}"), "daycare", "youth_club", 8
)

BUF_AREAS = (
    Area(
        "Område Nørrebro/Bispebjerg",
        ("Nørrebro", "Bispebjerg", "Nordvest", "Utterslev"),
        (
            DAYCARE,
            UnitKind(("{s}",), "schools_north", "school", 10, SCHOOL_SUB_UNITS, 0.8),
            YOUTH_CLUB,
        ),
        anchors=(Anchor("Børnehuset Solsikken", "daycare", key="leder"),),
        weight=1.2,
        core=True,
    ),
    Area(
        "Område Brønshøj/Husum/Vanløse",
        ("Brønshøj", "Husum", "Vanløse", "Tingbjerg"),
        (
            DAYCARE,
            UnitKind(("{s}",), "schools_west", "school", 10, SCHOOL_SUB_UNITS, 0.8),
            YOUTH_CLUB,
        ),
        anchors=(Anchor("Husum Skole", "school"),),
    ),
    Area(
        "Område Valby/Vesterbro/Kongens Enghave",
        ("Valby", "Vesterbro", "Kongens Enghave", "Sydhavn", "Carlsberg Byen"),
        (
            DAYCARE,
            UnitKind(("{s}",), "schools_southwest", "school", 10, SCHOOL_SUB_UNITS, 0.8),
            YOUTH_CLUB,
        ),
    ),
    Area(
        "Område Amager",
        ("Amager Øst", "Amager Vest", "Sundby", "Ørestad", "Islands Brygge"),
        (
            DAYCARE,
            UnitKind(("{s}",), "schools_amager", "school", 10, SCHOOL_SUB_UNITS, 0.8),
            YOUTH_CLUB,
        ),
        weight=1.1,
    ),
    Area(
        "Område Østerbro/Indre By/Christianshavn",
        ("Østerbro", "Indre By", "Christianshavn", "Nordhavn"),
        (
            DAYCARE,
            UnitKind(("{s}",), "schools_central", "school", 10, SCHOOL_SUB_UNITS, 0.8),
            YOUTH_CLUB,
        ),
    ),
    Area(
        "Tandplejen",
        CITY,
        (UnitKind(("Tandklinik {n}", "Tandplejen {n}", "Ortodontiklinik {n}"), "", "dental", 1),),
        anchors=(Anchor("Tandklinik Amager", "dental"),),
        weight=0.12,
        manager_title="Overtandlæge",
    ),
    Area(
        "Sundhedsplejen og PPR",
        CITY,
        (
            UnitKind(("Sundhedsplejen {n}",), "", "health_visitor", 2),
            UnitKind(("PPR {n}",), "", "ppr", 1),
        ),
        weight=0.1,
        manager_title="Centerchef",
    ),
    Area(
        "Center for Policy og Administration",
        (),
        (UnitKind(("{s}",), "buf_offices", "office", 1),),
        weight=0.05,
        manager_title="Centerchef",
    ),
)

# The unit kinds of every SUF local area: care homes, home care and home nursing districts.
LOCAL_CARE_AREA_KINDS = (
    UnitKind(
        ("Plejecenter {s}", "Plejehjemmet {s}", "Plejeboligerne {s}"),
        "care",
        "care_home",
        5,
        CARE_HOME_SUB_UNITS,
        0.5,
    ),
    UnitKind(
        ("Hjemmeplejen {n}", "Hjemmeplejen {n}, distrikt {s}"),
        "districts",
        "home_care",
        4,
        HOME_CARE_SUB_UNITS,
        0.3,
    ),
    UnitKind(
        ("Hjemmesygeplejen {n}", "Sygeplejen {n}, distrikt {s}"), "districts", "home_nursing", 1.5
    ),
)

SUF_AREAS = (
    Area(
        "Lokalområde Østerbro/Indre By",
        ("Østerbro", "Indre By", "Nordhavn", "Christianshavn"),
        LOCAL_CARE_AREA_KINDS,
        anchors=(Anchor("Plejecenter Sølund", "care_home", key="leder2"),),
        weight=1.0,
        core=True,
    ),
    Area(
        "Lokalområde Valby/Vesterbro/Kongens Enghave",
        ("Valby", "Vesterbro", "Kongens Enghave", "Sydhavn"),
        LOCAL_CARE_AREA_KINDS,
        anchors=(Anchor("Hjemmeplejen Valby", "home_care"),),
        weight=1.0,
    ),
    Area(
        "Lokalområde Bispebjerg/Nørrebro",
        ("Bispebjerg", "Nørrebro", "Nordvest", "Emdrup"),
        LOCAL_CARE_AREA_KINDS,
        weight=1.0,
    ),
    Area(
        "Lokalområde Brønshøj/Husum/Vanløse",
        ("Brønshøj", "Husum", "Vanløse", "Tingbjerg"),
        LOCAL_CARE_AREA_KINDS[:2],
        weight=0.9,
    ),
    Area(
        "Lokalområde Amager",
        ("Amager Øst", "Amager Vest", "Sundby", "Ørestad"),
        LOCAL_CARE_AREA_KINDS,
        weight=1.0,
    ),
    Area(
        "Center for Sundhed og Rehabilitering",
        CITY,
        (
            UnitKind(("Sundhedshus {n}", "Forebyggelsescenter {n}"), "", "health_centre", 2),
            UnitKind(("Rehabiliteringscenter {n}", "Træningscenter {n}"), "", "rehab", 2),
        ),
        anchors=(Anchor("Sundhedshus Vesterbro", "health_centre"),),
        weight=0.35,
        manager_title="Centerchef",
    ),
)

SOF_AREAS = (
    Area(
        "Center for Udsatte Voksne",
        CITY,
        (
            UnitKind(
                (
                    "Herberget {s}",
                    "Forsorgshjemmet {s}",
                    "Natcafé {n}",
                    "Værestedet {s}",
                    "Botilbuddet {s}",
                ),
                "social",
                "social_outreach",
                1,
            ),
        ),
        anchors=(Anchor("Herberget Hillerødgade", "social_outreach"),),
        weight=1.0,
        core=True,
        manager_title="Centerchef",
    ),
    Area(
        "Borgercenter Børn og Unge",
        CITY,
        (
            UnitKind(
                ("Børnefamilier {n}", "Familiecenter {n}", "Ungeenheden {n}"),
                "",
                "social_case",
                2,
                SOCIAL_CASE_SUB_UNITS[:3] + SOCIAL_CASE_SUB_UNITS[5:],
                0.4,
            ),
            UnitKind(
                ("Døgninstitutionen {s}", "Opholdsstedet {s}"), "social", "social_residential", 1
            ),
        ),
        anchors=(Anchor("Børnefamilier Amager", "social_case"),),
        weight=1.2,
        manager_title="Centerchef",
    ),
    Area(
        "Borgercenter Voksne",
        CITY,
        (
            UnitKind(
                ("Myndighedsenhed {n}", "Socialcenter {n}"),
                "",
                "social_case",
                1,
                SOCIAL_CASE_SUB_UNITS[3:],
                0.4,
            ),
        ),
        weight=0.6,
        manager_title="Centerchef",
    ),
    Area(
        "Borgercenter Handicap",
        CITY,
        (
            UnitKind(
                ("Bofællesskabet {s}", "Bostedet {s}", "Aktivitetscentret {s}"),
                "social",
                "social_residential",
                1,
            ),
        ),
        weight=1.0,
        manager_title="Centerchef",
    ),
    Area(
        "Center for Socialpsykiatri",
        CITY,
        (
            UnitKind(
                ("Socialpsykiatrisk botilbud {s}", "Støttecenter {n}", "Kontaktstedet {s}"),
                "social",
                "social_residential",
                1,
            ),
        ),
        weight=0.6,
        manager_title="Centerchef",
    ),
)

TMF_AREAS = (
    Area(
        "Byens Drift",
        CITY,
        (
            UnitKind(
                ("Parker og Natur {n}", "Driftsområde {n}", "Kirkegårdene {s}"),
                "cemeteries",
                "parks",
                3,
            ),
            UnitKind(("Renhold {n}", "Gaderenhold {n}", "Renovation {n}"), "", "city_cleaning", 3),
            UnitKind(("Materielgården {s}",), "depots", "parks", 0.5),
        ),
        anchors=(Anchor("Parker og Natur", "parks"),),
        weight=2.0,
        core=True,
        manager_title="Centerchef",
    ),
    Area(
        "Byens Udvikling",
        (),
        (UnitKind(("{s}",), "tmf_offices", "engineering", 1),),
        weight=0.8,
        manager_title="Centerchef",
    ),
    Area(
        "Center for Miljøbeskyttelse",
        (),
        (UnitKind(("{s}",), "env_offices", "environment", 1),),
        weight=0.4,
        manager_title="Centerchef",
    ),
    Area(
        "Byens Anvendelse",
        CITY,
        (
            UnitKind(("Parkeringskontrol {n}",), "", "parking", 1),
            UnitKind(("{s}",), "city_use_offices", "engineering", 0.5),
        ),
        weight=0.5,
        manager_title="Centerchef",
    ),
)

KFF_AREAS = (
    Area(
        "Københavns Biblioteker",
        CITY,
        (UnitKind(("{n} Bibliotek", "Kulturhus og Bibliotek {n}"), "", "library", 1),),
        anchors=(Anchor("Hovedbiblioteket", "library"),),
        weight=1.3,
        core=True,
        manager_title="Biblioteksdirektør",
    ),
    Area(
        "Idræt og Fritid",
        CITY,
        (
            UnitKind(
                ("{n} Svømmehal", "{n} Idrætsanlæg", "Idrætshuset {n}", "{n} Skøjtehal"),
                "",
                "sports",
                1,
            ),
        ),
        anchors=(Anchor("Valby Idrætspark", "sports"),),
        weight=1.0,
        manager_title="Centerchef",
    ),
    Area(
        "Kulturhuse og Borgerservice",
        CITY,
        (
            UnitKind(("Kulturhuset {n}", "Medborgerhuset {n}"), "", "culture", 1.5),
            UnitKind(("Borgerservice {n}",), "", "citizen_service", 1),
        ),
        weight=0.8,
        manager_title="Centerchef",
    ),
)

BIF_AREAS = (
    Area(
        "Jobcenter København",
        CITY,
        (
            UnitKind(
                ("Jobcenter {n}", "Jobcenter {n} – {s}"),
                "jobcentre_teams",
                "jobcentre",
                1,
                JOBCENTRE_SUB_UNITS,
                0.35,
            ),
        ),
        anchors=(Anchor("Jobcenter København – Ydelsescentret", "jobcentre"),),
        weight=2.0,
        core=True,
        manager_title="Jobcenterchef",
    ),
    Area(
        "Ungdommens Uddannelsesvejledning",
        CITY,
        (UnitKind(("UU {n}", "UU-vejledningen {n}"), "", "guidance", 1),),
        weight=0.4,
        manager_title="Centerchef",
    ),
    Area(
        "Integration og Sprog",
        CITY,
        (
            UnitKind(
                ("Københavns Sprogcenter {n}", "Integrationshuset {n}"),
                "",
                "language_school",
                1,
                LANGUAGE_SUB_UNITS,
                0.5,
            ),
        ),
        weight=0.6,
        manager_title="Centerchef",
    ),
)

KONCERNSERVICE = Area(
    "Koncernservice",
    (),
    (
        UnitKind(("Lønteam {s}",), "teams", "ks_payroll", 3),
        UnitKind(("Kreditorteam {s}", "Bogholderiteam {s}"), "teams", "ks_finance", 2),
        UnitKind(("Kontraktteam {s}",), "teams", "ks_procurement", 1),
        UnitKind(("Serviceindgangen, team {s}",), "teams", "ks_service", 1),
        UnitKind(("Personalejura, team {s}",), "teams", "ks_law", 0.6),
    ),
    anchors=(
        Anchor("Løn og Personaleadministration", "ks_payroll", key="sagsbehandler"),
        Anchor("Personalejura", "ks_law"),
        Anchor("HR og Rekruttering", "ks_hr", key="hr"),
        Anchor("Kreditorer og Debitorer", "ks_finance", key="oekonomi"),
        Anchor("Indkøb og Kontraktstyring", "ks_procurement", key="indkoeb"),
        Anchor("Forsikring og Arbejdsskade", "ks_insurance"),
        Anchor("Serviceindgangen", "ks_service"),
        Anchor("Systemer og Data", "it", key="admin"),
    ),
    weight=2.0,
    core=True,
    manager_title="Direktør for Koncernservice",
)

OKF_AREAS = (
    KONCERNSERVICE,
    Area(
        "Center for Økonomi",
        (),
        (UnitKind(("{s}",), "okf_offices", "office", 1),),
        anchors=(Anchor("Intern Kontrol og Revision", "audit", key="revisor"),),
        weight=0.6,
        core=True,
        manager_title="Centerchef",
    ),
    Area(
        "Koncern-IT",
        (),
        (UnitKind(("IT-team {s}",), "teams", "it", 1),),
        weight=0.5,
        manager_title="IT-direktør",
    ),
    Area(
        "Center for Byudvikling",
        (),
        (UnitKind(("{s}",), "okf_city_offices", "office", 1),),
        weight=0.3,
        manager_title="Centerchef",
    ),
)

ADMINISTRATIONS: tuple[Administration, ...] = (
    Administration("OKF", "Økonomiforvaltningen", "ØKF", 0.05, OKF_AREAS),
    Administration("BUF", "Børne- og Ungdomsforvaltningen", "BUF", 0.40, BUF_AREAS),
    Administration("SUF", "Sundheds- og Omsorgsforvaltningen", "SUF", 0.23, SUF_AREAS),
    Administration("SOF", "Socialforvaltningen", "SOF", 0.14, SOF_AREAS),
    Administration("TMF", "Teknik- og Miljøforvaltningen", "TMF", 0.06, TMF_AREAS),
    Administration("KFF", "Kultur- og Fritidsforvaltningen", "KFF", 0.05, KFF_AREAS),
    Administration("BIF", "Beskæftigelses- og Integrationsforvaltningen", "BIF", 0.07, BIF_AREAS),
)

ROOT_CODE = "KK"
ROOT_NAME = "Københavns Kommune"

# --- Name stems for generated units -----------------------------------------------------------

# Stems that name one place each: within an administration a stem is reused (under another
# prefix) only when all are used. The other stems are qualifiers (Nord, BUF, 1 ...).
DISTINCT_STEMS = frozenset({"daycare", "care", "social", "cemeteries", "depots"})

STEMS: dict[str, tuple[str, ...]] = {
    "daycare": names(
        """
        Solsikken, Mælkebøtten, Regnbuen, Egetræet, Myretuen, Troldehøjen, Bikuben, Mariehønen,
        Humlebien, Spiren, Kastanjen, Søstjernen, Havfruen, Fuglereden, Krudtuglen, Guldklumpen,
        Bøgen, Lærkereden, Spurvereden, Musehullet, Kløverløkken, Tusindfryd, Valmuen, Anemonen,
        Hasselnødden, Æblehaven, Pilehuset, Rønnebærret, Skovmusen, Stjerneskud, Månestrålen,
        Solstrålen, Vindmøllen, Fyrtårnet, Ankeret, Bølgen, Delfinen, Pindsvinet, Egernet,
        Trylleskoven, Rosenhaven, Lindehuset, Birkebo, Ahornet, Kildevæld, Eventyrhuset, Gøgeungen,
        Kornblomsten, Blåklokken, Hyldebærret, Nøddebo, Sommerfuglen, Græshoppen, Frøen, Elverhøj,
        Trætoppen, Oasen, Lysningen, Kompasset, Globussen, Perlen, Skattekisten, Karavanen,
        Rumraketten, Drømmehuset, Tumlingen, Himmelblå, Grønnegården, Kernehuset, Baunehøj, Lupinen,
        Vibereden, Hønsehuset, Kirsebærhaven, Svalen, Stæreksen, Ugleredet, Pilen, Ellehuset,
        Tranehøj, Mosehuset, Lyngbakken
        """
    ),
    "schools_north": names(
        """
        Nørrebro Park Skole, Blågård Skole, Rådmandsgades Skole, Bispebjerg Skole, Utterslev Skole,
        Tagensbo Skole, Holberg Skole, Heibergskolen, Hyltebjerg Skole, Bellahøj Skole,
        Emdrup Skole, Skolen ved Bulowsvej, Ryparken Skole, Bispeengen Skole, Degnegårdens Skole,
        Lundehusskolen, Nordvest Skole
        """
    ),
    "schools_west": names(
        """
        Tingbjerg Skole, Korsager Skole, Brønshøj Skole, Vanløse Skole, Rødkilde Skole,
        Katrinedals Skole, Ålholm Skole, Kirkebjerg Skole, Sankt Annæ Skole Vest, Husum Vest Skole,
        Grøndalsvængets Skole, Tingbjerg Heldagsskole, Vanløse Nord Skole, Brønshøj Torv Skole,
        Husumvold Skole
        """
    ),
    "schools_southwest": names(
        """
        Vigerslev Allés Skole, Lykkebo Skole, Valby Skole, Vesterbro Ny Skole, Gasværksvejens Skole,
        Oehlenschlægersgades Skole, Ellebjerg Skole, Sydhavn Skole, Skolen på Carlsberg,
        Bavnehøj Skole, Sankt Jørgens Skole, Kongens Enghave Skole, Valby Langgade Skole,
        Mozarts Plads Skole, Enghave Plads Skole
        """
    ),
    "schools_amager": names(
        """
        Amager Fælled Skole, Sundbyøster Skole, Lergravsparkens Skole, Dyvekeskolen, Ørestad Skole,
        Skolen ved Sundet, Skolen på Islands Brygge, Tårnby Torv Skole, Bryggens Skole,
        Kirkebakkeskolen, Sønderbro Skole, Amagerbro Skole, Holmbladsgade Skole, Sundholm Skole,
        Kastrupvej Skole, Ørestad Syd Skole
        """
    ),
    "schools_central": names(
        """
        Christianshavns Skole, Sølvgades Skole, Kildevældsskolen, Strandvejsskolen,
        Øster Farimagsgades Skole, Nordhavn Skole, Randersgades Skole, Gerbrandskolen,
        Holmens Skole, Langelinieskolen, Klostervængets Skole, Østerbrohus Skole, Nyboder Skole,
        Kastelsvej Skole, Trianglen Skole
        """
    ),
    "buf_offices": names(
        """
        Fagligt Center, Pladsanvisningen, Økonomi og Styring, Juridisk Kontor, Skoleudvikling,
        Dagtilbudsudvikling, Digitalisering og Data, Bygninger og Drift, Kommunikation,
        Rådgivning og Tilsyn, Specialundervisning, Ungeindsatsen
        """
    ),
    "care": names(
        """
        Sølund, Bryggergården, Kastanjegården, Sundbygården, Lindehuset, Slottet, Solgaven,
        Hjortegården, Egebjerggård, Rosenborgcentret, Kærbo, Frydenholm, Valbygården, Vigerslevhus,
        Aldershvile, Sundholm, Tingbjerghus, Nørrebo, Skovbo, Bomi-Hus, Ingeborggården, Hvidovrehus,
        Klarahus, Damsøhus, Langebjerg, Sankt Joseph, Kirkebakken, Lærkehøj, Stævnen, Hjemmet Øster,
        Akaciegården, Bispebjerghus, Sølyst, Nørrehus, Havnehuset, Strandlund, Rosenhaven,
        Birkegården, Egehjemmet, Fælledgården, Grøndalshus, Hørgården, Kildegården, Lindegården,
        Mågevej, Nordlyset, Parkhuset, Rønnebærhuset, Skjulhøj, Søndervang, Tårnhuset, Ulvsbo,
        Vanløsehjemmet, Østervang, Ålekistehus, Engholm, Fredensborghus, Gyldenhøj, Humlehaven,
        Kongshøj, Lyngbyhus, Møllehuset, Pilegården, Rødkildehus, Sundvænget, Tranehaven
        """
    ),
    "districts": names(
        """
        1, 2, 3, 4, 5, 6
        """
    ),
    "social": names(
        """
        Hillerødgade, Mændenes Hjem, Sundholm, Lindevangen, Skovgården, Fenris, Nørrebrohuset,
        Kvisten, Ankerhuset, Hørgården, Stjernen, Kompasset, Lygten, Valmuen, Skibet, Kastellet,
        Baunen, Pilegården, Egely, Spurvehuset, Broen, Havnestuen, Kirkehøj, Lysthuset, Moseholm,
        Stubben, Ørnereden, Humlehuset, Åbyen, Nordlyset, Solhjem, Tårnet
        """
    ),
    "cemeteries": names(
        """
        Assistens, Bispebjerg, Vestre, Sundby, Brønshøj, Valby, Husum
        """
    ),
    "depots": names(
        """
        Sydhavn, Amager, Vanløse, Bispebjerg, Valby
        """
    ),
    "tmf_offices": names(
        """
        Byplan, Trafik og Mobilitet, Anlæg og Veje, Byggesag, Cykelsekretariatet, Klimatilpasning,
        Landinspektørkontoret, Vejmyndighed, Bydesign, Planlægning og Data, Byfornyelse,
        Ejendomsdata, Lokalplaner, Gadedesign, Broer og Kajer, Kollektiv Trafik, Vejregulering,
        Trafiksikkerhed, Bygningsfornyelse, Almene Boliger, Byggeri og Projektledelse,
        Geodata og Kortlægning, Anlægsøkonomi, Byrumsdrift, Havneudvikling, Regnvand og Skybrud
        """
    ),
    "env_offices": names(
        """
        Miljøtilsyn, Jord og Affald, Vand og Spildevand, Luft og Støj, Miljøplanlægning,
        Virksomhedstilsyn, Klimasekretariatet, Grønne Partnerskaber, Jordforurening,
        Byens Træer, Natur og Biodiversitet, Energi og Ressourcer, Miljødata, Kemikalietilsyn
        """
    ),
    "teams": names(
        """
        Nord, Syd, Øst, Vest, Centrum, BUF, SUF, SOF, TMF, KFF, BIF, ØKF, Drift, Udvikling, Support,
        Data, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
        """
    ),
    "city_use_offices": names(
        """
        Byliv og Arrangementer, Gadeinspektørerne, Tilladelser, Udeservering, Skilte og Reklamer,
        Vejtilladelser, Byens Rum, Kontrol og Håndhævelse, Torve og Pladser, Gravetilladelser
        """
    ),
    "okf_offices": names(
        """
        Budget og Analyse, Regnskab, Finansiering og Betalinger, Skat og Moms,
        Styring og Controlling, Økonomisk Politik, Digital Økonomi, Risikostyring, Økonomisystemer,
        Lønstyring, Koncernregnskab, Betalinger og Likviditet, Budgetkontoret, Anlægsstyring,
        Effektivisering, Tilskud og Puljer, Økonomisk Analyse, Statistik, Ejendomsøkonomi,
        Revisionssekretariatet
        """
    ),
    "okf_city_offices": names(
        """
        Byudvikling og Planlægning, Erhverv og Vækst, Bolig og Byfornyelse, Klima og Energi,
        Internationalt Samarbejde, Analyse og Data, Byggemodning, Metro og Letbane,
        Strategisk Byplanlægning, Byens Økonomi, Turisme og Events
        """
    ),
    "jobcentre_teams": names(
        """
        Nord, Syd, Øst, Vest, Centrum, Unge, Seniorer, Akademikere
        """
    ),
}

# --- People -----------------------------------------------------------------------------------

FEMALE_FIRST_NAMES = names(
    """
    Anne, Kirsten, Mette, Hanne, Anna, Helle, Susanne, Lene, Maria, Marianne, Lone, Camilla, Pia,
    Louise, Charlotte, Bente, Tina, Gitte, Inge, Karen, Jette, Ida, Sofie, Emma, Julie, Laura,
    Katrine, Sara, Mathilde, Caroline, Cecilie, Line, Maja, Rikke, Trine, Birgitte, Dorthe, Heidi,
    Malene, Signe, Stine, Nanna, Astrid, Freja, Clara, Josefine, Emilie, Amalie, Mia, Sanne, Tanja,
    Vibeke, Ulla, Merete, Lotte, Nina, Christina, Bettina, Karina, Henriette, Lise, Mona, Janne,
    Annette, Berit, Eva, Hanna, Ellen, Ingrid, Sidsel, Ditte, Kamilla, Agnes, Alberte, Frida,
    Olivia, Marie, Johanne, Lærke, Sille
    """
)
MALE_FIRST_NAMES = names(
    """
    Peter, Jens, Lars, Michael, Henrik, Thomas, Søren, Jan, Niels, Christian, Martin, Anders,
    Morten, Jesper, Mads, Rasmus, Hans, Per, Jørgen, Ole, Kim, Mikkel, Frederik, Jakob, Kasper,
    Simon, Nikolaj, Mathias, Emil, Jonas, Andreas, Tobias, Magnus, Oliver, William, Lucas, Kristian,
    Allan, Brian, Carsten, Claus, Erik, Finn, Flemming, Poul, Bo, Steen, Torben, Ulrik, Kenneth,
    Dennis, René, Bjarne, Gustav, Victor, Alexander, Sebastian, Daniel, Malthe, Asger, Johan, Karl,
    Kaspar, Troels, Bent, Leif, Aksel, Esben, Anton, Benjamin
    """
)
OTHER_FEMALE_FIRST_NAMES = names(
    """
    Fatima, Aisha, Yasmin, Amina, Zainab, Leyla, Mariam, Hiba, Sana, Elif, Zeynep, Ayşe, Nour, Huda,
    Sofia, Agnieszka, Katarzyna, Ewa, Olena, Iryna, Linh, Mai, Priya, Ana, Marta, Sumaya, Hodan,
    Dilan
    """
)
OTHER_MALE_FIRST_NAMES = names(
    """
    Mohammad, Ahmed, Ali, Omar, Hassan, Hussein, Mustafa, Ibrahim, Youssef, Bilal, Emre, Mehmet,
    Murat, Kerem, Hamza, Karim, Tariq, Abdi, Jamal, Piotr, Tomasz, Krzysztof, Oleksandr, Dmytro,
    Minh, Duc, Raj, Arjun, João, Samir
    """
)

# Danish surnames with their approximate frequency (thousands of bearers).
DANISH_SURNAMES: tuple[tuple[str, float], ...] = weighted(
    """
    Nielsen 245, Jensen 243, Hansen 206, Andersen 157, Pedersen 155, Christensen 113, Larsen 111,
    Sørensen 107, Rasmussen 90, Jørgensen 86, Petersen 84, Madsen 60, Kristensen 59, Olsen 46,
    Thomsen 38, Christiansen 36, Poulsen 32, Johansen 31, Møller 30, Mortensen 29, Knudsen 25,
    Jakobsen 24, Jacobsen 22, Mikkelsen 20, Olesen 20, Frederiksen 19, Laursen 18, Henriksen 18,
    Lund 17, Schmidt 15, Eriksen 14, Holm 13, Kristiansen 13, Clausen 12, Simonsen 12, Svendsen 11,
    Andreasen 11, Iversen 10, Jeppesen 9, Mogensen 9, Jespersen 9, Nissen 9, Lauridsen 8, Kjær 8,
    Østergaard 8, Jepsen 8, Vestergaard 8, Bertelsen 8, Nørgaard 8, Dam 7, Bach 7, Kjeldsen 7,
    Lauritsen 7, Friis 6, Winther 6, Steffensen 6, Bruun 6, Skov 6, Dahl 6, Bak 5, Carlsen 5,
    Koch 5, Berg 5, Bang 5, Lind 5, Nygaard 5, Brandt 5, Krogh 5, Juhl 5, Buch 5, Gregersen 5,
    Kjærgaard 5, Thygesen 4, Overgaard 4, Holst 4, Toft 4, Ravn 4, Enevoldsen 4
    """
)
MIDDLE_NAMES = names(
    """
    Holm, Lund, Bach, Skov, Dahl, Møller, Kjær, Juhl, Friis, Bruun, Krogh, Toft, Ravn, Bang, Berg,
    Lind, Vestergaard, Østergaard
    """
)
OTHER_SURNAMES = names(
    """
    Ali, Ahmed, Hassan, Hussein, Mohamed, Khan, Ibrahim, Abdi, Yilmaz, Kaya, Demir, Öztürk, Çelik,
    Şahin, Nguyen, Tran, Pham, Nowak, Kowalczyk, Wójcik, Mazur, Shevchenko, Kovalenko, Singh,
    Sharma, Popović, Hadžić, Mahmoud, Rahimi, Karimi, Haddad, Jama, Farah, Warsame, Silva, Rodríguez
    """
)
OTHER_ORIGIN_SHARE = 0.12  # share of employees with a first and last name of other origin
MIDDLE_NAME_SHARE = 0.12  # share of Danish names with a middle name ("Holm Nielsen")
EMAIL_DOMAIN = "demo.kk.dk"

# --- Users and calendars ----------------------------------------------------------------------

DEMO_PASSWORD = "KS-demo-2026"


@dataclass(frozen=True)
class DemoUserSpec:
    username: str
    roles: tuple[str, ...]  # role values; on the root unless ``anchor`` names the unit
    anchor: str  # key of the Anchor unit the user's person works in
    manager: bool = False  # the user's person is that unit's manager
    on_unit: bool = False  # the roles are held on the anchor unit instead of the root


DEMO_USERS: tuple[DemoUserSpec, ...] = (
    DemoUserSpec("admin", ("admin",), "admin"),
    DemoUserSpec("revisor", ("auditor",), "revisor"),
    DemoUserSpec("hr", ("hr",), "hr"),
    DemoUserSpec("sagsbehandler", ("caseworker",), "sagsbehandler"),
    DemoUserSpec("oekonomi", ("finance",), "oekonomi"),
    DemoUserSpec("indkoeb", ("procurement",), "indkoeb"),
    DemoUserSpec("leder", ("manager", "employee"), "leder", manager=True, on_unit=True),
    DemoUserSpec("medarbejder", ("employee",), "leder", on_unit=True),
    DemoUserSpec("leder2", ("manager", "employee"), "leder2", manager=True, on_unit=True),
)

CLOSING_DAYS: tuple[tuple[str, int, int, str | None], ...] = (
    ("Juleaftensdag", 12, 24, None),
    ("Nytårsaftensdag", 12, 31, None),
    ("Grundlovsdag", 6, 5, "12:00"),
)
SERVICE_DESK_OPENING_HOURS = {
    str(day): [["08:00", "12:00"], ["12:30", "15:00"]] for day in range(5)
}
