"""Skill extraction quality and speed, evaluated honestly.

Run: nice -n 10 .venv/bin/python -m bench.skill_extraction [--eval-dir ../shared/eval/skill-extraction]
     [--quick]   (fewer settings, no speed passes)
     [--speed-only]   (only the speed passes: one process, then one per core; updates the JSON's "speed")

Sets (every system ranks the evaluation's own ESCO 1.1 label list, `skills_en_label.txt`; the bundled ESCO 1.2
lends those labels their URIs, synonyms and descriptions through `restrict_to_labels`):
- TECH and HOUSE: the validation annotations of real job-ad sentences in `../shared/eval/skill-extraction/`;
- SkillSkape dev "report": two thirds of SkillSkape `dev.csv` (by sentence hash; `scripts/train_skill_model.py`
  never reads them); the other third, "select", is where the model's training settings were chosen.

Honesty: systems with weights to choose (fusion weights, clause weight) choose them *leave one set out*: the
figure on TECH uses the settings best on HOUSE + SkillSkape select, HOUSE's those best on TECH + select, and
SkillSkape report's those best on TECH + HOUSE + select. No reported figure was used to pick its own
settings. The shipped default is the choice over all three selection sets. The only exception is the row
"previous system", whose weights were chosen on TECH and HOUSE before this benchmark was honest: it is shown
for comparison only. The zero-shot baseline is the reciprocal-rank fusion of the frozen embedding model and
stemmed BM25 over the labels (the issue's baseline used all-MiniLM-L6-v2, which no installable package
ships; the frozen `use-m3` encoder takes its place).

Figures: R-Precision@5 (percent) per set, with its standard error over sentences (SE); RP@10 and MRR in the
JSON. Speed: sentences per second through the shipped extractor (embedding included), one BLAS thread.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import itertools
import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from bench.common import report
from skillatlas.intelligence import extraction as extraction_module
from skillatlas.intelligence.extraction import (
    ExtractionSettings,
    SkillExtractor,
    SkillRecord,
    bundled_skill_records,
    default_settings,
    label_key,
    restrict_to_labels,
)
from skillatlas.intelligence.skill_model import (
    MODEL_DIR,
    MODEL_NAME,
    SkillModelBackend,
    model_info,
    skillskape_split,
)
from skillatlas.search import EmbeddingCache, FusionSettings, HybridIndex, get_backend
from skillatlas.search.backends import EmbeddingBackend, Role

REPO = Path(__file__).resolve().parent.parent
FUSION_FILE = MODEL_DIR / "extraction-settings.json"
NOT_A_SKILL = {"UNDERSPECIFIED", "LABEL NOT PRESENT"}
SETS = {"TECH": "tech_validation_annotations.csv", "HOUSE": "house_validation_annotations.csv"}
SKILLSKAPE = REPO.parent / "shared" / "data" / "skillskape" / "dev.csv"
REPORTED = ("TECH", "HOUSE", "SkillSkape")
TARGET_SENTENCES_PER_S = 200
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


def load_skillskape(path: Path, labels: list[str]) -> dict[str, list[EvalSentence]]:
    """SkillSkape dev split into 'select' and 'report'; gold labels spelled as in the evaluation list."""
    import ast

    spelled = {label_key(label): label for label in labels}
    parts: dict[str, list[EvalSentence]] = {"select": [], "report": []}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            gold = frozenset(
                spelled[k] for k in map(label_key, ast.literal_eval(row["skills"])) if k in spelled
            )
            if gold:
                parts[skillskape_split(row["sentence"])].append(EvalSentence(row["sentence"], gold))
    return parts


def sentence_metrics(ranked: Sequence[str], gold: frozenset[str]) -> dict[str, float]:
    """R-Precision@5, R-Precision@10 and reciprocal rank of one ranking."""
    result = {f"RP@{k}": len(set(ranked[:k]) & gold) / min(k, len(gold)) for k in (5, 10)}
    result["MRR"] = next((1.0 / rank for rank, label in enumerate(ranked, 1) if label in gold), 0.0)
    return result


def evaluate(rankings: list[list[str]], sentences: list[EvalSentence]) -> dict[str, float]:
    """Mean metrics (percent) and the standard error of RP@5."""
    per = [sentence_metrics(r, s.gold) for r, s in zip(rankings, sentences, strict=True)]
    out = {m: 100 * float(np.mean([p[m] for p in per])) for m in ("RP@5", "RP@10", "MRR")}
    values = [p["RP@5"] for p in per]
    out["SE"] = 100 * float(np.std(values, ddof=1) / np.sqrt(len(values)))
    return out


class MemoBackend:
    """A backend that remembers every vector it made, so a grid of settings embeds each text once."""

    def __init__(self, base: EmbeddingBackend) -> None:
        self.base = base
        self.name = base.name
        self.dim = base.dim
        self._memo: dict[tuple[str, str], np.ndarray] = {}

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if (role, t) not in self._memo))
        if missing:
            for text, vector in zip(missing, self.base.embed(missing, role=role), strict=True):
                self._memo[(role, text)] = vector
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._memo[(role, t)] for t in texts])


# ---------------------------------------------------------------------------------------------- systems


def extractor_rankings(extractor: SkillExtractor, sentences: Sequence[str]) -> list[list[str]]:
    return [[skill.label for skill in skills] for skills in extractor.rank_sentences(sentences, 10)]


def index_rankings(index: HybridIndex, sentences: Sequence[str], mode: str) -> list[list[str]]:
    return [[hit.id for hit in hits] for hits in index.search_batch(list(sentences), 10, mode=mode)]  # type: ignore[arg-type]


class Family:
    """A system with a grid of settings; each reported figure uses the settings best on the *other* sets."""

    def __init__(
        self, name: str, index: HybridIndex, skills: list[SkillRecord], grid: list[ExtractionSettings]
    ):
        self.name = name
        self.index = index
        self.skills = skills
        self.grid = grid

    def scores(self, sets: dict[str, list[EvalSentence]]) -> list[dict[str, dict[str, float]]]:
        """For each setting of the grid, the metrics on each set."""
        results = []
        for settings in self.grid:
            self.index.fusion = settings.fusion
            extractor = SkillExtractor(self.skills, settings=settings, index=self.index)
            results.append(
                {
                    name: evaluate(extractor_rankings(extractor, [s.text for s in group]), group)
                    for name, group in sets.items()
                }
            )
        return results


def selection_sets(reported: str) -> list[str]:
    """The sets whose mean RP@5 picks the settings a reported set is measured with."""
    return ["select", *(name for name in ("TECH", "HOUSE") if name != reported)]


def choose(results: list[dict[str, dict[str, float]]], on: list[str]) -> int:
    return max(range(len(results)), key=lambda i: (np.mean([results[i][s]["RP@5"] for s in on]), -i))


def row_of(
    system: str, chosen: dict[str, int], results: list[dict[str, dict[str, float]]], grid_size: int
) -> dict:
    row: dict[str, Any] = {"system": system, "settings tried": grid_size}
    for name in REPORTED:
        metrics = results[chosen[name]][name]
        row[f"{name} RP@5"] = round(metrics["RP@5"], 1)
        row[f"{name} SE"] = round(metrics["SE"], 1)
        row[f"{name} RP@10"] = round(metrics["RP@10"], 1)
        row[f"{name} MRR"] = round(metrics["MRR"], 1)
    row["mean RP@5"] = round(float(np.mean([row[f"{n} RP@5"] for n in REPORTED])), 1)
    return row


def fixed_row(
    system: str, sets: dict[str, list[EvalSentence]], rank: Callable[[list[str]], list[list[str]]]
) -> dict:
    results = [{name: evaluate(rank([s.text for s in group]), group) for name, group in sets.items()}]
    return row_of(system, dict.fromkeys(REPORTED, 0), results, 1)


def grid(backend: str, **fixed: Any) -> list[ExtractionSettings]:
    """The settings a family tries: lexical weight x name coverage x clause weight (some fixed)."""
    lexical = fixed.pop("lexical_weight", (0.1, 0.2, 0.4))
    coverage = fixed.pop("coverage_weight", (0.4, 0.8, 1.2))
    clause = fixed.pop("clause_weight", (0.0, 0.3, 0.5))
    method = fixed.pop("method", "weighted")
    out = []
    for lw, cw, kw in itertools.product(_tuple(lexical), _tuple(coverage), _tuple(clause)):
        fusion = FusionSettings(method=method, lexical_weight=lw, coverage_weight=cw)
        out.append(ExtractionSettings(backend=backend, fusion=fusion, use_clauses=kw > 0, clause_weight=kw))
    return out


def _tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


# ---------------------------------------------------------------------------------------------- speed


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


_LOAD = """
import time
started = time.perf_counter()
from skillatlas.intelligence.skill_model import skill_model_backend
model = skill_model_backend()
model.embed(["warm up"], role="query")
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux keeps the forked parent's high-water mark in ru_maxrss across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(seconds, peak / 1024)
"""


def model_load() -> dict[str, float]:
    """A fresh process: seconds to import and load the encoder and the adapter and embed one sentence, and
    its peak memory (MiB)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LOAD], capture_output=True, text=True, check=True)
    seconds, peak = map(float, out.stdout.split())
    return {"model_load_s": round(seconds, 2), "model_process_peak_rss_mib": round(peak, 1)}


