"""The matching core: a pure, vectorised ranking of experts for one request, over plain columnar data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skillatlas.search.backends import EmbeddingBackend, embed_queries
from skillatlas.search.lexical import LexicalIndex, tokenize
from skillatlas.search.shared import StringColumn

LEVELS = ("awareness", "practitioner", "expert")
SOURCES = ("claimed", "assessed", "credentialed", "derived")
#: A verified skill weighs more than a claim; a skill only found in the expert's bio (derived, not confirmed by
#: them) less than a claim.
SOURCE_WEIGHT = np.array([0.7, 0.85, 1.0, 0.5], dtype=np.float32)
DERIVED = SOURCES.index("derived")
CEFR = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
#: The level a request's language needs: independent user (B2) or better.
WORKING_LANGUAGE = CEFR.index("B2") + 1
MODES = ("remote", "on_site", "either")

# Minimum relevance (issue 13: a shortlist listed experts scoring 0.01, who matched nothing). An expert who
# passes the hard filters is shortlisted only when
#   - they hold at least one requested skill (any level, any source), or
#   - the request's words are in their profile with at least MIN_LEXICAL_SHARE of the best BM25 score, or
#   - the cosine of the request and the profile reaches the backend's DENSE_FLOOR (raw cosine: the
#     normalised one ranks against the pool's median, so some expert always looks similar),
# an expert found by text alone also needing a combined relevance (words and meaning, before the small
# adjustments for place, track record and fairness) of at least MIN_RELEVANCE. With nobody left the page
# says "no suitable expert yet".
# Issue 16: a skill is real evidence on its own only when the request chose it and the expert claimed or
# proved it. A skill matched on a guess of either side (derived from the expert's bio, or extracted from the
# request's text) needs the combined relevance too: one weak guess scored 0.01 and was listed.
# DENSE_FLOOR was read off the demo's experts: with use-m3 a matching request reaches 0.30-0.54 and an
# unrelated one ("sourdough bakery", "knitting", "orchestra staff") at most 0.09; e5-small puts everything
# at 0.75-0.81 and a matching request at 0.88-0.89.
DENSE_FLOOR = {"use-m3": 0.20, "e5-small": 0.84}
MIN_LEXICAL_SHARE = 0.2
MIN_RELEVANCE = 0.05


@dataclass(frozen=True, slots=True)
class Weights:
    """How the three signals and the soft preferences add up.

    The three signal weights were chosen on the dev half of bench/experts_quality.py (a grid in steps of 0.2).
    """

    structured: float = 0.4
    lexical: float = 0.2
    dense: float = 0.4
    country: float = 0.03
    region: float = 0.02
    track_record: float = 0.05
    per_open_proposal: float = 0.02
    max_open_penalty: float = 0.08
    recent_deployment: float = 0.05
    recent_days: int = 90
    over_budget: float = 0.05


@dataclass(slots=True)
class ExpertPool:
    """Every listed expert as columns; postings of skills grouped by skill (a CSR matrix by column)."""

    person_ids: np.ndarray
    external_ids: Sequence[str | None]  # a list, or a StringColumn over a shared file
    employer_ids: np.ndarray  # -1 where none
    skill_uris: list[str]
    skill_labels: list[str]
    indptr: np.ndarray  # postings of skill j: rows[indptr[j]:indptr[j+1]]
    rows: np.ndarray
    levels: np.ndarray  # 1..3
    sources: np.ndarray  # 0..2
    languages: dict[str, np.ndarray]  # code -> CEFR rank per expert (0: not spoken)
    countries: dict[str, np.ndarray]  # code -> served (bool) per expert
    work_modes: np.ndarray  # index into MODES
    avail_owner: np.ndarray  # one row per availability range
    avail_start: np.ndarray  # proleptic ordinals
    avail_end: np.ndarray
    open_proposals: np.ndarray
    last_deployed: np.ndarray  # ordinal, 0 = never
    rating_mean: np.ndarray  # 0 where no rating
    rating_count: np.ndarray
    day_rates: np.ndarray | None = None  # EUR, 0 where not stated
    regions: dict[str, np.ndarray] = field(default_factory=dict)  # NUTS code -> served (bool) per expert
    evidence: list[Mapping[str, str]] = field(default_factory=list)  # per expert: skill uri -> sentence
    skill_column: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.skill_column = {uri: j for j, uri in enumerate(self.skill_uris)}

    def __len__(self) -> int:
        return len(self.person_ids)


_POOL_ARRAYS = ("person_ids", "employer_ids", "indptr", "rows", "levels", "sources", "work_modes", "avail_owner",
                "avail_start", "avail_end", "open_proposals", "last_deployed", "rating_mean", "rating_count")  # fmt: skip


def pool_to_arrays(pool: ExpertPool, prefix: str = "pool/") -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The pool as arrays and metadata, for a shared bundle (search/shared.py) that `pool_from_arrays` maps."""
    if pool.evidence:
        raise ValueError("a pool with evidence sentences is not shared")
    arrays = {f"{prefix}{name}": getattr(pool, name) for name in _POOL_ARRAYS}
    external = (
        pool.external_ids
        if isinstance(pool.external_ids, StringColumn)
        else StringColumn.of(pool.external_ids)
    )
    arrays |= {f"{prefix}external/data": external.data, f"{prefix}external/offsets": external.offsets,
               f"{prefix}external/present": external.present}  # fmt: skip
    for kind in ("languages", "countries", "regions"):
        arrays |= {f"{prefix}{kind}/{code}": values for code, values in getattr(pool, kind).items()}
    if pool.day_rates is not None:
        arrays[f"{prefix}day_rates"] = pool.day_rates
    meta = {"skill_uris": list(pool.skill_uris), "skill_labels": list(pool.skill_labels),
            "kinds": {kind: sorted(getattr(pool, kind)) for kind in ("languages", "countries", "regions")}}  # fmt: skip
    return arrays, meta


