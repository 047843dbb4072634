"""The EU controlled vocabularies an EDC uses, as SKOS concepts (`data.europa.eu/snb/...`).

Concept identifiers are those of EU Vocabularies (the European Learning Model's schemes): the EQF levels, the
ISCED-F 2013 fields of education and training, the mode of learning and assessment, the assessment types, the
credit systems (ECTS), the learning opportunity types and settings, the EDC credential profiles; countries and
languages from the Publications Office's authority tables.
"""

from __future__ import annotations

from typing import Any

import pycountry

from skillatlas.credentials.models import AssessmentType, AwardedFor, ParticipationForm

SNB = "http://data.europa.eu/snb"
AUTHORITY = "http://publications.europa.eu/resource/authority"
SCHEME_SUFFIX = "25831c2"  # every ELM scheme's own identifier ends so: http://data.europa.eu/snb/eqf/25831c2

# ISCED-F 2013 detailed fields (and the two inter-disciplinary ones the alliance's courses need).
ISCED_F: dict[str, str] = {
    "0011": "Basic programmes and qualifications",
    "0021": "Literacy and numeracy",
    "0031": "Personal skills and development",
    "0111": "Education science",
    "0112": "Training for pre-school teachers",
    "0113": "Teacher training without subject specialisation",
    "0114": "Teacher training with subject specialisation",
    "0211": "Audio-visual techniques and media production",
    "0212": "Fashion, interior and industrial design",
    "0213": "Fine arts",
    "0214": "Handicrafts",
    "0215": "Music and performing arts",
    "0221": "Religion and theology",
    "0222": "History and archaeology",
    "0223": "Philosophy and ethics",
    "0231": "Language acquisition",
    "0232": "Literature and linguistics",
    "0311": "Economics",
    "0312": "Political sciences and civics",
    "0313": "Psychology",
    "0314": "Sociology and cultural studies",
    "0321": "Journalism and reporting",
    "0322": "Library, information and archival studies",
    "0411": "Accounting and taxation",
    "0412": "Finance, banking and insurance",
    "0413": "Management and administration",
    "0414": "Marketing and advertising",
    "0415": "Secretarial and office work",
    "0416": "Wholesale and retail sales",
    "0417": "Work skills",
    "0421": "Law",
    "0511": "Biology",
    "0512": "Biochemistry",
    "0521": "Environmental sciences",
    "0522": "Natural environments and wildlife",
    "0531": "Chemistry",
    "0532": "Earth sciences",
    "0533": "Physics",
    "0541": "Mathematics",
    "0542": "Statistics",
    "0611": "Computer use",
    "0612": "Database and network design and administration",
    "0613": "Software and applications development and analysis",
    "0688": "Inter-disciplinary programmes and qualifications involving Information and Communication "
    "Technologies (ICTs)",
    "0711": "Chemical engineering and processes",
    "0712": "Environmental protection technology",
    "0713": "Electricity and energy",
    "0714": "Electronics and automation",
    "0715": "Mechanics and metal trades",
    "0716": "Motor vehicles, ships and aircraft",
    "0721": "Food processing",
    "0722": "Materials (glass, paper, plastic and wood)",
    "0723": "Textiles (clothes, footwear and leather)",
    "0724": "Mining and extraction",
    "0731": "Architecture and town planning",
    "0732": "Building and civil engineering",
    "0788": "Inter-disciplinary programmes and qualifications involving engineering, manufacturing and "
    "construction",
    "0811": "Crop and livestock production",
    "0812": "Horticulture",
    "0821": "Forestry",
    "0831": "Fisheries",
    "0841": "Veterinary",
    "0911": "Dental studies",
    "0912": "Medicine",
    "0913": "Nursing and midwifery",
    "0914": "Medical diagnostic and treatment technology",
    "0915": "Therapy and rehabilitation",
    "0916": "Pharmacy",
    "0921": "Care of the elderly and of disabled adults",
    "0922": "Child care and youth services",
    "0923": "Social work and counselling",
    "1011": "Domestic services",
    "1012": "Hair and beauty services",
    "1013": "Hotel, restaurants and catering",
    "1014": "Sports",
    "1015": "Travel, tourism and leisure",
    "1021": "Community sanitation",
    "1022": "Occupational health and safety",
    "1031": "Military and defence",
    "1032": "Protection of persons and property",
    "1041": "Transport services",
}

# Mode of learning and assessment (scheme learning-assessment).
MODE: dict[ParticipationForm, tuple[str, str]] = {
    ParticipationForm.ONLINE: ("920fbb3cbe", "Online"),
    ParticipationForm.ON_SITE: ("9191af2ed9", "Presential"),
    ParticipationForm.BLENDED: ("e92d221e4d", "Blended"),
    ParticipationForm.WORK_BASED: ("729f3bed4b", "Workbased"),
}

