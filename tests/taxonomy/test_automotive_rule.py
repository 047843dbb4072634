"""The automotive rule (taxonomy/automotive.py): what it flags, what it no longer flags (issue 13), and the
bundled ESCO's flag agreeing with it skill by skill."""

from __future__ import annotations

import pytest

from skillatlas.taxonomy import bundle
from skillatlas.taxonomy.automotive import automotive_reason, is_automotive
from skillatlas.taxonomy.bundle import BundledSkill

PROGRAMMING = "The techniques and principles of software development, such as analysis, algorithms, coding."
K0613 = ["K0613"]  # software and applications development and analysis
S51 = ["S5.1.1"]  # programming computer systems


@pytest.mark.parametrize(
    ("preferred", "alts", "description", "codes"),
    [
        # the two reported false positives
        ("ABAP", [], PROGRAMMING, K0613),
        ("change watch battery", [], "Select a battery for a watch based on the brand, type and style.", []),
        # watches and clocks, whatever the wording
        ("repair clocks", ["replace clock batteries"], "Repair clocks and their batteries.", []),
        ("replace wristwatch batteries", [], "Open the case and fit a new cell.", []),
        # ICT programming languages and tools are general ICT, not automotive
        ("Java (computer programming)", [], PROGRAMMING, K0613),
        ("C++", [], PROGRAMMING, K0613),
        ("SQL", [], "The computer language SQL is a query language for retrieval of information.", K0613),
        (
            "Jenkins (tools for software configuration management)",
            [],
            "The tool Jenkins is a software.",
            K0613,
        ),
        ("Kali Linux", [], "The Kali Linux tool is a penetration testing tool.", K0613),
        ("use functional programming", [], "Utilise specialised ICT tools to create computer code.", S51),
        ("smart contract programming languages", [], "Solidity and others.", []),
        ("specialised astrology software", [], "The software used to interpret positions of stars.", []),
        ("use typesetting software", [], "Arrange the type of texts.", []),
        # words that only look like vehicle terms
        ("guide lift car installation", [], "Guide the crane hoisting the lift car.", []),
        ("inspect engine rooms", [], "Inspect engine rooms of ships.", []),
        ("Unreal Engine", [], "The game engine Unreal Engine.", []),
        ("database management systems", ["DB engines"], "The tools for creating databases.", []),
        ("basic chemicals", ["hydrogen"], "Organic basic chemicals such as ethanol.", []),
        (
            "hold metal work piece in machine",
            ["clutch metal work piece in machine"],
            "Hold a work piece.",
            [],
        ),
        ("shiatsu", ["Japanese bodywork"], "The complementary medicine massage therapy.", []),
        ("consumer electronics", [], "The functioning of TVs, radios and cameras.", []),
        ("operate electronic payment terminals", [], "Collect card payments.", []),
        ("dispatch ambulance", ["dispatch emergency vehicles"], "Send the emergency response vehicle.", []),
        ("batteryless tags", ["batteryless sensors tag"], "Tags that need no cell.", []),  # word boundary
        ("use hand tools", ["use battery-operated tools"], "Use tools.", []),
    ],
)
def test_not_automotive(preferred: str, alts: list[str], description: str, codes: list[str]) -> None:
    assert automotive_reason(preferred, alts, description, codes) == ""


@pytest.mark.parametrize(
    ("preferred", "alts", "description", "codes"),
    [
        ("battery management systems", [], "The electronic system that manages a battery.", []),
        ("hydrogen fuel cell", [], "Fuel cells that turn hydrogen into electricity.", []),
        ("fuel cell types", [], "Fuel cells functionalities and types.", []),
        ("execute feasibility study on hydrogen", [], "Evaluate hydrogen as an alternative fuel.", []),
        (
            "perform vehicle diagnostic procedures",
            [],
            "Perform diagnostic procedures on vehicle systems.",
            [],
        ),
        ("use automotive diagnostic equipment", [], "Use diagnostic equipment on motor vehicles.", []),
        ("on-board diagnostics", [], "Reading fault codes.", []),
        ("install transport equipment batteries", [], "Install batteries in transport equipment.", []),
        ("root cause analysis", ["battery analysis methods"], "A systematic process.", []),
        ("describe electric drive system", [], "Describe the electric drive system.", []),
        ("repair electronic components", [], "Repair damaged circuitry.", []),
        ("embedded systems", [], "Computer systems with a dedicated function.", K0613),
        ("define software architecture", [], "Document the structure of software products.", []),
        ("execute software tests", [], "Perform tests on a software product.", []),
        ("program firmware", [], "Program permanent software on a device.", []),
        ("sensors", [], "Transducers that detect characteristics.", []),
        ("install windshields", [], "Install replacement glass in motor vehicles.", []),
        ("maintain braking system", [], "Maintain the system that stops motor vehicles and bicycles.", []),
        ("replace tyres", [], "Replace worn tyres of motor vehicles.", []),
        ("vehicle-to-everything technologies", [], "Vehicles communicate with each other.", []),
        ("manoeuvre bus", [], "Drive a bus in reverse.", ["S8.2.1.1"]),
    ],
)
def test_automotive(preferred: str, alts: list[str], description: str, codes: list[str]) -> None:
    assert is_automotive(preferred, alts, description, codes), preferred


def test_acronyms_count_only_in_capitals() -> None:
    assert is_automotive("ADAS calibration", [], "", [])
    assert not is_automotive("adas", [], "", [])  # a word, not the acronym
    assert is_automotive("OBD readers", [], "", [])


def _leaf_codes(skill: BundledSkill) -> list[str]:
    """The ESCO 1.1.1 hierarchy codes a bundled skill hangs under, read back from its broader groups."""
    codes = []
    for uri in skill.broader_uris:
        if "/isced-f/" in uri:
            codes.append("K" + uri.rsplit("/", 1)[1])
        elif ":esco-skill-group:" in uri:
            codes.append(uri.rsplit(":", 1)[1])
    return codes


def test_the_bundled_flag_is_the_rule() -> None:
    # The flag is stored in skills.csv.gz by scripts/build_esco_bundle.py: a rule change without a rebuild
    # would leave the shipped data saying something else.
    skills = bundle.load_skills()
    differ = [
        s.preferred_label
        for s in skills
        if s.automotive != is_automotive(s.preferred_label, s.alt_labels, s.description, _leaf_codes(s))
    ]
    assert differ == []
    by_label = {s.preferred_label: s for s in skills}
    for label in ("ABAP", "change watch battery", "Java (computer programming)", "SQL"):
        assert not by_label[label].automotive, label
    for label in ("battery management systems", "fuel cell types", "perform vehicle diagnostic procedures",
                  "use automotive diagnostic equipment", "embedded systems", "define software architecture"):  # fmt: skip
        assert by_label[label].automotive, label
