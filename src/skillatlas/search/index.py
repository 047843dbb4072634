"""HybridIndex: lexical (BM25) and dense (embedding) retrieval over (id, text) items, fused into one ranking."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from skillatlas.errors import InvalidInput
from skillatlas.search.backends import EmbeddingBackend, embed_queries, get_backend
from skillatlas.search.cache import EmbeddingCache
from skillatlas.search.lexical import LexicalIndex, NameCoverage, tokenize
from skillatlas.search.shared import Digest, SharedSpace, StringColumn, open_array, shared_ann, shared_array

Fusion = Literal["weighted", "rrf"]
Mode = Literal["hybrid", "lexical", "dense"]
#: An item's text: one string, or several passages (its name first, then synonyms, a description) that
#: lexical search reads as one document and dense search scores by the best-matching passage.
ItemText = str | Sequence[str]

_FORMAT = 1
_QUERY_BATCH = 256
_TIE = 1e-6


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the fused score and the two scores it was fused from."""

    id: str
    score: float
    lexical_score: float
    dense_score: float


@dataclass(frozen=True, slots=True)
class FusionSettings:
    """How lexical and dense scores become one ranking (chosen by bench/skill_extraction.py)."""

    method: Fusion = "weighted"
    #: Weighted fusion: share of the max-normalised BM25 score; the rest is the normalised cosine.
    lexical_weight: float = 0.5
    #: Reciprocal-rank fusion constant.
    rrf_k: int = 60
    #: Weight of name coverage (the share of an item's first passage the query spells out), added to
    #: the fused score; with reciprocal-rank fusion it is scaled to a first place's vote.
    coverage_weight: float = 0.8
    #: How many of the best items of each side are candidates for fusion; also the depth below the best
    #: dense score at which weighted fusion puts a cosine's zero.
    pool: int = 100


@dataclass(frozen=True, slots=True)
class QueryScores:
    """Exact scores of candidate items for one query (positions index the index's items)."""

    positions: np.ndarray
    lexical: np.ndarray
    dense: np.ndarray
    coverage: np.ndarray
    fused: np.ndarray


