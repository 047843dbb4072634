"""`classify-ads --address` on a cluster of separate machines, each a network namespace of this host with its
own address, host name, working directory and data folder, and without the driver's private folder (hidden
under an empty file system of its own): the workers reach the scheduler over the network, read the input from
and write the parts to a folder the machines share, as on a cluster with a shared file system; a worker that
cannot see the run's folder or its input says so instead of writing parts nobody reads.

Needs root (network namespaces, mounts): skipped elsewhere, run by `.ci/run`."""

from __future__ import annotations

import ipaddress
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillatlas.intelligence import scale
from tests.intelligence.test_scale import write_ads

IP = shutil.which("ip")
UNSHARE = shutil.which("unshare")
DASK = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")


def _namespaces_work() -> bool:
    if not (IP and UNSHARE and DASK) or os.geteuid() != 0:
        return False
    name = f"sa-probe-{os.getpid()}"
    made = subprocess.run([IP, "netns", "add", name], capture_output=True).returncode == 0
    if made:
        subprocess.run([IP, "netns", "del", name], capture_output=True)
    return made


pytestmark = pytest.mark.skipif(not _namespaces_work(), reason="needs root and network namespaces")


def _ip(*args: str) -> None:
    assert IP
    done = subprocess.run([IP, *args], capture_output=True, text=True)
    assert done.returncode == 0, f"ip {' '.join(args)}: {done.stderr}"


def _free_subnet() -> str:
    """The first three numbers of a private /24 that no route of this host covers (a bridge on a subnet in use
    would take its traffic)."""
    assert IP
    listed = subprocess.run([IP, "-4", "route"], capture_output=True, text=True, check=True).stdout
    used = []
    for route in listed.splitlines():
        for word in route.split()[:2]:  # "10.0.0.0/8 via ...", "blackhole 10.1.0.0/16", "default via ..."
            try:
                used.append(ipaddress.ip_network(word, strict=False))
            except ValueError:
                continue
    while True:
        subnet = f"10.{random.randrange(200, 250)}.{random.randrange(1, 250)}"
        if not any(ipaddress.ip_network(f"{subnet}.0/24").overlaps(u) for u in used):
            return subnet


