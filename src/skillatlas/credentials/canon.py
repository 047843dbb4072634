"""Canonicalisation of what anybody sends, with limits and a time budget (issue 18).

RDF Dataset Canonicalization (RDFC-1.0, pyld's URDNA2015) compares blank nodes that their own statements
cannot tell apart by trying their permutations: a 2.8 KB credential with eight such nodes took 73 s. So a
verification (1) counts the blank nodes before canonicalising (`MAX_BLANK_NODES`), (2) counts the nodes
that would need permutations before the first one is tried (`MAX_ALIKE_BLANK_NODES`), (3) caps the deep
comparisons per node as rdf-canonize's `maxWorkFactor` does (pyld has no such option), and (4) runs all of
it in a worker process (`skillatlas.sandbox`) that is killed when the verification's time budget
(`VERIFY_BUDGET_S`) is spent. Each limit is a `LimitExceeded` that names it.

Signing canonicalises our own documents in process, without these limits (`jsonld.canonize`).
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from pyld import jsonld as pyld
from pyld.canon import URDNA2015

from skillatlas import limits
from skillatlas.credentials import jsonld
from skillatlas.errors import LimitExceeded
from skillatlas.sandbox import WorkerPool, WorkerTimeout

# (MAX_BLANK_NODES, MAX_ALIKE_BLANK_NODES, CANON_WORK_FACTOR), read in the caller's process and sent along.
Limits = tuple[int, int, int]


def current_limits() -> Limits:
    return (limits.MAX_BLANK_NODES, limits.MAX_ALIKE_BLANK_NODES, limits.CANON_WORK_FACTOR)


class GuardedURDNA2015(URDNA2015):
    """pyld's URDNA2015 with the blank-node limits checked before the expensive steps."""

    def __init__(self, bounds: Limits) -> None:
        super().__init__()
        self.max_blank_nodes, self.max_alike, self.work_factor = bounds
        self.max_deep: int | None = None
        self.deep: dict[str, int] = {}

    def main(self, dataset: dict[str, Any], options: dict[str, Any]) -> Any:
        nodes: set[str] = set()
        for graph, triples in dataset.items():
            if graph.startswith("_:"):
                nodes.add(graph)
            for triple in triples:
                for position in ("subject", "object"):
                    term = triple.get(position) or {}
                    if term.get("type") == "blank node":
                        nodes.add(term["value"])
        if len(nodes) > self.max_blank_nodes:
            raise LimitExceeded(
                f"the credential has {len(nodes)} blank nodes (objects without an id); "
                f"at most {self.max_blank_nodes} are verified"
            )
        return super().main(dataset, options)

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        if self.max_deep is None:
            # The first call: what is left in hash_to_blank_nodes are the nodes that need permutations.
            alike = sum(len(ids) for ids in self.hash_to_blank_nodes.values())
            if alike > self.max_alike:
                raise LimitExceeded(
                    f"the credential has {alike} blank nodes that cannot be told apart by their own "
                    f"statements (objects without an id, linked to each other); at most {self.max_alike} "
                    "are verified"
                )
            self.max_deep = max(alike, 1) ** self.work_factor
        done = self.deep.get(id_, 0)
        if done >= self.max_deep:
            raise LimitExceeded(
                f"the credential's blank nodes would have to be compared more than {self.max_deep} times "
                "each (the canonicalisation work limit); it is not verified"
            )
        self.deep[id_] = done + 1
        return super().hash_n_degree_quads(id_, issuer)


def canonize(document: dict[str, Any], bounds: Limits) -> str:
    """RDFC-1.0 N-Quads of a JSON-LD document, as `jsonld.canonize` gives them, within the limits."""
    options = {"documentLoader": jsonld.document_loader, "base": None, "produceGeneralizedRdf": False}
    try:
        dataset = jsonld.Processor(isolated=True).to_rdf(document, options)
    except pyld.JsonLdError as cause:
        raise pyld.JsonLdError(
            "Could not convert input to RDF dataset before normalization.", "jsonld.NormalizeError"
        ) from cause
    return str(GuardedURDNA2015(bounds).main(dataset, {"format": "application/n-quads"}))


def hash_data(unsecured: dict[str, Any], config: dict[str, Any], bounds: Limits) -> bytes:
    """eddsa-rdfc-2022's hash of a document and its proof configuration, within the limits (in a worker)."""
    from skillatlas.credentials import proofs

    return proofs.hash_data(unsecured, config, canonize=functools.partial(canonize, bounds=bounds))


# --- the caller's side: one budget per verification -------------------------------------------------

_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool(
                limits.VERIFY_WORKERS,
                memory=limits.VERIFY_WORKER_MEMORY,
                preload=["skillatlas.credentials.verify"],
            )
        return _pool


class Budget:
    """The time one verification may take, spent by each piece of work sent to a worker."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = limits.VERIFY_BUDGET_S if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self.bounds = current_limits()

    def exceeded(self) -> LimitExceeded:
        return LimitExceeded(
            f"checking the credential took longer than {self.seconds:g} seconds, the most one "
            "verification may take; it is not verified"
        )

    def run(self, fn: Any, *args: Any) -> Any:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.exceeded()
        try:
            return pool().run(fn, *args, timeout=remaining)
        except WorkerTimeout:
            raise self.exceeded() from None

    def hash_data(self, unsecured: dict[str, Any], config: dict[str, Any]) -> bytes:
        return bytes(self.run(hash_data, unsecured, config, self.bounds))
