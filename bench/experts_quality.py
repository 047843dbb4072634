"""Expert-matching quality (nDCG@10, MAP, recall@50) on a labelled set built from the bundled ESCO.

Run: .venv/bin/python -m bench.experts_quality [--backend use-m3] [--per-occupation 8] [--seed 7]

The set, built honestly and reproducibly (fixed seed) from the bundled ESCO 1.2:
- experts come from the 91 occupations that have skill relations: each holds most of its occupation's
  essential skills, a few of its optional ones and some random skills of other occupations (noise), at random
  levels and sources; its bio is noisy free text (a job title from the occupation's labels, sentences taken
  from its skills' descriptions with words dropped, and unrelated filler) and never the occupation's own
  description;
- requests are written from occupations' descriptions (the text a company would write), naming 3 of the
  occupation's essential skills; relevance is graded from skill overlap: the share of the request
  occupation's essential skills an expert holds (0: <20%, 1: 20-40%, 2: 40-60%, 3: >=60%); MAP and recall
  count grades >= 2 as relevant;
- request occupations are split in two: weights are tuned on the dev half only, and every figure reported
  is on the held-out half.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from bench.common import report
from skillatlas.experts.matching import ExpertRecord, MatchQuery, TextIndex, Weights, build_pool, rank
from skillatlas.experts.service import expert_text
from skillatlas.search import get_backend
from skillatlas.taxonomy import bundle

FILLER = [
    "I enjoy mentoring junior colleagues.",
    "Outside work I run marathons and cook for friends.",
    "Happy to travel across Europe.",
    "I have worked for small firms and large groups alike.",
    "Fluent in several languages.",
    "I like clear goals and honest feedback.",
]
LEVELS = ("awareness", "practitioner", "expert")


@dataclass
class Request:
    occupation: str
    text: str
    skills: list[str]


def build_set(per_occupation: int, seed: int) -> tuple[list[ExpertRecord], list[str], dict[str, str],
                                                       list[Request], dict[str, set[str]], list[str]]:  # fmt: skip
    rng = random.Random(seed)
    skills = {s.uri: s for s in bundle.load_skills()}
    occupations = {o.uri: o for o in bundle.load_occupations()}
    essential: dict[str, list[str]] = defaultdict(list)
    optional: dict[str, list[str]] = defaultdict(list)
    for link in bundle.load_occupation_skills():
        (essential if link.relation == "essential" else optional)[link.occupation_uri].append(link.skill_uri)
    used = sorted(o for o in essential if o in occupations and len(essential[o]) >= 3)
    all_essential = sorted({u for o in used for u in essential[o]})
    records: list[ExpertRecord] = []
    texts: list[str] = []
    labels = {u: skills[u].preferred_label for o in used for u in essential[o] + optional[o] if u in skills}
    person = 0
    for occupation in used:
        job = occupations[occupation]
        for _ in range(per_occupation):
            person += 1
            own = rng.sample(
                essential[occupation], max(1, round(len(essential[occupation]) * rng.uniform(0.5, 0.9)))
            )
            extra = rng.sample(optional[occupation], min(len(optional[occupation]), rng.randint(0, 3)))
            noise = rng.sample(all_essential, rng.randint(1, 3))
            held = list(dict.fromkeys(own + extra + noise))
            held = [u for u in held if u in skills]
            records.append(ExpertRecord(
                person_id=person, external_id=occupation,
                skills=[(u, rng.choice(LEVELS), rng.choices((0, 1, 2), weights=(60, 25, 15))[0]) for u in held],
            ))  # fmt: skip
            title = rng.choice(job.labels)
            sentences = []
            for u in rng.sample(held, min(3, len(held))):
                words = (skills[u].description or skills[u].preferred_label).split()
                kept = [w for w in words if rng.random() > 0.25]
                sentences.append(" ".join(kept))
            bio = f"{title}. " + " ".join(sentences) + " " + " ".join(rng.sample(FILLER, 2))
            # What matching reads: headline, bio, and the labels of the skills on the record.
            texts.append(expert_text(title, bio, [labels.get(u, skills[u].preferred_label) for u in held]))
    requests = []
    needs = {}
    for occupation in used:
        job = occupations[occupation]
        needs[occupation] = set(essential[occupation])
        for variant in range(2):
            named = rng.sample(essential[occupation], 3)
            opener = rng.choice(["We are looking for help.", "Short assignment.", "Our team needs support."])
            requests.append(Request(occupation, f"{opener} {job.description}", named))
            del variant
    return records, texts, labels, requests, needs, used


def grades(records: list[ExpertRecord], need: set[str]) -> np.ndarray:
    share = np.array([len({u for u, _, _ in r.skills} & need) / len(need) for r in records])
    return np.digitize(share, [0.2, 0.4, 0.6]).astype(np.float64)


def metrics(ranked: list[int], gains: np.ndarray) -> tuple[float, float, float]:
    """nDCG@10 (graded), average precision and recall@50 (grade >= 2 relevant) of one ranking."""
    discount = 1 / np.log2(np.arange(2, 12))
    got = gains[ranked[:10]] if ranked else np.zeros(0)
    dcg = float(((2**got - 1) * discount[: len(got)]).sum())
    ideal = np.sort(gains)[::-1][:10]
    idcg = float(((2**ideal - 1) * discount[: len(ideal)]).sum())
    relevant = gains >= 2
    total = int(relevant.sum())
    hits, precision_sum = 0, 0.0
    for position, index in enumerate(ranked, start=1):
        if relevant[index]:
            hits += 1
            precision_sum += hits / position
    ap = precision_sum / total if total else 0.0
    recall = float(relevant[ranked[:50]].sum()) / total if total else 0.0
    return (dcg / idcg if idcg else 0.0), ap, recall


def evaluate(system: str, requests: list[Request], pool, index: TextIndex, needs, records, weights: Weights,
             position: dict[int, int], cache: dict) -> dict[str, float]:  # fmt: skip
    scores = []
    for request in requests:
        key = id(request)
        if key not in cache:
            cache[key] = (index.lexical_scores(request.text), index.dense_scores(request.text))
        lexical, dense = cache[key]
        skills = [(u, "practitioner") for u in request.skills]
        if system == "lexical only":
            found = rank(pool, MatchQuery(), lexical=lexical, k=100)
        elif system == "embeddings only":
            found = rank(pool, MatchQuery(), dense=dense, k=100)
        elif system == "structured only":
            found = rank(pool, MatchQuery(skills=skills), k=100)
        else:
            found = rank(
                pool, MatchQuery(skills=skills), lexical=lexical, dense=dense, k=100, weights=weights
            )
        ranked = [position[m.person_id] for m in found]
        scores.append(metrics(ranked, grades(records, needs[request.occupation])))
    ndcg, ap, recall = (float(np.mean(column)) for column in zip(*scores, strict=True))
    return {"ndcg@10": round(ndcg, 4), "map": round(ap, 4), "recall@50": round(recall, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="use-m3")
    parser.add_argument("--per-occupation", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    records, texts, labels, requests, needs, used = build_set(args.per_occupation, args.seed)
    pool = build_pool(records, labels)
    index = TextIndex(texts, get_backend(args.backend))
    build_s = time.perf_counter() - started
    position = {r.person_id: i for i, r in enumerate(records)}
    occupations = sorted(used)
    random.Random(args.seed + 1).shuffle(occupations)
    dev_occupations = set(occupations[: len(occupations) // 2])
    dev = [r for r in requests if r.occupation in dev_occupations]
    test = [r for r in requests if r.occupation not in dev_occupations]
    cache: dict = {}

    # Tune the three weights on the dev half only.
    best, best_weights = -1.0, Weights()
    grid = [0.2, 0.4, 0.6, 0.8]
    for structured, lexical in itertools.product(grid, grid):
        dense = round(1.0 - structured - lexical, 2)
        if dense < 0:
            continue
        weights = Weights(structured=structured, lexical=lexical, dense=dense)
        score = evaluate("combined", dev, pool, index, needs, records, weights, position, cache)["ndcg@10"]
        if score > best:
            best, best_weights = score, weights

    rows = []
    for system in ("lexical only", "embeddings only", "structured only", "combined"):
        for name, split in (("dev", dev), ("test (held out)", test)):
            figures = evaluate(system, split, pool, index, needs, records, best_weights, position, cache)
            rows.append({"system": system, "set": name, "requests": len(split), **figures})
    combined = next(r for r in rows if r["system"] == "combined" and r["set"].startswith("test"))
    others = [r for r in rows if r["system"] != "combined" and r["set"].startswith("test")]
    beats = all(combined[m] > o[m] for o in others for m in ("ndcg@10", "map", "recall@50"))
    report(
        "experts_quality",
        f"Expert matching quality ({len(records)} experts, backend {args.backend})",
        ["system", "set", "requests", "ndcg@10", "map", "recall@50"],
        rows,
        extra={
            "experts": len(records),
            "occupations": len(used),
            "requests": len(requests),
            "backend": args.backend,
            "seed": args.seed,
            "tuned_on_dev": {
                "structured": best_weights.structured,
                "lexical": best_weights.lexical,
                "dense": best_weights.dense,
                "dev_ndcg@10": best,
            },
            "combined_beats_each_on_test": beats,
            "build_s": round(build_s, 2),
        },
    )
    print(f"combined beats each single signal on the held-out test set: {beats}")


if __name__ == "__main__":
    main()
