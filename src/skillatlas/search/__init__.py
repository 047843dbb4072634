"""Domain-free retrieval: embedding backends, BM25, and the hybrid index that experts, learning and intelligence share."""

from skillatlas.search.backends import BACKEND_NAMES, EmbeddingBackend, get_backend
from skillatlas.search.cache import EmbeddingCache
from skillatlas.search.index import FusionSettings, Hit, HybridIndex

__all__ = [
    "BACKEND_NAMES",
    "EmbeddingBackend",
    "EmbeddingCache",
    "FusionSettings",
    "Hit",
    "HybridIndex",
    "get_backend",
]
