"""Skill extraction from free text: sentences, clauses, ranking with evidence, restricting to a label list."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillatlas.intelligence.extraction import (
    ExtractionSettings,
    SkillExtractor,
    SkillRecord,
    restrict_to_labels,
    split_clauses,
    split_sentences,
)
from skillatlas.search import HybridIndex

SKILLS = [
    SkillRecord("esco:teams", "work in teams", ("teamwork",), "Collaborate with others towards a goal."),
    SkillRecord("esco:customers", "communicate with customers", ("talk to clients",), ""),
    SkillRecord("esco:python", "Python (computer programming)", ("Python",), "The programming language."),
    SkillRecord("esco:sql", "SQL", (), "A query language."),
    SkillRecord("esco:batteries", "maintain electric vehicle batteries", ("service EV batteries",), ""),
    SkillRecord("esco:drive", "drive vehicles", ("operate vehicles",), ""),
    SkillRecord("esco:budget", "manage budgets", ("manage budget",), ""),
    SkillRecord("esco:english", "English", ("English language",), ""),
]

JOB_AD = (
    "We are hiring a battery technician for our EV workshop.\n"
    "You maintain electric vehicle batteries and drive vehicles between sites. "
    "Experience with SQL is a plus.\n"
    "• You enjoy working in a team and speak fluent English"
)


def test_a_job_ad_splits_into_sentences_and_list_items() -> None:
    assert split_sentences(JOB_AD) == [
        "We are hiring a battery technician for our EV workshop.",
        "You maintain electric vehicle batteries and drive vehicles between sites.",
        "Experience with SQL is a plus.",
        "• You enjoy working in a team and speak fluent English",
    ]


def test_a_requirement_list_splits_into_clauses() -> None:
    assert split_clauses("Strong knowledge of HTML and CSS (LESS, SCSS)") == [
        "Strong knowledge of HTML",
        "CSS",
        "LESS",
        "SCSS",
    ]
    assert split_clauses("Ability to debug issues") == ["Ability to debug issues"]


@pytest.mark.parametrize("backend", ["none", "use-m3"])
def test_extraction_names_the_skills_with_their_evidence(backend: str) -> None:
    extractor = SkillExtractor(SKILLS, settings=ExtractionSettings(backend=backend))

    found = extractor.extract(JOB_AD, k=5)

    by_uri = {skill.uri: skill for skill in found}
    assert {"esco:batteries", "esco:drive", "esco:sql"} <= set(by_uri)
    assert by_uri["esco:sql"].evidence == "Experience with SQL is a plus."
    assert by_uri["esco:batteries"].label == "maintain electric vehicle batteries"
    assert [skill.score for skill in found] == sorted((skill.score for skill in found), reverse=True)


def test_embeddings_find_a_skill_the_text_only_implies() -> None:
    extractor = SkillExtractor(SKILLS, settings=ExtractionSettings(backend="use-m3"))

    ranked = extractor.rank_sentences(["You will chat with our clients every day"], k=1)

    assert ranked[0][0].uri == "esco:customers"


def test_a_saved_skill_index_gives_the_same_extraction(tmp_path: Path) -> None:
    extractor = SkillExtractor(SKILLS, settings=ExtractionSettings(backend="use-m3"))
    extractor.save(tmp_path)

    reloaded = SkillExtractor(SKILLS, index=HybridIndex.load(tmp_path))

    assert reloaded.extract(JOB_AD) == extractor.extract(JOB_AD)


def test_restricting_to_another_versions_labels_keeps_one_record_per_label() -> None:
    skills = [
        SkillRecord("u1", "browse, search and filter data", ("search data",)),
        SkillRecord("u2", "manage budgets", ("manage budget",)),
        SkillRecord("u3", "work in teams", ("teamwork",)),
        SkillRecord("u4", "not in the list"),
    ]

    restricted = restrict_to_labels(
        skills, ["browse search and filter data", "manage budget", "manage budgets", "teamwork", "gone skill"]
    )

    assert [(s.uri, s.label) for s in restricted] == [
        ("u1", "browse search and filter data"),
        ("label:manage budget", "manage budget"),
        ("u2", "manage budgets"),
        ("u3", "teamwork"),
        ("label:gone skill", "gone skill"),
    ]
    assert "work in teams" in restricted[3].alt_labels
