"""Memory of `skillatlas serve --workers N` with every index loaded: RSS and PSS of each server process.

Run: .venv/bin/python -m bench.server_memory --postgres URL [--data-dir DIR] [--workers 1,2,4]
                                             [--modes private,shared] [--name server_memory]

For each mode and each N it starts `skillatlas serve --no-demo --no-jobs --workers N` on an already populated
PostgreSQL database (it writes nothing to it: the requests it sends are anonymous reads), waits until the
start-up warm-up of every process has built the expert snapshot, the catalogue index and the skill-label
index, then sends rounds of requests that load the rest (catalogue search, taxonomy search, skill extraction,
job-title matching), two per process and round, until every process holds the skill extractor, and waits
until every process is idle. Then it reads /proc/PID/smaps_rollup of each server process:

- RSS: the pages the process has in memory, each counted in full, shared or not;
- PSS: each page divided by the number of processes that map it, so the PSS of all processes adds up to what
  they take together (pages of the page cache that only the files hold, no process, are not counted).

Modes: `private` is SKILLATLAS_SHARED_INDEXES=0 (every process builds and keeps its own copy of each index),
`shared` the default (index arrays are files under the data directory, memory-mapped by every process: see
src/skillatlas/search/shared.py). With several workers, uvicorn's supervisor process (which holds no index)
is listed apart. Run the `shared` mode once before measuring it if the shared files do not exist yet: the
first start builds them (the benchmark reports the start-up seconds of each run).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the HTTP client the dev extras pin

from bench.common import RESULTS, report
from bench.load_test import _free_port, wait_until_up

BIN = Path(sys.executable).parent
MB = 1024 * 1024
FIELDS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Shared_Clean", "Private_Clean", "Private_Dirty", "Anonymous")
TEXT = (
    "We are looking for a technician to maintain high-voltage battery packs of electric vehicles, diagnose "
    "faults with CAN bus tools and program embedded controllers in C. Experience with welding and lean "
    "manufacturing is a plus; good communication in English and German."
)


def smaps(pid: int) -> dict[str, int]:
    """The fields of /proc/PID/smaps_rollup, in bytes."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            values[key.strip()] = int(parts[0]) * 1024
    return values


