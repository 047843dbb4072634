"""Build time of the design-point population on PostgreSQL (issue 14): 14 million persons with their skills,
100,000 experts and 100,000 courses, through `skillatlas demo` (COPY on PostgreSQL, see demo/bulk.py).

Run: .venv/bin/python -m bench.designpoint_build --postgres URL-of-an-empty-migrated-database
                                                 [--persons 14000000 --experts 100000 --courses 100000]
     .venv/bin/python -m bench.designpoint_build --log FILE   (the figures of a run of the same command
                                                               made by hand, its output saved in FILE)

Records each step's time as `skillatlas demo` reports it (the rows and their indexes, in one transaction),
the commit, the rows and the size of the database.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import report

BIN = Path(sys.executable).parent
STEP = re.compile(r"added ([\d,]+) (.+?) in ([\d.]+) s: ([\d,]+) per second")
TABLES = ("person", "person_skill", "expert_profile", "course", "course_skill")


def steps(output: str) -> list[dict[str, Any]]:
    rows = []
    for count, label, seconds, rate in STEP.findall(output):
        rows.append({"step": label, "items": int(count.replace(",", "")), "seconds": float(seconds),
                     "items_per_s": int(rate.replace(",", ""))})  # fmt: skip
    return rows


def database_facts(url: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {t: connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
        size = connection.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    engine.dispose()
    return {"table_rows": rows, "database_size": size}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", help="SQLAlchemy URL of the database to fill (or to count, with --log)")
    parser.add_argument("--log", type=Path, help="output of a run made by hand, instead of running one")
    parser.add_argument("--persons", type=int, default=14_000_000)
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--total-seconds", type=float, help="with --log: the run's wall-clock time")
    parser.add_argument("--name", default="designpoint_build")
    args = parser.parse_args()
    if args.log:
        output, total = args.log.read_text(errors="replace"), args.total_seconds
    else:
        started = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "skillatlas"), "demo", "--people", str(args.persons), "--experts", str(args.experts),
             "--courses", str(args.courses), "--seed", str(args.seed)],
            env={**os.environ, "SKILLATLAS_DATABASE_URL": args.postgres}, check=True, capture_output=True,
            text=True,
        )  # fmt: skip
        output, total = done.stdout + done.stderr, time.perf_counter() - started
    rows = steps(output)
    extra: dict[str, Any] = {"sizes": {"persons": args.persons, "experts": args.experts, "courses": args.courses},
                             "total_seconds": total, "load_average_at_the_end": os.getloadavg()}  # fmt: skip
    if total is not None:
        extra["demo_alliance_and_commit_seconds"] = round(total - sum(r["seconds"] for r in rows), 1)
    if args.postgres:
        extra.update(database_facts(args.postgres))
    report(
        args.name,
        "Design-point population on PostgreSQL: skillatlas demo, one transaction",
        ["step", "items", "seconds", "items_per_s"],
        rows,
        extra,
    )


if __name__ == "__main__":
    main()
