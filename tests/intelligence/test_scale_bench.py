"""bench/market_scale.py at a tiny size: it runs, measures each engine and finds the same rows on each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_market_scale_smoke(tmp_path: Path) -> None:
    out = tmp_path / "market_scale.json"
    command = [sys.executable, "-m", "bench.market_scale", "--ads", "6", "--backend", "none", "--chunk-size", "2",
               "--per-file", "4", "--engines", "local,dask1", "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SKILLATLAS_DATA_DIR": str(tmp_path / "data")})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert [r["engine"] for r in result["runs"]] == ["local", "dask1"]
    assert all(
        r["ads"] == 6 and r["ads_per_s"] > 0 and r["memory_per_worker_mb"][0] > 50 for r in result["runs"]
    )
    assert result["identical_rows"] is True and result["shared_files"] is True
    assert all(r["pss_per_worker_mb"][0] > 20 for r in result["runs"])
    assert result["projection_100m"]["core_hours"] > 0
    assert "100 million ads" in done.stdout


def test_market_soak_smoke(tmp_path: Path) -> None:
    """bench/market_soak.py at a tiny size: stopped after its first part, resumed, every ad written once."""
    out = tmp_path / "market_soak.json"
    command = [sys.executable, "-m", "bench.market_soak", "--ads", "12", "--workers", "1", "--minutes", "0",
               "--resume-minutes", "2", "--every", "1", "--chunk-size", "4", "--per-file", "5", "--backend", "none",
               "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SKILLATLAS_DATA_DIR": str(tmp_path / "data")})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    run, resumed = result["rows"]
    assert run["finished"] == "no" and 1 <= run["ads"] < 12  # stopped at the first part done
    assert resumed["finished"] == "yes" and resumed["skipped_chunks"] >= 1
    assert run["ads"] + resumed["ads"] >= 12
    assert result["exactly_once"] == {"parts": 5, "manifest_ads": 12, "ids": 12, "distinct_ids": 12}
    samples = result["phases"][0]["samples"]
    assert len(samples) >= 2 and all(s["rss_mb"][0] > 50 for s in samples)
    for chart in ("memory", "rate"):
        assert (tmp_path / f"market_soak_{chart}.svg").read_text().startswith("<svg")


def test_the_corpus_is_varied(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.market_scale import build_corpus

    files = build_corpus(tmp_path, 200, per_file=80)
    assert len(files) == 3
    ads = [json.loads(line) for f in files for line in Path(f).read_text().splitlines()]
    assert len(ads) == 200 and len({a["id"] for a in ads}) == 200
    assert len({a["text"] for a in ads}) == 200 and len({a["title"] for a in ads}) > 150
    assert len({a["country"] for a in ads}) > 20


def test_demand_scale_smoke(tmp_path: Path) -> None:
    """bench/demand_scale.py at a tiny size: classified parts loaded, the report read over them."""
    command = [sys.executable, "-m", "bench.demand_scale", "--sizes", "300", "--results", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads((tmp_path / "demand_scale.json").read_text())["rows"]
    assert row["ads"] == 300 and row["parts"] == 1 and row["ads_per_s"] > 0
    assert row["skill_links"] >= 900 and row["aggregate_rows"] > 0
    # the last twelve months of two years of ads: about half of them
    assert 100 < row["report_all_ads"] < 200
    assert 0 < row["report_one_country_ads"] < row["report_all_ads"]
    assert 0 < row["report_one_occupation_ads"] < row["report_all_ads"]
