"""SYNTHETIC agreements and pay tables for the demo and the tests.

These figures are made up. They are shaped like Danish municipal agreements (pay steps at a
base level with a regulation percentage, job categories with base steps, seniority steps,
qualification allowances and pension), but they are NOT the official tables of KL, HK, DS,
DLF, DSR, FOA or AC. Load the official tables with ``ks hr import-paytable``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

SYNTHETIC_NOTE = "Syntetiske tal til demo – ikke de officielle lønskalaer."

# Two pay-area groups: 1 = Copenhagen area, 2 = the rest (made-up difference of 2.5 %).
AREA_GROUPS = ("1", "2")
STEPS = range(11, 51)

# Versions: (label, valid from, regulation percentage on the base level)
VERSIONS: tuple[tuple[str, dt.date, Decimal], ...] = (
    ("OK21", dt.date(2021, 4, 1), Decimal("24.0000")),
    ("OK24", dt.date(2024, 4, 1), Decimal("28.5000")),
    ("OK26", dt.date(2026, 4, 1), Decimal("32.1000")),
)


def step_amount(step: int, group: str) -> Decimal:
    """Synthetic annual amount of a pay step at the base level (kroner)."""
    amount = Decimal(150_000 + step * 4_000 + step * step * 50)
    if group == "2":
        amount = (amount * Decimal("0.975")).quantize(Decimal(1))
    return amount


def _steps() -> dict[str, dict[str, str]]:
    return {str(s): {g: str(step_amount(s, g)) for g in AREA_GROUPS} for s in STEPS}


AGREEMENTS: list[dict[str, Any]] = [
    {
        "code": "hk-kontor",
        "name": "Kontor- og IT-personale (HK Kommunal)",
        "parties": "KL – HK Kommunal (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "kontorfuldmaegtig",
                "name": "Kontorfuldmægtig",
                "employment_category": "Kontorfuldmægtig",
                "base_step": 21,
                "seniority_steps": [{"after_years": 2, "step": 23}, {"after_years": 6, "step": 26}],
                "allowances": [
                    {
                        "code": "kontorspeciale",
                        "name": "Kvalifikationstillæg, kontoruddannelse med speciale",
                        "amount": "6000",
                        "education_any": ["kontoruddannelse_speciale"],
                    }
                ],
                "pension_percent": "11.10",
                "max_step": 30,
            }
        ],
    },
    {
        "code": "socialraadgivere",
        "name": "Socialrådgivere og socialformidlere (DS)",
        "parties": "KL – Dansk Socialrådgiverforening (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "socialraadgiver",
                "name": "Socialrådgiver",
                "employment_category": "Socialrådgiver",
                "base_step": 32,
                "seniority_steps": [{"after_years": 4, "step": 35}, {"after_years": 8, "step": 37}],
                "allowances": [
                    {
                        "code": "diplom",
                        "name": "Kvalifikationstillæg, diplomuddannelse",
                        "amount": "8000",
                        "education_any": ["diplom", "master"],
                    }
                ],
                "pension_percent": "16.00",
                "max_step": 40,
            }
        ],
    },
    {
        "code": "laerere",
        "name": "Lærere i folkeskolen (DLF)",
        "parties": "KL – Danmarks Lærerforening (syntetisk)",
        "seniority": {"irrelevant_share": "0.5", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "laerer",
                "name": "Lærer",
                "employment_category": "Lærer",
                "base_step": 31,
                "seniority_steps": [{"after_years": 4, "step": 33}, {"after_years": 8, "step": 35}],
                "allowances": [
                    {
                        "code": "master",
                        "name": "Kvalifikationstillæg, masteruddannelse",
                        "amount": "12000",
                        "education_any": ["master"],
                    },
                    {
                        "code": "koebenhavn",
                        "name": "Lokalt tillæg, København",
                        "amount": "3000",
                        "local": True,
                    },
                ],
                "pension_percent": "17.30",
                "max_step": 40,
            }
        ],
    },
    {
        "code": "sygeplejersker",
        "name": "Sygeplejersker (DSR)",
        "parties": "KL – Dansk Sygeplejeråd (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "sygeplejerske",
                "name": "Sygeplejerske",
                "employment_category": "Sygeplejerske",
                "base_step": 31,
                "seniority_steps": [{"after_years": 4, "step": 34}],
                "allowances": [
                    {
                        "code": "specialuddannelse",
                        "name": "Kvalifikationstillæg, specialuddannelse",
                        "steps": 2,
                        "education_any": ["specialuddannelse"],
                    },
                    {
                        "code": "erfaring",
                        "name": "Erfaringstillæg",
                        "amount": "5500",
                        "min_years": 8,
                    },
                ],
                "pension_percent": "15.00",
                "max_step": 40,
            },
            {
                "code": "sundhedsplejerske",
                "name": "Sundhedsplejerske",
                "employment_category": "Sundhedsplejerske",
                "base_step": 34,
                "seniority_steps": [{"after_years": 4, "step": 36}],
                "allowances": [],
                "pension_percent": "15.00",
                "max_step": 40,
            },
        ],
    },
    {
        "code": "sosu",
        "name": "Social- og sundhedspersonale (FOA)",
        "parties": "KL – FOA (syntetisk)",
        "seniority": {
            "irrelevant_share": "0",
            "min_weekly_hours": "8",
            "part_time": "proportional",
        },
        "categories": [
            {
                "code": "sosu-hjaelper",
                "name": "Social- og sundhedshjælper",
                "employment_category": "Social- og sundhedshjælper",
                "base_step": 14,
                "seniority_steps": [{"after_years": 4, "step": 16}],
                "allowances": [
                    {
                        "code": "demens",
                        "name": "Kvalifikationstillæg, demensuddannelse",
                        "amount": "3500",
                        "education_any": ["demens"],
                    },
                    {
                        "code": "erfaring",
                        "name": "Erfaringstillæg",
                        "amount": "4000",
                        "min_years": 6,
                    },
                ],
                "pension_percent": "12.00",
                "max_step": 22,
            },
            {
                "code": "sosu-assistent",
                "name": "Social- og sundhedsassistent",
                "employment_category": "Social- og sundhedsassistent",
                "base_step": 20,
                "seniority_steps": [{"after_years": 4, "step": 22}],
                "allowances": [
                    {
                        "code": "erfaring",
                        "name": "Erfaringstillæg",
                        "amount": "4000",
                        "min_years": 6,
                    }
                ],
                "pension_percent": "12.00",
                "max_step": 28,
            },
        ],
    },
    {
        "code": "ac",
        "name": "Akademikere (AC)",
        "parties": "KL – Akademikerne (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "15", "part_time": "full"},
        "categories": [
            {
                "code": "ac-fuldmaegtig",
                "name": "AC-fuldmægtig",
                "employment_category": "AC-fuldmægtig",
                "base_step": 34,
                "seniority_steps": [
                    {"after_years": 2, "step": 36},
                    {"after_years": 5, "step": 39},
                ],
                "allowances": [
                    {
                        "code": "phd",
                        "name": "Kvalifikationstillæg, ph.d.",
                        "amount": "15000",
                        "education_any": ["phd"],
                    }
                ],
                "pension_percent": "18.00",
                "max_step": 45,
            },
            {
                "code": "psykolog",
                "name": "Psykolog",
                "employment_category": "Psykolog",
                "base_step": 35,
                "seniority_steps": [{"after_years": 4, "step": 38}],
                "allowances": [],
                "pension_percent": "18.00",
                "max_step": 45,
            },
        ],
    },
]

AGREEMENTS += [
    {
        "code": "paedagoger",
        "name": "Pædagoger (BUPL)",
        "parties": "KL – BUPL (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "paedagog",
                "name": "Pædagog",
                "employment_category": "Pædagog",
                "base_step": 30,
                "seniority_steps": [{"after_years": 4, "step": 32}, {"after_years": 8, "step": 34}],
                "allowances": [
                    {
                        "code": "diplom",
                        "name": "Kvalifikationstillæg, diplomuddannelse",
                        "amount": "7000",
                        "education_any": ["diplom", "master"],
                    }
                ],
                "pension_percent": "15.00",
                "max_step": 38,
            }
        ],
    },
    {
        "code": "paedagogisk-personale",
        "name": "Pædagogmedhjælpere og pædagogiske assistenter (FOA)",
        "parties": "KL – FOA (syntetisk)",
        "seniority": {
            "irrelevant_share": "0",
            "min_weekly_hours": "8",
            "part_time": "proportional",
        },
        "categories": [
            {
                "code": "paedagogmedhjaelper",
                "name": "Pædagogmedhjælper",
                "employment_category": "Pædagogmedhjælper",
                "base_step": 12,
                "seniority_steps": [{"after_years": 2, "step": 14}, {"after_years": 6, "step": 16}],
                "allowances": [
                    {
                        "code": "pgu",
                        "name": "Kvalifikationstillæg, pædagogisk grunduddannelse",
                        "amount": "4500",
                        "education_any": ["erhvervsuddannelse"],
                    }
                ],
                "pension_percent": "12.00",
                "max_step": 22,
            },
            {
                "code": "paedagogisk-assistent",
                "name": "Pædagogisk assistent",
                "employment_category": "Pædagogisk assistent",
                "base_step": 17,
                "seniority_steps": [{"after_years": 4, "step": 19}],
                "allowances": [],
                "pension_percent": "12.00",
                "max_step": 24,
            },
        ],
    },
    {
        "code": "service",
        "name": "Service-, køkken- og driftspersonale (3F/FOA)",
        "parties": "KL – 3F og FOA (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "servicemedarbejder",
                "name": "Service- og driftsmedarbejder",
                "employment_category": "Teknisk servicemedarbejder",
                "base_step": 15,
                "seniority_steps": [{"after_years": 3, "step": 17}],
                "allowances": [
                    {
                        "code": "faglaert",
                        "name": "Tillæg for faglært uddannelse",
                        "amount": "5000",
                        "education_any": ["erhvervsuddannelse"],
                    }
                ],
                "pension_percent": "10.50",
                "max_step": 24,
            },
            {
                "code": "koekkenmedarbejder",
                "name": "Køkkenmedarbejder",
                "employment_category": "Køkkenmedarbejder",
                "base_step": 13,
                "seniority_steps": [{"after_years": 3, "step": 15}],
                "allowances": [],
                "pension_percent": "10.50",
                "max_step": 22,
            },
        ],
    },
    {
        "code": "terapeuter",
        "name": "Terapeuter, diætister og tandplejere (Sundhedskartellet)",
        "parties": "KL – Sundhedskartellet (syntetisk)",
        "seniority": {"irrelevant_share": "0", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "terapeut",
                "name": "Fysio- og ergoterapeut",
                "employment_category": "Fysioterapeut",
                "base_step": 30,
                "seniority_steps": [{"after_years": 4, "step": 33}],
                "allowances": [
                    {
                        "code": "specialist",
                        "name": "Kvalifikationstillæg, specialist",
                        "amount": "9000",
                        "education_any": ["master", "specialuddannelse"],
                    }
                ],
                "pension_percent": "15.00",
                "max_step": 38,
            },
            {
                "code": "tandplejer",
                "name": "Tandplejer og diætist",
                "employment_category": "Tandplejer",
                "base_step": 29,
                "seniority_steps": [{"after_years": 4, "step": 31}],
                "allowances": [],
                "pension_percent": "15.00",
                "max_step": 36,
            },
        ],
    },
    {
        "code": "ledere",
        "name": "Ledere (lederaftalen)",
        "parties": "KL – Lederforeningerne (syntetisk)",
        "seniority": {"irrelevant_share": "0.5", "min_weekly_hours": "8", "part_time": "full"},
        "categories": [
            {
                "code": "leder",
                "name": "Leder",
                "employment_category": "Leder",
                "base_step": 44,
                "seniority_steps": [{"after_years": 5, "step": 46}],
                "allowances": [
                    {
                        "code": "lederuddannelse",
                        "name": "Kvalifikationstillæg, diplom/master i ledelse",
                        "amount": "15000",
                        "education_any": ["diplom", "master"],
                    }
                ],
                "pension_percent": "18.00",
                "max_step": 50,
            }
        ],
    },
]
# AC also covers dentists
next(a for a in AGREEMENTS if a["code"] == "ac")["categories"].append(
    {
        "code": "tandlaege",
        "name": "Tandlæge",
        "employment_category": "Tandlæge",
        "base_step": 38,
        "seniority_steps": [{"after_years": 4, "step": 41}],
        "allowances": [],
        "pension_percent": "18.00",
        "max_step": 46,
    }
)

# Which agreement and job category the demo's employment categories fall under.
EMPLOYMENT_CATEGORIES: dict[str, tuple[str, str]] = {
    "Kontorfuldmægtig": ("hk-kontor", "kontorfuldmaegtig"),
    "Økonomimedarbejder": ("hk-kontor", "kontorfuldmaegtig"),
    "Lønkonsulent": ("hk-kontor", "kontorfuldmaegtig"),
    "Klinikassistent": ("hk-kontor", "kontorfuldmaegtig"),
    "Biblioteksassistent": ("hk-kontor", "kontorfuldmaegtig"),
    "Teknisk assistent": ("hk-kontor", "kontorfuldmaegtig"),
    "Parkeringskontrollør": ("hk-kontor", "kontorfuldmaegtig"),
    "IT-medarbejder": ("hk-kontor", "kontorfuldmaegtig"),
    "Indkøber": ("hk-kontor", "kontorfuldmaegtig"),
    "Forsikringskonsulent": ("hk-kontor", "kontorfuldmaegtig"),
    "AC-fuldmægtig": ("ac", "ac-fuldmaegtig"),
    "Jurist": ("ac", "ac-fuldmaegtig"),
    "Ingeniør": ("ac", "ac-fuldmaegtig"),
    "HR-konsulent": ("ac", "ac-fuldmaegtig"),
    "Bibliotekar": ("ac", "ac-fuldmaegtig"),
    "Kulturformidler": ("ac", "ac-fuldmaegtig"),
    "Uddannelsesvejleder": ("ac", "ac-fuldmaegtig"),
    "Psykolog": ("ac", "psykolog"),
    "Tandlæge": ("ac", "tandlaege"),
    "Lærer": ("laerere", "laerer"),
    "Tale-hørelærer": ("laerere", "laerer"),
    "Underviser": ("laerere", "laerer"),
    "Sygeplejerske": ("sygeplejersker", "sygeplejerske"),
    "Sundhedsplejerske": ("sygeplejersker", "sundhedsplejerske"),
    "Social- og sundhedshjælper": ("sosu", "sosu-hjaelper"),
    "Social- og sundhedsassistent": ("sosu", "sosu-assistent"),
    "Socialrådgiver": ("socialraadgivere", "socialraadgiver"),
    "Jobkonsulent": ("socialraadgivere", "socialraadgiver"),
    "Pædagog": ("paedagoger", "paedagog"),
    "Pædagogmedhjælper": ("paedagogisk-personale", "paedagogmedhjaelper"),
    "Idrætsmedarbejder": ("paedagogisk-personale", "paedagogmedhjaelper"),
    "Pædagogisk assistent": ("paedagogisk-personale", "paedagogisk-assistent"),
    "Køkkenmedarbejder": ("service", "koekkenmedarbejder"),
    "Teknisk servicemedarbejder": ("service", "servicemedarbejder"),
    "Driftsmedarbejder": ("service", "servicemedarbejder"),
    "Renovationsmedarbejder": ("service", "servicemedarbejder"),
    "Gartner": ("service", "servicemedarbejder"),
    "Fysioterapeut": ("terapeuter", "terapeut"),
    "Ergoterapeut": ("terapeuter", "terapeut"),
    "Diætist": ("terapeuter", "tandplejer"),
    "Tandplejer": ("terapeuter", "tandplejer"),
    "Leder": ("ledere", "leder"),
}
# The fallback for a category not in the list
DEFAULT_CATEGORY = ("hk-kontor", "kontorfuldmaegtig")


def agreement_data(code: str, version_index: int = 1) -> dict[str, Any]:
    """Plain data of one synthetic agreement version (for ``rules.version_from_data``)."""
    agreement = next(a for a in AGREEMENTS if a["code"] == code)
    label, valid_from, regulation = VERSIONS[version_index]
    return {
        **agreement,
        "version": label,
        "valid_from": valid_from.isoformat(),
        "weekly_hours": "37",
        "regulation_percent": str(regulation),
        "steps": _steps(),
    }