def speed(skills: list[SkillRecord], sentences: list[str], cache_dir: Path) -> dict[str, Any]:
    """Load time, memory and throughput of the shipped extractor, as a fresh process would see them."""
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    settings = default_settings("use-m3")
    cold = SkillExtractor(skills, settings=settings, cache=EmbeddingCache(cache_dir))
    cold_s = time.perf_counter() - started
    cold.index.cache.save()
    after_cold = rss_mib()
    started = time.perf_counter()
    extractor = SkillExtractor(skills, settings=settings, cache=EmbeddingCache(cache_dir))
    warm_s = time.perf_counter() - started
    del cold
    gc.collect()
    with threadpool_limits(limits=1):
        extractor.rank_sentences(sentences[:JOB_AD_SENTENCES])
        best_wall = best_cpu = 0.0
        for _ in range(3):
            done, t0, c0 = 0, time.perf_counter(), time.process_time()
            while done < 250 or time.perf_counter() - t0 < 3.0:
                start = done % len(sentences)
                batch = (sentences[start:] + sentences)[:JOB_AD_SENTENCES]
                extractor.rank_sentences(batch)
                done += len(batch)
            best_wall = max(best_wall, done / (time.perf_counter() - t0))
            best_cpu = max(best_cpu, done / (time.process_time() - c0))
    return {
        **model_load(),
        "backend": settings.backend,
        "sentences_per_s": round(best_wall, 1),
        "sentences_per_cpu_s": round(best_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cold_build_s": round(cold_s, 2),
        "warm_build_s": round(warm_s, 2),
        "rss_before_mib": round(before, 1),
        "rss_after_cold_build_mib": round(after_cold, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "weights_bytes": (MODEL_DIR / f"{MODEL_NAME}.npz").stat().st_size,
    }


def _speed_worker(args: tuple[list[str], str, float]) -> tuple[int, float, float]:
    """One of the processes of `speed_processes`: a warm extractor, one BLAS thread, `seconds` of batches."""
    sentences, cache_dir, seconds = args
    skills = bundled_skill_records()
    extractor = SkillExtractor(
        skills, settings=default_settings("use-m3"), cache=EmbeddingCache(Path(cache_dir))
    )
    with threadpool_limits(limits=1):
        extractor.rank_sentences(sentences[:JOB_AD_SENTENCES])
        done, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < seconds:
            start = done % len(sentences)
            batch = (sentences[start:] + sentences)[:JOB_AD_SENTENCES]
            extractor.rank_sentences(batch)
            done += len(batch)
        return done, time.perf_counter() - t0, time.process_time() - c0


def speed_processes(
    sentences: list[str], cache_dir: Path, processes: int, seconds: float = 20.0
) -> dict[str, Any]:
    """Throughput of `processes` extractor processes side by side (the way `serve --workers N` and
    `classify-ads --workers N` use the cores): the sum of each process's sentences over the same time."""
    import multiprocessing

    # A first process fills the embedding cache, so that the timed processes all start warm.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pool.map(_speed_worker, [(sentences, str(cache_dir), 0.1)])
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_speed_worker, [(sentences, str(cache_dir), seconds)] * processes)
    return {
        "processes": processes,
        "sentences_per_s": round(sum(done / wall for done, wall, _ in results), 1),
        "sentences_per_cpu_s_each": [round(done / cpu, 1) for done, _, cpu in results],
        "seconds": seconds,
    }


def speed_only(eval_dir: Path) -> None:
    """Only the speed passes, on the bundled skills (what the doors use), written into the existing JSON."""
    sentences = [s.text for name in ("TECH", "HOUSE") for s in load_set(eval_dir / SETS[name])]
    cache_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"skill-bench-{os.getpid()}"
    skills = bundled_skill_records()
    timing = speed(skills, sentences, cache_dir)
    timing["load_average_1min_before_parallel"] = round(os.getloadavg()[0], 2)
    timing["parallel"] = speed_processes(sentences, cache_dir, processes=os.cpu_count() or 1)
    timing["candidate_skills"] = len(skills)
    timing["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(json.dumps(timing, indent=2))
    path = REPO / "bench" / "results" / "skill_extraction.json"
    data = json.loads(path.read_text("utf-8"))
    data["speed"] = timing
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"saved the speed figures in {path}")


# ---------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval" / "skill-extraction")
    parser.add_argument("--quick", action="store_true", help="a smaller grid and no speed passes")
    parser.add_argument(
        "--speed-only", action="store_true", help="only the speed passes (one process, then one per core)"
    )
    args = parser.parse_args()
    if args.speed_only:
        speed_only(args.eval_dir)
        return
    labels = [
        line.strip() for line in (args.eval_dir / "skills_en_label.txt").read_text("utf-8").splitlines()
    ]
    labels = [label for label in labels if label]
    skills = restrict_to_labels(bundled_skill_records(), labels)
    # Rankings are compared by label: the evaluation names skills by their ESCO 1.1 preferred label.
    skills = [replace(skill, uri=skill.label) for skill in skills]
    sets = {name: load_set(args.eval_dir / filename) for name, filename in SETS.items()}
    skillskape = load_skillskape(SKILLSKAPE, labels)
    sets["SkillSkape"] = skillskape["report"]
    sets["select"] = skillskape["select"]
    print(
        f"{len(skills):,} candidate labels; " + ", ".join(f"{n}: {len(s)} sentences" for n, s in sets.items())
    )

    base = MemoBackend(get_backend("use-m3"))
    trained = SkillModelBackend(base, MODEL_DIR / f"{MODEL_NAME}.npz")  # type: ignore[arg-type]
    trained_memo = MemoBackend(trained)  # type: ignore[arg-type]
    frozen_index = HybridIndex(base, cache=EmbeddingCache())  # type: ignore[arg-type]
    frozen_index.add((s.uri, s.label) for s in skills)
    trained_index = HybridIndex(trained_memo, cache=EmbeddingCache())  # type: ignore[arg-type]
    trained_index.add((s.uri, s.label) for s in skills)
    lexical_index = HybridIndex(get_backend("none"))
    lexical_index.add((s.uri, s.label) for s in skills)

    rows: list[dict[str, Any]] = []
    choices: dict[str, Any] = {}

    def show(row: dict[str, Any]) -> None:
        rows.append(row)
        print(
            {k: row[k] for k in ("system", "TECH RP@5", "HOUSE RP@5", "SkillSkape RP@5", "mean RP@5")},
            flush=True,
        )

    show(
        fixed_row("BM25 alone (stemmed labels)", sets, lambda s: index_rankings(lexical_index, s, "lexical"))
    )
    show(
        fixed_row(
            "frozen embeddings alone (use-m3)", sets, lambda s: index_rankings(frozen_index, s, "dense")
        )
    )
    frozen_index.fusion = FusionSettings(method="rrf", rrf_k=60, coverage_weight=0.0)
    show(
        fixed_row(
            "zero-shot baseline: RRF(use-m3, BM25)", sets, lambda s: index_rankings(frozen_index, s, "hybrid")
        )
    )
    previous = ExtractionSettings(backend="use-m3")
    frozen_index.fusion = previous.fusion
    show(
        fixed_row(
            "previous system (weights tuned ON TECH/HOUSE)",
            sets,
            lambda s: extractor_rankings(SkillExtractor(skills, settings=previous, index=frozen_index), s),
        )
    )
    show(fixed_row("trained model alone", sets, lambda s: index_rankings(trained_index, s, "dense")))

    small = args.quick
    families = {
        "trained model + BM25 + name coverage + clauses (shipped)": (
            trained_index,
            grid(
                "skill-model",
                **({"lexical_weight": (0.3, 0.5), "clause_weight": (0.0, 0.5)} if small else {}),
            ),
        ),
        "  ablation: without clauses": (trained_index, grid("skill-model", clause_weight=0.0)),
        "  ablation: without name coverage": (trained_index, grid("skill-model", coverage_weight=0.0)),
        "  ablation: without BM25 (coverage still lexical)": (
            trained_index,
            grid("skill-model", lexical_weight=0.0),
        ),
        "  ablation: frozen encoder instead of the trained model": (
            frozen_index,
            grid(
                "use-m3", lexical_weight=(0.2, 0.4, 0.6), coverage_weight=(0.4, 0.8), clause_weight=(0.0, 0.5)
            ),
        ),
    }
    for system, (index, settings_grid) in families.items():
        results = Family(system, index, skills, settings_grid).scores(sets)
        chosen = {name: choose(results, selection_sets(name)) for name in REPORTED}
        show(row_of(system, chosen, results, len(settings_grid)))
        shipped = choose(results, ["select", "TECH", "HOUSE"])
        choices[system] = {
            "per reported set": {name: _describe(settings_grid[i]) for name, i in chosen.items()},
            "chosen on all selection sets": _describe(settings_grid[shipped]),
            "select RP@5 of that choice": round(results[shipped]["select"]["RP@5"], 1),
        }
        if system.endswith("(shipped)"):
            shipped_settings = settings_grid[shipped]

    if not args.quick:
        # The shipped fusion is this choice: extraction reads it from the model's folder.
        chosen_fusion = _describe(shipped_settings)
        chosen_fusion.pop("backend")
        FUSION_FILE.write_text(
            json.dumps(
                {
                    **chosen_fusion,
                    "chosen_by": "bench/skill_extraction.py: best mean RP@5 over SkillSkape dev 'select', TECH, HOUSE",
                    "chosen_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "weights_sha256": model_info().get("weights_sha256"),
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        extraction_module.TRAINED_SETTINGS = extraction_module.trained_settings()
    default = default_settings("use-m3")
    matches = _describe(default) == _describe(shipped_settings)
    print(
        f"shipped default {_describe(default)}; chosen here {_describe(shipped_settings)}"
        + ("" if matches else "  <-- differs: update extraction.TRAINED_SETTINGS")
    )
    timing = (
        {}
        if args.quick
        else speed(
            skills,
            [s.text for g in ("TECH", "HOUSE") for s in sets[g]],
            Path(os.environ.get("TMPDIR", "/tmp")) / f"skill-bench-{os.getpid()}",
        )
    )
    if timing:
        print(timing)
    columns = [
        "system",
        *(f"{n} {m}" for n in REPORTED for m in ("RP@5", "SE")),
        "mean RP@5",
        "settings tried",
    ]
    report(
        "skill_extraction",
        "Skill extraction, R-Precision@5 in percent (SE: standard error over sentences)",
        columns,
        rows,
        extra={
            "eval_dir": str(args.eval_dir),
            "protocol": "leave one set out: each reported figure uses the settings best on the other sets "
            "(SkillSkape dev 'select' always among them); 'previous system' was tuned on TECH/HOUSE",
            "candidate_labels": len(skills),
            "sentences": {name: len(s) for name, s in sets.items()},
            "choices": choices,
            "shipped_default": _describe(default),
            "shipped_default_matches_choice": matches,
            "speed": timing,
            "targets": {"sentences_per_s": TARGET_SENTENCES_PER_S},
            "model": {
                k: model_info().get(k)
                for k in ("model", "seed", "chosen", "select_rp5", "trained_at", "seconds")
            },
        },
    )


def _describe(settings: ExtractionSettings) -> dict[str, Any]:
    return {
        "backend": settings.backend,
        "lexical_weight": settings.fusion.lexical_weight,
        "coverage_weight": settings.fusion.coverage_weight,
        "clause_weight": settings.clause_weight if settings.use_clauses else 0.0,
    }


if __name__ == "__main__":
    main()
