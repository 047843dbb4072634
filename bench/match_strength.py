"""Match strength: the extraction page's words ("strong/good/possible match") calibrated on labelled data.

Run: nice -n 10 .venv/bin/python -m bench.match_strength [--eval-dir ../shared/eval/skill-extraction]
     [--levels 0.7 0.5 0.3] [--dry-run]   (measure only; do not rewrite the shipped JSON)

What it does, honestly:
1. Runs the shipped extractor (`SkillExtractor.extract` with `default_settings("use-m3")`, the function and
   settings behind the page, `service.extract_skills`, with the page's top 20) on each sentence of SkillSkape
   dev "select" (`skillskape_split`: where settings are chosen; the "report" split is never read here),
   ranking the evaluation's ESCO 1.1 label list the way bench/skill_extraction.py does (`restrict_to_labels`).
2. Each skill found is right when it is among the sentence's labels. Precision as a function of the score is
   fitted by isotonic regression (pool-adjacent-violators: it may only rise with the score).
3. Each word's threshold is the lowest score at which that fitted precision reaches its level (by default
   strong 0.7, good 0.5, possible 0.3; below "possible", "weak"). Thresholds and the fitted curve (the page's
   bar: "how often a skill found at this score is right") go to
   `src/skillatlas/intelligence/models/match-strength.json`.
4. The honest figures: the precision each word gets on TECH and HOUSE (real job-ad sentences, annotated
   separately; never used here to choose anything), in bench/results/match_strength.json. Also the
   precision at the old hand-set thresholds (1.2/0.8/0.5) and at job-ad import's floor.

Caveats: the gold sets list the skills annotators marked, not every skill a sentence implies, so precision is
a lower bound; the adapter's epoch was chosen on "select", and the fusion weights on "select", TECH and HOUSE
(bench/skill_extraction.py), so neither set is wholly untouched by the extractor's own tuning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import report
from bench.skill_extraction import SETS, SKILLSKAPE, EvalSentence, load_set, load_skillskape
from skillatlas.intelligence import match_strength
from skillatlas.intelligence.extraction import (
    SkillExtractor,
    bundled_skill_records,
    default_settings,
    restrict_to_labels,
)
from skillatlas.intelligence.service import confident
from skillatlas.intelligence.skill_model import MODEL_DIR, model_info
from skillatlas.search import EmbeddingCache

REPO = Path(__file__).resolve().parent.parent
PAGE_TOP = 20  # the page's `top`: the skills it lists for a text
IMPORT_TOP = 15  # job-ad import's `top`
OLD_THRESHOLDS = {"strong match": 1.2, "good match": 0.8, "possible match": 0.5}
OLD_IMPORT_FLOOR = 0.5
WORDS = ("strong match", "good match", "possible match")


def found_per_sentence(
    extractor: SkillExtractor, sentences: list[EvalSentence]
) -> list[list[tuple[float, bool]]]:
    """(score, right) of each skill the extractor finds in each sentence, best first, as the page lists them."""
    return [
        [
            (skill.score, skill.label in sentence.gold)
            for skill in extractor.extract(sentence.text, k=PAGE_TOP)
        ]
        for sentence in sentences
    ]


def pairs(found: list[list[tuple[float, bool]]]) -> tuple[np.ndarray, np.ndarray]:
    flat = [pair for skills in found for pair in skills]
    return np.asarray([s for s, _ in flat], dtype=np.float64), np.asarray(
        [r for _, r in flat], dtype=np.float64
    )


def import_cut(found: list[list[tuple[float, bool]]], floor: float, relative: float) -> dict[str, Any]:
    """What job-ad import would keep of each sentence (`service.confident`, its top 15): how many skills, how
    many of them right, precision, and the share of the sentences' right skills (in the page's top 20) kept."""

    @dataclass
    class Found:
        score: float
        right: bool

    kept = [confident([Found(s, r) for s, r in skills[:IMPORT_TOP]], floor, relative) for skills in found]
    right = sum(f.right for k in kept for f in k)
    total = sum(len(k) for k in kept)
    findable = sum(r for skills in found for _, r in skills)
    return {
        "floor": floor,
        "relative": relative,
        "kept": total,
        "right": int(right),
        "precision": round(right / total, 3) if total else None,
        "share_of_right_skills_kept": round(right / findable, 3) if findable else None,
        "sentences_with_nothing_kept": sum(not k for k in kept),
    }


def demo_ads(cache: EmbeddingCache, floors: dict[str, float], relative: float) -> dict[str, Any]:
    """Skills job-ad import would count per ad of the demo's job ads (fictional ads written for the demo; no
    labels: counts only), over the bundled taxonomy, at each floor."""
    import yaml

    ads = yaml.safe_load((REPO / "src/skillatlas/demo/data/job_ads.yaml").read_text("utf-8"))["job_ads"]
    extractor = SkillExtractor(bundled_skill_records(), settings=default_settings("use-m3"), cache=cache)
    found = [extractor.extract(f"{ad['title']}.\n{ad['text']}", k=IMPORT_TOP) for ad in ads]
    out: dict[str, Any] = {
        "ads": len(ads),
        "best_score_median": round(float(np.median([f[0].score for f in found])), 3),
    }
    for name, floor in floors.items():
        kept = [confident(f, floor, relative) for f in found]
        out[name] = {
            "floor": floor,
            "skills_per_ad_mean": round(float(np.mean([len(k) for k in kept])), 2),
            "ads_with_no_skill": sum(not k for k in kept),
            "ads_where_the_floor_cuts": sum(floor > relative * f[0].score for f in found),
        }
    return out


def wilson(right: int, n: int, z: float = 1.96) -> list[float] | None:
    """95% Wilson interval of a proportion."""
    if n == 0:
        return None
    p = right / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 3), round(centre + half, 3)]


def isotonic(scores: np.ndarray, right: np.ndarray) -> list[tuple[float, float, int]]:
    """Pool-adjacent-violators: blocks (lowest score, precision, count), precision non-decreasing in score."""
    order = np.argsort(scores, kind="stable")
    blocks: list[list[float]] = []  # [start score, sum right, count]
    for score, value in zip(scores[order].tolist(), right[order].tolist(), strict=True):
        blocks.append([score, value, 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    return [(start, total / count, int(count)) for start, total, count in blocks]


def curve_of(blocks: list[tuple[float, float, int]]) -> list[list[float]]:
    """The fitted step function as [score from, precision] rows, precision rounded down to two decimals (never
    overstated, so a word's threshold is where the shipped curve reaches its level), equal steps merged."""
    rows: list[list[float]] = []
    for start, precision, _ in blocks:
        p = math.floor(precision * 100 + 1e-9) / 100
        if rows and rows[-1][1] == p:
            continue
        rows.append([round(start, 4), p])
    if rows:
        rows[0][0] = 0.0  # everything below the lowest score seen gets the lowest precision
    return rows


def thresholds_of(curve: list[list[float]], levels: dict[str, float]) -> dict[str, float | None]:
    """The lowest score whose fitted precision reaches each level (None: never reached)."""
    return {
        words: next((start for start, precision in curve if precision >= level), None)
        for words, level in levels.items()
    }


def band_figures(scores: np.ndarray, right: np.ndarray, thresholds: dict[str, float]) -> dict[str, Any]:
    """Per word: how many skills it would label, how many of them are right, and the precision; and the
    precision of everything at or above each word's threshold."""
    out: dict[str, Any] = {}
    bounds = [(w, t) for w, t in thresholds.items() if t is not None]
    upper = np.inf
    for words, low in sorted(bounds, key=lambda item: -item[1]):
        band = (scores >= low) & (scores < upper)
        at_least = scores >= low
        out[words] = {
            "from_score": low,
            "found": int(band.sum()),
            "right": int(right[band].sum()),
            "precision": _precision(right[band]),
            "precision_95%": wilson(int(right[band].sum()), int(band.sum())),
            "precision_at_or_above": _precision(right[at_least]),
        }
        upper = low
    weak = scores < upper
    out["weak match"] = {
        "found": int(weak.sum()),
        "right": int(right[weak].sum()),
        "precision": _precision(right[weak]),
        "precision_95%": wilson(int(right[weak].sum()), int(weak.sum())),
    }
    return out


def at_floor(scores: np.ndarray, right: np.ndarray, floor: float, width: float = 0.05) -> dict[str, Any]:
    """Precision of the skills scoring at least `floor`, and of those just above it (within `width`)."""
    above = scores >= floor
    near = above & (scores < floor + width)
    return {
        "floor": floor,
        "found_at_or_above": int(above.sum()),
        "precision_at_or_above": _precision(right[above]),
        f"precision_in_[floor, floor+{width}]": _precision(right[near]),
        "found_near": int(near.sum()),
    }


def _precision(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 3) if len(values) else None


def calibration_error(scores: np.ndarray, right: np.ndarray) -> dict[str, Any]:
    """How far the fitted curve (what the bar shows) is from what happens on another set: mean absolute gap
    between predicted and observed precision over ten equal-count bins, and the Brier score."""
    predicted = np.asarray([match_strength.precision_at(s) for s in scores.tolist()])
    order = np.argsort(predicted, kind="stable")
    bins = [b for b in np.array_split(order, 10) if len(b)]
    gaps = [abs(predicted[b].mean() - right[b].mean()) for b in bins]
    return {
        "mean_predicted": round(float(predicted.mean()), 3),
        "observed": round(float(right.mean()), 3),
        "calibration_gap_10_bins": round(float(np.mean(gaps)), 3),
        "brier": round(float(np.mean((predicted - right) ** 2)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval" / "skill-extraction")
    parser.add_argument(
        "--levels", type=float, nargs=3, default=(0.7, 0.5, 0.3), metavar=("STRONG", "GOOD", "POSSIBLE")
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="measure only; leave the shipped JSON as it is"
    )
    args = parser.parse_args()
    levels = dict(zip(WORDS, args.levels, strict=True))

    labels = [
        line.strip() for line in (args.eval_dir / "skills_en_label.txt").read_text("utf-8").splitlines()
    ]
    labels = [label for label in labels if label]
    skills = [replace(s, uri=s.label) for s in restrict_to_labels(bundled_skill_records(), labels)]
    select = load_skillskape(SKILLSKAPE, labels)["select"]
    held_out = {name: load_set(args.eval_dir / filename) for name, filename in SETS.items()}
    settings = default_settings("use-m3")
    cache = EmbeddingCache(Path(os.environ.get("TMPDIR", "/tmp")) / "match-strength-cache")
    extractor = SkillExtractor(skills, settings=settings, cache=cache)
    cache.save()
    print(
        f"{len(skills):,} candidate labels; select {len(select)}, "
        + ", ".join(f"{n} {len(s)}" for n, s in held_out.items()),
        flush=True,
    )

    found = {"select (calibration)": found_per_sentence(extractor, select)}
    scores, right = pairs(found["select (calibration)"])
    blocks = isotonic(scores, right)
    curve = curve_of(blocks)
    thresholds = thresholds_of(curve, levels)
    print("thresholds", thresholds, flush=True)
    fusion = json.loads((MODEL_DIR / "extraction-settings.json").read_text("utf-8"))
    shipped = {
        "levels": [
            {"words": words, "min_score": thresholds[words], "precision_at_least": level}
            for words, level in levels.items()
        ],
        "below": "weak match",
        "precision_curve": curve,
        "chosen_by": "bench/match_strength.py: isotonic fit of 'is the found skill among the sentence's labels' "
        "against the score, over the page's top 20 per sentence of SkillSkape dev 'select'; each word from the "
        "lowest score where the fitted precision reaches its level",
        "chosen_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "found_skills": len(scores),
        "sentences": len(select),
        "for_extraction_settings": {
            k: fusion.get(k) for k in ("lexical_weight", "coverage_weight", "clause_weight")
        },
        "weights_sha256": model_info().get("weights_sha256"),
    }
    match_strength.use(shipped)

    for name, group in held_out.items():
        found[name] = found_per_sentence(extractor, group)
    found["TECH+HOUSE"] = [skills for name in held_out for skills in found[name]]
    floor = match_strength.demand_floor()
    relative = settings.demand_relative
    rows, detail = [], {}
    for name, per_sentence in found.items():
        s, r = pairs(per_sentence)
        bands = band_figures(s, r, thresholds)
        row: dict[str, Any] = {"set": name, "found": len(s), "precision (all found)": _precision(r)}
        for words in (*WORDS, "weak match"):
            row[f"{words} P"] = bands[words]["precision"]
            row[f"{words} n"] = bands[words]["found"]
        rows.append(row)
        detail[name] = {
            "bands": bands,
            "old_hand_set_thresholds": band_figures(s, r, OLD_THRESHOLDS),
            "old_import_floor_0.5": at_floor(s, r, OLD_IMPORT_FLOOR),
            "import_floor_now": at_floor(s, r, floor),
            "import_cut_per_sentence_old": import_cut(per_sentence, OLD_IMPORT_FLOOR, relative),
            "import_cut_per_sentence_now": import_cut(per_sentence, floor, relative),
            "calibration": calibration_error(s, r),
        }
    shipped["checked_on_other_sets"] = {
        "sets": "TECH + HOUSE validation sentences (../shared/eval/skill-extraction), never used to choose these thresholds",
        **{
            words: {k: band[k] for k in ("found", "right", "precision", "precision_95%")}
            for words, band in detail["TECH+HOUSE"]["bands"].items()
        },
        "details": "bench/results/match_strength.json",
    }
    if not args.dry_run:
        match_strength.PATH.write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
        print(f"saved {match_strength.PATH}")
    demo = demo_ads(cache, {"old": OLD_IMPORT_FLOOR, "now": floor}, relative)
    print("demo job ads:", demo, flush=True)
    columns = ["set", "found", "precision (all found)"] + [
        f"{w} {m}" for w in (*WORDS, "weak match") for m in ("P", "n")
    ]
    report(
        "match_strength",
        "Match strength words: precision of the skills each word labels (P) and how many (n)",
        columns,
        rows,
        extra={
            "levels": levels,
            "thresholds": thresholds,
            "old_thresholds": OLD_THRESHOLDS,
            "import_floor": {"old": OLD_IMPORT_FLOOR, "now": floor},
            "demo_job_ads_import": demo,
            "detail": detail,
            "shipped_json": str(match_strength.PATH.relative_to(REPO))
            + (" (not rewritten: --dry-run)" if args.dry_run else ""),
            "protocol": "calibrated on SkillSkape dev 'select' only; TECH and HOUSE are measured, never used to choose these thresholds",
            "caveats": "gold lists only the skills annotators marked (precision is a lower bound); the adapter's "
            "epoch was chosen on 'select' and the fusion weights on select+TECH+HOUSE",
            "eval_dir": str(args.eval_dir),
        },
    )


if __name__ == "__main__":
    main()
