"""Job ads classified at scale: ads per second per core, memory per worker, core-hours for 100 million ads.

Run: nice -n 10 .venv/bin/python -m bench.market_scale [--ads 1000000] [--engines local,dask1,dask2]
     [--chunk-size 500] [--backend use-m3] [--out bench/results/market_scale.json]

The corpus is synthetic but varied: each ad draws one of the bundled ESCO occupations (those with three
skills or more: linked in the bundle, or sharing words with the occupation's description), a title (its
preferred or an alternative label, with seniority, gender tags or a city), an opening line from several
templates, the first sentence of the occupation's description, three to six of its essential skills and up
to three optional ones (skills as tasks, knowledge as requirements, in several phrasings, some listed in one
sentence), and one of several closing lines; dates over two years, 28 countries. No two ads need be alike.

Each engine runs in a subprocess of its own over the same files, through `scale.classify_ads` (the same
code as `skillatlas intelligence classify-ads`):
- `local`: one process; the classifier's build (the model loaded once) is timed apart from the ads;
- `daskN`: a `LocalCluster` of N worker processes (one thread each), joined by `--address` as a user would;
  every worker builds its classifier at its first chunk, which the wall-clock time includes.
Per core: ads per second divided by the worker processes (one BLAS thread each, `ONE_THREAD`). Memory per worker: the peak resident set of each
worker process (`ru_maxrss`, read in the worker after the run), and its proportional set size at the end (PSS:
the encoder's weights and the skill and occupation vectors are files under the data directory that every
worker maps, `ClassifierConfig.shared_dir`, as `classify-ads` does; `--private` gives each worker its own). Projection: core-hours for 100 million ads
at the best steady per-core rate measured (the local engine's, without the model's load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
             "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO"]  # fmt: skip
CITIES = [
    "Munich",
    "Lyon",
    "Cluj-Napoca",
    "Turin",
    "Graz",
    "Brno",
    "Gothenburg",
    "Valencia",
    "Gdansk",
    "Ghent",
]
SECTORS = ["automotive", "logistics", "engineering", "health care", "software", "manufacturing", "retail"]
OPENINGS = [
    "We are a {sector} company in {city} looking for a {title}.",
    "Join our team in {city} as {title}.",
    "Our {sector} group is hiring a {title} for its site in {city}.",
    "{title} wanted: a growing {sector} employer in {city} needs you.",
    "Are you an experienced {title}? Our {sector} business in {city} is growing.",
]
SKILL_LINES = [
    "You will {s}.",
    "Your main task is to {s}.",
    "Daily you {s} together with the team.",
    "Ability to {s} is essential.",
    "Experience: {s}.",
]
KNOWLEDGE_LINES = [
    "Knowledge of {k} is required.",
    "A good understanding of {k} is an advantage.",
    "You bring solid {k}.",
]
LISTS = ["Your tasks: {a}, {b} and {c}.", "Responsibilities include {a}; {b}; {c}."]
CLOSINGS = [
    "We offer a permanent contract, flexible hours and training.",
    "Apply with your CV; we answer within two weeks.",
    "Competitive salary, 30 days of holiday and a company car.",
    "Remote work up to two days a week is possible.",
    "",
]
TITLE_FORMS = ["{t}", "Senior {t}", "Junior {t}", "{t} (m/f/d)", "{t} - {city}", "Lead {t}"]


# One BLAS thread in every process, as Dask's nanny gives its workers: "per core" means one core, and
# spinning BLAS threads on a shared machine cost more than they give.
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def build_corpus(folder: Path, ads: int, per_file: int, seed: int = 14) -> list[str]:
    """Writes `ads` synthetic job ads as JSON lines, `per_file` to a file; returns the files."""
    from skillatlas.taxonomy.bundle import load_occupation_skills, load_occupations, load_skills

    rng = random.Random(seed)
    skills = {s.uri: s for s in load_skills()}
    occupations = [o for o in load_occupations("occupation")]
    needs: dict[str, tuple[list[str], list[str]]] = {o.uri: ([], []) for o in occupations}
    for link in load_occupation_skills():
        if link.occupation_uri in needs and link.skill_uri in skills:
            needs[link.occupation_uri][0 if link.relation == "essential" else 1].append(link.skill_uri)
    # The bundle links skills to few occupations (91); the others get the skills whose labels share the
    # most long words with their description (top 12 as essential, the next 6 as optional).
    by_word: dict[str, list[str]] = {}
    for uri, skill in skills.items():
        for word in set(re.findall(r"[a-z]{5,}", skill.preferred_label.lower())):
            by_word.setdefault(word, []).append(uri)
    for occupation in occupations:
        if needs[occupation.uri][0]:
            continue
        counts: dict[str, int] = {}
        for word in set(re.findall(r"[a-z]{5,}", occupation.description.lower())):
            if len(by_word.get(word, ())) <= 300:  # words too common to tell skills apart are left out
                for uri in by_word.get(word, ()):
                    counts[uri] = counts.get(uri, 0) + 1
        ranked = sorted(counts, key=lambda u: (-counts[u], u))
        needs[occupation.uri] = (ranked[:12], ranked[12:18])
    occupations = [o for o in occupations if len(needs[o.uri][0]) >= 3]
    folder.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    handle = None
    start = 0
    for i in range(ads):
        if i % per_file == 0:
            if handle:
                handle.close()
            files.append(str(folder / f"ads-{len(files):04d}.jsonl"))
            handle = open(files[-1], "w", encoding="utf-8")  # noqa: SIM115
        occupation = rng.choice(occupations)
        city = rng.choice(CITIES)
        label = rng.choice([occupation.preferred_label, *occupation.alt_labels[:4]])
        title = rng.choice(TITLE_FORMS).format(t=label, city=city)
        essential, optional = needs[occupation.uri]
        chosen = rng.sample(essential, min(len(essential), rng.randint(3, 6)))
        chosen += rng.sample(optional, min(len(optional), rng.randint(0, 3)))
        lines = [rng.choice(OPENINGS).format(sector=rng.choice(SECTORS), city=city, title=label)]
        if occupation.description:
            lines.append(occupation.description.split(". ")[0].rstrip(".") + ".")
        tasks = [skills[u].preferred_label for u in chosen if skills[u].skill_type != "knowledge"]
        known = [skills[u].preferred_label for u in chosen if skills[u].skill_type == "knowledge"]
        if len(tasks) >= 3 and rng.random() < 0.4:
            a, b, c = tasks[:3]
            lines.append(rng.choice(LISTS).format(a=a, b=b, c=c))
            tasks = tasks[3:]
        lines += [rng.choice(SKILL_LINES).format(s=t) for t in tasks]
        lines += [rng.choice(KNOWLEDGE_LINES).format(k=k) for k in known]
        lines.append(rng.choice(CLOSINGS))
        day = start + rng.randrange(730)
        date = time.strftime("%Y-%m-%d", time.gmtime(1_704_067_200 + day * 86_400))  # from 2024-01-01
        ad = {"id": f"syn-{i:09d}", "date": date, "country": rng.choice(COUNTRIES), "title": title,
              "text": "\n".join(line for line in lines if line)}  # fmt: skip
        assert handle is not None
        handle.write(json.dumps(ad, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    return files


def pss_mb() -> float:
    """This process's proportional set size: its private pages, and each shared page divided by the processes
    that map it (the workers' shared model weights and index vectors count once among them)."""
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def run_one(
    engine: str,
    files: list[str],
    output: str,
    chunk_size: int,
    backend: str,
    cache_dir: str,
    shared_dir: str | None = None,
) -> dict[str, Any]:
    """One engine over the corpus, in this (fresh) process; prints and returns its figures."""
    from skillatlas.intelligence import scale

    config = scale.ClassifierConfig(backend=backend, cache_dir=cache_dir, shared_dir=shared_dir)
    result: dict[str, Any] = {"engine": engine, "model": scale.model_identity(backend)}
    if engine == "local":
        began = time.perf_counter()
        scale.classifier(config)
        result["model_load_s"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        report = scale.classify_ads(inputs=files, output=output, chunk_size=chunk_size, config=config)
        seconds = time.perf_counter() - began
        result.update(workers=1, ads=report.ads, seconds=round(seconds, 2),
                      ads_per_s=round(report.ads / seconds, 2), ads_per_s_per_core=round(report.ads / seconds, 2),
                      memory_per_worker_mb=[round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)],
                      pss_per_worker_mb=[pss_mb()])  # fmt: skip
        return result
    from distributed import Client, LocalCluster

    workers = int(engine.removeprefix("dask"))
    began = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:  # fmt: skip
        report = scale.classify_ads(inputs=files, output=output, engine="dask", address=cluster.scheduler_address,
                                    chunk_size=chunk_size, config=config, warm_cache=False)  # fmt: skip
        seconds = time.perf_counter() - began
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        pss = client.run(pss_mb)  # while every worker still maps the shared files
    result.update(workers=workers, ads=report.ads, seconds=round(seconds, 2),
                  ads_per_s=round(report.ads / seconds, 2),
                  ads_per_s_per_core=round(report.ads / seconds / workers, 2),
                  memory_per_worker_mb=[round(v, 1) for v in peaks.values()],
                  pss_per_worker_mb=list(pss.values()))  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ads", type=int, default=1_000_000)
    parser.add_argument("--engines", default="local,dask1,dask2")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--per-file", type=int, default=100_000)
    parser.add_argument("--backend", default=None, help="embedding backend (default: the app's setting)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "market_scale.json"))
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--shared-dir", help=argparse.SUPPRESS)
    parser.add_argument("--private", action="store_true",
                        help="every worker keeps its own model weights and index vectors (no shared files)")  # fmt: skip
    args = parser.parse_args()
    if args.run_one:
        result = run_one(args.run_one, args.files, args.output, args.chunk_size, args.backend, args.cache_dir,
                         args.shared_dir)  # fmt: skip
        print(json.dumps(result))
        return
    from skillatlas.config import get_settings

    settings = get_settings()
    backend = args.backend or settings.embedding_backend
    cache_dir = str(settings.data_dir / "embeddings")
    shared_dir = None if args.private else str(settings.data_dir)
    load_before = round(os.getloadavg()[0], 2)  # a shared machine: other work competes for the cores
    with tempfile.TemporaryDirectory(prefix="market-scale-") as work:
        began = time.perf_counter()
        files = build_corpus(Path(work) / "corpus", args.ads, args.per_file)
        corpus_s = time.perf_counter() - began
        # the embedding cache filled once, so that no engine's figure carries the taxonomy's first embedding
        subprocess.run([sys.executable, "-c", "from skillatlas.intelligence import scale; c = scale.classifier("
                        f"scale.ClassifierConfig({backend!r}, {cache_dir!r}, shared_dir={shared_dir!r})); "
                        "c.cache.save()"], check=True)  # fmt: skip
        runs = []
        for engine in args.engines.split(","):
            command = [sys.executable, "-m", "bench.market_scale", "--run-one", engine, "--backend", backend,
                       "--cache-dir", cache_dir, "--chunk-size", str(args.chunk_size),
                       "--output", str(Path(work) / f"out-{engine}"), "--files", *files,
                       *(["--shared-dir", shared_dir] if shared_dir else [])]  # fmt: skip
            done = subprocess.run(
                command, check=True, capture_output=True, text=True, cwd=ROOT, env=ONE_THREAD
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[-1]), flush=True)
        same = _same_rows([str(Path(work) / f"out-{e}") for e in args.engines.split(",")])
    best = max(r["ads_per_s_per_core"] for r in runs)
    steady = [r for r in runs if r["engine"] == "local"]
    rate = steady[0]["ads"] / (steady[0]["seconds"]) if steady else best
    result = {
        "ads": args.ads, "backend": backend, "chunk_size": args.chunk_size, "corpus_build_s": round(corpus_s, 1),
        "cpu_count": os.cpu_count(), "machine": platform.platform(), "python": platform.python_version(),
        "runs": runs, "identical_rows": same, "shared_files": shared_dir is not None,
        "projection_100m": {
            "per_core_ads_per_s": round(rate, 2),
            "core_hours": round(100_000_000 / rate / 3600, 0),
            "best_per_core_ads_per_s_any_engine": best,
            "core_hours_by_engine": {r["engine"]: round(100_000_000 / r["ads_per_s_per_core"] / 3600, 0) for r in runs},
        },
        "load_average_1m": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
    }  # fmt: skip
    result["table"] = table(result).splitlines()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))


