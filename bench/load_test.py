"""Load test: `skillatlas serve` on PostgreSQL with 100,000 persons, 10,000 experts and 10,000 courses,
50 concurrent users of mixed traffic (pages, expert matching, gap analysis and training paths; see
`bench/load/locustfile.py`), driven by locust.

Run: .venv/bin/python -m bench.load_test [--users 50] [--duration 120] [--waits 1,0] [--workers 1]
                                         [--persons 100000 --experts 10000 --courses 10000]
                                         [--postgres URL-of-an-empty-database] [--attacker]
                                         [--data-dir DIR-kept-between-runs] [--warm-timeout 600]

At the design point (issue 14: --persons 14000000 --experts 100000 --courses 100000) build the population
once with `bench/designpoint_build.py` (COPY on PostgreSQL), then pass --postgres and a --data-dir of your own:
the database is reused and the embedding cache of the experts and courses survives between runs.

With --attacker, a client of its own (`bench/load/attacker.py`) keeps sending the worst verification documents
and workbooks the limits let in for the whole of each run; locust's figures are the 50 users' requests, the
attacker's answers are counted apart (any 5xx or dropped connection is a failure).

Without --postgres it starts its own PostgreSQL cluster on loopback (Debian's server binaries) and removes
it afterwards. Each think time in --waits is one run: 1 s between a user's clicks (people reading), and 0
(every user sends its next request as soon as the last one is answered: the server's capacity).
The statistics are reset once all users are running, so ramp-up is not counted. Locust runs on the same
machine as the server and the database, so all three share its cores: the figures are for the whole
stack on one box. The benchmark fails (exit 1) on any failed request or any server error in the log.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the HTTP client the dev extras pin
from sqlalchemy import func, select

from bench.common import RESULTS, bar_chart_svg, report
from bench.postgres import temporary_postgres

BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).parent / "load" / "locustfile.py"
# Words people type into a catalogue or taxonomy search box in this sector.
SEARCH_TERMS = [
    "battery", "hydrogen", "welding", "software", "diagnostics", "electric vehicle", "safety", "quality",
    "robot", "maintenance", "project management", "data analysis", "programming", "cyber security",
    "embedded systems", "innovation", "sustainability", "fuel cell", "testing", "electronics", "logistics",
    "lean manufacturing", "machine learning", "automotive engineering", "soldering", "design", "teamwork",
    "communication", "CAD", "recycling",
]  # fmt: skip


def populate(env: dict[str, str], args: argparse.Namespace) -> float:
    if args.postgres and _has_population(args.postgres, args.seed):
        print(f"the database already holds the synthetic data of seed {args.seed}: reusing it")
        return 0.0
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "skillatlas"), "demo", "--people", str(args.persons), "--experts", str(args.experts),
         "--courses", str(args.courses), "--seed", str(args.seed)],
        env=env, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _has_population(url: str, seed: int) -> bool:
    from sqlalchemy import create_engine, inspect

    from skillatlas.people.models import Person

    engine = create_engine(url)
    try:
        if "person" not in inspect(engine).get_table_names():
            return False
        with engine.connect() as connection:
            return (
                connection.scalar(select(Person.id).where(Person.external_ref == f"syn:{seed}:0")) is not None
            )
    finally:
        engine.dispose()


def manifest(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Tokens, expertise requests and the ids and slugs the users draw from."""
    from skillatlas import db as database
    from skillatlas.alliance.models import Committee, Event, Group, Organisation
    from skillatlas.auth import service as auth
    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.auth.schemas import TokenCreate
    from skillatlas.demo import loader, synthetic
    from skillatlas.experts import service as experts
    from skillatlas.experts.schemas import ExpertiseRequestIn
    from skillatlas.learning.models import Course
    from skillatlas.people.models import Person
    from skillatlas.roles.models import JobRole
    from skillatlas.taxonomy.models import Skill

    rng = random.Random(args.seed)
    engine = database.make_engine(url)
    now = dt.datetime.now(dt.UTC)
    with database.unit_of_work(database.session_factory(engine)) as db:
        tokens = {}
        for key, email in (
            ("office_token", "office@asa-demo.eu"),
            ("manager_token", "manager@educam.example"),
        ):
            user = auth.get_user_by_email(db=db, email=email)
            _, tokens[key] = auth.create_token(db=db, actor=SYSTEM, user=user, now=now,
                                               data=TokenCreate(name="load test", scopes=["read", "write"]))  # fmt: skip
        clusters = synthetic.skill_clusters(db)
        uris = dict(db.execute(select(Skill.id, Skill.uri)).all())
        requests = []
        for i in range(args.requests):
            c = rng.choices(range(len(clusters.names)), weights=clusters.weights.tolist())[0]
            members = clusters.members[c].tolist()
            wanted = rng.sample(members, min(len(members), rng.randint(3, 5)))
            data = ExpertiseRequestIn(
                organisation="educam", title=f"Support with {clusters.names[c]}"[:200],
                description=f"We need an expert in {', '.join(clusters.labels[s] for s in wanted)} for our plant.",
                skills=[{"uri": uris[s], "level": rng.choice(["awareness", "practitioner", "expert"])} for s in wanted],
                languages=["en"] if i % 3 == 0 else [], country=rng.choice([None, "DE", "FR", "BE", "RO"]),
                starts_on=(now + dt.timedelta(days=30)).date() if i % 2 else None,
                ends_on=(now + dt.timedelta(days=90)).date() if i % 2 else None,
            )  # fmt: skip
            requests.append(experts.create_request(db=db, actor=SYSTEM, data=data, now=now).id)
        persons = _sample_persons(db, args.seed, rng, 5_000)
        courses = db.scalars(select(Course.id)).all()
        result = {
            **tokens,
            "worker_email": "worker@asa-demo.eu",
            "password": loader.demo_data()["demo_password"],
            "requests": requests,
            "persons": persons,
            "courses": rng.sample(list(courses), min(5_000, len(courses))),
            "roles": db.scalars(select(JobRole.slug)).all(),
            "groups": db.scalars(select(Group.slug)).all(),
            "events": db.scalars(select(Event.slug)).all(),
            "committees": db.scalars(select(Committee.slug)).all(),
            "organisations": db.scalars(select(Organisation.slug)).all(),
            "search_terms": SEARCH_TERMS,
            "population": {
                "persons": db.scalar(select(func.count()).select_from(Person)),
                "courses": len(courses),
            },
        }
    engine.dispose()
    return result