class Cluster:
    """A scheduler on this host's end of a bridge, and a worker on each machine (namespace) behind it."""

    def __init__(self, root: Path, hidden: Path, env: dict[str, str]) -> None:
        tag = f"{os.getpid() % 10000}{random.randrange(100)}"
        self.subnet = _free_subnet()
        self.bridge, self.host = f"sab{tag}", f"{self.subnet}.1"
        self.machines = [
            ("machine-a", f"sa-{tag}-a", f"sav{tag}a"),
            ("machine-b", f"sa-{tag}-b", f"sav{tag}b"),
        ]
        self.root, self.hidden, self.env = root, hidden, env
        self.port = 8786
        self.address = f"tcp://{self.host}:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log = root / "cluster.log"
        self._log: Any = None

    def __enter__(self) -> Cluster:
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _start(self) -> Cluster:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.host}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for number, (_, namespace, veth) in enumerate(self.machines, start=2):
            _ip("netns", "add", namespace)
            _ip("link", "add", veth, "type", "veth", "peer", "name", f"{veth}p")
            _ip("link", "set", veth, "master", self.bridge)
            _ip("link", "set", veth, "up")
            _ip("link", "set", f"{veth}p", "netns", namespace)
            _ip("-n", namespace, "addr", "add", f"{self.subnet}.{number}/24", "dev", f"{veth}p")
            _ip("-n", namespace, "link", "set", f"{veth}p", "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
        assert DASK and IP and UNSHARE
        log = self._log = open(self.log, "ab")  # noqa: SIM115  (closed in __exit__, after the processes)
        self.processes.append(subprocess.Popen(
            [DASK, "scheduler", "--host", self.host, "--port", str(self.port), "--dashboard-address", ":0",
             "--no-show"], stdout=log, stderr=log, env=self.env,
        ))  # fmt: skip
        for number, (name, namespace, _) in enumerate(self.machines, start=2):
            home = self.root / name
            (home / "data").mkdir(parents=True)
            # its own host name and mounts: the driver's private folder is an empty file system there
            script = (f'hostname {name} && mount -t tmpfs tmpfs "{self.hidden}" && exec "{DASK}" worker '
                      f'{self.address} --host {self.subnet}.{number} --nworkers 1 --nthreads 1 --name {name} '
                      f'--local-directory "{home}"')  # fmt: skip
            self.processes.append(subprocess.Popen(
                [IP, "netns", "exec", namespace, UNSHARE, "--mount", "--uts", "--propagation", "private",
                 "sh", "-c", script],
                stdout=log, stderr=log, cwd=home, env={**self.env, "SKILLATLAS_DATA_DIR": str(home / "data")},
            ))  # fmt: skip
        return self

    def workers(self) -> dict[str, str]:
        """Worker name -> its address, once both have joined."""
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(len(self.machines), timeout=120)
            return {w["name"]: address for address, w in client.scheduler_info()["workers"].items()}

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for _, namespace, _ in self.machines:
            subprocess.run([IP or "ip", "netns", "del", namespace], capture_output=True)
        subprocess.run([IP or "ip", "link", "del", self.bridge], capture_output=True)
        if self._log is not None:
            self._log.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Cluster, dict[str, str]]]:
    driver = tmp_path / "driver"  # the driver machine's own folder: its data, a private copy of the ads
    (driver / "data").mkdir(parents=True)
    env = {**os.environ, "SKILLATLAS_EMBEDDING_BACKEND": "none", "SKILLATLAS_DATA_DIR": str(driver / "data")}
    with Cluster(tmp_path, driver, env) as running:
        yield running, env


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    code = "from skillatlas.cli import app; app()"
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def test_the_command_runs_on_workers_of_other_machines(
    cluster: tuple[Cluster, dict[str, str]], tmp_path: Path
) -> None:
    running, env = cluster
    shared, driver = tmp_path / "shared", tmp_path / "driver"
    shared.mkdir()
    write_ads(shared / "ads.jsonl", 14)
    write_ads(driver / "ads.jsonl", 4)
    workers = running.workers()
    assert sorted(workers) == ["machine-a", "machine-b"]
    assert all(a.startswith(f"tcp://{running.subnet}.") for a in workers.values()), workers  # over the bridge
    args = [
        "intelligence",
        "classify-ads",
        "--chunk-size",
        "2",
        "--engine",
        "dask",
        "--address",
        running.address,
    ]

    # the run's folder given relative to the driver's working directory: the workers write into that folder
    code, said = _cli([*args, "--input", "ads.jsonl", "--output", "out"], env, cwd=shared)
    assert code == 0, said + running.log.read_text(errors="replace")[-3000:]
    assert "14 ads classified in 7 parts" in said and "dask engine, 2 worker(s)" in said
    assert not list((tmp_path / "machine-a").rglob("part-*")) and not list(
        (tmp_path / "machine-b").rglob("part-*")
    )
    local_code, local_said = _cli(["intelligence", "classify-ads", "--input", "ads.jsonl", "--output", "local",
                                   "--chunk-size", "2"], env, cwd=shared)  # fmt: skip
    assert local_code == 0, local_said
    assert list(scale.iter_output_rows(str(shared / "out"))) == list(
        scale.iter_output_rows(str(shared / "local"))
    )

    # a folder only the driver sees: the workers refuse to write where nobody would read
    began = time.perf_counter()
    code, said = _cli([*args, "--input", "ads.jsonl", "--output", str(driver / "out")], env, cwd=shared)
    assert code != 0 and "does not see this run's folder" in said and "Traceback" not in said, said
    assert "machine-a" in said or "machine-b" in said
    assert time.perf_counter() - began < 120
    # input only the driver reads
    code, said = _cli([*args, "--input", str(driver / "ads.jsonl"), "--output", str(shared / "out2")], env,
                      cwd=shared)  # fmt: skip
    assert code != 0 and "cannot be read on machine-" in said and "Traceback" not in said, said
