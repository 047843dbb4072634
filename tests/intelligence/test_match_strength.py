"""Match strength: the extraction page's words and bar come from the shipped calibration (models/match-strength.json,
written by bench/match_strength.py); job-ad import's floor is its "possible match" threshold. Only the shipped
JSON is read here: the labelled data it was calibrated on is not in CI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillatlas.db import unit_of_work
from skillatlas.intelligence import match_strength, pages, scale, service, skill_model
from skillatlas.intelligence.extraction import (
    TRAINED_SETTINGS,
    ExtractionSettings,
    SkillExtractor,
    SkillRecord,
)
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import use_csrf

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"
SHIPPED = json.loads(match_strength.PATH.read_text(encoding="utf-8"))
SKILLS = [
    SkillRecord("esco:teams", "work in teams"),
    SkillRecord("esco:customers", "communicate with customers"),
    SkillRecord("esco:batteries", "maintain electric vehicle batteries"),
    SkillRecord("esco:budget", "manage budgets"),
    SkillRecord("esco:motivate", "motivate employees"),
    SkillRecord("esco:risk", "assess risk factors"),
]


@pytest.fixture
def other_calibration() -> Iterator[dict]:
    data = {
        "levels": [
            {"words": "strong match", "min_score": 0.6, "precision_at_least": 0.7},
            {"words": "good match", "min_score": 0.4, "precision_at_least": 0.5},
            {"words": "possible match", "min_score": 0.2, "precision_at_least": 0.3},
        ],
        "below": "weak match",
        "precision_curve": [[0.0, 0.05], [0.2, 0.3], [0.4, 0.5], [0.6, 0.8], [0.9, 1.0]],
    }
    match_strength.use(data)
    yield data
    match_strength.use(None)


def test_the_words_follow_the_shipped_thresholds() -> None:
    levels = sorted(SHIPPED["levels"], key=lambda level: -level["min_score"])
    assert [level["words"] for level in levels] == ["strong match", "good match", "possible match"]
    below = [level["words"] for level in levels[1:]] + [SHIPPED["below"]]
    for level, lower in zip(levels, below, strict=True):
        assert pages.strength(level["min_score"])[0] == level["words"]
        assert pages.strength(level["min_score"] - 0.001)[0] == lower
    # the thresholds are where the shipped curve reaches each level's precision
    for level in levels:
        assert match_strength.precision_at(level["min_score"]) >= level["precision_at_least"]
        assert match_strength.precision_at(level["min_score"] - 0.001) < level["precision_at_least"]


def test_the_bar_is_the_share_of_skills_found_at_that_score_that_were_right() -> None:
    curve = SHIPPED["precision_curve"]
    for start, precision in curve:
        assert pages.strength(start)[1] == max(2, round(100 * precision))
    widths = [pages.strength(score / 100)[1] for score in range(0, 160)]
    assert widths == sorted(widths)  # a higher score never shows a shorter bar
    assert pages.right_in_ten(73) == "right about 7 times in 10"
    assert pages.right_in_ten(100) == "right nearly every time"
    assert pages.right_in_ten(3) == "right less than 1 time in 10"


def test_another_calibration_changes_the_words_and_the_bar(other_calibration: dict) -> None:
    assert pages.strength(0.65) == ("strong match", 80)
    assert pages.strength(0.45) == ("good match", 50)
    assert pages.strength(0.25) == ("possible match", 30)
    assert pages.strength(0.1) == ("weak match", 5)
    assert match_strength.demand_floor() == 0.2


def test_the_calibration_is_for_the_shipped_model_and_fusion() -> None:
    """Retuning the fusion or retraining the model changes the score scale: run bench/match_strength.py again."""
    fusion = json.loads((skill_model.MODEL_DIR / "extraction-settings.json").read_text(encoding="utf-8"))
    assert SHIPPED["for_extraction_settings"] == {
        k: fusion[k] for k in ("lexical_weight", "coverage_weight", "clause_weight")
    }
    assert SHIPPED["weights_sha256"] == skill_model.model_info()["weights_sha256"]
    assert SHIPPED["chosen_at"] and "select" in SHIPPED["chosen_by"]


def test_job_ad_import_counts_demand_from_a_possible_match_up() -> None:
    floor = match_strength.threshold("possible match")
    assert match_strength.demand_floor() == floor == TRAINED_SETTINGS.demand_floor
    extractor = SkillExtractor(SKILLS, settings=TRAINED_SETTINGS)
    assert service.demand_cut(extractor) == (floor, TRAINED_SETTINGS.demand_relative)
    # another backend's scores are not calibrated: it keeps the old defaults
    assert service.demand_cut(SkillExtractor(SKILLS, settings=ExtractionSettings(backend="none"))) == (
        0.5,
        0.6,
    )
    assert not hasattr(scale, "MIN_SCORE")  # one floor, not a copy


def test_a_skill_named_word_for_word_is_a_strong_match() -> None:
    extractor = SkillExtractor(SKILLS, settings=TRAINED_SETTINGS)
    found = extractor.extract("You will maintain electric vehicle batteries in our workshop.", k=4)
    assert found[0].uri == "esco:batteries"
    assert pages.strength(found[0].score)[0] == "strong match"
    assert all(pages.strength(skill.score)[0] == "weak match" for skill in found[1:])


@pytest.fixture
def esco(sessions) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def test_the_page_says_what_the_words_and_the_bar_mean(client: TestClient, esco: None) -> None:
    use_csrf(client)
    page = client.post(
        "/intelligence/extract", data={"text": "You will own the battery management systems of our vans."}
    ).text
    explained = re.search(r'<p class="small muted" id="match-explained">(.*?)</p>', page, re.S)
    assert explained, page
    words = " ".join(re.sub(r"<[^>]+>", "", explained.group(1)).split())
    assert "how often a skill found this way is right" in words
    for level in SHIPPED["levels"]:
        assert (
            f"a {level['words']} was right at least {round(10 * level['precision_at_least'])} times in 10"
            in words
        )
    assert "a full bar, nearly every time" in words
    row = next(r for r in page.split("</tr>") if ">battery management systems</a>" in r)
    assert "strong match" in row and re.search(r"right (nearly every time|about \d+ times in 10)", row)
