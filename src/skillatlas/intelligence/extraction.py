"""Skill extraction: the taxonomy skills a free text (job ad, CV, course description) mentions or implies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skillatlas.search.backends import EmbeddingBackend, get_backend
from skillatlas.search.cache import EmbeddingCache
from skillatlas.search.index import FusionSettings, HybridIndex, QueryScores
from skillatlas.search.shared import SharedSpace


@dataclass(frozen=True, slots=True)
class SkillRecord:
    """A skill as the extractor needs it: plain data, whatever store it came from."""

    uri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ExtractedSkill:
    """A skill found in a text, with the sentence that evidences it."""

    uri: str
    label: str
    score: float
    evidence: str


@dataclass(frozen=True, slots=True)
class ExtractionSettings:
    """The knobs of extraction; the defaults are the ones bench/skill_extraction.py chose."""

    backend: str = "use-m3"
    fusion: FusionSettings = field(default_factory=FusionSettings)
    #: Which skill texts are indexed: the preferred label always; alternative labels and description optionally.
    use_alt_labels: bool = False
    use_description: bool = False
    #: Score clauses as well as whole sentences: a skill named in one clause of a long sentence is
    #: drowned out when the sentence is embedded whole.
    use_clauses: bool = True
    #: Weight of the best clause's score against the whole sentence's.
    clause_weight: float = 0.5
    #: Job-ad import counts a skill as demand when its score reaches this share of the ad's best score
    #: (`service.confident`). The trained model's fusion (lexical weight 0.1) packs wrong skills closer to
    #: the best one than the old fusion did, so it needs a higher share (a judgement, not benchmarked).
    demand_relative: float = 0.6
    #: ... and is at least this score. Uncalibrated for these defaults; the trained model's is the
    #: "possible match" threshold that bench/match_strength.py measured (`match_strength.demand_floor`).
    demand_floor: float = 0.5


# Sentence ends: a full stop, question or exclamation mark before a space, or a line break / bullet.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(•*-])|\s*[\r\n]+\s*|\s+[•●▪◦]\s*")
# Clause cuts: punctuation that lists things, and the connectives job ads join requirements with.
_CLAUSE_CUT = re.compile(
    r"\s*(?:[,;:()\[\]•*/|]|\s[-–]\s|\.\s|\b(?:and|or|as well as|including|such as|e\.g\.|with)\b)\s*",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a text, stripped, without empty ones."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and _WORD.search(part)]


def split_clauses(sentence: str) -> list[str]:
    """The clauses of a sentence (the sentence itself when it has only one)."""
    clauses = [part.strip() for part in _CLAUSE_CUT.split(sentence) if part and _WORD.search(part)]
    return clauses or [sentence]


def skill_passages(skill: SkillRecord, settings: ExtractionSettings) -> list[str]:
    """The texts a skill is found by: its label, then optionally its synonyms and description."""
    passages = [skill.label]
    if settings.use_alt_labels:
        passages.extend(alt for alt in skill.alt_labels if alt and alt != skill.label)
    if settings.use_description and skill.description:
        passages.append(skill.description)
    return list(dict.fromkeys(passages))


def label_key(label: str) -> str:
    """A label compared without case or punctuation."""
    # Label lists exported from different ESCO versions disagree on case and punctuation
    # ("browse, search and filter data" against "browse search and filter data").
    return " ".join(_WORD.findall(label.casefold()))


def restrict_to_labels(skills: Iterable[SkillRecord], labels: Iterable[str]) -> list[SkillRecord]:
    """Exactly one record per label of `labels`, for scoring against another taxonomy version's list.

    A label is matched to the skill with that preferred label (ignoring case and punctuation), else to a
    skill that has it as an alternative label (renamed between versions), else it becomes a label-only
    record; every record carries the list's spelling.
    """
    skills = list(skills)
    by_label = {label_key(skill.label): skill for skill in skills}
    by_alt: dict[str, SkillRecord] = {}
    for skill in skills:
        for alt in skill.alt_labels:
            by_alt.setdefault(label_key(alt), skill)
    wanted = list(dict.fromkeys(labels))
    # Preferred-label matches first, so a renamed label cannot claim a skill another label names exactly.
    chosen: dict[str, SkillRecord | None] = {}
    used: set[str] = set()
    for label in wanted:
        exact = by_label.get(label_key(label))
        chosen[label] = exact if exact is not None and exact.uri not in used else None
        if exact is not None:
            used.add(exact.uri)
    for label in wanted:
        alt_match = by_alt.get(label_key(label))
        if chosen[label] is None and alt_match is not None and alt_match.uri not in used:
            chosen[label] = alt_match
            used.add(alt_match.uri)
    restricted: list[SkillRecord] = []
    for label in wanted:
        match = chosen[label]
        if match is None:
            restricted.append(SkillRecord(uri=f"label:{label}", label=label))
            continue
        alts = tuple(alt for alt in (match.label, *match.alt_labels) if alt != label)
        restricted.append(
            SkillRecord(uri=match.uri, label=label, alt_labels=alts, description=match.description)
        )
    return restricted


def bundled_skill_records() -> list[SkillRecord]:
    """The bundled ESCO skills as extraction records."""
    from skillatlas.taxonomy.bundle import load_skills

    return [
        SkillRecord(
            uri=skill.uri,
            label=skill.preferred_label,
            alt_labels=(*skill.alt_labels, *skill.alt_labels_unsplit),
            description=skill.description,
        )
        for skill in load_skills()
    ]


def trained_settings() -> ExtractionSettings:
    """The trained skill model (`skill_model.py`) with the fusion that bench/skill_extraction.py chose on its
    selection sets (SkillSkape dev "select", TECH and HOUSE; its reported figures are leave-one-set-out) and
    wrote to `models/extraction-settings.json`."""
    import json

    from skillatlas.intelligence import match_strength
    from skillatlas.intelligence.skill_model import MODEL_DIR

    path = MODEL_DIR / "extraction-settings.json"
    chosen = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    clause_weight = float(chosen.get("clause_weight", 0.5))
    return ExtractionSettings(
        backend="skill-model",
        fusion=FusionSettings(
            lexical_weight=float(chosen.get("lexical_weight", 0.5)),
            coverage_weight=float(chosen.get("coverage_weight", 0.8)),
        ),
        use_clauses=clause_weight > 0,
        clause_weight=clause_weight,
        demand_relative=0.75,
        demand_floor=match_strength.demand_floor(),
    )


TRAINED_SETTINGS = trained_settings()


def default_settings(backend: str) -> ExtractionSettings:
    """The extraction settings for the app's embedding backend setting.

    `use-m3` (the default) gets the trained skill model, which adapts that encoder, when its weights ship;
    any other backend (`e5-small`, or `none` for lexical only) is used as it is.
    """
    from skillatlas.intelligence import skill_model

    name = (backend or "").strip().lower()
    if name in ("use-m3", "use", "skill-model") and skill_model.available():
        return trained_settings()
    return ExtractionSettings(backend="use-m3" if name == "skill-model" else backend)


def extraction_backend(name: str) -> EmbeddingBackend:
    """The embedding backend of a setting: `skill-model` is the trained model; others are search's."""
    if name == "skill-model":
        from skillatlas.intelligence.skill_model import skill_model_backend

        return skill_model_backend()
    return get_backend(name)


