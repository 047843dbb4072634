"""The matching core as a pure function: hard constraints always hold, verified skills outrank claims, fairness."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skillatlas.experts.matching import (
    CEFR,
    LEVELS,
    MODES,
    ExpertRecord,
    MatchQuery,
    TextIndex,
    build_pool,
    rank,
)
from skillatlas.search.backends import get_backend

URIS = [f"u{i}" for i in range(6)]
LABELS = {u: f"skill {u}" for u in URIS}
TODAY = dt.date(2026, 6, 1)

experts = st.builds(
    ExpertRecord,
    person_id=st.integers(1, 10_000),
    employer_id=st.sampled_from([None, 1, 2]),
    skills=st.lists(st.tuples(st.sampled_from(URIS), st.sampled_from(LEVELS), st.integers(0, 2)),
                    max_size=4, unique_by=lambda s: s[0]),
    languages=st.lists(st.tuples(st.sampled_from(["en", "de", "fr"]), st.sampled_from(CEFR)), max_size=3,
                       unique_by=lambda s: s[0]),
    countries=st.lists(st.sampled_from(["DE", "FR", "RO"]), max_size=2, unique=True),
    work_mode=st.sampled_from(MODES),
    availability=st.lists(st.tuples(st.just(dt.date(2026, 7, 1)), st.sampled_from(
        [dt.date(2026, 7, 15), dt.date(2026, 12, 31)])), max_size=1),
    open_proposals=st.integers(0, 5),
)  # fmt: skip
queries = st.builds(
    MatchQuery,
    skills=st.lists(st.tuples(st.sampled_from(URIS), st.sampled_from(LEVELS)), min_size=1, max_size=3,
                    unique_by=lambda s: s[0]),
    languages=st.lists(st.sampled_from(["en", "de"]), max_size=1),
    country=st.sampled_from([None, "DE"]),
    work_mode=st.sampled_from(MODES),
    starts_on=st.sampled_from([None, dt.date(2026, 9, 1)]),
    ends_on=st.just(dt.date(2026, 10, 1)),
    requester_organisation_id=st.sampled_from([None, 1]),
    today=st.just(TODAY),
)  # fmt: skip


def _unique(records: list[ExpertRecord]) -> list[ExpertRecord]:
    return list({r.person_id: r for r in records}.values())


@given(st.lists(experts, max_size=25).map(_unique), queries)
@settings(max_examples=150, deadline=None)
def test_every_shortlisted_expert_meets_the_hard_constraints(records, query) -> None:
    pool = build_pool(records, LABELS)
    by_id = {r.person_id: r for r in records}
    matches = rank(pool, query, k=50)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    for m in matches:
        expert = by_id[m.person_id]
        assert (
            query.requester_organisation_id is None or expert.employer_id != query.requester_organisation_id
        )
        spoken = dict(expert.languages)
        assert all(CEFR.index(spoken[code]) >= CEFR.index("B2") for code in query.languages)
        if query.work_mode == "on_site":
            assert expert.work_mode != "remote"
            assert query.country is None or query.country in expert.countries
        if query.starts_on and expert.availability:
            assert any(end >= query.starts_on for _, end in expert.availability)
        assert m.structured > 0  # no text given: only skill matches are relevant


def test_a_credential_outranks_a_claim_and_missing_skills_are_named() -> None:
    records = [
        ExpertRecord(person_id=1, skills=[("u1", "expert", 0)]),
        ExpertRecord(person_id=2, skills=[("u1", "expert", 2)]),
        ExpertRecord(person_id=3, skills=[("u1", "awareness", 2), ("u2", "expert", 2)]),
    ]
    matches = rank(build_pool(records, LABELS), MatchQuery(skills=[("u1", "practitioner")], today=TODAY))
    assert [m.person_id for m in matches] == [2, 1, 3]
    query = MatchQuery(skills=[("u1", "practitioner"), ("u3", "expert")], today=TODAY, labels=LABELS)
    reasons = rank(build_pool(records, LABELS), query)[0].reasons
    assert reasons[:2] == ["covers skill u1 at expert level (credentialed)", "missing: skill u3 (expert)"]


def test_fairness_pushes_down_busy_and_recently_deployed_experts_gently() -> None:
    same = [("u1", "expert", 1)]
    records = [
        ExpertRecord(person_id=1, skills=same, open_proposals=3),
        ExpertRecord(person_id=2, skills=same, last_deployed=TODAY - dt.timedelta(days=10)),
        ExpertRecord(person_id=3, skills=same),
        ExpertRecord(person_id=4, skills=[("u1", "practitioner", 0)]),
    ]
    matches = rank(build_pool(records, LABELS), MatchQuery(skills=[("u1", "expert")], today=TODAY))
    assert [m.person_id for m in matches] == [3, 2, 1, 4]  # gently: still above a weaker match
    assert any(r.startswith("fairness: 3 open proposal(s)") for r in matches[2].reasons)
    assert any(r.startswith("fairness: deployed recently") for r in matches[1].reasons)


def test_plain_words_find_the_expert_through_embeddings() -> None:
    texts = ["Designs lithium-ion battery packs and cell chemistry for electric cars.",
             "Writes embedded C for engine control units and AUTOSAR stacks.",
             "Hydrogen fuel cell stacks: membranes, testing and safety."]  # fmt: skip
    records = [ExpertRecord(person_id=i + 1) for i in range(3)]
    pool = build_pool(records, LABELS)
    index = TextIndex(texts, get_backend("use-m3"))
    query = "someone who knows accumulators for EVs"
    matches = rank(
        pool, MatchQuery(today=TODAY), dense=index.dense_scores(query), lexical=index.lexical_scores(query)
    )
    assert matches[0].person_id == 1
    assert isinstance(index.vectors, np.ndarray) and index.vectors.shape == (3, 512)


def test_large_pools_scan_int8_vectors_and_agree_with_the_exact_cosine() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3000, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    backend = get_backend("use-m3")
    query_vector = backend.embed(["battery pack design"], role="query")[0]
    exact = TextIndex(["x"] * 3000, backend, vectors, exact_limit=10_000).dense_scores("battery pack design")
    scanned = TextIndex(["x"] * 3000, backend, vectors, exact_limit=1000, dense_pool=100)
    assert scanned.vectors is None and scanned.quantised is not None
    approx = scanned.dense_scores("battery pack design")
    best = np.argsort(-(vectors @ query_vector))[:10]
    assert set(best.tolist()) <= set(np.argsort(-approx)[:100].tolist())  # every true top-10 is in the pool
    assert np.allclose(approx[best], exact[best], atol=0.02)
    assert (approx >= approx[np.argsort(-approx)[99]] - 1e-6).all()  # the rest sit at the pool's floor


def test_a_day_rate_above_the_budget_ranks_lower_and_says_so() -> None:
    records = [
        ExpertRecord(person_id=1, skills=[("u1", "expert", 1)], day_rate=1500),
        ExpertRecord(person_id=2, skills=[("u1", "expert", 1)], day_rate=700),
    ]
    query = MatchQuery(skills=[("u1", "expert")], today=TODAY, max_day_rate=1000)
    matches = rank(build_pool(records, LABELS), query)
    assert [m.person_id for m in matches] == [2, 1]
    assert "day rate EUR 1500 above the budget's EUR 1000 a day, -0.05" in matches[1].reasons
    assert "day rate EUR 700 within the budget (EUR 1000 a day)" in matches[0].reasons


def test_serving_the_requests_nuts_region_ranks_higher() -> None:
    records = [
        ExpertRecord(person_id=1, skills=[("u1", "expert", 1)], regions=["FR1"]),
        ExpertRecord(person_id=2, skills=[("u1", "expert", 1)], regions=["DE1"]),
    ]
    matches = rank(
        build_pool(records, LABELS), MatchQuery(skills=[("u1", "expert")], region="DE11", today=TODAY)
    )
    assert [m.person_id for m in matches] == [2, 1] and "serves the region DE11" in matches[0].reasons
