"""Bulk insert speed of the synthetic population generator (`skillatlas demo --people N`).

Run: .venv/bin/python -m bench.synthetic_population [--sizes 100000,300000,1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from skillatlas import db as database
from skillatlas.demo import loader, synthetic


def measure(url: str, n: int, seed: int) -> dict[str, object]:
    engine = database.make_engine(url)
    database.upgrade(engine)
    sessions = database.session_factory(engine)
    with database.unit_of_work(sessions) as session:
        loader.load_demo(db=session)
    started = time.perf_counter()
    with database.unit_of_work(sessions) as session:
        synthetic.add_population(db=session, n=n, seed=seed)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"engine": engine.dialect.name, "persons": n, "seconds": elapsed, "rows_per_s": n / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database to measure too")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for i, n in enumerate(sizes):
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure(f"sqlite:///{Path(tmp) / 'bench.db'}", n, seed=1000 + i))
        if args.postgres:
            rows.append(measure(args.postgres, n, seed=2000 + i))
    from bench.common import report

    report(
        "synthetic_population",
        "Synthetic population: bulk insert (one transaction, commit included)",
        ["engine", "persons", "seconds", "rows_per_s"],
        rows,
        {"target_rows_per_s_sqlite": 50_000},
    )


if __name__ == "__main__":
    main()
