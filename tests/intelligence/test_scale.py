"""Job ads classified at scale: the same rows whatever the engine, resumed exactly once after a kill."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skillatlas.intelligence import scale
from tests.intelligence.test_intelligence import esco  # noqa: F401  (the fixture: a few real ESCO rows)

# Lexical only: the tests check the pipeline, not the embedding model (bench/skill_extraction.py does that).
CONFIG = scale.ClassifierConfig(backend="none", cache_dir=None)
TEMPLATES = [
    ("Software developer", "You will develop software in Python and Java. Test code and review changes."),
    ("Car mechanic", "Repair vehicles, diagnose engine faults and maintain brakes."),
    ("Welder", "Weld steel parts; read technical drawings and inspect welds."),
    ("Data analyst", "Analyse data with SQL and build dashboards for the sales team."),
    ("Electrical engineer", "Design electrical circuits, test prototypes and write reports."),
]


def write_ads(path: Path, count: int, first: int = 0) -> list[dict[str, str]]:
    ads = []
    for i in range(first, first + count):
        title, text = TEMPLATES[i % len(TEMPLATES)]
        ads.append({"id": f"ad-{i}", "date": f"2026-{1 + i % 5:02d}-{1 + i % 27:02d}",
                    "country": ["DE", "FR", "RO"][i % 3], "title": title, "text": f"{text} Site {i % 7}."})  # fmt: skip
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(ads), path, row_group_size=4)
    else:
        path.write_text("".join(json.dumps(ad) + "\n" for ad in ads), encoding="utf-8")
    return ads


@pytest.fixture
def corpus(tmp_path: Path) -> list[str]:
    folder = tmp_path / "ads"
    folder.mkdir()
    write_ads(folder / "a.jsonl", 9)
    write_ads(folder / "b.parquet", 7, first=9)
    return [str(folder)]


def test_plan_cuts_files_into_chunks(corpus: list[str]) -> None:
    chunks = scale.plan(scale.input_files(corpus), chunk_size=4)
    assert [(c.kind, c.count) for c in chunks] == [
        ("jsonl", 4), ("jsonl", 4), ("jsonl", 1), ("parquet", 4), ("parquet", 3),
    ]  # fmt: skip
    assert [row["id"] for c in chunks for row in scale.read_chunk(c)] == [f"ad-{i}" for i in range(16)]


def test_local_and_dask_give_the_same_rows(tmp_path: Path, corpus: list[str]) -> None:
    local = scale.classify_ads(inputs=corpus, output=str(tmp_path / "local"), chunk_size=3, config=CONFIG)
    assert local.ads == 16 and local.chunks == 6 and local.rejected == 0
    rows = list(scale.iter_output_rows(str(tmp_path / "local")))
    assert [r["id"] for r in rows] == [f"ad-{i}" for i in range(16)]
    assert all(r["skills"] and r["occupation_uri"] for r in rows)
    welder = next(r for r in rows if r["id"] == "ad-2")
    assert welder["occupation_uri"].startswith("http://data.europa.eu/esco/occupation/")
    distributed = scale.classify_ads(
        inputs=corpus, output=str(tmp_path / "dask"), engine="dask", workers=2, chunk_size=3, config=CONFIG
    )
    assert distributed.workers == 2 and distributed.ads == 16
    assert list(scale.iter_output_rows(str(tmp_path / "dask"))) == rows
    # part for part, the same bytes
    for name in scale.done_parts(str(tmp_path / "local")):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()


def test_ads_classified_together_get_the_rows_each_gets_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    rows: list[dict[str, object]] = []
    for i, (title, text) in enumerate(TEMPLATES * 2):
        rows.append({"id": f"ad-{i}", "date": "2026-03-01", "country": "DE", "title": title,
                     "text": text if i < len(TEMPLATES) else f"{text} {TEMPLATES[0][1]}"})  # fmt: skip
    rows.insert(3, {"_error": "not JSON"})
    rows.insert(6, {"id": "", "date": "2026-03-01", "country": "DE", "title": "Welder", "text": "Weld."})
    alone = [row for one in rows for row in scale.classify_rows([one], CONFIG)[0]]
    assert [row["id"] for row in alone] == [f"ad-{i}" for i in range(10)]
    assert all(row["skills"] for row in alone)
    together, problems = scale.classify_rows(rows, CONFIG)
    assert together == alone and len(problems) == 2
    monkeypatch.setattr(scale, "ADS_PER_BATCH", 3)  # batches that end inside the chunk
    assert scale.classify_rows(rows, CONFIG)[0] == alone


def test_a_different_run_into_the_same_folder_is_refused(tmp_path: Path, corpus: list[str]) -> None:
    out = str(tmp_path / "out")
    scale.classify_ads(inputs=corpus, output=out, chunk_size=4, config=CONFIG, stop_after=1)
    with pytest.raises(scale.InvalidInput, match="another run"):
        scale.classify_ads(inputs=corpus, output=out, chunk_size=5, config=CONFIG)


def test_a_killed_dask_worker_loses_no_ad(tmp_path: Path, corpus: list[str]) -> None:
    import threading

    from distributed import Client, LocalCluster

    scale.classify_ads(inputs=corpus, output=str(tmp_path / "local"), chunk_size=1, config=CONFIG)
    expected = list(scale.iter_output_rows(str(tmp_path / "local")))
    out = tmp_path / "dask"
    reports: list[scale.RunReport] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        pids = list(client.run(os.getpid).values())
        run = threading.Thread(target=lambda: reports.append(scale.classify_ads(
            inputs=corpus, output=str(out), engine="dask", address=cluster.scheduler_address, chunk_size=1,
            config=CONFIG, warm_cache=False)))  # fmt: skip
        run.start()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(scale.done_parts(str(out)) if out.exists() else []) < 2:
            time.sleep(0.02)
        os.kill(pids[0], signal.SIGKILL)  # a worker dies in the middle of the run
        done_at_kill = len(scale.done_parts(str(out)))
        run.join(timeout=300)
    assert 2 <= done_at_kill < 16, "the worker must die mid-run"
    assert reports and reports[0].ads == 16
    assert list(scale.iter_output_rows(str(out))) == expected


def test_a_changed_model_is_not_mixed_into_a_run(
    tmp_path: Path, corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = str(tmp_path / "out")
    scale.classify_ads(inputs=corpus, output=out, chunk_size=4, config=CONFIG, stop_after=1)
    monkeypatch.setattr(scale, "model_identity", lambda backend: "a retrained model")
    with pytest.raises(scale.InvalidInput, match="another run"):
        scale.classify_ads(inputs=corpus, output=out, chunk_size=4, config=CONFIG)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = "from skillatlas.cli import app; app()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


def test_a_killed_run_resumes_exactly_once(tmp_path: Path) -> None:
    source = tmp_path / "ads.jsonl"
    write_ads(source, 40)
    env = {
        **os.environ,
        "SKILLATLAS_EMBEDDING_BACKEND": "none",
        "SKILLATLAS_DATA_DIR": str(tmp_path / "data"),
    }
    whole = tmp_path / "whole"
    args = ["intelligence", "classify-ads", "--input", str(source), "--chunk-size", "1"]
    assert _cli([*args, "--output", str(whole)], env).wait(timeout=300) == 0
    expected = list(scale.iter_output_rows(str(whole)))
    assert len(expected) == 40

    killed = tmp_path / "killed"
    run = _cli([*args, "--output", str(killed)], env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(scale.done_parts(str(killed)) if killed.exists() else []) < 3:
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    done_at_kill = scale.done_parts(str(killed))
    assert 3 <= len(done_at_kill) < 40, "the run must be killed mid-way"
    (killed / "part-00000-000039.parquet.tmp-deadbeef").write_bytes(b"torn")  # a write cut short
    rerun = _cli([*args, "--output", str(killed)], env)
    output = rerun.communicate(timeout=300)[0].decode()
    assert rerun.returncode == 0, output
    assert "done before" in output
    assert list(scale.iter_output_rows(str(killed))) == expected
    assert not list(killed.glob("*.tmp-*"))
    assert sorted(p.name for p in killed.glob("part-*")) == scale.done_parts(str(killed))


# --- demand aggregates -------------------------------------------------------------------------


def _write_classified(path: Path, rows: list[dict[str, object]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows, schema=scale.output_schema(False)), path)


@pytest.mark.usefixtures("esco")
def test_load_demand_adds_aggregates_once(
    office_client, sessions, cli_env: dict[str, str], tmp_path: Path
) -> None:
    import datetime as dt

    from sqlalchemy import func, select
    from typer.testing import CliRunner

    from skillatlas.cli import app
    from skillatlas.intelligence.demand_models import DemandFile
    from skillatlas.taxonomy.models import Occupation, Skill
    from tests.intelligence.test_intelligence import ADS, csv_bytes, upload

    with sessions() as db:
        uris = dict(db.execute(select(Skill.preferred_label, Skill.uri)).all())
        occupation = db.scalar(select(Occupation.uri).order_by(Occupation.id))
    bms, other = (
        uris["battery management systems"],
        next(u for label, u in sorted(uris.items()) if "battery" not in label),
    )
    assert upload(office_client, csv_bytes(ADS)).json()["imported"] == 6

    def report(**params: str) -> dict:
        query = {"start": "2026-01-01", "end": "2026-05-31", **params}
        return office_client.get("/api/intelligence/demand", params=query).json()

    before = report()
    before_fr = report(country="FR")["total_ads"]
    before_bms = next(s["ads"] for s in before["top"] if s["uri"] == bms)
    folder = tmp_path / "classified"
    folder.mkdir()
    skill = lambda uri: {"uri": uri, "score": 1.0}  # noqa: E731
    _write_classified(folder / "part-1.parquet", [
        {"id": f"m{i}", "date": dt.date(2026, 3, 1 + i), "country": "DE", "occupation_uri": occupation,
         "skills": [skill(bms), skill(other)]} for i in range(6)
    ])  # fmt: skip
    _write_classified(folder / "part-2.parquet", [
        {"id": f"n{i}", "date": dt.date(2026, 4, 2), "country": "FR", "occupation_uri": None,
         "skills": [skill(other), skill("http://example.org/not-in-the-taxonomy")]} for i in range(4)
    ])  # fmt: skip
    loaded = CliRunner().invoke(app, ["intelligence", "load-demand", str(folder)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 2 of 2 files" in loaded.output and "10 ads" in loaded.output
    after = report()
    assert after["total_ads"] == before["total_ads"] + 10
    assert next(s["ads"] for s in after["top"] if s["uri"] == bms) == before_bms + 6
    assert next(s["ads"] for s in after["top"] if s["uri"] == other) == 10 + next(
        (s["ads"] for s in before["top"] if s["uri"] == other), 0
    )
    march, april = after["months"].index("2026-03"), after["months"].index("2026-04")
    assert after["monthly_ads"][march] == before["monthly_ads"][march] + 6
    assert after["monthly_ads"][april] == before["monthly_ads"][april] + 4
    assert report(country="FR")["total_ads"] == before_fr + 4
    # loading the same files again (even copied elsewhere) changes nothing
    again = CliRunner().invoke(app, ["intelligence", "load-demand", str(folder / "part-*.parquet")])
    assert again.exit_code == 0 and "loaded 0 of 2 files (2 loaded before)" in again.output
    assert report() == after
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(DemandFile)) == 2
        assert db.scalar(select(func.sum(DemandFile.unknown_skills))) == 4
    page = office_client.get("/intelligence/job-ads/import")
    assert page.status_code == 200
    assert "Load classified job ads as monthly counts" in page.text and "part-2.parquet" in page.text


@pytest.mark.usefixtures("esco")
def test_a_bad_file_loads_nothing(sessions, cli_env: dict[str, str], tmp_path: Path) -> None:
    import datetime as dt

    from sqlalchemy import func, select
    from typer.testing import CliRunner

    from skillatlas.cli import app
    from skillatlas.intelligence.demand_models import DemandAds, DemandFile

    folder = tmp_path / "classified"
    folder.mkdir()
    _write_classified(folder / "a.parquet", [
        {"id": "x", "date": dt.date(2026, 3, 1), "country": "DE", "occupation_uri": None, "skills": []}
    ])  # fmt: skip
    (folder / "b.parquet").write_bytes(b"not parquet at all")
    result = CliRunner().invoke(app, ["intelligence", "load-demand", str(folder)])
    assert result.exit_code == 2
    assert "b.parquetisnotaclassifiedjob-adsParquetfile" in "".join(result.output.split())
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(DemandFile)) == 0
        assert db.scalar(select(func.count()).select_from(DemandAds)) == 0


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc thresholds"
)
def test_a_worker_reuses_its_heap_for_large_arrays_whatever_dask_sets() -> None:
    """Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which maps every large array afresh (its pages
    faulted in at each allocation); the classifier's process sets glibc's own thresholds back."""
    script = (
        "import resource, numpy as np\n"
        "from skillatlas.intelligence.scale import heap_for_numpy\n"
        "def faults():\n"
        "    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "    for _ in range(100):\n"
        "        block = np.ones(1 << 18, dtype=np.float32)  # 1 MiB, as the encoder's activations\n"
        "        del block\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before\n"
        "faults()\n"
        "mapped = faults()\n"
        "assert heap_for_numpy()\n"
        "faults()\n"
        "print(mapped, faults())\n"
    )
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    mapped, reused = map(int, done.stdout.split())
    assert mapped >= 100 * 200  # 256 pages a MiB, each faulted in again
    assert reused < 1_000


def test_where_workers_share_files_is_not_part_of_a_runs_identity(tmp_path: Path) -> None:
    """A run started with one data directory resumes with another: the shared files only save memory."""
    from dataclasses import replace

    source = tmp_path / "ads.jsonl"
    write_ads(source, 5)
    chunks = scale.plan(scale.input_files([str(source)]), 2)
    shared = replace(CONFIG, shared_dir=str(tmp_path / "data"))
    identity = scale.plan_fingerprint(chunks, CONFIG)
    assert scale.plan_fingerprint(chunks, shared) == identity
    assert scale.plan_fingerprint(chunks, replace(CONFIG, evidence=True)) != identity


def test_each_machine_uses_its_own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's workers take the cache and shared folders from the settings where they run, not the
    driver's paths (which another machine may not have)."""
    from skillatlas.config import get_settings

    config = scale.ClassifierConfig(backend="none", cache_dir="/driver/only/embeddings", shared_dir="/driver/only",
                                    machine_data=True)  # fmt: skip
    monkeypatch.setenv("SKILLATLAS_DATA_DIR", str(tmp_path / "here"))
    get_settings.cache_clear()
    try:
        assert config.folders() == (tmp_path / "here" / "embeddings", tmp_path / "here")
    finally:
        get_settings.cache_clear()
    assert CONFIG.folders() == (None, None)