def _sample_persons(db: Any, seed: int, rng: random.Random, k: int) -> list[int]:
    """Up to k synthetic persons of the seed, drawn at random: candidate ids drawn from the id range and kept
    when they are the seed's, so 14 million persons are never read into memory (issue 14)."""
    from skillatlas.people.models import Person

    low, high = db.execute(select(func.min(Person.id), func.max(Person.id))).one()
    found: set[int] = set()
    for _ in range(20):
        if low is None or len(found) >= k:
            break
        candidates = {rng.randint(low, high) for _ in range(4 * k)}
        found |= set(db.scalars(select(Person.id).where(Person.id.in_(candidates),
                                                        Person.external_ref.like(f"syn:{seed}:%"))))  # fmt: skip
    return sorted(found)[:k] if len(found) <= k else rng.sample(sorted(found), k)


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not come up")


def warm_up(base: str, plan: dict[str, Any], timeout: float = 600) -> dict[str, float]:
    """The first request of each kind after the start: it waits for the indexes that `serve` builds in the
    background (the expert snapshot, the catalogue index), so the runs measure a warm server."""
    office = {"Authorization": f"Bearer {plan['office_token']}"}
    manager = {"Authorization": f"Bearer {plan['manager_token']}"}
    calls = {
        "first expert shortlist after start": lambda c: c.get(
            f"/api/experts/requests/{plan['requests'][0]}/shortlist", headers=manager),
        "first catalogue search after start": lambda c: c.get("/courses", params={"q": "battery"}),
        "first training path": lambda c: c.post(
            f"/api/people/{plan['persons'][0]}/path?role={plan['roles'][0]}", json={}, headers=office),
        "first skill search": lambda c: c.get("/api/taxonomy/skills", params={"q": "battery"}),
    }  # fmt: skip
    seconds = {}
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for name, call in calls.items():
            started = time.perf_counter()
            response = call(client)
            seconds[name] = round(time.perf_counter() - started, 2)
            if response.status_code >= 400:
                raise SystemExit(f"warm-up {name}: HTTP {response.status_code} {response.text[:300]}")
    return seconds


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its live descendants (Linux /proc)."""
    stats: dict[int, tuple[int, float]] = {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        stats[int(path.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:13]))
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _) in stats.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(stats[p][1] for p in tree if p in stats) / os.sysconf("SC_CLK_TCK")


def run_locust(
    base: str, manifest_path: Path, users: int, duration: int, wait: float, out: Path, attacker: bool = False
) -> tuple[Path, dict[str, Any] | None]:
    env = {**os.environ, "LOAD_MANIFEST": str(manifest_path), "LOAD_WAIT_S": str(wait)}
    prefix = out / f"wait{wait:g}"
    hostile = None
    if attacker:  # from the start of the ramp-up to the end of the run
        hostile = subprocess.Popen(
            [sys.executable, "-m", "bench.load.attacker", base, str(manifest_path), str(duration + 10)],
            stdout=subprocess.PIPE, stderr=(out / "attacker.log").open("ab"), env=env,
        )  # fmt: skip
    subprocess.run(
        [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", base, "--users", str(users),
         "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{duration}s", "--reset-stats",
         "--csv", str(prefix), "--html", str(out / f"wait{wait:g}.html"), "--only-summary",
         "--stop-timeout", "30", "--exit-code-on-error", "0", "--loglevel", "WARNING"],
        env=env, check=True, stdout=(out / "locust.log").open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    attacks = None
    if hostile is not None:
        output, _ = hostile.communicate(timeout=300)
        if hostile.returncode:
            raise SystemExit(f"the attacker failed: {(out / 'attacker.log').read_text()[-2000:]}")
        attacks = json.loads(output)
    return Path(f"{prefix}_stats.csv"), attacks


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def read_stats(path: Path, wait: float, users: int, workers: int) -> list[dict[str, Any]]:
    rows = []
    with path.open(newline="") as f:
        for line in csv.DictReader(f):
            if line["Request Count"] == "0":
                continue  # the log-in steps of on_start, all before the statistics were reset
            rows.append({
                "workers": workers, "think s": wait, "users": users, "request": line["Name"] if line["Name"] != "Aggregated" else "ALL",
                "requests": int(line["Request Count"]), "failures": int(line["Failure Count"]),
                "req/s": float(line["Requests/s"]), "p50 ms": _ms(line["50%"]),
                "p95 ms": _ms(line["95%"]), "p99 ms": _ms(line["99%"]), "max ms": _ms(line["Max Response Time"]),
            })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds per run, after ramp-up")
    parser.add_argument("--waits", default="1,0", help="mean think times in seconds, one run each")
    parser.add_argument(
        "--workers", default="1,2", help="server processes (`serve --workers`), one server each"
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--experts", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="expertise requests to shortlist")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres",
        help="SQLAlchemy URL of a PostgreSQL database to use instead: empty, or holding this seed's data "
        "from an earlier run (then it is reused as it is)",
    )
    parser.add_argument(
        "--data-dir", type=Path,
        help="the server's data directory (SKILLATLAS_DATA_DIR) to keep between runs: the embedding cache of "
        "100,000 experts and courses takes a while to build; by default a temporary one",
    )  # fmt: skip
    parser.add_argument(
        "--warm-timeout", type=float, default=600,
        help="seconds the first request of each kind may wait for the server's indexes (longer the first "
        "time a data directory is used)",
    )  # fmt: skip
    parser.add_argument("--name", default="load_test", help="name of the JSON file in bench/results/")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON and charts go")
    parser.add_argument("--html", action="store_true", help="also keep locust's HTML report of each run")
    parser.add_argument(
        "--attacker", action="store_true",
        help="a client that keeps sending the worst verification documents and workbooks allowed",
    )  # fmt: skip
    args = parser.parse_args()
    args.results.mkdir(parents=True, exist_ok=True)

    with ExitStack() as stack:
        url = args.postgres or stack.enter_context(temporary_postgres())
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="skillatlas-load.")))
        data_dir = args.data_dir or work / "data"
        env = {**os.environ, "SKILLATLAS_DATABASE_URL": url, "SKILLATLAS_DATA_DIR": str(data_dir)}
        load_seconds = populate(env, args)
        plan = manifest(url, args)
        manifest_path = work / "manifest.json"
        manifest_path.write_text(json.dumps(plan))
        rows: list[dict[str, Any]] = []
        runs: list[dict[str, Any]] = []
        warm: dict[str, dict[str, float]] = {}
        errors_in_log = 0
        attack_failures = 0
        for workers in (int(w) for w in str(args.workers).split(",")):
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            log_path = work / f"server-{workers}.log"
            server = subprocess.Popen(
                [str(BIN / "skillatlas"), "serve", "--port", str(port), "--no-demo", "--workers", str(workers)],
                env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            try:
                wait_until_up(base, server)
                warm[f"{workers} worker(s)"] = warm_up(base, plan, args.warm_timeout)
                for wait in (float(w) for w in args.waits.split(",")):
                    load_before = os.getloadavg()[0]
                    cpu_before, started = tree_cpu_seconds(server.pid), time.perf_counter()
                    stats, attacks = run_locust(
                        base, manifest_path, args.users, args.duration, wait, work, args.attacker
                    )
                    server_cores = (tree_cpu_seconds(server.pid) - cpu_before) / (
                        time.perf_counter() - started
                    )
                    found = read_stats(stats, wait, args.users, workers)
                    rows += found
                    tag = f"w{workers}_wait{wait:g}"
                    if args.html:  # locust's own report (about 1 MB, with its charts over time)
                        shutil.copy(work / f"wait{wait:g}.html", args.results / f"{args.name}_{tag}.html")
                    found.sort(key=lambda r: (r["request"] != "ALL", r["request"]))
                    bar_chart_svg(
                        args.results / f"{args.name}_{tag}.svg",
                        f"{args.users} users, think time {wait:g} s, {workers} server process(es): latency",
                        [r["request"] for r in found],
                        {"p50": [r["p50 ms"] for r in found], "p95": [r["p95 ms"] for r in found]},
                        "ms",
                        log=False,
                    )
                    runs.append({"workers": workers, "think_s": wait, "server_cores_busy": round(server_cores, 2),
                                 "load_average_before": load_before, "load_average_after": os.getloadavg()[0],
                                 "chart": f"{args.name}_{tag}.svg", "attacker": attacks})  # fmt: skip
                    if attacks:
                        attack_failures += sum(a["failures"] for a in attacks.values())
                        for kind, a in attacks.items():
                            print(f"  attacker {kind}: {a['sent']} sent, answers {a['statuses']}, "
                                  f"median {a['median_s']} s, slowest {a['max_s']} s")  # fmt: skip
            finally:
                if server.poll() is None:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=60)
            errors_in_log += log_path.read_text(errors="replace").count("Traceback")
    failures = sum(r["failures"] for r in rows if r["request"] == "ALL") + attack_failures
    report(
        args.name,
        f"Load test: {args.users} users, {args.duration} s per run, skillatlas serve on PostgreSQL",
        ["workers", "think s", "request", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        rows,
        {"population": {**plan["population"], "experts": args.experts, "synthetic_courses": args.courses,
                        "expertise_requests": len(plan["requests"])},
         "database": "PostgreSQL " + ("(given)" if args.postgres else "15, throwaway cluster on loopback"),
         "populate_seconds": round(load_seconds, 1), "warm_up_seconds": warm,
         "runs": runs, "server_tracebacks": errors_in_log, "failures": failures, "attacker": args.attacker,
         },
        directory=args.results,
    )  # fmt: skip
    if failures or errors_in_log:
        print(f"FAILED: {failures} failed requests, {errors_in_log} tracebacks in the server log")
        sys.exit(1)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