def _same_rows(outputs: list[str]) -> bool:
    from skillatlas.intelligence import scale

    first = None
    for output in outputs:
        rows = list(scale.iter_output_rows(output))
        if first is None:
            first = rows
        elif rows != first:
            return False
    return True


def table(result: dict[str, Any]) -> str:
    lines = [f"{result['ads']:,} synthetic ads, backend {result['backend']}, {result['cpu_count']} cores",
             "| engine | workers | ads/s | ads/s per core | peak RSS per worker (MB) | PSS per worker (MB) |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for run in result["runs"]:
        memory = ", ".join(f"{m:,.0f}" for m in run["memory_per_worker_mb"])
        pss = ", ".join(f"{m:,.0f}" for m in run.get("pss_per_worker_mb", []))
        lines.append(f"| {run['engine']} | {run['workers']} | {run['ads_per_s']:,.1f} | "
                     f"{run['ads_per_s_per_core']:,.1f} | {memory} | {pss} |")  # fmt: skip
    projection = result["projection_100m"]
    lines.append(f"100 million ads: {projection['core_hours']:,.0f} core-hours at "
                 f"{projection['per_core_ads_per_s']:,.1f} ads/s per core; same rows on every engine: "
                 f"{result['identical_rows']}; load average {result['load_average_1m']}")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
