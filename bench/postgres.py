"""A throwaway PostgreSQL cluster for benchmarks: Debian's server binaries, loopback only, removed on exit.

The same recipe as `.ci/run`: initdb as the postgres user when running as root, a free port on 127.0.0.1,
the data directory and the socket under /tmp.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise SystemExit(
            "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def temporary_postgres(settings: dict[str, str] | None = None) -> Iterator[str]:
    """Starts a cluster and yields the SQLAlchemy URL of its `postgres` database; stops and removes it after."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="skillatlas-bench-pg.", dir="/tmp"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        pwd.getpwnam("postgres")  # Debian's package creates the user
        shutil.chown(root, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    root.chmod(0o700)
    port = _free_port()
    options = {"listen_addresses": "127.0.0.1", "port": str(port), "unix_socket_directories": str(root),
               "max_connections": "200", **(settings or {})}  # fmt: skip
    data = root / "data"

    def run(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, cwd=root, stdout=subprocess.DEVNULL)

    started = False
    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync")  # fmt: skip
        flags = " ".join(f"-c {k}={v}" for k, v in options.items())
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
            "-o", flags, "start")  # fmt: skip
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           cwd=root, stdout=subprocess.DEVNULL, check=False)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def database_for_run(admin_url: str, prefix: str = "skillatlas_bench") -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server of `admin_url`: its URL, and a function that drops it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop
