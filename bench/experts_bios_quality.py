"""Expert matching on free text only: bios and requests with no structured skills on either side.

Run: nice -n 10 .venv/bin/python -m bench.experts_bios_quality [--backend use-m3] [--seed 11]

The set is built mechanically from public data nobody here wrote, and never from ESCO's skill labels (which
the matcher itself reads):
- requests are the ISCO-08 unit groups' own texts (the ILO's definition and its task list, the part before
  "Examples of the occupations classified here"), as a company would describe work it needs done;
- experts are the ESCO occupations that an ISCO unit group names among its examples (an exact, lower-cased
  match of the example with one of the occupation's labels; an occupation named by two groups is left out):
  the occupation's preferred label is the expert's headline and ESCO's description of the occupation the bio.
  Two texts by different authors (the ILO, the ESCO team) about the same work, so that words do not simply
  repeat; the examples themselves are never part of a request;
- graded relevance from the ISCO code alone: an expert in the request's unit group (4 digits) 3, in its
  minor group (3 digits) 2, in its sub-major group (2 digits) 1, else 0; MAP and recall@50 count grade >= 2;
- the requests are split in two halves by unit group (fixed seed): every setting (the three weights, the
  number of skills derived per bio) is chosen on the dev half; the figures reported are on the test half,
  with standard errors over its requests.

Measured 2026-12-07 (use-m3 with the trained skill model of issue 16, weights' SHA-256 in the JSON; 2 shared
cores; bench/results/experts_bios_quality.{json,md}), test half, 122 requests, mean ± standard error:
nDCG@10 0.654 ± 0.019 for the shipped combination, against 0.619 ± 0.022 for lexical only and 0.635 ± 0.021
for embeddings only (paired differences +0.036 ± 0.013 and +0.019 ± 0.009); derived skills alone reach 0.34.
Against the matcher before issue 16 (a bio gave no skills: words and meaning over the bio alone, 0.637 ±
0.021) the gain is +0.017 ± 0.008, and it comes from indexing the derived skills' labels with the bio (words
and meaning over that text: 0.653); the structured match of derived skills adds +0.002 ± 0.007 beyond it.
A softer match (half credit for a skill of the same ESCO group), chosen on dev in a scratch run outside this
script, scored -0.004 ± 0.004 against words and meaning on test. Settings tuned on dev score the same on test
(0.650), so the shipped settings stay. With the extraction before the skill model: 0.649 ± 0.020
(`experts_bios_quality_before_skill_model.*`, without the before-issue-16 row).

The pipeline is the product's: `experts.service.derive_skills` (the shared extractor, through the
intelligence service) derives each bio's skills, marked derived, with their evidence sentences; a request's
skills come from its text the same way (`experts.service.skill_finder`); `matching.rank` ranks.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import report
from bench.experts_quality import metrics
from skillatlas.experts.matching import ExpertRecord, MatchQuery, TextIndex, Weights, build_pool, rank
from skillatlas.experts.service import expert_text, request_text, skills_from_extracted
from skillatlas.search import EmbeddingCache, get_backend
from skillatlas.taxonomy import bundle

CACHE = Path("/tmp/skillatlas-bench-embeddings")


@dataclass
class Request:
    code: str
    text: str


@dataclass
class Expert:
    code: str
    headline: str
    bio: str


def _request_text(description: str) -> str:
    """The ILO's definition and tasks of a unit group, without its examples and notes."""
    text = re.split(r"\n(?:Examples of the occupations|Some related occupations|Notes?\n)", description)[0]
    text = text.replace("Tasks include -", "Tasks include:").replace(
        "tasks would include -", "tasks include:"
    )
    return re.sub(r"\n\([a-z]\) ", "\n", text).strip()


def build_set() -> tuple[list[Request], list[Expert]]:
    occupations = bundle.load_occupations()
    groups = [o for o in occupations if o.is_isco_group and len(o.code) == 4]
    by_label: dict[str, set[int]] = {}
    escos = [o for o in occupations if not o.is_isco_group and o.description]
    for i, occupation in enumerate(escos):
        for label in occupation.labels:
            by_label.setdefault(label.lower().strip(), set()).add(i)
    code_of: dict[int, set[str]] = {}
    for group in groups:
        found = re.search(r"Examples of the occupations classified here:\n((?:- .*\n?)+)", group.description)
        if not found:
            continue
        for line in found.group(1).splitlines():
            for i in by_label.get(line[2:].strip().lower(), ()):
                code_of.setdefault(i, set()).add(group.code)
    experts = [
        Expert(next(iter(codes)), escos[i].preferred_label, escos[i].description)
        for i, codes in sorted(code_of.items())
        if len(codes) == 1
    ]
    covered = {e.code for e in experts}
    requests = [Request(g.code, _request_text(g.description)) for g in groups if g.code in covered]
    return requests, experts


def gains(request: Request, experts: list[Expert]) -> np.ndarray:
    codes = np.array([e.code for e in experts])
    grade = np.zeros(len(experts))
    for depth, value in ((2, 1.0), (3, 2.0), (4, 3.0)):
        grade = np.where(np.char.startswith(codes, request.code[:depth]), value, grade)
    return grade


