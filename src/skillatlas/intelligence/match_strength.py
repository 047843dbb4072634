"""What an extraction score means to a person: words ("strong match" ...) and how often such a skill is right.

The extractor's score is a fused similarity with no unit of its own. `bench/match_strength.py` measured, on
labelled job-ad sentences (SkillSkape dev "select"), how often a skill found at each score is among the
sentence's labels, and wrote to `models/match-strength.json`:

- `levels`: each word from the lowest score at which that precision reaches its level;
- `precision_curve`: the fitted precision as a step function of the score ([score from, precision] rows).

Every reader of absolute extraction scores takes them from here: the extraction page's words and bar, and
job-ad import's floor (`demand_floor`, the "possible match" threshold), so they cannot drift apart.
"""

from __future__ import annotations

import bisect
import json
from functools import cache
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().parent / "models" / "match-strength.json"
#: The word whose threshold is the lowest score job-ad import counts as demand.
DEMAND_WORDS = "possible match"


@cache
def settings() -> dict[str, Any]:
    """The shipped calibration (thresholds, curve, and how and when they were chosen)."""
    return json.loads(PATH.read_text(encoding="utf-8"))


_override: dict[str, Any] | None = None


def use(data: dict[str, Any] | None) -> None:
    """Use another calibration in this process (the calibration bench, before it ships); None: the shipped one."""
    global _override
    _override = data


def _data() -> dict[str, Any]:
    return _override if _override is not None else settings()


def levels() -> list[tuple[str, float]]:
    """(words, lowest score) from the strongest word down."""
    found = [
        (level["words"], float(level["min_score"]))
        for level in _data()["levels"]
        if level["min_score"] is not None
    ]
    return sorted(found, key=lambda item: -item[1])


def precision_at(score: float) -> float:
    """How often a skill found at this score was right in the calibration data (0..1)."""
    curve = _data()["precision_curve"]
    starts = [row[0] for row in curve]
    at = bisect.bisect_right(starts, score) - 1
    return float(curve[max(at, 0)][1])


def words_for(score: float) -> str:
    """The score in words: the strongest level it reaches, else the calibration's word for below them all."""
    for words, lowest in levels():
        if score >= lowest:
            return words
    return str(_data().get("below", "weak match"))


def strength(score: float) -> tuple[str, int]:
    """Words and a bar width in percent: the share of skills found at this score that were right."""
    return words_for(score), max(2, min(100, round(100 * precision_at(score))))


def threshold(words: str) -> float:
    """The lowest score of a level, by its words."""
    return dict(levels())[words]


def demand_floor() -> float:
    """The lowest score job-ad import counts as demand: the "possible match" threshold."""
    return threshold(DEMAND_WORDS)