# Assessment type (scheme assessment); "none" has no assessment to describe.
ASSESSMENT: dict[AssessmentType, tuple[str, str]] = {
    AssessmentType.SELF_ASSESSMENT: ("c_2b3bd410", "Self-assessment"),
    AssessmentType.ATTENDANCE: ("7331eb4762", "level of attendance"),
    AssessmentType.WRITTEN_EXAM: ("6e6cb2cc78", "written examination"),
    AssessmentType.ORAL_EXAM: ("d30284d7df", "oral examination"),
    AssessmentType.PRACTICAL_DEMONSTRATION: ("6a4db9f11d", "practical assessment"),
    AssessmentType.PROJECT: ("795dac4096", "project work"),
    AssessmentType.PORTFOLIO: ("4f03b91c0e", "portfolio"),
    AssessmentType.ONLINE_TEST: ("b1b68f6735", "quiz"),
}

# Learning opportunity type (scheme learning-opportunity).
OPPORTUNITY: dict[AwardedFor, tuple[str, str]] = {
    AwardedFor.COURSE: ("05053c1cbe", "Course"),
    AwardedFor.JOB_ROLE: ("74a4a268e8", "Short learning programme"),
    AwardedFor.EVENT: ("7e1ac538db", "Class"),
    AwardedFor.OTHER: ("74a4a268e8", "Short learning programme"),
}

ECTS = ("education-credit", "6fcec5c5af", "European Credit Transfer System")
NON_FORMAL = ("learning-setting", "e207a81fc7", "non-formal learning")
GENERIC_PROFILE = ("credential", "e34929035b", "Generic")
BASE64 = ("encoding", "6146cde7dd", "base64")


def concept(scheme: str, code: str, label: str, lang: str = "en") -> dict[str, Any]:
    """A Concept of the ELM scheme `scheme` (e.g. "eqf"), with its English preferred label."""
    return {
        "id": f"{SNB}/{scheme}/{code}",
        "type": "Concept",
        "inScheme": {"id": f"{SNB}/{scheme}/{SCHEME_SUFFIX}", "type": "ConceptScheme"},
        "prefLabel": {lang: label},
    }


def authority(table: str, code: str, label: str) -> dict[str, Any]:
    """A Concept of one of the Publications Office's authority tables (country, language, file-type)."""
    return {
        "id": f"{AUTHORITY}/{table}/{code}",
        "type": "Concept",
        "inScheme": {"id": f"{AUTHORITY}/{table}", "type": "ConceptScheme"},
        "notation": table,
        "prefLabel": {"en": label},
    }


def eqf(level: int) -> dict[str, Any]:
    if not 1 <= level <= 8:
        raise ValueError(f"EQF levels are 1 to 8, not {level}")
    return concept("eqf", str(level), f"Level {level}")


def isced_f(code: str) -> dict[str, Any]:
    return concept("isced-f", code, ISCED_F[code])


def mode(form: ParticipationForm) -> dict[str, Any]:
    code, label = MODE[form]
    return concept("learning-assessment", code, label)


def assessment(kind: AssessmentType) -> dict[str, Any] | None:
    if kind not in ASSESSMENT:
        return None
    code, label = ASSESSMENT[kind]
    return concept("assessment", code, label)


def opportunity(kind: AwardedFor) -> dict[str, Any]:
    code, label = OPPORTUNITY[kind]
    return concept("learning-opportunity", code, label)


def named(entry: tuple[str, str, str]) -> dict[str, Any]:
    return concept(*entry)


def country(alpha2: str) -> dict[str, Any]:
    found = pycountry.countries.get(alpha_2=alpha2.upper())
    if found is None:
        raise ValueError(f"unknown country code {alpha2!r}")
    return authority("country", found.alpha_3, found.name)


def language(code: str) -> dict[str, Any]:
    """An ISO 639-1 code (en, de) as the EU language authority's concept (ENG, DEU)."""
    found = pycountry.languages.get(alpha_2=code.lower()[:2])
    if found is None:
        raise ValueError(f"unknown language code {code!r}")
    return authority("language", found.alpha_3.upper(), found.name)


def esco_skill(uri: str, label: str) -> dict[str, Any]:
    """An ESCO skill as the Concept an ELM learning outcome relates to."""
    return {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": "http://data.europa.eu/esco/concept-scheme/skills", "type": "ConceptScheme"},
        "notation": "Skill",
        "prefLabel": {"en": label},
    }
