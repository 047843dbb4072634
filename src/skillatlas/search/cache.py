"""A persistent cache of embeddings keyed by a hash of (backend, role, text), so a corpus is embedded once."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from skillatlas.search import shared
from skillatlas.search.backends import EmbeddingBackend, Role

_KEY_BYTES = 16


def text_key(backend_name: str, role: Role, text: str) -> bytes:
    """The cache key of one text: a 128-bit BLAKE2 digest."""
    return hashlib.blake2b(f"{backend_name}\x00{role}\x00{text}".encode(), digest_size=_KEY_BYTES).digest()


class _Store:
    """The vectors of one backend: rows in append order and a key -> row map."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.rows: dict[bytes, int] = {}
        self.blocks: list[np.ndarray] = []
        self.size = 0
        self.saved_size = 0

    def matrix(self) -> np.ndarray:
        if len(self.blocks) != 1:
            merged = np.concatenate(self.blocks) if self.blocks else np.zeros((0, self.dim), np.float32)
            self.blocks = [merged]
        return self.blocks[0]


class EmbeddingCache:
    """Embeds through a backend, computing only texts it has not seen; `directory=None` keeps it in memory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._stores: dict[str, _Store] = {}

    def embed(self, backend: EmbeddingBackend, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """The vectors of `texts`, in order, embedding each distinct unseen text once."""
        store = self._store(backend)
        keys = [text_key(backend.name, role, text) for text in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in store.rows and key not in missing:
                missing[key] = text
        if missing:
            fresh = backend.embed(list(missing.values()), role=role)
            for offset, key in enumerate(missing):
                store.rows[key] = store.size + offset
            store.blocks.append(np.asarray(fresh, dtype=np.float32).reshape(len(missing), backend.dim))
            store.size += len(missing)
        if not keys:
            return np.zeros((0, backend.dim), dtype=np.float32)
        matrix = store.matrix()
        return matrix[np.fromiter((store.rows[key] for key in keys), dtype=np.int64, count=len(keys))]

    def __len__(self) -> int:
        return sum(store.size for store in self._stores.values())

    def save(self) -> None:
        """Write what was added since the last save (a no-op for an in-memory cache)."""
        if self.directory is None:
            return
        for name, store in self._stores.items():
            if store.size == store.saved_size:
                continue
            folder = self.directory / name
            folder.mkdir(parents=True, exist_ok=True)
            # Raw uint8 rows, not numpy's "S" strings, which drop trailing zero bytes.
            keys = np.zeros((store.size, _KEY_BYTES), dtype=np.uint8)
            for key, row in store.rows.items():
                keys[row] = np.frombuffer(key, dtype=np.uint8)
            # Written to a temporary name first (one per process and thread: workers save the same cache) so a
            # crash mid-write never leaves a torn cache behind.
            for filename, array in (("vectors.npy", store.matrix()), ("keys.npy", keys)):
                temporary = folder / f".{filename}.{os.getpid()}-{threading.get_ident()}.tmp.npy"
                np.save(temporary, array)
                if filename == "vectors.npy" and shared.enabled():
                    # From now on read through the page cache (mapped before the rename: another process may
                    # replace the file right after), not from this process's own copy.
                    store.blocks = [np.load(temporary, mmap_mode="r")]
                os.replace(temporary, folder / filename)
            store.saved_size = store.size

    def _store(self, backend: EmbeddingBackend) -> _Store:
        store = self._stores.get(backend.name)
        if store is not None:
            return store
        store = _Store(backend.dim)
        folder = self.directory / backend.name if self.directory else None
        if folder and (folder / "keys.npy").exists() and (folder / "vectors.npy").exists():
            try:
                keys = np.load(folder / "keys.npy")
                # Memory-mapped: the server's processes share one copy through the page cache.
                vectors = np.load(folder / "vectors.npy", mmap_mode="r" if shared.enabled() else None)
            except (OSError, ValueError):  # a torn or foreign file: start afresh, it is only a cache
                keys, vectors = np.zeros((0, _KEY_BYTES), np.uint8), np.zeros((0, 0), np.float32)
            if vectors.shape == (len(keys), backend.dim) and vectors.dtype == np.float32:
                store.rows = {key.tobytes(): row for row, key in enumerate(keys)}
                store.blocks = [vectors.astype(np.float32, copy=False)]
                store.size = store.saved_size = len(keys)
        self._stores[backend.name] = store
        return store