class SkillExtractor:
    """Finds taxonomy skills in text with a hybrid (BM25 + embedding) index over the skills' texts."""

    def __init__(
        self,
        skills: Sequence[SkillRecord],
        *,
        settings: ExtractionSettings | None = None,
        backend: EmbeddingBackend | None = None,
        cache: EmbeddingCache | None = None,
        index: HybridIndex | None = None,
        shared: SharedSpace | None = None,
    ) -> None:
        """With `shared`, the skills' vectors are a file that every server process maps (search/shared.py)."""
        self.settings = settings or ExtractionSettings()
        self.skills = {skill.uri: skill for skill in skills}
        if index is None:
            index = HybridIndex(
                backend or extraction_backend(self.settings.backend),
                fusion=self.settings.fusion,
                cache=cache,
                shared=shared,
            )
            index.add((skill.uri, skill_passages(skill, self.settings)) for skill in skills)
        self.index = index

    def save(self, directory: Path) -> None:
        """Persist the skill index, so a later process loads it instead of embedding the taxonomy."""
        self.index.save(directory)

    def rank_sentences(self, sentences: Sequence[str], k: int = 20) -> list[list[ExtractedSkill]]:
        """The `k` best skills of each sentence, each sentence its own evidence."""
        ranked = []
        for sentence, (positions, scores) in zip(sentences, self._score_sentences(sentences), strict=True):
            order = np.argsort(-scores, kind="stable")[:k]
            ranked.append([self._extracted(int(positions[i]), float(scores[i]), sentence) for i in order])
        return ranked

    def extract(self, text: str, k: int = 20) -> list[ExtractedSkill]:
        """The `k` best skills of a whole text: each skill scored by its best sentence, which is its evidence."""
        sentences = split_sentences(text)
        return self._best_of(sentences, self._score_sentences(sentences), k)

    def extract_many(self, texts: Sequence[str], k: int = 20) -> list[list[ExtractedSkill]]:
        """`extract` of each text, with each distinct sentence and clause of them all scored once, together.

        For classifying ads by the million (`scale.py`): one embedding call for all the texts fills the
        encoder's micro-batches, and the skills' vectors are streamed once per block of queries instead of
        once per text. The same skills as `extract`, with scores equal to float precision: a text's vector
        differs in its last bits with the batch it is embedded in (~1e-7), as it does in `extract` too.
        """
        per_text = [split_sentences(text) for text in texts]
        distinct = list(dict.fromkeys(sentence for sentences in per_text for sentence in sentences))
        scored = dict(zip(distinct, self._score_sentences(distinct, distinct_queries=True), strict=True))
        return [self._best_of(sentences, [scored[s] for s in sentences], k) for sentences in per_text]

    def _best_of(
        self, sentences: Sequence[str], scored: Sequence[tuple[np.ndarray, np.ndarray]], k: int
    ) -> list[ExtractedSkill]:
        """Each skill's best sentence score, the `k` best skills first; its evidence is the first sentence
        that reached that score, and equal scores keep the order in which the skills first appeared."""
        if not scored:
            return []
        positions = np.concatenate([p for p, _ in scored]).astype(np.int64, copy=False)
        scores = np.concatenate([s for _, s in scored])
        if not len(positions):
            return []
        sentence_of = np.repeat(np.arange(len(scored)), [len(p) for p, _ in scored])
        entry = np.arange(len(positions))
        # by skill, then best score, then the earliest entry: the first of each skill's run is its best
        order = np.lexsort((entry, -scores, positions))
        runs = np.flatnonzero(np.r_[True, positions[order][1:] != positions[order][:-1]])
        best = order[runs]
        first_seen = np.minimum.reduceat(order, runs)
        top = np.lexsort((first_seen, -scores[best]))[:k]
        return [
            self._extracted(int(positions[i]), float(scores[i]), sentences[int(sentence_of[i])])
            for i in best[top]
        ]

    def _extracted(self, position: int, score: float, evidence: str) -> ExtractedSkill:
        skill = self.skills[self.index.id_at(position)]
        return ExtractedSkill(uri=skill.uri, label=skill.label, score=round(score, 4), evidence=evidence)

    def _score_sentences(
        self, sentences: Sequence[str], *, distinct_queries: bool = False
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Candidate positions and scores per sentence: the sentence's score plus its best clause's.

        `distinct_queries`: a clause or sentence that recurs is embedded and scored once (`extract_many`);
        `extract` embeds its queries as they come, so that its vectors stay what they always were."""
        queries: list[str] = []
        spans: list[tuple[int, int]] = []
        for sentence in sentences:
            start = len(queries)
            queries.append(sentence)
            if self.settings.use_clauses:
                clauses = [c for c in split_clauses(sentence) if c != sentence]
                queries.extend(clauses)
            spans.append((start, len(queries)))
        if distinct_queries:
            unique = list(dict.fromkeys(queries))
            by_query = dict(zip(unique, self.index.score_batch(unique), strict=True))
            scored = [by_query[query] for query in queries]
        else:
            scored = self.index.score_batch(queries)
        return [self._aggregate(scored[start], scored[start + 1 : stop]) for start, stop in spans]

    def _aggregate(self, whole: QueryScores, clauses: Sequence[QueryScores]) -> tuple[np.ndarray, np.ndarray]:
        if not clauses:
            return whole.positions, whole.fused
        positions = np.unique(np.concatenate([whole.positions, *(c.positions for c in clauses)]))
        sentence_score = np.zeros(len(positions), dtype=np.float32)
        sentence_score[np.searchsorted(positions, whole.positions)] = whole.fused
        clause_score = np.zeros(len(positions), dtype=np.float32)
        for clause in clauses:
            where = np.searchsorted(positions, clause.positions)
            clause_score[where] = np.maximum(clause_score[where], clause.fused)
        weight = self.settings.clause_weight
        return positions, (1 - weight) * sentence_score + weight * clause_score