def group_processes(pgid: int) -> dict[int, str]:
    """The processes of a process group, with their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                found[int(stat.parent.name)] = (
                    (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
        except (OSError, IndexError, ValueError):
            continue
    return found


def server_roles(pgid: int, workers: int) -> dict[int, str]:
    """pid -> "server" (a process that serves requests), "supervisor" (uvicorn's, with several workers) or
    "helper" (multiprocessing's resource tracker)."""
    roles = {}
    for pid, cmdline in group_processes(pgid).items():
        if "resource_tracker" in cmdline:
            roles[pid] = "helper"
        elif workers == 1:
            roles[pid] = "server" if pid == pgid else "helper"
        elif "spawn_main" in cmdline or "multiprocessing" in cmdline:
            roles[pid] = "server"
        else:
            roles[pid] = "supervisor" if pid == pgid else "helper"
    return roles


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pids: list[int], timeout: float, window: float = 5.0) -> float:
    """Waits until no process used more than a quarter second of CPU in two windows in a row."""
    started = time.monotonic()
    quiet = 0
    before = {pid: cpu_seconds(pid) for pid in pids}
    while time.monotonic() - started < timeout:
        time.sleep(window)
        now = {pid: cpu_seconds(pid) for pid in pids}
        busy = max(now[p] - before[p] for p in pids)
        before = now
        quiet = quiet + 1 if busy < 0.25 else 0
        if quiet >= 2:
            return time.monotonic() - started
    raise SystemExit(f"the server processes were still busy after {timeout:.0f} s")


def maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def holds_extractor(pid: int) -> bool:
    """The process has built the skill extractor: it maps the skills' shared file, or the trained model's
    embedding cache (without sharing)."""
    text = maps(pid)
    return "/shared/skills-" in text or "skill-adapter" in text


def servers_of(pgid: int, workers: int, timeout: float = 600) -> dict[int, str]:
    """The roles of the server's processes once it runs `workers` of them (uvicorn's supervisor restarts a
    worker that does not answer its health check in time, as on a busy machine: then the pids change)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        roles = server_roles(pgid, workers)
        if sum(role == "server" for role in roles.values()) == workers:
            return roles
        time.sleep(1)
    raise SystemExit(f"the server did not run {workers} processes: {server_roles(pgid, workers)}")


def warm_requests(base: str, pgid: int, workers: int, confirm: bool, rounds: int = 20) -> int:
    """Rounds of requests that load every index, two per server process and kind, until every process holds
    the skill extractor (the start-up warm-up does not build it). Returns the rounds sent.

    Without sharing no file tells that a process built the extractor (the cache is read into private memory):
    `confirm=False` sends 5 rounds (each process got requests of every kind in every run that could check).
    """
    calls = [
        ("GET", "/courses", {"params": {"q": "battery"}}),
        ("GET", "/api/taxonomy/skills", {"params": {"q": "battery"}}),
        ("POST", "/api/intelligence/extract", {"json": {"text": TEXT}}),
        ("GET", "/api/intelligence/job-titles", {"params": {"title": "battery technician"}}),
    ]

    def send(method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
        # A connection of its own, closed after: the kernel hands each new connection to one of the
        # processes, while a kept-alive one would stay with the first.
        with httpx.Client(base_url=base, timeout=1800, headers={"Connection": "close"}) as client:
            return client.request(method, path, **kwargs)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * workers) as pool:
        for done in range(1, rounds + 1):
            for method, path, kwargs in calls:
                responses = list(pool.map(send, *zip(*[(method, path, kwargs)] * (2 * workers), strict=True)))
                for response in responses:
                    if response.status_code >= 400:
                        raise SystemExit(
                            f"{method} {path}: HTTP {response.status_code} {response.text[:300]}"
                        )
            roles = servers_of(pgid, workers)
            if not confirm and done >= 5:
                return done
            if confirm and all(holds_extractor(pid) for pid, role in roles.items() if role == "server"):
                return done
    raise SystemExit(f"after {rounds} rounds some server process still had no skill extractor")


def measure(args: argparse.Namespace, mode: str, workers: int, log_dir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "SKILLATLAS_DATABASE_URL": args.postgres,
        "SKILLATLAS_DATA_DIR": str(args.data_dir),
        "SKILLATLAS_SHARED_INDEXES": "1" if mode == "shared" else "0",
    }
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = log_dir / f"server-{mode}-{workers}.log"
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(BIN / "skillatlas"), "serve", "--port", str(port), "--no-demo", "--no-jobs", "--workers", str(workers)],
        env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_up(base, server, timeout=600)
        # The start-up warm-up of each process: the expert snapshot, the catalogue index, the skill labels.
        wait_idle(list(servers_of(server.pid, workers)), args.timeout)
        rounds = warm_requests(base, server.pid, workers, confirm=mode == "shared")
        roles = servers_of(server.pid, workers)
        wait_idle(list(roles), args.timeout)
        if roles != servers_of(server.pid, workers) or (
            mode == "shared"
            and not all(holds_extractor(pid) for pid, role in roles.items() if role == "server")
        ):
            raise SystemExit("a server process was restarted during the warm-up: run again")
        servers = [pid for pid, role in roles.items() if role == "server"]
        ready_seconds = time.perf_counter() - started
        processes = []
        for pid, role in sorted(roles.items(), key=lambda item: (item[1] != "server", item[0])):
            values = smaps(pid)
            processes.append({"pid": pid, "role": role, **{f: values.get(f, 0) for f in FIELDS}})
        shared_files = sorted(
            {line.split()[-1] for pid in servers for line in maps(pid).splitlines() if "/shared/" in line}
        )
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=120)
    log_text = log_path.read_text(errors="replace")
    tracebacks = log_text.count("Traceback")
    restarts = log_text.count("died")
    serving = [p for p in processes if p["role"] == "server"]
    row = {
        "mode": mode,
        "workers": workers,
        "RSS per server MB": round(sum(p["Rss"] for p in serving) / len(serving) / MB),
        "PSS per server MB": round(sum(p["Pss"] for p in serving) / len(serving) / MB),
        "private per server MB": round(
            sum(p["Private_Clean"] + p["Private_Dirty"] for p in serving) / len(serving) / MB
        ),
        "RSS total MB": round(sum(p["Rss"] for p in processes) / MB),
        "PSS total MB": round(sum(p["Pss"] for p in processes) / MB),
        "ready s": round(ready_seconds),
    }
    detail = {
        **row,
        "warm_rounds": rounds,
        "processes": [{k: (round(v / MB, 1) if k in FIELDS else v) for k, v in p.items()} for p in processes],
        "shared_files_mapped": shared_files,
        "server_tracebacks": tracebacks,
        "worker_restarts": restarts,  # uvicorn's supervisor replaced a worker that missed its health check
    }
    return {"row": row, "detail": detail}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", required=True, help="SQLAlchemy URL of a populated PostgreSQL database")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SKILLATLAS_DATA_DIR", "./data")),
        help="the server's data directory (embedding cache, shared index files)",
    )  # fmt: skip
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--modes", default="private,shared")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the warm-up")
    parser.add_argument("--name", default="server_memory")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--merge", type=Path,
        help="an earlier result of this benchmark: its runs of the modes and worker counts not measured now "
        "are kept (to measure again only what changed)",
    )  # fmt: skip
    parser.add_argument("--note", default="", help="a line saved with the results (which database)")
    args = parser.parse_args()

    rows, details = [], []
    with tempfile.TemporaryDirectory(prefix="skillatlas-memory.") as logs:
        for mode in args.modes.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                print(f"{mode}, {workers} worker(s) ...", flush=True)
                found = measure(args, mode, workers, Path(logs))
                print(found["row"], flush=True)
                rows.append(found["row"])
                details.append(found["detail"])
    if args.merge:
        earlier = json.loads(args.merge.read_text())
        measured = {(r["mode"], r["workers"]) for r in rows}
        # An earlier result saved without its details (merged before they were kept) gives its rows.
        kept = [d for d in earlier.get("runs", earlier["rows"]) if (d["mode"], d["workers"]) not in measured]
        for d in kept:
            d["measured_at"] = earlier["machine"]["measured_at"]
        details = kept + details
        columns = list(rows[0])
        rows = [{k: d[k] for k in columns} for d in details]
        order = {mode: i for i, mode in enumerate(("private", "shared"))}
        pairs = sorted(
            zip(rows, details, strict=True), key=lambda p: (order.get(p[0]["mode"], 9), p[0]["workers"])
        )
        rows, details = [p[0] for p in pairs], [p[1] for p in pairs]
    from sqlalchemy import create_engine, text

    engine = create_engine(args.postgres)
    with engine.connect() as connection:
        population = {
            table: connection.scalar(text(f"select count(*) from {table}"))  # fixed names
            for table in ("person", "expert_profile", "course", "skill")
        }
    engine.dispose()
    report(
        args.name,
        "Memory of skillatlas serve with every index loaded (MB; PSS splits shared pages between processes)",
        ["mode", "workers", "RSS per server MB", "PSS per server MB", "private per server MB", "RSS total MB",
         "PSS total MB", "ready s"],
        rows,
        {"population": population, "note": args.note, "runs": details,
         "tracebacks": sum(d.get("server_tracebacks", 0) for d in details)},
        directory=args.results,
    )  # fmt: skip


if __name__ == "__main__":
    main()