def pool_from_arrays(
    arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any], prefix: str = "pool/"
) -> ExpertPool:
    """A pool over the arrays of `pool_to_arrays` (not copied: they may be a memory-mapped file)."""
    kinds = {
        kind: {code: arrays[f"{prefix}{kind}/{code}"] for code in codes}
        for kind, codes in meta["kinds"].items()
    }
    external = StringColumn(arrays[f"{prefix}external/data"], arrays[f"{prefix}external/offsets"],
                            arrays[f"{prefix}external/present"])  # fmt: skip
    return ExpertPool(
        **{name: arrays[f"{prefix}{name}"] for name in _POOL_ARRAYS},
        external_ids=external,  # type: ignore[arg-type]
        skill_uris=meta["skill_uris"],
        skill_labels=meta["skill_labels"],
        languages=kinds["languages"],
        countries=kinds["countries"],
        regions=kinds["regions"],
        day_rates=arrays.get(f"{prefix}day_rates"),
    )


@dataclass(frozen=True, slots=True)
class ExpertRecord:
    """One expert as plain values, the input of `build_pool`."""

    person_id: int
    external_id: str | None = None
    employer_id: int | None = None
    skills: Sequence[tuple[str, str, int]] = ()  # (uri, level, source index)
    languages: Sequence[tuple[str, str]] = ()  # (code, CEFR level)
    countries: Sequence[str] = ()
    regions: Sequence[str] = ()
    work_mode: str = "either"
    availability: Sequence[tuple[dt.date, dt.date]] = ()
    open_proposals: int = 0
    last_deployed: dt.date | None = None
    rating_mean: float = 0.0
    rating_count: int = 0
    day_rate: int | None = None
    evidence: Mapping[str, str] = field(default_factory=dict)  # skill uri -> the sentence that evidences it


