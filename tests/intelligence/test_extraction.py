"""Skill extraction from free text: sentences, clauses, ranking with evidence, restricting to a label list."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillatlas.intelligence.extraction import (
    TRAINED_SETTINGS,
    ExtractedSkill,
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


# Sentences job ads share (openings, boilerplate) and ones they do not, mixed into texts at random: a
# sentence or clause seen in several texts is scored once for all of them by `extract_many`.
PIECES = [
    "We are hiring a battery technician for our EV workshop.",
    "You maintain electric vehicle batteries and drive vehicles between sites.",
    "Experience with SQL is a plus.",
    "Python and SQL.",
    "SQL and Python.",
    "• You enjoy working in a team and speak fluent English",
    "Manage budgets, talk to clients and work in teams.",
    "Knowledge of SQL is required; Python is an advantage.",
    "We offer a permanent contract.",
    "!!!",
    "",
]


@cache
def lexical_extractor() -> SkillExtractor:
    return SkillExtractor(SKILLS, settings=ExtractionSettings(backend="none"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map("\n".join), max_size=6), st.integers(1, 9))
def test_texts_extracted_together_get_what_each_gets_alone(texts: list[str], k: int) -> None:
    # Lexical only: no embedding, so the paths must agree to the last bit, ties included.
    extractor = lexical_extractor()
    alone = [extractor.extract(text, k=k) for text in texts]
    assert extractor.extract_many(texts, k=k) == alone
    assert alone == [best_sentence_per_skill(extractor, text, k) for text in texts]


def best_sentence_per_skill(extractor: SkillExtractor, text: str, k: int) -> list[ExtractedSkill]:
    """The rule spelled out one sentence and one skill at a time: a skill's score is its best sentence's, the
    first sentence to reach it is the evidence, and equal scores keep the order the skills were first seen."""
    sentences = split_sentences(text)
    best: dict[int, tuple[float, str]] = {}
    for sentence, (positions, scores) in zip(sentences, extractor._score_sentences(sentences), strict=True):
        for position, score in zip(positions.tolist(), scores.tolist(), strict=True):
            if position not in best or score > best[position][0]:
                best[position] = (score, sentence)
    order = sorted(best.items(), key=lambda item: -item[1][0])[:k]
    return [extractor._extracted(position, score, sentence) for position, (score, sentence) in order]


def test_equal_scores_keep_the_first_sentence_as_evidence() -> None:
    [found] = lexical_extractor().extract_many(
        ["We offer a permanent contract.\nPython and SQL.\nSQL and Python."]
    )
    assert {skill.uri: skill.evidence for skill in found}["esco:sql"] == "Python and SQL."
    assert {skill.uri: skill.evidence for skill in found}["esco:python"] == "Python and SQL."


def test_the_trained_model_finds_the_same_skills_in_texts_extracted_together() -> None:
    extractor = SkillExtractor(SKILLS, settings=TRAINED_SETTINGS)
    texts = [JOB_AD, "\n".join(PIECES[3:9]), PIECES[1], "", "\n".join(reversed(PIECES)), JOB_AD]
    together = extractor.extract_many(texts, k=6)
    for text, batch in zip(texts, together, strict=True):
        alone = extractor.extract(text, k=6)
        # A vector's last bits depend on the batch it was embedded in: scores agree to their rounding.
        assert [(s.uri, s.evidence) for s in batch] == [(s.uri, s.evidence) for s in alone]
        assert [s.score for s in batch] == pytest.approx([s.score for s in alone], abs=1.01e-4)


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
