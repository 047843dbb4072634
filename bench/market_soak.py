"""A long classify-ads run, sampled as it goes: ads done, the rate, and each Dask worker's memory over time.

Run: nice -n 10 .venv/bin/python -m bench.market_soak [--ads 1000000] [--workers 2] [--minutes 70]
     [--resume-minutes 3] [--chunk-size 5000] [--out bench/results/market_soak.json]

`bench/market_scale.py` measures the rate of each engine; this one asks what happens as a run goes on: does
the rate hold, does a worker's memory level off, and does a run stopped deep into a large corpus resume where
it stopped. The corpus is market_scale's (the same generator and seed). `scale.classify_ads` runs as
`skillatlas intelligence classify-ads --engine dask` runs it (the driver fills the embedding cache, then the
workers take the chunks) on a `LocalCluster` of `--workers` processes with one thread each, over the
workers' shared files in the data directory. Every `--every` seconds a thread records the ads done and each
worker's resident and proportional set size (psutil, read from outside the workers, so sampling costs them
nothing). At `--minutes` the run is stopped from its progress callback, as a stop between two parts would
be: the manifest holds the parts done. With `--resume-minutes` the same run starts again, for that long or
to the end, on a fresh cluster: it must skip exactly the parts done; then every part written is read back
and each ad id must appear once. A run that ends before `--minutes` is simply finished.

Writes the series as JSON and two SVG charts beside it (memory per worker, and ads per second between
samples, both against the ads done).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, line_chart_svg, report
from bench.market_scale import ONE_THREAD, build_corpus


class _TimeUp(Exception):
    """Raised from the progress callback: the run stops between two parts."""


def _phase(
    files: list[str], output: str, workers: int, chunk_size: int, backend: str, minutes: float, every: float,
    data_dir: Path,
) -> dict[str, Any]:  # fmt: skip
    """One run of the command until it ends or `minutes` pass; returns its figures and samples."""
    import psutil
    from distributed import Client, LocalCluster

    from skillatlas.intelligence import scale

    config = scale.ClassifierConfig(
        backend=backend, cache_dir=str(data_dir / "embeddings"), shared_dir=str(data_dir)
    )
    done = {"ads": 0, "chunks": 0}
    samples: list[dict[str, Any]] = []
    driver = psutil.Process()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:  # fmt: skip
        processes = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
        began = time.perf_counter()
        deadline = began + minutes * 60

        def sample() -> None:
            rss, pss = [], []
            for process in processes:
                try:
                    memory = process.memory_full_info()
                    rss.append(round(memory.rss / 2**20, 1))
                    pss.append(round(memory.pss / 2**20, 1))
                except psutil.Error:  # a worker that died and was replaced
                    rss.append(math.nan)
                    pss.append(math.nan)
            samples.append({"s": round(time.perf_counter() - began, 1), "ads": done["ads"], "chunks": done["chunks"],
                            "rss_mb": rss, "pss_mb": pss,
                            "driver_rss_mb": round(driver.memory_info().rss / 2**20, 1)})  # fmt: skip

        stop = threading.Event()

        def sampler() -> None:
            while not stop.wait(every):
                sample()

        thread = threading.Thread(target=sampler, daemon=True)
        sample()
        thread.start()

        def progress(chunks: int, ads: int) -> None:
            done["chunks"] += chunks
            done["ads"] += ads
            if time.perf_counter() > deadline:
                raise _TimeUp

        finished = True
        try:
            run = scale.classify_ads(inputs=files, output=output, engine="dask", address=cluster.scheduler_address,
                                     chunk_size=chunk_size, config=config, progress=progress)  # fmt: skip
            skipped = run.skipped
        except _TimeUp:
            finished, skipped = False, None
        seconds = time.perf_counter() - began
        stop.set()
        thread.join()
        sample()
    return {"finished": finished, "seconds": round(seconds, 1), "ads": done["ads"], "chunks": done["chunks"],
            "skipped_chunks": skipped, "ads_per_s": round(done["ads"] / seconds, 2) if seconds else 0.0,
            "samples": samples}  # fmt: skip


def _steady_rate(samples: list[dict[str, Any]]) -> float | None:
    """Ads per second from the first sample past a tenth of the run (the cluster's start and the model's load
    behind it) to the last."""
    if len(samples) < 3:
        return None
    last = samples[-1]
    first = next(s for s in samples if s["s"] >= last["s"] / 10)
    if last["s"] <= first["s"]:
        return None
    return round((last["ads"] - first["ads"]) / (last["s"] - first["s"]), 2)


def _exactly_once(output: str) -> dict[str, int]:
    """Every part the manifest lists, read back: the ads it counts, the ids written, and how many distinct."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from skillatlas.intelligence import scale

    manifest = json.loads(Path(output, scale.MANIFEST).read_text(encoding="utf-8"))
    parts = scale.done_parts(output)
    ids = pa.chunked_array(
        [pq.read_table(f"{output}/{name}", columns=["id"]).column("id").combine_chunks() for name in parts],
        type=pa.string(),
    )
    return {"parts": len(parts), "manifest_ads": sum(v["ads"] for v in manifest["done"].values()),
            "ids": len(ids), "distinct_ids": pc.count_distinct(ids).as_py()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ads", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=70.0)
    parser.add_argument("--resume-minutes", type=float, default=0.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--chunk-size", type=int, default=None, help="ads per part (default: the command's)")
    parser.add_argument("--per-file", type=int, default=100_000)
    parser.add_argument("--backend", default=None, help="embedding backend (default: the app's setting)")
    parser.add_argument("--out", default=str(RESULTS / "market_soak.json"))
    args = parser.parse_args()
    os.environ.update({k: v for k, v in ONE_THREAD.items() if k.endswith("NUM_THREADS")})

    from skillatlas.config import get_settings
    from skillatlas.intelligence import scale

    settings = get_settings()
    backend = args.backend or settings.embedding_backend
    chunk_size = args.chunk_size or scale.DEFAULT_CHUNK_SIZE
    data_dir = settings.data_dir.expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="market-soak-") as temporary:
        folder = Path(temporary)
        began = time.perf_counter()
        files = build_corpus(folder / "ads", args.ads, args.per_file)
        corpus_s = round(time.perf_counter() - began, 1)
        output = str(folder / "classified")
        phases = [
            _phase(files, output, args.workers, chunk_size, backend, args.minutes, args.every, data_dir)
        ]
        if args.resume_minutes and not phases[0]["finished"]:
            phases.append(_phase(files, output, args.workers, chunk_size, backend, args.resume_minutes,
                                 args.every, data_dir))  # fmt: skip
        once = _exactly_once(output)
    first = phases[0]
    rows = []
    for i, phase in enumerate(phases):
        last = phase["samples"][-1]
        rows.append({"phase": "run" if i == 0 else "resumed", "ads": phase["ads"], "seconds": phase["seconds"],
                     "ads_per_s": phase["ads_per_s"], "steady_ads_per_s": _steady_rate(phase["samples"]),
                     "finished": "yes" if phase["finished"] else "no", "skipped_chunks": phase["skipped_chunks"],
                     "rss_mb_at_end": last["rss_mb"], "peak_rss_mb": [
                         max(s["rss_mb"][w] for s in phase["samples"]) for w in range(args.workers)]})  # fmt: skip
    out = Path(args.out)
    extra = {"ads_planned": args.ads, "workers": args.workers, "chunk_size": chunk_size, "backend": backend,
             "model": scale.model_identity(backend), "corpus_build_s": corpus_s, "exactly_once": once,
             "phases": phases}  # fmt: skip
    report(out.stem, f"classify-ads over {args.ads:,} ads, {args.workers} Dask workers",
           ["phase", "ads", "seconds", "ads_per_s", "steady_ads_per_s", "finished", "skipped_chunks",
            "rss_mb_at_end", "peak_rss_mb"], rows, extra, directory=out.parent)  # fmt: skip
    samples = first["samples"]
    line_chart_svg(out.with_name(f"{out.stem}_memory.svg"), "Resident memory per Dask worker", "ads classified",
                   {f"worker {w + 1}": [(s["ads"], s["rss_mb"][w]) for s in samples if not math.isnan(s["rss_mb"][w])]
                    for w in range(args.workers)} | {"driver": [(s["ads"], s["driver_rss_mb"]) for s in samples]},
                   "MB")  # fmt: skip
    rates = [(b["ads"], (b["ads"] - a["ads"]) / (b["s"] - a["s"])) for a, b in itertools.pairwise(samples)
             if b["s"] > a["s"]]  # fmt: skip
    line_chart_svg(out.with_name(f"{out.stem}_rate.svg"), "Ads per second between samples", "ads classified",
                   {f"{args.workers} workers": rates}, "ads/s")  # fmt: skip
    print(json.dumps({"exactly_once": once, "ads_per_s": first["ads_per_s"],
                      "steady_ads_per_s": _steady_rate(samples)}))  # fmt: skip


if __name__ == "__main__":
    main()