def summarise(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    values = np.array(rows)
    n = len(values)
    mean = values.mean(axis=0)
    se = values.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(3)
    names = ("ndcg@10", "map", "recall@50")
    return {
        **{name: round(float(m), 4) for name, m in zip(names, mean, strict=True)},
        **{f"{name} se": round(float(s), 4) for name, s in zip(names, se, strict=True)},
    }


def markdown(rows: list[dict], extra: dict) -> str:
    """The table as Markdown (bench/results/experts_bios_quality.md), each figure with its standard error."""
    lines = [
        f"# Expert matching on free-text bios ({extra['experts']} experts, {extra['requests']} requests, "
        f"backend {extra['backend']})",
        "",
        "Requests: ISCO-08 unit groups' definitions and tasks (ILO); bios: ESCO occupation descriptions; relevance "
        "from the shared ISCO code (4 digits 3, 3 digits 2, 2 digits 1). Settings chosen on dev, reported on test.",
        "",
        "| system | set | requests | nDCG@10 | MAP | recall@50 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = [f"{r[m]:.3f} ± {r[m + ' se']:.3f}" for m in ("ndcg@10", "map", "recall@50")]
        lines.append(f"| {r['system']} | {r['set']} | {r['requests']} | " + " | ".join(cells) + " |")
    lines += ["", "Paired nDCG@10 difference on test, combined as shipped minus each system (mean ± se):", ""]
    for system, d in extra["paired_test_difference_ndcg@10"].items():
        lines.append(f"- {system}: {d['mean']:+.3f} ± {d['se']:.3f}")
    return "\n".join(lines) + "\n"


def paired(per_request: dict, test: list[int]) -> dict[str, dict[str, float]]:
    """nDCG@10 of the shipped combination minus each other system, per test request: mean and standard error."""
    mine = np.array([r[0] for r in per_request["combined, as shipped", tuple(test)]])
    found = {}
    for (system, split), rows in per_request.items():
        if split != tuple(test) or system == "combined, as shipped":
            continue
        diff = mine - np.array([r[0] for r in rows])
        found[system] = {"mean": round(float(diff.mean()), 4),
                         "se": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4)}  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="use-m3")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from skillatlas.intelligence.extraction import SkillExtractor, bundled_skill_records, default_settings

    started = time.perf_counter()
    requests, experts = build_set()
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(CACHE)
    # the product's extraction for this backend (with use-m3, the trained skill model when its weights ship)
    settings = default_settings(args.backend)
    extractor = SkillExtractor(bundled_skill_records(), settings=settings, cache=cache)
    cache.save()
    extractor_s = time.perf_counter() - started

    # Skills of every bio and every request, found once with generous k; settings cut them later.
    started = time.perf_counter()
    bio_texts = [request_text(e.headline, e.bio) for e in experts]
    # Found skills kept between runs, keyed by the texts and the extraction code (another model, another key).
    import hashlib
    import inspect
    import pickle

    from skillatlas.intelligence import extraction

    weights = sorted((Path(extraction.__file__).parent / "models").glob("*"))
    model = hashlib.sha256(b"".join(w.read_bytes() for w in weights)).hexdigest()
    key = hashlib.sha256("\n".join([inspect.getsource(extraction), model, repr(settings), *bio_texts,
                                     *(r.text for r in requests)]).encode()).hexdigest()[:16]  # fmt: skip
    stored = CACHE / f"found-{key}.pkl"
    if stored.exists():
        bio_found, request_found = pickle.loads(stored.read_bytes())
    else:
        bio_found = [extractor.extract(text, k=20) for text in bio_texts]
        request_found = [extractor.extract(r.text, k=20) for r in requests]
        stored.write_bytes(pickle.dumps((bio_found, request_found)))
    extract_s = time.perf_counter() - started
    backend = get_backend(args.backend)
    from skillatlas.experts.matching import DENSE_FLOOR

    floor = DENSE_FLOOR.get(backend.name)
    labels = {s.uri: s.label for found in bio_found + request_found for s in found}

    def pool_for(per_bio: int, shared_word: bool) -> tuple:
        records, texts = [], []
        for n, (expert, found) in enumerate(zip(experts, bio_found, strict=True)):
            derived = skills_from_extracted(found, limit=per_bio, shared_word=shared_word)
            records.append(ExpertRecord(person_id=n + 1, external_id=expert.code,
                                        skills=[(d.uri, d.level, d.source_index) for d in derived]))  # fmt: skip
            texts.append(expert_text(expert.headline, expert.bio, [d.label for d in derived]))
        vectors = cache.embed(backend, texts, role="passage") if backend.dim else None
        return build_pool(records, labels), TextIndex(texts, backend, vectors)

    pools = {(per_bio, shared): pool_for(per_bio, shared) for per_bio in (5, 10) for shared in (False, True)}
    # before issue 16 a bio gave no skills: its text is indexed without any skill label
    pools[0, True] = pool_for(0, True)
    queries = cache.embed(backend, [r.text for r in requests], role="query") if backend.dim else None
    cache.save()
    rng = random.Random(args.seed)
    codes = sorted({r.code for r in requests})
    rng.shuffle(codes)
    dev_codes = set(codes[: len(codes) // 2])
    dev = [i for i, r in enumerate(requests) if r.code in dev_codes]
    test = [i for i, r in enumerate(requests) if r.code not in dev_codes]
    all_gains = [gains(r, experts) for r in requests]
    scored: dict = {}
    by_request: dict = {}

    def run(system: str, split: list[int], weights: Weights, per_bio: int, asked_k: int,
            shared: bool) -> dict[str, float]:  # fmt: skip
        pool, index = pools[(per_bio, shared)]
        rows = []
        for i in split:
            key = (per_bio, shared, i)
            if key not in scored:
                dense = index.vectors @ queries[i] if queries is not None else None
                scored[key] = (index.lexical_scores(requests[i].text), dense)
            lexical, dense = scored[key]
            derived = skills_from_extracted(request_found[i], limit=asked_k, shared_word=shared)
            asked = [(d.uri, "practitioner") for d in derived]
            if system == "lexical only":
                found = rank(pool, MatchQuery(), lexical=lexical, k=100)
            elif system == "embeddings only":
                found = rank(pool, MatchQuery(), dense=dense, k=100, dense_floor=floor)
            elif system == "derived skills only":
                found = rank(pool, MatchQuery(skills=asked), k=100)
            elif system.startswith("words + meaning"):
                found = rank(pool, MatchQuery(), lexical=lexical, dense=dense, k=100, dense_floor=floor)
            else:
                query = MatchQuery(skills=asked, extracted=frozenset(u for u, _ in asked))
                found = rank(
                    pool, query, lexical=lexical, dense=dense, k=100, weights=weights, dense_floor=floor
                )
            rows.append(metrics([m.person_id - 1 for m in found], all_gains[i]))
        by_request[system, tuple(split)] = rows
        return summarise(rows)

    # Settings chosen on the dev half only.
    grid = [0.0, 0.2, 0.4, 0.6, 0.8]
    best: tuple[float, Weights, int, int, bool] = (-1.0, Weights(), 10, 5, True)
    tried = []
    for structured, lexical, per_bio, per_request, shared in itertools.product(
        grid, grid, (5, 10), (3, 5, 10), (False, True)
    ):
        dense = round(1.0 - structured - lexical, 2)
        if dense < 0:
            continue
        weights = Weights(structured=structured, lexical=lexical, dense=dense)
        score = run("combined", dev, weights, per_bio, per_request, shared)["ndcg@10"]
        tried.append({"structured": structured, "lexical": lexical, "dense": dense, "skills_per_bio": per_bio,
                      "skills_per_request": per_request, "shared_word": shared, "dev_ndcg@10": score})  # fmt: skip
        if score > best[0]:
            best = (score, weights, per_bio, per_request, shared)
    _, tuned, tuned_bio, tuned_request, tuned_shared = best
    shipped = Weights()
    from skillatlas.experts import service as experts_service

    product = (experts_service.SKILLS_PER_BIO, experts_service.SKILLS_PER_REQUEST,
               experts_service.REQUIRE_SHARED_WORD)  # fmt: skip

    rows = []
    for system, weights, (per_bio, per_request, shared) in (
        ("lexical only", shipped, product),
        ("embeddings only", shipped, product),
        ("derived skills only", shipped, product),
        ("words + meaning (before issue 16)", shipped, (0, product[1], True)),
        ("words + meaning, bio skills' labels indexed", shipped, product),
        ("combined, as shipped", shipped, product),
        ("combined, tuned on dev", tuned, (tuned_bio, tuned_request, tuned_shared)),
    ):
        for name, split in (("dev", dev), ("test", test)):
            rows.append({"system": system, "set": name, "requests": len(split),
                         **run(system, split, weights, per_bio, per_request, shared)})  # fmt: skip
    path = report(
        "experts_bios_quality",
        f"Expert matching on free-text bios ({len(experts)} experts, {len(requests)} requests, {args.backend})",
        ["system", "set", "requests", "ndcg@10", "ndcg@10 se", "map", "map se", "recall@50", "recall@50 se"],
        rows,
        extra={
            "experts": len(experts),
            "requests": len(requests),
            "backend": args.backend,
            "seed": args.seed,
            "relevance": "ISCO-08 code shared with the request's unit group: 4 digits 3, 3 digits 2, 2 digits 1",
            "shipped_weights": {"structured": shipped.structured, "lexical": shipped.lexical,
                                "dense": shipped.dense},
            "shipped_settings": {"skills_per_bio": product[0], "skills_per_request": product[1],
                                 "shared_word": product[2]},
            "tuned_on_dev": {"structured": tuned.structured, "lexical": tuned.lexical, "dense": tuned.dense,
                             "skills_per_bio": tuned_bio, "skills_per_request": tuned_request,
                             "shared_word": tuned_shared, "dev_ndcg@10": best[0]},
            "dev_grid_top10": sorted(tried, key=lambda t: -t["dev_ndcg@10"])[:10],
            "paired_test_difference_ndcg@10": paired(by_request, test),
            "extraction_settings": repr(settings),
            "skill_model_sha256": model,
            "extractor_build_s": round(extractor_s, 1),
            "extraction_s": round(extract_s, 1),
        },
    )  # fmt: skip
    import json

    saved = json.loads(path.read_text())
    path.with_suffix(".md").write_text(markdown(saved["rows"], saved))


if __name__ == "__main__":
    main()