def test_a_worker_that_does_not_see_the_runs_folder_refuses_it(tmp_path: Path, corpus: list[str]) -> None:
    """Parts are written only into a folder that holds the run's manifest: a worker on a machine that does not
    share the driver's folder would write where nobody reads while the driver counts the chunk done."""
    from skillatlas.errors import InvalidInput

    scale.classify_ads(inputs=corpus, output=str(tmp_path / "run"), chunk_size=4, config=CONFIG, stop_after=1)
    chunks = scale.plan(scale.input_files(corpus), 4)
    run = json.loads((tmp_path / "run" / scale.MANIFEST).read_text())["plan"]
    with pytest.raises(InvalidInput, match="does not see this run's folder"):
        scale.classify_chunk(chunks[1], str(tmp_path / "elsewhere"), CONFIG, run)
    with pytest.raises(InvalidInput, match="does not see this run's folder"):
        scale.classify_chunk(chunks[1], str(tmp_path / "run"), CONFIG, "another run")
    assert not (tmp_path / "elsewhere").exists()
    missing = replace_url(chunks[1], str(tmp_path / "gone.jsonl"))
    with pytest.raises(InvalidInput, match="cannot be read on"):
        scale.classify_chunk(missing, str(tmp_path / "run"), CONFIG, run)