class HybridIndex:
    """Ids with texts, searchable by words and by meaning; add and remove without a rebuild."""

    def __init__(
        self,
        backend: EmbeddingBackend,
        *,
        fusion: FusionSettings | None = None,
        cache: EmbeddingCache | None = None,
        ann_threshold: int = 100_000,
        shared: SharedSpace | None = None,
    ) -> None:
        """With `shared`, the vectors of the first `add` and the ANN graph built over them are files under the
        data directory, memory-mapped by every process that indexes the same texts (see search/shared.py);
        later adds and removes work on a private copy, as without it."""
        self.backend = backend
        self.shared = shared
        # The key of the shared files while the index still holds exactly what they were built from.
        self._shared_key: str | None = None
        self.fusion = fusion or FusionSettings()
        self.cache = cache if cache is not None else EmbeddingCache()
        self.ann_threshold = ann_threshold
        self._ids: Sequence[str] = []  # a list, or a StringColumn over a shared bundle when frozen
        self._positions: dict[str, int] = {}
        #: Read-only: the index maps a shared bundle (`from_bundle`) and keeps no texts to rebuild from.
        self.frozen = False
        self._passages: list[tuple[str, ...]] = []
        self._terms: list[list[str]] = []
        self._name_terms: list[list[str]] = []
        self._vectors = np.zeros((0, backend.dim), dtype=np.float32)
        # Rows of _vectors are grouped by item, in item order: _row_item[r] is the owner of row r.
        self._row_item = np.zeros(0, dtype=np.int64)
        self._row_keys = np.zeros(0, dtype=np.uint64)
        self._next_key = 0
        self._lexical = LexicalIndex()
        self._lexical_stale = False
        self._coverage = NameCoverage()
        self._coverage_stale = False
        self._ann: _AnnIndex | None = None
        # Searches rebuild the lexical weights lazily after a change, and a web server searches from
        # several threads: one lock keeps every reader on a consistent snapshot.
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ contents

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item_id: object) -> bool:
        if self.frozen and len(self._ids) and not self._positions:
            self._positions = {item_id: position for position, item_id in enumerate(self._ids)}
        return item_id in self._positions

    @property
    def ids(self) -> list[str]:
        """Every indexed id, in index order."""
        return list(self._ids)

    def id_at(self, position: int) -> str:
        """The id at a position of `QueryScores.positions`."""
        return self._ids[position]

    @property
    def uses_ann(self) -> bool:
        """Whether dense search goes through the approximate index (large collections)."""
        return self._ann is not None

    def add(self, items: Iterable[tuple[str, ItemText]]) -> None:
        """Index items; an id already present is replaced."""
        with self._lock:
            self._writable()
            self._add(items)

    def remove(self, ids: Iterable[str]) -> None:
        """Drop items by id; unknown ids are ignored."""
        with self._lock:
            self._writable()
            self._remove(ids)

    def _writable(self) -> None:
        if self.frozen:
            raise RuntimeError("a frozen index (a shared bundle) is read-only: build a new one")

    def _add(self, items: Iterable[tuple[str, ItemText]]) -> None:
        batch: dict[str, tuple[str, ...]] = {}
        for item_id, text in items:
            passages = (text,) if isinstance(text, str) else tuple(text)
            batch[item_id] = passages or ("",)
        if not batch:
            return
        self._remove([item_id for item_id in batch if item_id in self._positions])
        texts = [passage for passages in batch.values() for passage in passages]
        vectors = self._embed_passages(texts) if self.backend.dim else None
        first = len(self._ids)
        for offset, (item_id, passages) in enumerate(batch.items()):
            self._positions[item_id] = first + offset
            self._ids.append(item_id)
            self._passages.append(passages)
            self._terms.append([term for passage in passages for term in tokenize(passage)])
            self._name_terms.append(tokenize(passages[0]))
        owners = np.repeat(np.arange(first, len(self._ids)), [len(p) for p in batch.values()])
        keys = np.arange(self._next_key, self._next_key + len(texts), dtype=np.uint64)
        self._next_key += len(texts)
        self._row_item = np.concatenate([self._row_item, owners])
        self._row_keys = np.concatenate([self._row_keys, keys])
        if vectors is not None:
            # The first block is kept as it is (a shared index's memory-mapped file), not copied.
            self._vectors = vectors if not len(self._vectors) else np.concatenate([self._vectors, vectors])
            if self._ann is not None:
                self._ann.add(keys, vectors)
        self._lexical_stale = self._coverage_stale = True
        self._sync_ann()

    def _remove(self, ids: Iterable[str]) -> None:
        gone = sorted({self._positions[item_id] for item_id in ids if item_id in self._positions})
        if not gone:
            return
        self._shared_key = None
        keep_item = np.ones(len(self._ids), dtype=bool)
        keep_item[gone] = False
        keep_row = keep_item[self._row_item]
        if self._ann is not None:
            self._ann.remove(self._row_keys[~keep_row])
        new_position = np.cumsum(keep_item) - 1
        self._row_item = new_position[self._row_item[keep_row]]
        self._row_keys = self._row_keys[keep_row]
        if self.backend.dim:
            self._vectors = self._vectors[keep_row]
        kept = np.flatnonzero(keep_item)
        self._ids = [self._ids[i] for i in kept]
        self._passages = [self._passages[i] for i in kept]
        self._terms = [self._terms[i] for i in kept]
        self._name_terms = [self._name_terms[i] for i in kept]
        self._positions = {item_id: position for position, item_id in enumerate(self._ids)}
        self._lexical_stale = self._coverage_stale = True
        self._sync_ann()

    # ------------------------------------------------------------------ search

    def search(self, query: str, k: int = 10, *, mode: Mode = "hybrid") -> list[Hit]:
        """The best `k` items for one query."""
        return self.search_batch([query], k, mode=mode)[0]

    def search_batch(self, queries: Sequence[str], k: int = 10, *, mode: Mode = "hybrid") -> list[list[Hit]]:
        """The best `k` items for each query; embeds all queries in one pass."""
        if not queries:
            return []
        query_vectors = self._embed_queries(queries, mode)
        results = []
        with self._lock:
            for scores in self._score_locked(queries, query_vectors, mode, max(k, self.fusion.pool)):
                order = _top(scores.fused, [self._ids[p] for p in scores.positions], k)
                results.append(
                    [
                        Hit(
                            id=self._ids[scores.positions[i]],
                            score=float(scores.fused[i]),
                            lexical_score=float(scores.lexical[i]),
                            dense_score=float(scores.dense[i]),
                        )
                        for i in order
                    ]
                )
        return results

    def score_batch(
        self, queries: Sequence[str], *, mode: Mode = "hybrid", pool: int | None = None
    ) -> list[QueryScores]:
        """For each query, its candidate items with exact lexical, dense and fused scores.

        Candidates are the `pool` best items of each side (all items are scored exactly below the
        approximate-search threshold; above it the dense side's candidates come from the ANN index).
        """
        if not queries:
            return []
        query_vectors = self._embed_queries(queries, mode)
        with self._lock:
            return self._score_locked(queries, query_vectors, mode, pool or self.fusion.pool)

    def _embed_queries(self, queries: Sequence[str], mode: Mode) -> np.ndarray | None:
        if mode not in ("hybrid", "lexical", "dense"):
            raise InvalidInput(f"Unknown search mode {mode!r}.", field="mode")
        if mode == "lexical" or not self.backend.dim:
            return None
        # Embedding, the slow part, runs outside the index lock (the backend serialises itself).
        return embed_queries(self.backend, list(queries))

    def _score_locked(
        self, queries: Sequence[str], query_vectors: np.ndarray | None, mode: Mode, pool: int
    ) -> list[QueryScores]:
        if not self._ids:
            return [_empty_scores() for _ in queries]
        use_lexical = mode != "dense"
        if use_lexical:
            self._refresh_lexical()
        use_coverage = mode == "hybrid" and self.fusion.coverage_weight > 0
        if use_coverage and self._coverage_stale:
            self._coverage.build(self._name_terms)
            self._coverage_stale = False
        results: list[QueryScores] = []
        for start in range(0, len(queries), _QUERY_BATCH):
            stop = min(start + _QUERY_BATCH, len(queries))
            dense_block = None
            if query_vectors is not None and self._ann is None:
                dense_block = self._dense_all(query_vectors[start:stop])
            for row, query in enumerate(queries[start:stop]):
                terms = tokenize(query)
                lexical = self._lexical.scores(terms) if use_lexical else None
                coverage = self._coverage.scores(terms) if use_coverage else None
                dense: np.ndarray | None = None
                dense_candidates = np.zeros(0, dtype=np.int64)
                if dense_block is not None:
                    dense = dense_block[row]
                elif query_vectors is not None and self._ann is not None:
                    dense_candidates = self._ann_candidates(query_vectors[start + row], pool)
                results.append(
                    self._fuse(
                        lexical, dense, coverage, dense_candidates, query_vectors, start + row, pool, mode
                    )
                )
        return results

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write the index under `directory` (vectors as .npy, a JSON manifest, bm25s files)."""
        with self._lock:
            self._save(Path(directory))

    def _save(self, directory: Path) -> None:
        self._writable()  # a frozen index no longer holds its texts
        directory.mkdir(parents=True, exist_ok=True)
        self._refresh_lexical()
        manifest = {
            "format": _FORMAT,
            "backend": self.backend.name,
            "dim": self.backend.dim,
            "fusion": {
                "method": self.fusion.method,
                "lexical_weight": self.fusion.lexical_weight,
                "rrf_k": self.fusion.rrf_k,
                "coverage_weight": self.fusion.coverage_weight,
                "pool": self.fusion.pool,
            },
            "ann_threshold": self.ann_threshold,
            "next_key": self._next_key,
            "items": [{"id": i, "passages": list(p)} for i, p in zip(self._ids, self._passages, strict=True)],
        }
        (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        np.save(directory / "vectors.npy", self._vectors)
        np.save(directory / "row_keys.npy", self._row_keys)
        self._lexical.save(directory / "lexical")
        ann_file = directory / "ann.usearch"
        if self._ann is not None:
            self._ann.save(ann_file)
        elif ann_file.exists():
            ann_file.unlink()
        self.cache.save()

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        backend: EmbeddingBackend | None = None,
        cache: EmbeddingCache | None = None,
    ) -> HybridIndex:
        """Read an index written by `save`; the backend defaults to the one it was built with."""
        directory = Path(directory)
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != _FORMAT:
            raise InvalidInput(f"Search index at {directory} has an unknown format.", field="directory")
        backend = backend or get_backend(manifest["backend"])
        if backend.name != manifest["backend"] or backend.dim != manifest["dim"]:
            raise InvalidInput(
                f"Search index at {directory} was built with {manifest['backend']!r}, not {backend.name!r}.",
                field="backend",
            )
        index = cls(
            backend,
            fusion=FusionSettings(**manifest["fusion"]),
            cache=cache,
            ann_threshold=manifest["ann_threshold"],
        )
        items = manifest["items"]
        index._ids = [item["id"] for item in items]
        index._positions = {item_id: position for position, item_id in enumerate(index._ids)}
        index._passages = [tuple(item["passages"]) for item in items]
        index._terms = [[term for passage in p for term in tokenize(passage)] for p in index._passages]
        index._name_terms = [tokenize(p[0]) for p in index._passages]
        index._coverage_stale = True
        index._row_item = np.repeat(np.arange(len(items)), [len(p) for p in index._passages])
        index._row_keys = np.load(directory / "row_keys.npy")
        index._next_key = manifest["next_key"]
        index._vectors = np.load(directory / "vectors.npy")
        index._lexical = LexicalIndex.load(directory / "lexical")
        if (directory / "ann.usearch").exists():
            index._ann = _AnnIndex.restore(directory / "ann.usearch", backend.dim)
        return index

    # ------------------------------------------------------------------ frozen, shared between processes

    def to_bundle(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The index as arrays and metadata for one shared file (search/shared.py `shared_bundle`): ids, rows,
        BM25 and name coverage. The vectors and the ANN graph stay in their own shared files, named in it."""
        with self._lock:
            if len(self._ids) and (self._shared_key is None or self.shared is None):
                raise ValueError("only an index whose vectors are a shared file can be bundled")
            self._refresh_lexical()
            if self._coverage_stale:
                self._coverage.build(self._name_terms)
                self._coverage_stale = False
            ids = StringColumn.of(list(self._ids))
            lexical, lexical_meta = self._lexical.to_arrays("bm25/")
            coverage, coverage_meta = self._coverage.to_arrays("coverage/")
            arrays = {"ids/data": ids.data, "ids/offsets": ids.offsets, "ids/present": ids.present,
                      "row_item": self._row_item, "row_keys": self._row_keys, **lexical, **coverage}  # fmt: skip
            meta = {"fusion": asdict(self.fusion), "ann_threshold": self.ann_threshold, "next_key": self._next_key,
                    "vectors_key": self._shared_key, "lexical": lexical_meta, "coverage": coverage_meta,
                    "backend": self.backend.name}  # fmt: skip
            return arrays, meta

    @classmethod
    def from_bundle(
        cls,
        arrays: dict[str, np.ndarray],
        meta: dict[str, Any],
        *,
        backend: EmbeddingBackend,
        shared: SharedSpace,
        cache: EmbeddingCache | None = None,
    ) -> HybridIndex | None:
        """A frozen index over a bundle of `to_bundle` and the shared files it names, none of it copied into
        the process; None when one of those files is gone (then build the index again)."""
        if meta["backend"] != backend.name:
            return None
        index = cls(backend, fusion=FusionSettings(**meta["fusion"]), cache=cache,
                    ann_threshold=meta["ann_threshold"], shared=shared)  # fmt: skip
        index._ids = StringColumn(arrays["ids/data"], arrays["ids/offsets"], arrays["ids/present"])  # type: ignore[assignment]
        if len(index._ids):
            vectors = open_array(shared, meta["vectors_key"])
            if vectors is None or len(vectors) != len(arrays["row_keys"]):
                return None
            index._vectors, index._shared_key = vectors, meta["vectors_key"]
        index._row_item, index._row_keys = arrays["row_item"], arrays["row_keys"]
        index._next_key = meta["next_key"]
        index._lexical = LexicalIndex.from_arrays(arrays, meta["lexical"], "bm25/")
        index._coverage = NameCoverage.from_arrays(arrays, meta["coverage"], "coverage/")
        index.frozen = True
        index._sync_ann()
        return index

    # ------------------------------------------------------------------ internals

    def _refresh_lexical(self) -> None:
        # BM25's idf and average length depend on the whole corpus, so the weights are recomputed from the
        # stored term lists; tokenising and embedding, the costly parts, stay incremental.
        if self._lexical_stale:
            self._lexical.build(self._terms)
            self._lexical_stale = False

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        if self.shared is None or self._ids:
            self._shared_key = None
            return self.cache.embed(self.backend, texts, role="passage")
        digest = Digest("vectors", self.backend.name)
        for text in texts:
            digest.text(text)
        self._shared_key = digest.hexdigest()
        return shared_array(
            self.shared,
            self._shared_key,
            lambda: self.cache.embed(self.backend, texts, role="passage"),
            shape=(len(texts), self.backend.dim),
        )

    def _sync_ann(self) -> None:
        if not self.backend.dim:
            return
        if self._ann is None and len(self._ids) >= self.ann_threshold:
            if self.shared is not None and self._shared_key is not None:
                key = Digest("ann", self._shared_key).array(self._row_keys).hexdigest()
                self._ann = _AnnIndex.shared(self.shared.child("ann"), key, self._row_keys, self._vectors)
            else:
                self._ann = _AnnIndex(self.backend.dim)
                self._ann.add(self._row_keys, self._vectors)
        elif self._ann is not None and len(self._ids) < self.ann_threshold // 2:
            # Hysteresis, so a collection hovering at the threshold does not rebuild the graph back and forth.
            self._ann = None

    def _dense_all(self, query_vectors: np.ndarray) -> np.ndarray:
        """Exact item scores: the best passage's cosine, for every item."""
        similarities = query_vectors @ self._vectors.T
        if len(self._row_item) == len(self._ids):
            return similarities
        starts = np.flatnonzero(np.r_[True, self._row_item[1:] != self._row_item[:-1]])
        return np.maximum.reduceat(similarities, starts, axis=1)

    def _ann_candidates(self, query_vector: np.ndarray, pool: int) -> np.ndarray:
        assert self._ann is not None
        keys = self._ann.search(query_vector, pool * 4)
        rows = np.searchsorted(self._row_keys, keys)
        found = rows < len(self._row_keys)
        found[found] = self._row_keys[rows[found]] == keys[found]
        rows = rows[found]
        return np.unique(self._row_item[rows])

    def _dense_for(self, query_vector: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Exact best-passage cosine of chosen items (used with the approximate index)."""
        rows = np.flatnonzero(np.isin(self._row_item, positions))
        similarities = self._vectors[rows] @ query_vector
        owners = self._row_item[rows]
        best = np.full(len(self._ids), -1.0, dtype=np.float32)
        np.maximum.at(best, owners, similarities)
        return best[positions]

    def _fuse(
        self,
        lexical: np.ndarray | None,
        dense: np.ndarray | None,
        coverage: np.ndarray | None,
        dense_candidates: np.ndarray,
        query_vectors: np.ndarray | None,
        query_row: int,
        pool: int,
        mode: Mode,
    ) -> QueryScores:
        best_lexical = _best_positions(lexical, pool, positive_only=True) if lexical is not None else None
        best_dense = _best_positions(dense, pool) if dense is not None else None
        parts = [p for p in (best_lexical, best_dense) if p is not None]
        positions = np.unique(np.concatenate([*parts, dense_candidates])).astype(np.int64)
        lexical_scores = lexical[positions] if lexical is not None else np.zeros(len(positions), np.float32)
        if dense is not None:
            dense_scores = dense[positions]
        elif query_vectors is not None and len(positions):
            dense_scores = self._dense_for(query_vectors[query_row], positions)
        else:
            dense_scores = np.zeros(len(positions), np.float32)
        if mode == "lexical" or query_vectors is None:
            fused = lexical_scores
        elif mode == "dense":
            fused = dense_scores
        elif self.fusion.method == "rrf":
            k = self.fusion.rrf_k
            lexical_top = lexical[best_lexical] if lexical is not None and best_lexical is not None else None
            dense_top = dense[best_dense] if dense is not None and best_dense is not None else dense_scores
            dense_vote = 1.0 / (k + _rank(dense_top, dense_scores))
            lexical_vote = 1.0 / (k + _rank(lexical_top, lexical_scores)) if lexical_top is not None else 0.0
            # An item that shares no word with the query gets no lexical vote, not a vote for last place.
            fused = dense_vote + np.where(lexical_scores > 0, lexical_vote, 0.0)
        else:
            if dense is not None and best_dense is not None and len(dense) > pool:
                # The best and the pool-th best cosine are those of the pool just selected.
                normalised = _between(dense_scores, dense[best_dense].min(), dense[best_dense].max())
            else:
                normalised = _floor_normalised(
                    dense_scores, dense if dense is not None else dense_scores, pool
                )
            fused = (
                self.fusion.lexical_weight * _max_normalised(lexical_scores, lexical)
                + (1 - self.fusion.lexical_weight) * normalised
            )
        coverage_scores = (
            coverage[positions] if coverage is not None else np.zeros(len(positions), np.float32)
        )
        if coverage is not None and query_vectors is not None:
            scale = 1.0 / (self.fusion.rrf_k + 1) if self.fusion.method == "rrf" else 1.0
            fused = fused + self.fusion.coverage_weight * scale * coverage_scores
        return QueryScores(
            positions=positions,
            lexical=lexical_scores.astype(np.float32, copy=False),
            dense=dense_scores.astype(np.float32, copy=False),
            coverage=coverage_scores.astype(np.float32, copy=False),
            fused=np.asarray(fused, dtype=np.float32),
        )


class _AnnIndex:
    """The approximate nearest-neighbour graph (usearch HNSW, inner product) over passage rows."""

    def __init__(self, dim: int, index: object | None = None, *, view: bool = False) -> None:
        from usearch.index import Index

        self._index = index if index is not None else Index(ndim=dim, metric="ip", dtype="f32")
        #: A read-only memory-mapped view of a shared file: copied into memory before the first change.
        self.view = view

    @classmethod
    def restore(cls, path: Path, dim: int) -> _AnnIndex:
        from usearch.index import Index

        return cls(dim, Index.restore(str(path)))

    @classmethod
    def shared(cls, where: SharedSpace, key: str, keys: np.ndarray, vectors: np.ndarray) -> _AnnIndex:
        """The graph over these rows from its shared file (built and written first when there is none)."""

        def build() -> object:
            built = cls(vectors.shape[1])
            built.add(keys, vectors)
            return built._index

        index, view = shared_ann(where, key, build)
        return cls(vectors.shape[1], index, view=view)

    def _writable(self) -> None:
        if self.view:
            self._index = self._index.copy()  # type: ignore[attr-defined]
            self.view = False

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        if len(keys):
            self._writable()
            self._index.add(keys, vectors)  # type: ignore[attr-defined]

    def remove(self, keys: np.ndarray) -> None:
        if len(keys):
            self._writable()
            self._index.remove(keys)  # type: ignore[attr-defined]

    def search(self, vector: np.ndarray, count: int) -> np.ndarray:
        matches = self._index.search(vector, count)  # type: ignore[attr-defined]
        return np.asarray(matches.keys, dtype=np.uint64)

    def save(self, path: Path) -> None:
        self._index.save(str(path))  # type: ignore[attr-defined]


def _empty_scores() -> QueryScores:
    empty = np.zeros(0, dtype=np.float32)
    return QueryScores(
        positions=np.zeros(0, dtype=np.int64), lexical=empty, dense=empty, coverage=empty, fused=empty
    )


def _best_positions(scores: np.ndarray, count: int, *, positive_only: bool = False) -> np.ndarray:
    """The positions of the `count` best scores, in no order (of those above 0 with `positive_only`).

    Selecting among all of a long row (14,000 skills) costs more than the dense product that made it, once
    per query: the selection runs among the scores at or above a threshold instead, the best of a strided
    sample, which leaves about twice `count`; the same positions (where scores tie at the cut, the choice
    among them is arbitrary either way). BM25 rows are mostly zeros: the selection runs among the others."""
    if positive_only:
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) <= count:
            return candidates
        return candidates[np.argpartition(-scores[candidates], count - 1)[:count]]
    if count >= len(scores):
        return np.arange(len(scores))
    if len(scores) >= _SAMPLE_STEP * count * 4:
        sample = scores[::_SAMPLE_STEP]
        rank = len(sample) - max(1, 2 * count // _SAMPLE_STEP)
        threshold = np.partition(sample, rank)[rank]
        candidates = np.flatnonzero(scores >= threshold)
        if len(candidates) >= count:
            return candidates[np.argpartition(-scores[candidates], count - 1)[:count]]
    return np.argpartition(-scores, count - 1)[:count]


#: `_best_positions`: one score in this many makes the sample that sets the threshold.
_SAMPLE_STEP = 8


def _rank(top: np.ndarray, values: np.ndarray) -> np.ndarray:
    """1 + how many of the side's best scores clearly beat each value; below them all, one past the end.

    Scores within a hair of each other share a rank: float32 products differ in the last bits with the
    order rows were added in, and a rank must not.
    """
    ordered = np.sort(top)
    return 1 + len(ordered) - np.searchsorted(ordered, values + _TIE, side="right")


def _max_normalised(values: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    top = float(reference.max()) if reference is not None and len(reference) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _floor_normalised(values: np.ndarray, reference: np.ndarray, depth: int) -> np.ndarray:
    """Cosines mapped so the best is 1 and the `depth`-th best is 0: raw cosines crowd into a narrow band."""
    if not len(reference):
        return values
    top = float(reference.max())
    if len(reference) > depth:
        floor = float(np.partition(reference, len(reference) - depth)[len(reference) - depth])
    else:
        # Too few items for a meaningful depth: measure from orthogonal (cosine 0) instead.
        floor = min(0.0, float(reference.min()))
    return _between(values, floor, top)


def _between(values: np.ndarray, floor: float, top: float) -> np.ndarray:
    """`values` mapped so that `top` is 1 and `floor` (or less) 0."""
    floor, top = float(floor), float(top)
    if top <= floor:
        return np.zeros_like(values)
    return np.clip((values - floor) / (top - floor), 0.0, None)


def _top(scores: np.ndarray, ids: list[str], k: int) -> list[int]:
    """Indices of the `k` best scores, ties broken by id so results do not depend on insertion order."""
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), ids[i]))[:k]
