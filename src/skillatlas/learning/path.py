"""The cheapest set of courses closing a gap: an integer program (HiGHS through highspy), a greedy fallback.

Pure functions over plain data: the service picks the eligible courses (language, mode, place, dates).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

try:  # optional: without highspy the greedy path is used, and says so
    import highspy
except ImportError:  # pragma: no cover - depends on the environment
    highspy = None


@dataclass(frozen=True, slots=True)
class Option:
    """A course that may be taken: its cost, the gap skills it closes, the courses it requires first."""

    course_id: int
    cost: float
    covers: frozenset[int]
    requires: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Path:
    courses: tuple[int, ...]  # in an order that respects prerequisites
    cost: float
    uncovered: frozenset[int]
    method: str  # "highs", "greedy"
    optimality_gap: float  # relative gap of the answer to the best bound; 0 when proven optimal
    greedy_cost: float
    reasons: dict[int, str] = field(default_factory=dict)


def _closure(course_id: int, by_id: Mapping[int, Option], eligible: set[int]) -> set[int] | None:
    """The course and every course it requires, transitively; None when one of them cannot be taken."""
    seen: set[int] = set()
    stack = [course_id]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        if current not in eligible:
            return None
        seen.add(current)
        stack.extend(by_id[current].requires)
    return seen


def _usable(options: Sequence[Option]) -> tuple[dict[int, Option], dict[int, set[int]]]:
    by_id = {o.course_id: o for o in options}
    eligible = set(by_id)
    closures = {}
    for o in options:
        closure = _closure(o.course_id, by_id, eligible)
        if closure is not None:
            closures[o.course_id] = closure
    return by_id, closures


def _order(chosen: Iterable[int], by_id: Mapping[int, Option]) -> tuple[int, ...]:
    """Prerequisites first (a topological order), ties by id."""
    chosen = set(chosen)
    done: list[int] = []
    placed: set[int] = set()

    def visit(cid: int, trail: frozenset[int]) -> None:
        if cid in placed or cid in trail:
            return
        for r in sorted(by_id[cid].requires):
            if r in chosen:
                visit(r, trail | {cid})
        placed.add(cid)
        done.append(cid)

    for cid in sorted(chosen):
        visit(cid, frozenset())
    return tuple(done)


Usable = tuple[dict[int, Option], dict[int, set[int]]]


def coverable(
    needed: Iterable[int], options: Sequence[Option], usable: Usable | None = None
) -> frozenset[int]:
    """The needed skills some takeable course closes."""
    by_id, closures = usable or _usable(options)
    return frozenset(needed) & frozenset(s for cid in closures for s in by_id[cid].covers)


def greedy(
    needed: Iterable[int], options: Sequence[Option], usable: Usable | None = None
) -> tuple[set[int], float]:
    """Repeatedly the course (with its missing prerequisites) closing the most skills per euro or hour."""
    by_id, closures = usable = usable or _usable(options)
    left = set(coverable(needed, options, usable))
    chosen: set[int] = set()
    while left:
        best, best_ratio = None, math.inf
        for cid, closure in closures.items():
            gain = len(left & by_id[cid].covers)
            if not gain:
                continue
            extra = closure - chosen
            cost = sum(by_id[c].cost for c in extra)
            ratio = cost / gain
            if ratio < best_ratio or (ratio == best_ratio and best is not None and cid < best):
                best, best_ratio = cid, ratio
        assert best is not None
        added = closures[best] - chosen
        chosen |= added
        for c in added:
            left -= by_id[c].covers
    return chosen, sum(by_id[c].cost for c in chosen)


def _prune(needed: frozenset[int], options: Sequence[Option]) -> list[Option]:
    """Drops courses that close nothing needed and are no prerequisite; keeps one cheapest per skill set.

    A course with no prerequisites that nobody requires is interchangeable with another such course
    closing the same needed skills: only the cheapest can be in an optimal answer.
    """
    required_by_others = {r for o in options for r in o.requires}
    cheapest: dict[frozenset[int], Option] = {}
    kept = []
    for o in options:
        closes = o.covers & needed
        if o.requires or o.course_id in required_by_others:
            if closes or o.course_id in required_by_others:
                kept.append(o)
            continue
        if not closes:
            continue
        current = cheapest.get(closes)
        if current is None or (o.cost, o.course_id) < (current.cost, current.course_id):
            cheapest[closes] = o
    return kept + list(cheapest.values())


_BANNER_SHOWN = False


def _new_highs() -> highspy.Highs:
    """A silent solver; the first one in a process prints HiGHS's banner on file descriptor 1, hidden here
    so that `--format json` output stays JSON."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    else:
        h = highspy.Highs()
    h.silent()
    return h