def replace_url(chunk: scale.Chunk, url: str) -> scale.Chunk:
    from dataclasses import replace

    return replace(chunk, url=url)


def test_a_relative_output_folder_is_the_drivers(
    tmp_path: Path, corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = scale.classify_ads(inputs=corpus, output="rel", chunk_size=8, config=CONFIG)
    assert report.output == str(tmp_path / "rel") and report.ads == 16


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_same_command_runs_on_a_cluster_started_as_on_other_machines(tmp_path: Path) -> None:
    """A cluster deployed as on separate machines: `dask scheduler` and two `dask worker` processes started
    from the command line, each with its own working directory; `classify-ads --address` joins it, and the
    rows are those of the local engine."""
    import shutil

    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    assert dask, "the dask command comes with distributed"
    source = tmp_path / "ads.jsonl"
    write_ads(source, 12)
    env = {
        **os.environ,
        "SKILLATLAS_EMBEDDING_BACKEND": "none",
        "SKILLATLAS_DATA_DIR": str(tmp_path / "data"),
    }
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "cluster.log"
    with open(logs, "wb") as log:
        processes = [
            subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--dashboard-address", ":0", "--no-show"], stdout=log, stderr=log, env=env)
        ]  # fmt: skip
        try:
            for name in ("machine-a", "machine-b"):
                (tmp_path / name).mkdir()
                processes.append(subprocess.Popen(
                    [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--name", name,
                     "--local-directory", str(tmp_path / name)],
                    stdout=log, stderr=log, env=env, cwd=tmp_path / name,
                ))  # fmt: skip
            from distributed import Client

            with Client(address, timeout=60) as client:
                client.wait_for_workers(2, timeout=120)
                names = sorted(w["name"] for w in client.scheduler_info()["workers"].values())
            assert names == ["machine-a", "machine-b"]
            args = ["intelligence", "classify-ads", "--input", str(source), "--chunk-size", "2"]
            run = _cli(
                [*args, "--output", str(tmp_path / "cluster"), "--engine", "dask", "--address", address], env
            )
            output = run.communicate(timeout=300)[0].decode()
            assert run.returncode == 0, output + logs.read_text(errors="replace")[-3000:]
            assert "dask engine, 2 worker(s)" in " ".join(output.split())
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    local = _cli([*args, "--output", str(tmp_path / "local")], env)
    assert local.wait(timeout=300) == 0
    assert list(scale.iter_output_rows(str(tmp_path / "cluster"))) == list(
        scale.iter_output_rows(str(tmp_path / "local"))
    )
