"""Skill extraction quality (R-Precision@5/@10, MRR on the TECH and HOUSE validation sets) and speed.

Run: .venv/bin/python -m bench.skill_extraction [--eval-dir ../shared/eval/skill-extraction]
     [--backends use-m3,e5-small]

Every system ranks the evaluation's own label list (skills_en_label.txt, ESCO 1.1). The bundled ESCO 1.2
taxonomy lends those labels their URIs, synonyms and descriptions where it has them
(`restrict_to_labels`); without the bundle the labels alone are indexed.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rich.console import Console
from rich.table import Table
from threadpoolctl import threadpool_limits

from bench.common import report
from skillatlas.intelligence.extraction import (
    ExtractionSettings,
    SkillExtractor,
    SkillRecord,
    bundled_skill_records,
    restrict_to_labels,
)
from skillatlas.search import EmbeddingCache, FusionSettings, HybridIndex, get_backend

REPO = Path(__file__).resolve().parent.parent
NOT_A_SKILL = {"UNDERSPECIFIED", "LABEL NOT PRESENT"}
SETS = {"TECH": "tech_validation_annotations.csv", "HOUSE": "house_validation_annotations.csv"}
TARGET_SENTENCES_PER_S = 200
TARGET_BUILD_S = 60
SPEED_PASSES = 3
SPEED_MIN_SENTENCES = 250
SPEED_MIN_SECONDS = 3.0
JOB_AD_SENTENCES = 25
Ranker = Callable[[Sequence[str]], list[list[str]]]


@dataclass(frozen=True, slots=True)
class EvalSentence:
    """A sentence and the union of its annotated ESCO labels."""

    text: str
    gold: frozenset[str]


def load_set(path: Path) -> list[EvalSentence]:
    """The sentences with at least one real label, in file order."""
    gold: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels = gold.setdefault(row["sentence"], set())
            if row["label"] not in NOT_A_SKILL:
                labels.add(row["label"])
    return [EvalSentence(text, frozenset(labels)) for text, labels in gold.items() if labels]


def sentence_metrics(ranked: Sequence[str], gold: frozenset[str]) -> dict[str, float]:
    """R-Precision@5, R-Precision@10 and reciprocal rank of one ranking."""
    result = {f"RP@{k}": len(set(ranked[:k]) & gold) / min(k, len(gold)) for k in (5, 10)}
    result["MRR"] = next((1.0 / rank for rank, label in enumerate(ranked, 1) if label in gold), 0.0)
    return result


def evaluate(rank: Ranker, sentences: list[EvalSentence]) -> dict[str, float]:
    """Mean metrics (in percent) of a ranker over a set."""
    rankings = rank([s.text for s in sentences])
    per_sentence = [sentence_metrics(r, s.gold) for r, s in zip(rankings, sentences, strict=True)]
    return {
        metric: 100 * float(np.mean([m[metric] for m in per_sentence])) for metric in ("RP@5", "RP@10", "MRR")
    }


# ---------------------------------------------------------------------------------------------- systems


def fuzzy_ranker(labels: list[str]) -> Ranker:
    """Exact label matches first (longest first), then rapidfuzz token-set similarity."""
    folded = [label.casefold() for label in labels]
    patterns = [re.compile(rf"(?<!\w){re.escape(label)}(?!\w)") for label in folded]

    def rank(sentences: Sequence[str]) -> list[list[str]]:
        rankings = []
        for sentence in sentences:
            text = sentence.casefold()
            exact = sorted(
                (i for i, pattern in enumerate(patterns) if folded[i] in text and pattern.search(text)),
                key=lambda i: -len(folded[i]),
            )
            fuzzy = process.extract(text, folded, scorer=fuzz.token_set_ratio, limit=10 + len(exact))
            order = list(dict.fromkeys([*exact, *(i for _, _, i in fuzzy)]))[:10]
            rankings.append([labels[i] for i in order])
        return rankings

    return rank


def index_ranker(index: HybridIndex, mode: str) -> Ranker:
    """One sentence, one query: the index alone in a single mode."""

    def rank(sentences: Sequence[str]) -> list[list[str]]:
        return [[hit.id for hit in hits] for hits in index.search_batch(list(sentences), 10, mode=mode)]  # type: ignore[arg-type]

    return rank


def extractor_ranker(extractor: SkillExtractor) -> Ranker:
    def rank(sentences: Sequence[str]) -> list[list[str]]:
        return [[skill.label for skill in skills] for skills in extractor.rank_sentences(sentences, 10)]

    return rank


# ---------------------------------------------------------------------------------------------- timing


def build_extractor(
    skills: list[SkillRecord], settings: ExtractionSettings, cache: EmbeddingCache
) -> tuple[SkillExtractor, float]:
    started = time.perf_counter()
    extractor = SkillExtractor(skills, settings=settings, cache=cache)
    return extractor, time.perf_counter() - started


def sentences_per_second(extractor: SkillExtractor, sentences: list[str]) -> tuple[float, float]:
    """Throughput over job-ad-sized batches, after a warm-up batch: (per wall second, per CPU second).

    The best of a few passes, because the machine is shared and a slow pass measures the neighbours.
    One BLAS thread, so per CPU second counts the work itself rather than threads spinning for a core a
    neighbour holds; it is what one server worker per core gets.
    """
    with threadpool_limits(limits=1):
        return _passes(extractor, sentences)


def _passes(extractor: SkillExtractor, sentences: list[str]) -> tuple[float, float]:
    extractor.rank_sentences(sentences[:JOB_AD_SENTENCES])
    best_wall = best_cpu = 0.0
    for _ in range(SPEED_PASSES):
        done, started, cpu_started = 0, time.perf_counter(), time.process_time()
        while done < SPEED_MIN_SENTENCES or time.perf_counter() - started < SPEED_MIN_SECONDS:
            start = done % len(sentences)
            batch = (sentences[start:] + sentences)[:JOB_AD_SENTENCES]
            extractor.rank_sentences(batch)
            done += len(batch)
        best_wall = max(best_wall, done / (time.perf_counter() - started))
        best_cpu = max(best_cpu, done / (time.process_time() - cpu_started))
    return best_wall, best_cpu


# ---------------------------------------------------------------------------------------------- main


def load_skills(eval_dir: Path) -> tuple[list[SkillRecord], str]:
    labels = [line.strip() for line in (eval_dir / "skills_en_label.txt").read_text("utf-8").splitlines()]
    labels = [label for label in labels if label]
    try:
        bundled = bundled_skill_records()
    except (ImportError, FileNotFoundError):
        return [SkillRecord(uri=label, label=label) for label in labels], "labels only (no bundle)"
    return restrict_to_labels(bundled, labels), "bundled ESCO 1.2, restricted to the evaluation labels"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval" / "skill-extraction")
    parser.add_argument("--backends", default="use-m3,e5-small", help="dense backends to compare")
    args = parser.parse_args()
    console = Console()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    sets = {name: load_set(args.eval_dir / filename) for name, filename in SETS.items()}
    skills, source = load_skills(args.eval_dir)
    # Rankings are compared by label: the evaluation names skills by their ESCO 1.1 preferred label.
    skills = [replace(skill, uri=skill.label) for skill in skills]
    labels = [skill.label for skill in skills]
    console.print(
        f"{len(labels):,} candidate labels ({source}); "
        + ", ".join(f"{name}: {len(s)} sentences" for name, s in sets.items())
    )
    all_sentences = [s.text for group in sets.values() for s in group]

    rows: list[dict[str, Any]] = []

    def record(system: str, backend: str, rank: Ranker) -> dict[str, Any]:
        row: dict[str, Any] = {"system": system, "backend": backend}
        for set_name, sentences in sets.items():
            for metric, value in evaluate(rank, sentences).items():
                row[f"{set_name} {metric}"] = round(value, 1)
        rows.append(row)
        console.print(row)
        return row

    record("exact + fuzzy labels", "-", fuzzy_ranker(labels))

    lexical_index = HybridIndex(get_backend("none"))
    lexical_index.add((skill.label, skill.label) for skill in skills)
    record("BM25 alone", "none", index_ranker(lexical_index, "lexical"))
    lexical_extractor = SkillExtractor(skills, settings=ExtractionSettings(backend="none"))
    full_rows = {"none": record("full system", "none", extractor_ranker(lexical_extractor))}
    baselines = [rows[0], rows[1]]

    timings: dict[str, dict[str, float]] = {}
    cache_dir = Path(tempfile.mkdtemp(prefix="skill-extraction-cache-"))
    atexit.register(shutil.rmtree, cache_dir, ignore_errors=True)
    for name in backends:
        settings = ExtractionSettings(backend=name)
        # Cold: nothing embedded yet. Warm: a new process would load the saved embeddings from disk.
        cold_cache = EmbeddingCache(cache_dir)
        _, cold_s = build_extractor(skills, settings, cold_cache)
        cold_cache.save()
        cache = EmbeddingCache(cache_dir)
        extractor, warm_s = build_extractor(skills, settings, cache)
        dense_index = HybridIndex(get_backend(name), cache=cache)
        dense_index.add((skill.label, skill.label) for skill in skills)
        baselines.append(record("embeddings alone", name, index_ranker(dense_index, "dense")))
        full_rows[name] = record("full system", name, extractor_ranker(extractor))
        wall, cpu = sentences_per_second(extractor, all_sentences)
        timings[name] = {
            "sentences_per_s": wall,
            "sentences_per_cpu_s": cpu,
            # The machine is shared: the load during the measurement says how much to trust it.
            "load_average_1min": os.getloadavg()[0],
            "cold_build_s": cold_s,
            "warm_build_s": warm_s,
        }
        console.print(name, timings[name])

    # The default: the best full system (mean RP@5 over both sets) among backends fast enough for the bar.
    def quality(name: str) -> float:
        return float(np.mean([full_rows[name][f"{s} RP@5"] for s in sets]))

    # Judged per CPU second: wall-clock figures on this shared machine move with the neighbours' load.
    fast_enough = [n for n in backends if timings[n]["sentences_per_cpu_s"] >= TARGET_SENTENCES_PER_S]
    chosen = max(fast_enough, key=quality) if fast_enough else "none"
    if quality("none") > quality(chosen):
        chosen = "none"

    # Ablations of the chosen system, each one change away from it.
    if chosen != "none":
        base = ExtractionSettings(backend=chosen)
        ablations = {
            "full, no clauses": replace(base, use_clauses=False),
            "full, no name coverage": replace(base, fusion=replace(base.fusion, coverage_weight=0.0)),
            "full, reciprocal-rank fusion": replace(
                base, fusion=replace(base.fusion, method="rrf", rrf_k=10)
            ),
            "full, + alternative labels": replace(base, use_alt_labels=True),
        }
        for system, settings in ablations.items():
            ablation = SkillExtractor(skills, settings=settings, cache=EmbeddingCache(cache_dir))
            record(system, chosen, extractor_ranker(ablation))

    for name, full in full_rows.items():
        beaten = [
            f"{b['system']} ({b['backend']})"
            for b in baselines
            if any(full[f"{s} RP@5"] <= b[f"{s} RP@5"] for s in sets)
        ]
        verdict = "beats every baseline on RP@5" if not beaten else f"does NOT beat: {', '.join(beaten)}"
        console.print(f"full system ({name}) {verdict} in both sets")

    speed = Table(
        title="Speed (2-core machine)" if os.cpu_count() == 2 else f"Speed ({os.cpu_count()} cores)"
    )
    for column in ("backend", "sentences/s", "sentences/CPU-s", "load avg", "cold build s", "warm build s"):
        speed.add_column(column, justify="left" if column == "backend" else "right")
    for name, timing in timings.items():
        speed.add_row(
            name,
            f"{timing['sentences_per_s']:,.0f}",
            f"{timing['sentences_per_cpu_s']:,.0f}",
            f"{timing['load_average_1min']:.1f}",
            f"{timing['cold_build_s']:.1f}",
            f"{timing['warm_build_s']:.1f}",
        )
    console.print(speed)
    default = ExtractionSettings()
    console.print(
        f"default backend chosen: {chosen} (best mean RP@5 at >= {TARGET_SENTENCES_PER_S} sentences per CPU second); "
        f"ExtractionSettings default is {default.backend!r}"
        + ("" if default.backend == chosen else "  <-- differs: update the default")
    )
    columns = ["system", "backend", *(f"{s} {m}" for s in sets for m in ("RP@5", "RP@10", "MRR"))]
    report(
        "skill_extraction",
        "Skill extraction on the validation sets (percent)",
        columns,
        rows,
        extra={
            "eval_dir": str(args.eval_dir),
            "candidate_labels": len(labels),
            "skills_source": source,
            "sentences": {name: len(s) for name, s in sets.items()},
            "speed": timings,
            "targets": {"sentences_per_s": TARGET_SENTENCES_PER_S, "cold_build_s": TARGET_BUILD_S},
            "default_backend": chosen,
            "default_settings": {
                "fusion": vars_of(default.fusion),
                "use_alt_labels": default.use_alt_labels,
                "use_description": default.use_description,
                "use_clauses": default.use_clauses,
                "clause_weight": default.clause_weight,
            },
        },
    )


def vars_of(settings: FusionSettings) -> dict[str, Any]:
    return {field: getattr(settings, field) for field in settings.__slots__}  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
