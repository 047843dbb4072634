"""Lexical retrieval: an English tokenizer with Snowball stemming, and BM25 scoring through bm25s."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# Keeps "c++", "c#", "node.js" and "asp.net" whole, which a plain \w+ pattern would mangle,
# and splits hyphenated words so "full-stack" meets "full stack".
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*(?:\+\+|#)?")
_STOPWORDS = frozenset(STOPWORDS_EN) | {"s"}
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # Names such as "node.js" or "3d" are not English words; stemming them only mangles them.
    return _stemmer.stemWord(word) if word.isalpha() else word


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed terms of an English text."""
    return [_stem(word) for word in _TOKEN.findall(text.lower()) if word not in _STOPWORDS]


class LexicalIndex:
    """BM25 over documents given as term lists; document i scores at position i."""

    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._bm25: bm25s.BM25 | None = None
        self._vocab: dict[str, int] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def build(self, documents: list[list[str]]) -> None:
        """Index `documents` from scratch (BM25 weights depend on the whole corpus)."""
        vocab: dict[str, int] = {}
        token_ids = [[vocab.setdefault(term, len(vocab)) for term in document] for document in documents]
        self._size = len(documents)
        self._vocab = vocab
        if not vocab:
            self._bm25 = None
            return
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        bm25.index((token_ids, vocab), create_empty_token=False, show_progress=False)
        self._bm25 = bm25

    def scores(self, terms: list[str]) -> np.ndarray:
        """The BM25 score of every document for a query's terms (zeros where none match)."""
        known = [self._vocab[term] for term in terms if term in self._vocab]
        if self._bm25 is None or not known:
            return np.zeros(self._size, dtype=np.float32)
        return self._bm25.get_scores_from_ids(known).astype(np.float32, copy=False)

    def to_arrays(self, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The index as arrays (BM25's sparse matrix of term weights) and metadata (the vocabulary), for a
        shared bundle (search/shared.py) that `from_arrays` reads back, memory-mapped."""
        meta: dict[str, Any] = {"k1": self.k1, "b": self.b, "size": self._size, "vocab": self._vocab}
        if self._bm25 is None:
            return {}, {**meta, "empty": True}
        scores = self._bm25.scores
        arrays = {f"{prefix}{name}": np.asarray(scores[name]) for name in ("data", "indices", "indptr")}
        return arrays, {**meta, "empty": False, "num_docs": int(scores["num_docs"])}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str) -> LexicalIndex:
        """An index over the arrays of `to_arrays` (not copied: they may be a memory-mapped file)."""
        index = cls(k1=meta["k1"], b=meta["b"])
        index._size = meta["size"]
        index._vocab = meta["vocab"]
        if not meta["empty"]:
            bm25 = bm25s.BM25(k1=index.k1, b=index.b)
            bm25.vocab_dict = index._vocab
            bm25.unique_token_ids_set = set(index._vocab.values())
            bm25.scores = {name: arrays[f"{prefix}{name}"] for name in ("data", "indices", "indptr")}
            bm25.scores["num_docs"] = meta["num_docs"]
            bm25.nonoccurrence_array = None
            index._bm25 = bm25
        return index

    def save(self, directory: Path) -> None:
        """Write the index under `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"k1": self.k1, "b": self.b, "size": self._size, "empty": self._bm25 is None}
        (directory / "lexical.json").write_text(json.dumps(meta), encoding="utf-8")
        if self._bm25 is not None:
            self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by `save`."""
        meta = json.loads((directory / "lexical.json").read_text(encoding="utf-8"))
        index = cls(k1=meta["k1"], b=meta["b"])
        index._size = meta["size"]
        if not meta["empty"]:
            index._bm25 = bm25s.BM25.load(str(directory), show_progress=False)
            index._vocab = index._bm25.vocab_dict
        return index


class NameCoverage:
    """How much of each item's name a query contains: the idf-weighted share of the name's terms present.

    BM25 rewards a name for any shared word; coverage rewards a name the query spells out in full, which
    tells "work independently" (covered) from "work independently in landscaping" (half covered).
    """

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}
        self._indptr = np.zeros(1, dtype=np.int64)
        self._items = np.zeros(0, dtype=np.int64)
        self._weights = np.zeros(0, dtype=np.float32)
        self._size = 0

    def build(self, names: list[list[str]]) -> None:
        """Index the items' names, given as term lists."""
        self._size = len(names)
        vocab: dict[str, int] = {}
        postings: list[list[int]] = []
        unique_names = [sorted(set(terms)) for terms in names]
        for item, terms in enumerate(unique_names):
            for term in terms:
                term_id = vocab.setdefault(term, len(vocab))
                if term_id == len(postings):
                    postings.append([])
                postings[term_id].append(item)
        document_frequency = np.array([len(p) for p in postings], dtype=np.float64)
        idf = np.log1p((self._size - document_frequency + 0.5) / (document_frequency + 0.5))
        name_mass = np.array([sum(idf[vocab[t]] for t in terms) for terms in unique_names], dtype=np.float64)
        name_mass[name_mass == 0] = 1.0
        self._vocab = vocab
        lengths = np.array([len(p) for p in postings], dtype=np.int64)
        self._indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self._items = np.fromiter(
            (item for p in postings for item in p), dtype=np.int64, count=int(lengths.sum())
        )
        term_of_posting = np.repeat(np.arange(len(postings)), lengths)
        self._weights = (idf[term_of_posting] / name_mass[self._items]).astype(np.float32)

    def to_arrays(self, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The index as arrays and metadata, for a shared bundle (search/shared.py)."""
        arrays = {
            f"{prefix}indptr": self._indptr,
            f"{prefix}items": self._items,
            f"{prefix}weights": self._weights,
        }
        return arrays, {"vocab": self._vocab, "size": self._size}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str) -> NameCoverage:
        """An index over the arrays of `to_arrays` (not copied)."""
        index = cls()
        index._vocab, index._size = meta["vocab"], meta["size"]
        index._indptr, index._items = arrays[f"{prefix}indptr"], arrays[f"{prefix}items"]
        index._weights = arrays[f"{prefix}weights"]
        return index

    def scores(self, terms: list[str]) -> np.ndarray:
        """The covered share (0..1) of every item's name."""
        covered = np.zeros(self._size, dtype=np.float32)
        for term_id in {self._vocab[term] for term in terms if term in self._vocab}:
            start, stop = self._indptr[term_id], self._indptr[term_id + 1]
            covered[self._items[start:stop]] += self._weights[start:stop]
        return covered
