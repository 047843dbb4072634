"""The optimal path's invariants, over random catalogues: coverage, prerequisites, never dearer than greedy."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skillatlas.learning import path as paths
from skillatlas.learning.gap import GapStatus, Requirement, analyse


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[set[int], list[paths.Option]]:
    skills = draw(st.integers(min_value=1, max_value=8))
    n = draw(st.integers(min_value=0, max_value=14))
    options = []
    for cid in range(1, n + 1):
        covers = draw(st.frozensets(st.integers(min_value=1, max_value=skills + 2), max_size=3))
        # Prerequisites point at lower ids only: no cycles (the service refuses cycles before this runs).
        requires = (
            tuple(draw(st.sets(st.integers(min_value=1, max_value=cid - 1), max_size=2))) if cid > 1 else ()
        )
        cost = draw(st.integers(min_value=0, max_value=1000))
        options.append(paths.Option(cid, float(cost), covers, requires))
    needed = draw(st.sets(st.integers(min_value=1, max_value=skills), min_size=1))
    return needed, options


@settings(max_examples=150, deadline=None)
@given(catalogues())
def test_path_covers_respects_prerequisites_and_beats_greedy(
    case: tuple[set[int], list[paths.Option]],
) -> None:
    needed, options = case
    result = paths.optimal_path(needed, options)
    by_id = {o.course_id: o for o in options}
    covered = set().union(*(by_id[c].covers for c in result.courses)) if result.courses else set()
    can = paths.coverable(needed, options)
    assert can <= covered
    assert result.uncovered == frozenset(needed) - can
    position = {c: i for i, c in enumerate(result.courses)}
    for c in result.courses:
        for r in by_id[c].requires:
            assert r in position and position[r] < position[c]
    _, greedy_cost = paths.greedy(can, options)
    assert result.cost <= greedy_cost + 1e-6
    assert abs(result.cost - sum(by_id[c].cost for c in result.courses)) < 1e-6


@settings(max_examples=60, deadline=None)
@given(catalogues())
def test_greedy_fallback_is_valid(case: tuple[set[int], list[paths.Option]]) -> None:
    needed, options = case
    result = paths.optimal_path(needed, options, use_highs=False)
    by_id = {o.course_id: o for o in options}
    covered = set().union(*(by_id[c].covers for c in result.courses)) if result.courses else set()
    assert paths.coverable(needed, options) <= covered
    assert result.method in {"greedy", "none needed"}


def test_the_optimum_beats_a_greedy_trap() -> None:
    # Greedy takes the big course (3 skills for 100 = 33/skill); two small ones cover all for 60.
    options = [paths.Option(1, 100, frozenset({1, 2, 3})), paths.Option(2, 30, frozenset({1, 2})),
               paths.Option(3, 30, frozenset({3})), paths.Option(4, 20, frozenset({3}))]  # fmt: skip
    result = paths.optimal_path({1, 2, 3}, options)
    assert result.method == "highs" and set(result.courses) == {2, 4} and result.cost == 50
    assert result.optimality_gap == 0.0


def test_a_course_whose_prerequisite_is_not_takeable_is_left_out() -> None:
    options = [paths.Option(1, 10, frozenset({1}), requires=(99,)), paths.Option(2, 50, frozenset({1}))]
    assert paths.optimal_path({1}, options).courses == (2,)
    assert paths.optimal_path({1}, options[:1]).uncovered == frozenset({1})


@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 3)), min_size=1, max_size=10))
def test_gap_statuses_and_readiness(levels: list[tuple[int, int]]) -> None:
    reqs = [Requirement(i, req) for i, (req, _) in enumerate(levels)]
    gap = analyse(reqs, {i: cur for i, (_, cur) in enumerate(levels)})
    assert 0.0 <= gap.readiness <= 1.0
    for g, (req, cur) in zip(gap.skills, levels, strict=True):
        expected = GapStatus.HAVE if cur >= req else GapStatus.PARTLY if cur else GapStatus.MISSING
        assert g.status == expected
    assert (gap.readiness == 1.0) == all(cur >= req for req, cur in levels)


@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["essential", "optional"])), min_size=1, max_size=6
    ),
    st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=8),
)
def test_bulk_readiness_equals_the_pure_gap(reqs: list[tuple[int, str]], people: list[list[int]]) -> None:
    import numpy as np

    from skillatlas.learning.gap import WEIGHTS
    from skillatlas.learning.workforce import readiness

    requirements = [Requirement(i, level, weight) for i, (level, weight) in enumerate(reqs)]
    matrix = np.array([row[: len(reqs)] for row in people], dtype=np.int8)
    bulk = readiness(
        matrix, np.array([r.level for r in requirements]), np.array([WEIGHTS[r.weight] for r in requirements])
    )
    for row, score in zip(people, bulk, strict=True):
        assert abs(analyse(requirements, dict(enumerate(row[: len(reqs)]))).readiness - score) < 1e-3