def _highs(
    needed: frozenset[int], options: Sequence[Option], closures: Mapping[int, set[int]], time_limit: float
) -> tuple[set[int], float, float] | None:
    usable = [o for o in options if o.course_id in closures]
    index = {o.course_id: i for i, o in enumerate(usable)}
    h = _new_highs()
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    n = len(usable)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.col_cost_ = [o.cost for o in usable]
    lp.col_lower_ = [0.0] * n
    lp.col_upper_ = [1.0] * n
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    rows_lo, rows_hi, starts, idx, vals = [], [], [0], [], []
    for skill in sorted(needed):
        cols = [index[o.course_id] for o in usable if skill in o.covers]
        idx += cols
        vals += [1.0] * len(cols)
        starts.append(len(idx))
        rows_lo.append(1.0)
        rows_hi.append(highspy.kHighsInf)
    for o in usable:  # x_course <= x_prerequisite
        for r in o.requires:
            idx += [index[o.course_id], index[r]]
            vals += [1.0, -1.0]
            starts.append(len(idx))
            rows_lo.append(-highspy.kHighsInf)
            rows_hi.append(0.0)
    lp.num_row_ = len(rows_lo)
    lp.row_lower_, lp.row_upper_ = rows_lo, rows_hi
    # Row-wise matrix.
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = idx
    lp.a_matrix_.value_ = vals
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = lp.num_row_
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        return None
    solution = h.getSolution()
    if not solution.value_valid:
        return None
    chosen = {usable[i].course_id for i, x in enumerate(solution.col_value) if x > 0.5}
    info = h.getInfo()
    gap = 0.0 if status == highspy.HighsModelStatus.kOptimal else float(info.mip_gap)
    return chosen, sum(o.cost for o in usable if o.course_id in chosen), max(gap, 0.0)


def optimal_path(
    needed: Iterable[int], options: Sequence[Option], *, time_limit: float = 2.0, use_highs: bool = True
) -> Path:
    """The cheapest prerequisite-closed set of courses closing every coverable needed skill.

    Never costs more than the greedy answer (the cheaper of the two is returned); `optimality_gap` is
    HiGHS's relative gap (0 when proven optimal, unknown -> NaN for the greedy fallback).
    """
    needed = frozenset(needed)
    options = _prune(needed, options)
    usable = by_id, closures = _usable(options)
    can = coverable(needed, options, usable)
    uncovered = needed - can
    greedy_set, greedy_cost = greedy(can, options, usable)
    chosen, cost, method, gap = greedy_set, greedy_cost, "greedy", math.nan
    if not can:
        chosen, cost, method, gap = set(), 0.0, "none needed", 0.0
    elif use_highs and highspy is not None:
        solved = _highs(can, options, closures, time_limit)
        if solved is not None and solved[1] <= greedy_cost + 1e-9:
            chosen, cost, gap = solved
            method = "highs"
    order = _order(chosen, by_id)
    return Path(order, round(cost, 6), frozenset(uncovered), method, gap, round(greedy_cost, 6),
                explain(order, can, by_id))  # fmt: skip


def explain(order: Sequence[int], needed: frozenset[int], by_id: Mapping[int, Option]) -> dict[int, str]:
    """Why each course is on the path: the gap skills it closes, or the later course that requires it."""
    reasons: dict[int, str] = {}
    chosen = set(order)
    for cid in order:
        closes = sorted(by_id[cid].covers & needed)
        needed_by = sorted(c for c in chosen if cid in by_id[c].requires)
        parts = []
        if closes:
            parts.append("closes skills " + ", ".join(map(str, closes)))
        if needed_by:
            parts.append("required first by courses " + ", ".join(map(str, needed_by)))
        reasons[cid] = "; ".join(parts) or "kept for its prerequisites"
    return reasons