def build_pool(records: Sequence[ExpertRecord], skill_labels: dict[str, str]) -> ExpertPool:
    """Columns from records (the service feeds it from one query per table)."""
    n = len(records)
    uris = sorted({uri for r in records for uri, _, _ in r.skills})
    column = {uri: j for j, uri in enumerate(uris)}
    cols, rows, levels, sources = [], [], [], []
    for i, r in enumerate(records):
        for uri, level, source in r.skills:
            cols.append(column[uri])
            rows.append(i)
            levels.append(LEVELS.index(level) + 1)
            sources.append(source)
    order = np.argsort(np.array(cols, dtype=np.int64), kind="stable")
    counts = np.bincount(np.array(cols, dtype=np.int64), minlength=len(uris))
    languages: dict[str, np.ndarray] = {}
    countries: dict[str, np.ndarray] = {}
    regions: dict[str, np.ndarray] = {}
    owners, starts, ends = [], [], []
    for i, r in enumerate(records):
        for code, level in r.languages:
            languages.setdefault(code, np.zeros(n, dtype=np.int8))[i] = CEFR.index(level) + 1
        for country in r.countries:
            countries.setdefault(country, np.zeros(n, dtype=bool))[i] = True
        for region in r.regions:
            regions.setdefault(region, np.zeros(n, dtype=bool))[i] = True
        for start, end in r.availability:
            owners.append(i)
            starts.append(start.toordinal())
            ends.append(end.toordinal())
    return ExpertPool(
        person_ids=np.array([r.person_id for r in records], dtype=np.int64),
        external_ids=[r.external_id for r in records],
        employer_ids=np.array([r.employer_id or -1 for r in records], dtype=np.int64),
        skill_uris=uris,
        skill_labels=[skill_labels.get(u, u) for u in uris],
        indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        rows=np.array(rows, dtype=np.int64)[order],
        levels=np.array(levels, dtype=np.int8)[order],
        sources=np.array(sources, dtype=np.int8)[order],
        languages=languages,
        countries=countries,
        work_modes=np.array([MODES.index(r.work_mode) for r in records], dtype=np.int8),
        avail_owner=np.array(owners, dtype=np.int64),
        avail_start=np.array(starts, dtype=np.int64),
        avail_end=np.array(ends, dtype=np.int64),
        open_proposals=np.array([r.open_proposals for r in records], dtype=np.int32),
        last_deployed=np.array([r.last_deployed.toordinal() if r.last_deployed else 0 for r in records],
                               dtype=np.int64),
        rating_mean=np.array([r.rating_mean for r in records], dtype=np.float32),
        rating_count=np.array([r.rating_count for r in records], dtype=np.int32),
        day_rates=np.array([r.day_rate or 0 for r in records], dtype=np.float32),
        regions=regions,
        evidence=[r.evidence for r in records] if any(r.evidence for r in records) else [],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """A request as plain values."""

    skills: Sequence[tuple[str, str]] = ()  # (uri, minimum level)
    languages: Sequence[str] = ()
    country: str | None = None
    region: str | None = None  # NUTS code
    work_mode: str = "either"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    requester_organisation_id: int | None = None
    today: dt.date = dt.date(2026, 1, 1)
    labels: Mapping[str, str] = field(default_factory=dict)  # skill labels for the reasons
    max_day_rate: float | None = None  # the budget divided by the days of effort
    # skill uris found in the request's text, not chosen by the requester
    extracted: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Match:
    """One expert on the shortlist, with why."""

    person_id: int
    external_id: str | None
    score: float
    structured: float
    lexical: float
    dense: float
    reasons: list[str]


def hard_filter(pool: ExpertPool, query: MatchQuery) -> np.ndarray:
    """Who may be proposed at all: language, availability, place, and never the requester's own staff."""
    keep = np.ones(len(pool), dtype=bool)
    if query.requester_organisation_id is not None:
        keep &= pool.employer_ids != query.requester_organisation_id
    for code in query.languages:
        spoken = pool.languages.get(code)
        keep &= spoken >= WORKING_LANGUAGE if spoken is not None else False
    if query.work_mode == "on_site":
        keep &= pool.work_modes != MODES.index("remote")
        if query.country:
            served = pool.countries.get(query.country)
            keep &= served if served is not None else False
    elif query.work_mode == "remote":
        keep &= pool.work_modes != MODES.index("on_site")
    if query.starts_on and query.ends_on and len(pool.avail_owner):
        start, end = query.starts_on.toordinal(), query.ends_on.toordinal()
        overlaps = (pool.avail_start <= end) & (pool.avail_end >= start)
        has_overlap = np.bincount(pool.avail_owner[overlaps], minlength=len(pool)) > 0
        states = np.bincount(pool.avail_owner, minlength=len(pool)) > 0
        # An expert who stated no availability is asked by the proposal itself.
        keep &= has_overlap | ~states
    return keep


def structured_scores(pool: ExpertPool, query: MatchQuery) -> tuple[np.ndarray, list[int | None], list[int]]:
    """Per expert the mean credit over the required skills (1 = every skill at its level, credentialed)."""
    total, columns, minimums, _ = _structured(pool, query)
    return total, columns, minimums


def _structured(
    pool: ExpertPool, query: MatchQuery
) -> tuple[np.ndarray, list[int | None], list[int], np.ndarray]:
    """The structured credit, and who holds a requested skill that is evidence on its own (chosen, not derived)."""
    n = len(pool)
    total = np.zeros(n, dtype=np.float32)
    firm = np.zeros(n, dtype=bool)
    columns: list[int | None] = []
    minimums: list[int] = []
    for uri, level in query.skills:
        j = pool.skill_column.get(uri)
        columns.append(j)
        minimum = LEVELS.index(level) + 1
        minimums.append(minimum)
        if j is None:
            continue
        lo, hi = pool.indptr[j], pool.indptr[j + 1]
        levels = pool.levels[lo:hi].astype(np.float32)
        level_credit = np.where(levels >= minimum, 1.0, 0.5 * levels / minimum)
        total[pool.rows[lo:hi]] += level_credit * SOURCE_WEIGHT[pool.sources[lo:hi]]
        if uri not in query.extracted:
            firm[pool.rows[lo:hi][pool.sources[lo:hi] != DERIVED]] = True
    if query.skills:
        total /= len(query.skills)
    return total, columns, minimums, firm


def _normalised(values: np.ndarray, keep: np.ndarray, *, floor_at_median: bool = False) -> np.ndarray:
    if not keep.any():
        return np.zeros_like(values, dtype=np.float32)
    inside = values[keep]
    top = float(inside.max())
    bottom = float(np.median(inside)) if floor_at_median else 0.0
    if top <= bottom:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip((values - bottom) / (top - bottom), 0.0, 1.0).astype(np.float32)


def rank(
    pool: ExpertPool,
    query: MatchQuery,
    *,
    lexical: np.ndarray | None = None,
    dense: np.ndarray | None = None,
    k: int = 10,
    weights: Weights | None = None,
    only: int | None = None,
    dense_floor: float | None = None,
    details: Callable[[list[int]], list[tuple[Mapping[str, str], list[str]]]] | None = None,
) -> list[Match]:
    """The best `k` relevant experts that pass the hard constraints, by structured fit, text and fairness.

    `lexical` and `dense` are raw text scores of the request against every expert (BM25, cosine), or None;
    a cosine below `dense_floor` (the backend's DENSE_FLOOR) counts as no similarity at all.
    `only` (a person id) scores that one expert exactly as the shortlist would, or returns nothing when the
    hard constraints exclude them. `details(indices)`: for the chosen experts (positions in the pool), the
    evidence sentence of each skill (uri -> sentence) and the request's words in their profile, for the reasons
    (read for the shortlist only, so the pool never holds every expert's sentences); without it the pool's own
    `evidence` is used.
    """
    w = weights or Weights()
    n = len(pool)
    if n == 0:
        return []
    keep = hard_filter(pool, query)
    structured, columns, minimums, firm = _structured(pool, query)
    lex = _normalised(lexical, keep) if lexical is not None else np.zeros(n, dtype=np.float32)
    den = (
        _normalised(dense, keep, floor_at_median=True) if dense is not None else np.zeros(n, dtype=np.float32)
    )
    if dense is not None and dense_floor is not None:
        den = np.where(dense >= dense_floor, den, 0.0).astype(np.float32)
    ws = w.structured if query.skills else 0.0
    wl = w.lexical if lexical is not None else 0.0
    wd = w.dense if dense is not None else 0.0
    if not query.skills:
        wl, wd = float(lexical is not None), float(dense is not None)
    total_weight = ws + wl + wd or 1.0
    score = (ws * structured + wl * lex + wd * den) / total_weight
    relevant = firm | (((structured > 0) | (lex >= MIN_LEXICAL_SHARE) | (den > 0)) & (score >= MIN_RELEVANCE))
    score += _soft(pool, query, w)
    eligible = keep & relevant
    if only is not None:
        eligible &= pool.person_ids == only
    score = np.where(eligible, score, -np.inf)
    k = min(k, int(np.isfinite(score).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-score, k - 1)[:k]
    top = top[np.lexsort((pool.person_ids[top], -score[top]))]
    said = (
        details([int(i) for i in top])
        if details is not None
        else [(pool.evidence[i] if pool.evidence else {}, []) for i in top]
    )
    return [
        Match(
            person_id=int(pool.person_ids[i]),
            external_id=pool.external_ids[i],
            score=round(float(score[i]), 4),
            structured=round(float(structured[i]), 4),
            lexical=round(float(lex[i]), 4),
            dense=round(float(den[i]), 4),
            reasons=explain(
                pool,
                query,
                int(i),
                columns,
                minimums,
                w,
                lex[i],
                den[i],
                raw_dense=float(dense[i]) if dense is not None else None,
                evidence=evidence,
                words=words if lex[i] > 0 else (),
            ),
        )
        for i, (evidence, words) in zip(top, said, strict=True)
    ]


def _soft(pool: ExpertPool, query: MatchQuery, w: Weights) -> np.ndarray:
    n = len(pool)
    bonus = np.zeros(n, dtype=np.float32)
    if query.country and query.country in pool.countries:
        bonus += w.country * pool.countries[query.country]
    if query.region:
        bonus += w.region * serves_region(pool, query.region)
    rated = pool.rating_count > 0
    confidence = np.minimum(pool.rating_count, 3) / 3.0
    bonus += np.where(rated, w.track_record * (pool.rating_mean - 3.0) / 2.0 * confidence, 0.0).astype(
        np.float32
    )
    bonus -= np.minimum(w.per_open_proposal * pool.open_proposals, w.max_open_penalty).astype(np.float32)
    recent = (pool.last_deployed > 0) & (pool.last_deployed >= query.today.toordinal() - w.recent_days)
    bonus -= w.recent_deployment * recent
    if query.max_day_rate and pool.day_rates is not None:
        bonus -= w.over_budget * (pool.day_rates > query.max_day_rate)
    return bonus


def serves_region(pool: ExpertPool, region: str) -> np.ndarray:
    """Who serves a NUTS region: a code that contains it (DE1 serves DE11) or that it contains."""
    served = np.zeros(len(pool), dtype=bool)
    for code, mask in pool.regions.items():
        if region.startswith(code) or code.startswith(region):
            served |= mask
    return served


def explain(
    pool: ExpertPool,
    query: MatchQuery,
    i: int,
    columns: list[int | None],
    minimums: list[int],
    w: Weights,
    lexical: float,
    dense: float,
    *,
    raw_dense: float | None = None,
    evidence: Mapping[str, str] | None = None,
    words: Sequence[str] = (),
) -> list[str]:
    """Plain-words reasons for one expert's place on the shortlist: each requested skill held (with the sentence
    of the profile that evidences it) or missing, the request's words found in the profile, and the rest."""
    reasons: list[str] = []
    for (uri, level), j, minimum in zip(query.skills, columns, minimums, strict=True):
        label = pool.skill_labels[j] if j is not None else query.labels.get(uri, uri)
        hit = None
        if j is not None:
            lo, hi = pool.indptr[j], pool.indptr[j + 1]
            found = np.flatnonzero(pool.rows[lo:hi] == i)
            hit = lo + found[0] if len(found) else None
        if hit is None:
            reasons.append(f"missing: {label} ({level})")
            continue
        has = LEVELS[pool.levels[hit] - 1]
        source = SOURCES[pool.sources[hit]]
        known = evidence if evidence is not None else pool.evidence[i] if pool.evidence else {}
        sentence = known.get(uri, "")
        said = f': "{_short(sentence)}"' if sentence else ""
        if pool.levels[hit] >= minimum:
            reasons.append(f"covers {label} at {has} level ({source}){said}")
        else:
            reasons.append(f"partly covers {label}: {has}, {level} asked ({source}){said}")
    if words:
        reasons.append("profile uses the request's words: " + ", ".join(words))
    if dense > 0 and raw_dense is not None:
        reasons.append(f"profile close in meaning to the request (similarity {raw_dense:.2f})")
    for code in query.languages:
        reasons.append(f"speaks {code} at {CEFR[pool.languages[code][i] - 1]}")
    if query.starts_on and query.ends_on:
        owned = pool.avail_owner == i
        if owned.any():
            reasons.append(f"available between {query.starts_on} and {query.ends_on}")
        else:
            reasons.append("availability not stated: to be confirmed")
    if query.country and query.country in pool.countries and pool.countries[query.country][i]:
        reasons.append(f"serves {query.country}")
    if query.region and serves_region(pool, query.region)[i]:
        reasons.append(f"serves the region {query.region}")
    if query.max_day_rate and pool.day_rates is not None and pool.day_rates[i]:
        rate, cap = int(pool.day_rates[i]), int(query.max_day_rate)
        if rate > cap:
            reasons.append(f"day rate EUR {rate} above the budget's EUR {cap} a day, -{w.over_budget:.2f}")
        else:
            reasons.append(f"day rate EUR {rate} within the budget (EUR {cap} a day)")
    if pool.rating_count[i]:
        reasons.append(f"track record: {pool.rating_mean[i]:.1f}/5 from {pool.rating_count[i]} deployment(s)")
    if pool.open_proposals[i]:
        penalty = min(w.per_open_proposal * int(pool.open_proposals[i]), w.max_open_penalty)
        reasons.append(f"fairness: {pool.open_proposals[i]} open proposal(s), -{penalty:.2f}")
    last = int(pool.last_deployed[i])
    if last and last >= query.today.toordinal() - w.recent_days:
        reasons.append(
            f"fairness: deployed recently ({dt.date.fromordinal(last)}), -{w.recent_deployment:.2f}"
        )
    return reasons


_WORD = re.compile(r"[A-Za-z0-9][\w+#.-]*[\w+#]|[A-Za-z0-9]")


def shared_words(request: str, profile: str, limit: int = 8) -> list[str]:
    """The words of a profile whose stems the request has, as the profile writes them (first seen first)."""
    wanted = set(tokenize(request))
    found: dict[str, str] = {}
    for word in _WORD.findall(profile):
        stems = tokenize(word.lower())
        if stems and stems[0] in wanted and stems[0] not in found:
            found[stems[0]] = word.lower()
    return list(found.values())[:limit]


def _short(sentence: str, limit: int = 160) -> str:
    sentence = " ".join(sentence.split()).replace('"', "'")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


#: Up to this many experts their cosines are computed exactly; above it from int8 rows (see TextIndex).
EXACT_LIMIT = 20_000


def quantised(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors as int8 rows (x127), for the exhaustive scan of large pools."""
    return np.round(np.asarray(vectors, dtype=np.float32) * 127).astype(np.int8)


class TextIndex:
    """BM25 and embeddings over experts' texts (bio, headline, skill labels), scoring every expert at once.

    Up to `exact_limit` experts the cosine of every expert is computed exactly (float32). Above it the vectors
    are kept as int8 (a quarter of the memory) and an exhaustive SIMD scan (usearch, `exact=True`) returns
    the `dense_pool` best experts; every other expert gets the pool's lowest cosine, which the core's
    normalisation maps to zero.
    """

    def __init__(
        self,
        texts: Sequence[str],
        backend: EmbeddingBackend,
        vectors: np.ndarray | None = None,
        *,
        terms: list[list[str]] | None = None,
        exact_limit: int = EXACT_LIMIT,
        dense_pool: int = 2_000,
        lexical: LexicalIndex | None = None,
    ) -> None:
        """`terms`, when given, are the texts already tokenised (large synthetic pools skip the tokenizer);
        `lexical`, when given, is their BM25 index already built (a shared bundle: experts/service.py).
        int8 `vectors` are taken as already `quantised` (a file shared between processes: search/shared.py)."""
        self.backend = backend
        self.dense_pool = dense_pool
        if lexical is None:
            lexical = LexicalIndex()
            lexical.build(terms if terms is not None else [tokenize(t) for t in texts])
        self.lexical = lexical
        if vectors is None and backend.dim:
            vectors = backend.embed(list(texts), role="passage") if texts else np.zeros((0, backend.dim))
        self.vectors: np.ndarray | None = None
        self.quantised: np.ndarray | None = None
        if vectors is not None and backend.dim:
            vectors = np.asarray(vectors)
            if vectors.dtype == np.int8:
                self.quantised = vectors
            elif len(vectors) > exact_limit:
                self.quantised = quantised(vectors)
            else:
                self.vectors = np.asarray(vectors, dtype=np.float32)

    def lexical_scores(self, text: str) -> np.ndarray | None:
        """BM25 of every expert for the text, or None when the text has no words."""
        terms = tokenize(text)
        return self.lexical.scores(terms) if terms else None

    def dense_scores(self, text: str) -> np.ndarray | None:
        """Cosine of every expert for the text (see the class), or None without embeddings or text."""
        if (self.vectors is None and self.quantised is None) or not text.strip():
            return None
        query = embed_queries(self.backend, [text])[0]  # a request's text is embedded once, not per view
        if self.vectors is not None:
            return self.vectors @ query
        from usearch.index import MetricKind, search

        assert self.quantised is not None
        found = search(self.quantised, np.round(query * 127).astype(np.int8), self.dense_pool, MetricKind.IP,
                       exact=True)  # fmt: skip
        # usearch reports inner product as the distance 1 - dot.
        cosines = (1.0 - np.asarray(found.distances, dtype=np.float32)) / (127.0 * 127.0)
        scores = np.full(len(self.quantised), cosines.min() if len(cosines) else 0.0, dtype=np.float32)
        scores[np.asarray(found.keys, dtype=np.int64)] = cosines
        return scores
