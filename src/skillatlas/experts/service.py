"""Rules of the expert database: profiles with consent, requests, matching, the proposal workflow, the needs report."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from skillatlas import changes
from skillatlas.auth import audit
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Principal, authorize
from skillatlas.errors import Conflict, InvalidInput, NotFound
from skillatlas.experts import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.experts.matching import (
    DENSE_FLOOR,
    EXACT_LIMIT,
    LEVELS,
    SOURCES,
    ExpertPool,
    ExpertRecord,
    Match,
    MatchQuery,
    TextIndex,
    build_pool,
    pool_from_arrays,
    pool_to_arrays,
    quantised,
    rank,
    shared_words,
)
from skillatlas.experts.models import ExpertiseRequest, ExpertProfile, Proposal, ProposalStatus
from skillatlas.experts.schemas import (
    ExpertiseRequestIn,
    ExpertProfileIn,
    ExpertProfileRead,
    NeededField,
    ProposalRead,
    ProposalStep,
    ShortlistEntry,
)
from skillatlas.mail import notify as mail_notify
from skillatlas.people import service as people_service
from skillatlas.people.models import Person, PersonSkill, SkillSource
from skillatlas.privacy import service as privacy
from skillatlas.privacy.models import ConsentPurpose
from skillatlas.search.backends import get_backend
from skillatlas.search.cache import EmbeddingCache
from skillatlas.search.lexical import LexicalIndex
from skillatlas.search.shared import (
    Digest,
    SharedSpace,
    release_freed_memory,
    shared_array,
    shared_bundle,
    space,
)
from skillatlas.taxonomy.models import Skill

OPEN_STATUSES = (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED)
CONTACT_STATUSES = (ProposalStatus.ACCEPTED, ProposalStatus.DEPLOYED, ProposalStatus.COMPLETED)
#: Who may move a proposal from one status to the next: "expert" (or the office) or "company" (or the office).
TRANSITIONS: dict[tuple[ProposalStatus, ProposalStatus], str] = {
    (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED): "expert",
    (ProposalStatus.PROPOSED, ProposalStatus.DECLINED): "expert",
    (ProposalStatus.PROPOSED, ProposalStatus.CANCELLED): "company",
    (ProposalStatus.ACCEPTED, ProposalStatus.DEPLOYED): "company",
    (ProposalStatus.ACCEPTED, ProposalStatus.CANCELLED): "company",
    (ProposalStatus.DEPLOYED, ProposalStatus.COMPLETED): "company",
    (ProposalStatus.DEPLOYED, ProposalStatus.CANCELLED): "company",
}


def pseudonym(person_id: int) -> str:
    """How a company sees an expert before they accept: no name, no contact."""
    return f"Expert #{person_id}"


# --- skills found in free text (bios and requests) ------------------------------------------------

#: How many skills a text gives at most: chosen on the dev half of bench/experts_bios_quality.py.
SKILLS_PER_BIO = 10
SKILLS_PER_REQUEST = 5
#: A found skill is kept when it scores at least this share of the text's best one: the tail of a ranking
#: over 13,939 skills is noise.
RELATIVE_FLOOR = 0.5
#: ... and when its evidence sentence has a word of the skill's name: the extractor's scores are relative to
#: the text, so a bio about something the taxonomy lacks still gets "its best" skills (a hydrogen consultant got
#: "battery design" from the fixture's 38 skills). Chosen on the dev half of bench/experts_bios_quality.py.
REQUIRE_SHARED_WORD = True


@dataclass(frozen=True, slots=True)
class DerivedSkill:
    """A skill found in a text, with the sentence that evidences it; the expert has not confirmed it."""

    uri: str
    label: str
    evidence: str
    score: float
    level: str = "practitioner"
    source_index: int = SOURCES.index("derived")


def skills_from_extracted(
    found: Sequence[Any], *, limit: int, shared_word: bool = REQUIRE_SHARED_WORD
) -> list[DerivedSkill]:
    """The extractor's ranked skills (uri, label, score, evidence) cut to the confident head of the ranking."""
    from skillatlas.search.lexical import tokenize

    ranked = sorted(found, key=lambda s: -s.score)
    if not ranked:
        return []
    top = ranked[0].score
    kept = [s for s in ranked if top <= 0 or s.score >= RELATIVE_FLOOR * top]
    if shared_word:
        kept = [s for s in kept if set(tokenize(s.label)) & set(tokenize(s.evidence))]
    return [
        DerivedSkill(uri=s.uri, label=s.label, evidence=s.evidence, score=float(s.score))
        for s in kept[:limit]
    ]


SkillFinder = Callable[[str, int], list[DerivedSkill]]


def skill_finder(db: Session, data_dir: Path, backend: str) -> SkillFinder:
    """Finds skills in a text (a bio, a request) with the platform's one extractor, through the intelligence
    service: every door (page, API, CLI, import) that needs skills from text asks this function, so the same
    text gives the same skills everywhere."""
    from skillatlas.intelligence import service as intelligence
    from skillatlas.intelligence.engine import engine_for as intelligence_engine

    def find(text: str, limit: int) -> list[DerivedSkill]:
        if not text.strip():
            return []
        extractor = intelligence_engine(data_dir, backend).skill_extractor(db)
        found = intelligence.extract_skills(db=db, extractor=extractor, text=text, top=max(limit, 20))
        return skills_from_extracted(found, limit=limit)

    return find


def request_text(title: str, description: str) -> str:
    """What matching and extraction read of a request."""
    return "\n".join(part for part in (title.strip(), description.strip()) if part)


def derive_skills(
    *, db: Session, person_id: int, text: str, find: SkillFinder, limit: int = SKILLS_PER_BIO
) -> list[DerivedSkill]:
    """Replaces the person's derived skills with those found in `text` (their bio), each with its evidence
    sentence; claimed, assessed and credentialed skills are never touched, nor replaced by a derived one."""
    found = find(text, limit)
    records = {
        r.skill_id: r for r in db.scalars(select(PersonSkill).where(PersonSkill.person_id == person_id))
    }
    ids = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_([s.uri for s in found]))).all())
    keep: set[int] = set()
    added = []
    for skill in found:
        skill_id = ids.get(skill.uri)
        if skill_id is None:
            continue
        record = records.get(skill_id)
        if record is not None and record.source != SkillSource.DERIVED:
            continue
        keep.add(skill_id)
        if record is None:
            record = PersonSkill(person_id=person_id, skill_id=skill_id, source=SkillSource.DERIVED)
            db.add(record)
            records[skill_id] = record
        record.level, record.evidence = skill.level, skill.evidence[:500]
        added.append(skill)
    for skill_id, record in records.items():
        if record.source == SkillSource.DERIVED and skill_id not in keep:
            db.delete(record)
    db.flush()
    return added


def derived_skills(*, db: Session, actor: Principal, person_id: int) -> list[Any]:
    """The skills found in the expert's bio and not yet confirmed, each with its evidence sentence."""
    authorize(actor, "expert.profile.read", person_id=person_id)
    skills = people_service.skills_of(db=db, actor=SYSTEM, person_id=person_id)
    return [s for s in skills if s.source == SkillSource.DERIVED]


def person_of_external_id(db: Session, external_id: str) -> int:
    """The expert imported under this id (the import file's `external_id`)."""
    found = db.scalar(select(ExpertProfile.person_id).where(ExpertProfile.external_id == external_id))
    if found is None:
        raise NotFound(f"no expert with the id {external_id!r}", field="expert")
    return found


def review_derived(
    *, db: Session, actor: Principal, person_id: int, confirm: Sequence[str] = (), remove: Sequence[str] = ()
) -> None:
    """The expert confirms skills found in their bio (they become their own claims, evidence kept) or removes
    them; the office may do it for them. A skill that is not derived is named as such."""
    from skillatlas.people.schemas import PersonSkillIn

    authorize(actor, "expert.profile.write", person_id=person_id)
    _profile(db, person_id)
    uris = [*confirm, *remove]
    rows = {
        uri: record
        for record, uri in db.execute(
            select(PersonSkill, Skill.uri).join(Skill, Skill.id == PersonSkill.skill_id)
            .where(PersonSkill.person_id == person_id, Skill.uri.in_(uris))
        ).all()
    }  # fmt: skip
    for uri in uris:
        record = rows.get(uri)
        if record is None or record.source != SkillSource.DERIVED:
            raise InvalidInput(f"skills: {uri!r} is not a skill found in this expert's bio", field="skills")
    if confirm:
        people_service.save_claims(db=db, actor=actor, person_id=person_id, skills=[
            PersonSkillIn(uri=uri, level=rows[uri].level, evidence=rows[uri].evidence) for uri in confirm
        ])  # fmt: skip
    for uri in remove:
        people_service.remove_skill(db=db, actor=actor, person_id=person_id, uri=uri)
    audit.record(db=db, actor=actor, action="expert.skills.review", object_type="person", object_id=person_id,
                 details={"confirmed": list(confirm), "removed": list(remove)})  # fmt: skip


# --- profiles ------------------------------------------------------------------------------------


def _check_availability(data: ExpertProfileIn, today: dt.date) -> None:
    for i, period in enumerate(data.availability):
        if period.ends_on < today:
            raise InvalidInput(
                f"availability.{i}: the period ending {period.ends_on} is in the past",
                field=f"availability.{i}",
            )


def save_profile(
    *,
    db: Session,
    actor: Principal,
    person_id: int,
    data: ExpertProfileIn,
    now: dt.datetime,
    external_id: str | None = None,
    find: SkillFinder | None = None,
) -> ExpertProfile:
    """Creates or updates an expert profile. Listing needs consent; saving without it withdraws the listing.

    With `find`, a new or changed headline and bio are read for skills: they are recorded as derived (each with
    its evidence sentence) for the expert to confirm or remove."""
    person = people_service.get(db=db, person_id=person_id)
    authorize(actor, "expert.profile.write", person_id=person.id)
    _check_availability(data, now.date())
    profile = db.get(ExpertProfile, person_id)
    if profile is None:
        if not data.consent:
            raise InvalidInput(
                "consent: to be listed as an expert, agree that your profile is shown to the alliance "
                "office and, without your name or contact, to companies looking for expertise",
                field="consent",
            )
        profile = ExpertProfile(person_id=person_id)
        db.add(profile)
    text_before = (
        None if profile.person_id is None or profile.bio is None else (profile.headline, profile.bio)
    )
    values = data.model_dump(exclude={"consent", "languages", "availability"})
    for key, value in values.items():
        setattr(profile, key, value)
    profile.languages = [lang.model_dump() for lang in data.languages]
    profile.availability = [p.model_dump(mode="json") for p in data.availability]
    if external_id is not None:
        profile.external_id = external_id
    if data.consent and not profile.listed:
        profile.consent_at, profile.consent_withdrawn_at, profile.listed = now, None, True
        audit.record(
            db=db, actor=actor, action="expert.consent.given", object_type="person", object_id=person_id
        )
    elif not data.consent and profile.listed:
        _unlist(db, actor, profile, now)
    # The consent of record is privacy's (the privacy page shows it, matching obeys it): kept in step.
    privacy.record_consent(db=db, actor=actor, person_id=person_id, purpose=ConsentPurpose.LISTED_AS_EXPERT,
                           given=data.consent, now=now, source="expert profile")  # fmt: skip
    profile.updated_at = now
    db.flush()
    if find is not None and text_before != (data.headline, data.bio):
        derive_skills(db=db, person_id=person_id, text=request_text(data.headline, data.bio), find=find)
    audit.record(db=db, actor=actor, action="expert.profile.write", object_type="person", object_id=person_id)
    return profile


def _unlist(db: Session, actor: Principal, profile: ExpertProfile, now: dt.datetime) -> None:
    profile.listed, profile.consent_withdrawn_at = False, now
    audit.record(db=db, actor=actor, action="expert.consent.withdrawn", object_type="person",
                 object_id=profile.person_id)  # fmt: skip


def withdraw_consent(*, db: Session, actor: Principal, person_id: int, now: dt.datetime) -> ExpertProfile:
    """The expert is no longer listed: matching and companies no longer see them."""
    authorize(actor, "expert.profile.write", person_id=person_id)
    profile = _profile(db, person_id)
    if profile.listed:
        _unlist(db, actor, profile, now)
        profile.updated_at = now
        db.flush()
    privacy.record_consent(db=db, actor=actor, person_id=person_id, purpose=ConsentPurpose.LISTED_AS_EXPERT,
                           given=False, now=now, source="expert profile")  # fmt: skip
    return profile


def _listing_follows_consent(db: Session, person_id: int, given: bool, now: dt.datetime) -> None:
    """Privacy's page, API or erasure gave or withdrew "listed as expert": the profile (if any) follows."""
    profile = db.get(ExpertProfile, person_id)
    if profile is None or profile.listed == given:
        return
    if given:
        profile.consent_at, profile.consent_withdrawn_at, profile.listed = now, None, True
    else:
        profile.listed, profile.consent_withdrawn_at = False, now
    profile.updated_at = now
    db.flush()


privacy.register_consent_listener(ConsentPurpose.LISTED_AS_EXPERT, "experts", _listing_follows_consent)


def still_listed(db: Session, person_ids: list[int]) -> set[int]:
    """Of these experts, those listed now with their consent standing (read from the database, not the
    snapshot): a shortlist never shows one who withdrew, however the snapshot was built."""
    if not person_ids:
        return set()
    withdrawn = privacy.withdrawn_ids(ConsentPurpose.LISTED_AS_EXPERT, among=person_ids)
    return set(
        db.scalars(
            select(ExpertProfile.person_id).where(
                ExpertProfile.person_id.in_(person_ids),
                ExpertProfile.listed.is_(True),
                ExpertProfile.person_id.not_in(withdrawn),
            )
        )
    )


def _profile(db: Session, person_id: int) -> ExpertProfile:
    profile = db.get(ExpertProfile, person_id)
    if profile is None:
        raise NotFound(f"no expert profile for person {person_id}", field="person_id")
    return profile


def get_profile(*, db: Session, actor: Principal, person_id: int) -> ExpertProfileRead:
    """The full profile with skills: for the expert and the office."""
    authorize(actor, "expert.profile.read", person_id=person_id)
    profile = _profile(db, person_id)
    skills = people_service.skills_of(db=db, actor=SYSTEM, person_id=person_id)
    return ExpertProfileRead(
        person_id=person_id,
        full_name=profile.person.full_name,
        email=profile.person.email,
        external_id=profile.external_id,
        headline=profile.headline,
        bio=profile.bio,
        languages=profile.languages,
        countries=profile.countries,
        regions=profile.regions,
        work_mode=profile.work_mode,
        availability=profile.availability,
        day_rate_eur=profile.day_rate_eur,
        sectors=profile.sectors,
        listed=profile.listed,
        consent_at=profile.consent_at,
        consent_withdrawn_at=profile.consent_withdrawn_at,
        skills=[s.model_dump(mode="json") for s in skills],
    )


def list_profiles(*, db: Session, actor: Principal, limit: int = 200, offset: int = 0) -> list[ExpertProfile]:
    """Every profile, listed or not: for the office."""
    authorize(actor, "expert.request.list_all")
    return list(
        db.scalars(select(ExpertProfile).order_by(ExpertProfile.person_id).limit(limit).offset(offset))
    )


# --- the matching pool ------------------------------------------------------------------------


def _version(db: Session) -> tuple[Any, ...]:
    """Changes when an expert's profile, person or skills change: then the pool and text index are rebuilt."""
    return (changes.current(db, "experts"),)


def with_track_record(db: Session, pool: ExpertPool) -> ExpertPool:
    """The pool with fresh fairness and track-record columns, from one aggregate query over the proposals.

    Read at every match, so a proposal or feedback never forces the pool and its text index to be rebuilt.
    """
    is_open = case((Proposal.status.in_([s.value for s in OPEN_STATUSES]), 1), else_=0)
    deployed = case(
        (
            Proposal.status.in_([ProposalStatus.DEPLOYED.value, ProposalStatus.COMPLETED.value]),
            Proposal.updated_at,
        ),
        else_=None,
    )
    rows = db.execute(
        select(Proposal.person_id, func.sum(is_open), func.max(deployed), func.avg(Proposal.rating),
               func.count(Proposal.rating))
        .group_by(Proposal.person_id)
    ).all()  # fmt: skip
    n = len(pool)
    open_proposals = np.zeros(n, dtype=np.int32)
    last_deployed = np.zeros(n, dtype=np.int64)
    rating_mean = np.zeros(n, dtype=np.float32)
    rating_count = np.zeros(n, dtype=np.int32)
    if rows and n:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        at = np.searchsorted(pool.person_ids, ids)
        found = (at < n) & (pool.person_ids[np.minimum(at, n - 1)] == ids)
        for (_, opened, last, mean, count), position, hit in zip(
            rows, at.tolist(), found.tolist(), strict=True
        ):
            if not hit:
                continue
            open_proposals[position] = opened or 0
            if last is not None:
                last_day = last if isinstance(last, dt.datetime) else dt.datetime.fromisoformat(str(last))
                last_deployed[position] = last_day.date().toordinal()
            rating_mean[position] = float(mean or 0.0)
            rating_count[position] = count or 0
    return replace(pool, open_proposals=open_proposals, last_deployed=last_deployed, rating_mean=rating_mean,
                   rating_count=rating_count)  # fmt: skip


@dataclass(slots=True)
class Snapshot:
    """The listed experts as a matching pool and their texts indexed (what a shortlist shows of each expert,
    their headline and sectors, is read for the shortlisted ones only: `headlines`)."""

    pool: ExpertPool
    texts: TextIndex


def headlines(db: Session, person_ids: Sequence[int]) -> dict[int, tuple[str, list[str], int | None]]:
    """Headline, sectors and day rate of these experts (one query)."""
    if not person_ids:
        return {}
    rows = db.execute(
        select(ExpertProfile.person_id, ExpertProfile.headline, ExpertProfile.sectors, ExpertProfile.day_rate_eur)
        .where(ExpertProfile.person_id.in_(list(person_ids)))
    )  # fmt: skip
    return {person_id: (headline, sectors or [], rate) for person_id, headline, sectors, rate in rows}


def snapshot_to_arrays(snapshot: Snapshot) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Everything a snapshot holds as arrays and metadata: one shared bundle (search/shared.py)."""
    arrays, pool_meta = pool_to_arrays(snapshot.pool)
    lexical_arrays, lexical_meta = snapshot.texts.lexical.to_arrays("bm25/")
    arrays |= lexical_arrays
    texts = snapshot.texts
    vectors = texts.quantised if texts.quantised is not None else texts.vectors
    if vectors is not None:
        arrays["vectors"] = vectors
    return arrays, {"pool": pool_meta, "lexical": lexical_meta, "dense_pool": texts.dense_pool}


def snapshot_from_arrays(arrays: dict[str, np.ndarray], meta: dict[str, Any], backend: str) -> Snapshot:
    """The snapshot of `snapshot_to_arrays`, over its arrays as they are (memory-mapped, not copied)."""
    lexical = LexicalIndex.from_arrays(arrays, meta["lexical"], "bm25/")
    texts = TextIndex(
        (), get_backend(backend), arrays.get("vectors"), lexical=lexical, dense_pool=meta["dense_pool"]
    )
    return Snapshot(pool=pool_from_arrays(arrays, meta["pool"]), texts=texts)


def load_snapshot(
    db: Session, *, backend: str, cache: EmbeddingCache | None = None, shared: SharedSpace | None = None
) -> Snapshot:
    """Reads every listed expert (one query per table, set-based) into a pool and a text index.

    With `shared`, the experts' vectors (int8 above `EXACT_LIMIT` experts) are a file named by a digest of the
    texts, memory-mapped by every server process (search/shared.py): a changed expert changes the digest.

    Listed: the profile says so (its own consent, given with the profile) and privacy's newest record of
    "listed as expert" does not withdraw it (an expert listed before consents were recorded has none).
    """
    withdrawn = privacy.withdrawn_ids(ConsentPurpose.LISTED_AS_EXPERT)
    profiles = db.execute(
        select(
            ExpertProfile.person_id, ExpertProfile.external_id, Person.employer_id, ExpertProfile.headline,
            ExpertProfile.bio, ExpertProfile.languages, ExpertProfile.countries, ExpertProfile.work_mode,
            ExpertProfile.availability, ExpertProfile.sectors, ExpertProfile.day_rate_eur, ExpertProfile.regions,
        )
        .join(Person, Person.id == ExpertProfile.person_id)
        .where(ExpertProfile.listed.is_(True), ExpertProfile.person_id.not_in(withdrawn))
        .order_by(ExpertProfile.person_id)
    ).all()  # fmt: skip
    listed = select(ExpertProfile.person_id).where(
        ExpertProfile.listed.is_(True), ExpertProfile.person_id.not_in(withdrawn)
    )
    skills: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for person_id, uri, label, level, source in db.execute(
        select(PersonSkill.person_id, Skill.uri, Skill.preferred_label, PersonSkill.level, PersonSkill.source)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id.in_(listed))
        # A stable order: an expert's text (and so the digest naming the shared vectors file) must not vary
        # with the plan PostgreSQL picks from one process to the next.
        .order_by(PersonSkill.person_id, PersonSkill.skill_id)
    ):
        skills[person_id].append((uri, level.value, SOURCES.index(source.value)))
        labels[uri] = label
    records = [
        ExpertRecord(
            person_id=row.person_id,
            external_id=row.external_id,
            employer_id=row.employer_id,
            skills=skills.get(row.person_id, []),
            languages=[(lang["code"], lang["level"]) for lang in row.languages],
            countries=row.countries,
            work_mode=row.work_mode.value,
            availability=[(dt.date.fromisoformat(a["starts_on"]), dt.date.fromisoformat(a["ends_on"]))
                          for a in row.availability],
            day_rate=row.day_rate_eur,
            regions=row.regions,
        )
        for row in profiles
    ]  # fmt: skip
    texts = [expert_text(row.headline, row.bio, [labels[u] for u, _, _ in skills.get(row.person_id, [])])
             for row in profiles]  # fmt: skip
    embedder = get_backend(backend)
    vectors = None
    if cache is not None and embedder.dim:
        large = len(texts) > EXACT_LIMIT

        def build() -> np.ndarray:
            found = cache.embed(embedder, texts, role="passage")
            return quantised(found) if large else found

        digest = Digest("experts", embedder.name, "int8" if large else "float32")
        for text in texts:
            digest.text(text)
        vectors = shared_array(shared, digest.hexdigest(), build, shape=(len(texts), embedder.dim))
    return Snapshot(pool=build_pool(records, labels), texts=TextIndex(texts, embedder, vectors))


def expert_text(headline: str, bio: str, skill_labels: list[str]) -> str:
    """What the text side of matching reads of an expert."""
    return "\n".join(part for part in (headline, bio, "; ".join(skill_labels)) if part)


class MatchingEngine:
    """The process-wide snapshot, rebuilt when a profile or a skill changes (proposals are read per match)."""

    def __init__(self, data_dir: Path | None, backend: str) -> None:
        self.backend = backend
        self.cache = EmbeddingCache(data_dir / "embeddings") if data_dir is not None else None
        self.shared = space(data_dir, f"experts-{backend}")
        self._lock = threading.Lock()
        self._snapshot: tuple[tuple[Any, ...], Snapshot] | None = None

    def snapshot(self, db: Session) -> Snapshot:
        version = _version(db)
        if changes.pending(db, "experts"):  # this transaction's own, uncommitted changes: not kept
            return load_snapshot(db, backend=self.backend, cache=self.cache)
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != version:
                snapshot = self._shared_snapshot(db, version) or self._load(db)
                self._snapshot = (version, snapshot)
                release_freed_memory()  # the rows read to build it
            return self._snapshot[1]

    def _load(self, db: Session) -> Snapshot:
        snapshot = load_snapshot(db, backend=self.backend, cache=self.cache, shared=self.shared)
        if self.cache is not None:
            self.cache.save()
        return snapshot

    def _shared_snapshot(self, db: Session, version: tuple[Any, ...]) -> Snapshot | None:
        """The whole snapshot (pool, BM25, vectors) as one file shared by the server's processes, named by the
        change counter: the first process to see a counter value reads the experts and writes the file, the
        others map it without reading a row (issue 14: each worker used to keep 600 MB of its own at 100,000
        experts). A counter of 0 (never bumped) names no data, so nothing is shared then."""
        if self.shared is None or not version[0]:
            return None
        key = Digest("experts-snapshot", self.backend, str(db.get_bind().url), *map(str, version)).hexdigest()
        found = shared_bundle(self.shared.child("snapshot"), key, lambda: snapshot_to_arrays(self._load(db)))
        return snapshot_from_arrays(*found, self.backend) if found is not None else None


_engines: dict[tuple[str, str], MatchingEngine] = {}
_engines_lock = threading.Lock()


def engine_for(data_dir: Path | None, backend: str) -> MatchingEngine:
    """One engine per data directory and backend."""
    key = (str(data_dir), backend)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = MatchingEngine(data_dir, backend)
        return _engines[key]


def match_query(
    snapshot: Snapshot,
    query: MatchQuery,
    text: str,
    k: int = 10,
    *,
    db: Session | None = None,
    only: int | None = None,
    fresh_track_record: bool = True,
) -> list[Match]:
    """The ranked shortlist for plain values: structured fit plus BM25 and embedding similarity.

    With `db`, fairness and track record are read fresh from the proposals (one aggregate query; bulk matching
    reads them once and says `fresh_track_record=False`), and the reasons quote each skill's evidence.
    """
    pool = with_track_record(db, snapshot.pool) if db is not None and fresh_track_record else snapshot.pool
    return rank(
        pool,
        query,
        lexical=snapshot.texts.lexical_scores(text) if text.strip() else None,
        dense=snapshot.texts.dense_scores(text),
        k=k,
        only=only,
        dense_floor=DENSE_FLOOR.get(snapshot.texts.backend.name),  # minimum relevance, see matching.py
        details=_details(db, pool, query, text) if db is not None else None,
    )


def _details(db: Session, pool: ExpertPool, query: MatchQuery, text: str) -> Any:
    """For the shortlisted experts only: each requested skill's evidence sentence and the request's words found
    in the headline and bio (two queries, so the snapshot never holds every expert's sentences)."""

    def read(indices: list[int]) -> list[tuple[dict[str, str], list[str]]]:
        ids = [int(pool.person_ids[i]) for i in indices]
        profiles = {
            person_id: request_text(headline, bio)
            for person_id, headline, bio in db.execute(
                select(ExpertProfile.person_id, ExpertProfile.headline, ExpertProfile.bio).where(
                    ExpertProfile.person_id.in_(ids)
                )
            )
        }
        said: dict[int, dict[str, str]] = defaultdict(dict)
        uris = [uri for uri, _ in query.skills]
        if uris:
            for person_id, uri, sentence in db.execute(
                select(PersonSkill.person_id, Skill.uri, PersonSkill.evidence)
                .join(Skill, Skill.id == PersonSkill.skill_id)
                .where(PersonSkill.person_id.in_(ids), Skill.uri.in_(uris), PersonSkill.evidence != "")
            ):
                said[person_id][uri] = sentence
        return [(said.get(p, {}), shared_words(text, profiles.get(p, ""))) for p in ids]

    return read


# --- requests ----------------------------------------------------------------------------------


def _requester(db: Session, actor: Principal, slug: str | None) -> int:
    from skillatlas.alliance import service as alliance_service

    if slug:
        return alliance_service.get_organisation(db=db, slug=slug).id
    managed = sorted(g.organisation_id for g in actor.grants
                     if g.role == Role.ORGANISATION_MANAGER and g.organisation_id is not None)  # fmt: skip
    if managed:
        return managed[0]
    if actor.organisation_id is not None:
        return actor.organisation_id
    raise InvalidInput("organisation: name the requesting organisation", field="organisation")


def create_request(
    *,
    db: Session,
    actor: Principal,
    data: ExpertiseRequestIn,
    now: dt.datetime,
    extract: SkillFinder | None = None,
) -> ExpertiseRequest:
    """Posts a request; skills named by URI must exist. Without them (or with `extract_skills`) the skills are
    found in the title and description by `extract` (`skill_finder`, as the CLI's bulk matching does), stored
    as extracted: they count as evidence only together with the text (see matching.py)."""
    organisation_id = _requester(db, actor, data.organisation)
    authorize(actor, "expert.request.create", organisation_id=organisation_id)
    if data.ends_on and data.ends_on < now.date():
        raise InvalidInput(f"ends_on: the period ending {data.ends_on} is in the past", field="ends_on")
    skills = [{"uri": s.uri, "level": s.level.value} for s in data.skills]
    _check_uris(db, [s["uri"] for s in skills])
    if (data.extract_skills or not skills) and data.description.strip() and extract is not None:
        known = {s["uri"] for s in skills}
        skills += [{"uri": found.uri, "level": found.level, "extracted": "yes"}
                   for found in extract(request_text(data.title, data.description), SKILLS_PER_REQUEST)
                   if found.uri not in known]  # fmt: skip
    if not skills and not data.description.strip():
        raise InvalidInput("skills: name the skills needed or describe the need in words", field="skills")
    uris = [s["uri"] for s in skills]
    labels = dict(db.execute(select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(uris))).all())
    skills = [{**s, "label": labels.get(s["uri"], s["uri"])} for s in skills]
    request = ExpertiseRequest(
        organisation_id=organisation_id,
        title=data.title,
        description=data.description,
        skills=skills,
        languages=data.languages,
        country=data.country,
        region=data.region,
        work_mode=data.work_mode,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        days=data.days,
        budget_eur=data.budget_eur,
        created_by_user_id=actor.user_id,
        created_at=now,
    )
    db.add(request)
    db.flush()
    audit.record(db=db, actor=actor, action="expert.request.create", object_type="expertise_request",
                 object_id=request.id)  # fmt: skip
    return request


def _check_uris(db: Session, uris: list[str]) -> None:
    if not uris:
        return
    known = set(db.scalars(select(Skill.uri).where(Skill.uri.in_(uris))))
    for i, uri in enumerate(uris):
        if uri not in known:
            raise InvalidInput(f"skills.{i}: unknown skill URI {uri!r}", field=f"skills.{i}")


def get_request(*, db: Session, actor: Principal, request_id: int) -> ExpertiseRequest:
    """A request, for the office and the requester's managers."""
    request = db.get(ExpertiseRequest, request_id)
    if request is None:
        raise NotFound(f"no expertise request {request_id}", field="request_id")
    authorize(actor, "expert.request.read", organisation_id=request.organisation_id)
    return request


def list_requests(*, db: Session, actor: Principal, limit: int = 200) -> list[ExpertiseRequest]:
    """Every request for the office; a manager's organisations' requests for a manager."""
    query = select(ExpertiseRequest).order_by(ExpertiseRequest.created_at.desc(), ExpertiseRequest.id.desc())
    if not actor.is_system and not actor.has(Role.ALLIANCE_OFFICE):
        managed = [g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER]
        authorize(actor, "expert.request.form")
        query = query.where(ExpertiseRequest.organisation_id.in_(managed))
    return list(db.scalars(query.limit(limit)))


def query_of(request: ExpertiseRequest, today: dt.date) -> MatchQuery:
    """A stored request as the matching core's plain values."""
    return MatchQuery(
        skills=[(s["uri"], s["level"]) for s in request.skills],
        languages=request.languages,
        country=request.country,
        region=request.region,
        work_mode=request.work_mode.value,
        starts_on=request.starts_on,
        ends_on=request.ends_on,
        requester_organisation_id=request.organisation_id,
        today=today,
        labels={s["uri"]: s.get("label", s["uri"]) for s in request.skills},
        max_day_rate=request.budget_eur / request.days if request.budget_eur and request.days else None,
        extracted=frozenset(s["uri"] for s in request.skills if s.get("extracted")),
    )


def shortlist(
    *, db: Session, actor: Principal, request_id: int, engine: MatchingEngine, today: dt.date, k: int = 10
) -> list[ShortlistEntry]:
    """The ranked, pseudonymous shortlist of a request with the reasons for each place."""
    request = get_request(db=db, actor=actor, request_id=request_id)
    snapshot = engine.snapshot(db)
    matches = match_query(snapshot, query_of(request, today), request_text(request.title, request.description), k,
                          db=db)  # fmt: skip
    listed = still_listed(db, [m.person_id for m in matches])
    shown = headlines(db, [m.person_id for m in matches if m.person_id in listed])
    return [_entry(shown, m) for m in matches if m.person_id in listed]


def _entry(shown: dict[int, tuple[str, list[str], int | None]], match: Match) -> ShortlistEntry:
    headline, sectors, rate = shown.get(match.person_id, ("", [], None))
    return ShortlistEntry(expert_id=match.person_id, pseudonym=pseudonym(match.person_id), headline=headline,
                          score=match.score, reasons=match.reasons, sectors=sectors, day_rate_eur=rate)  # fmt: skip


# --- proposals -----------------------------------------------------------------------------------


def _history(
    proposal: Proposal, status: ProposalStatus, actor: Principal, now: dt.datetime, message: str = ""
) -> None:
    """One step of the workflow; `message`: what the one who took it said (an expert's answer, a reason)."""
    step = {"status": status.value, "by": actor.user_id, "via": actor.via, "at": now.isoformat()}
    proposal.history = [*(proposal.history or []), {**step, "message": message} if message else step]


def propose(
    *,
    db: Session,
    actor: Principal,
    request_id: int,
    expert_id: int,
    engine: MatchingEngine,
    now: dt.datetime,
) -> Proposal:
    """Proposes an expert from the request's shortlist; the expert then accepts or declines."""
    request = get_request(db=db, actor=actor, request_id=request_id)
    authorize(actor, "expert.propose", organisation_id=request.organisation_id)
    if db.scalar(
        select(Proposal.id).where(Proposal.request_id == request_id, Proposal.person_id == expert_id)
    ):
        raise Conflict(f"expert {expert_id} was already proposed for this request", field="expert_id")
    snapshot = engine.snapshot(db)
    matches = match_query(snapshot, query_of(request, now.date()),
                          request_text(request.title, request.description), k=1, db=db, only=expert_id)  # fmt: skip
    found = matches[0] if matches and still_listed(db, [expert_id]) else None
    if found is None:
        raise Conflict(
            f"expert {expert_id} does not qualify for this request (unlisted, unavailable, without the skills, "
            "or the requester's own staff)",
            field="expert_id",
        )
    proposal = Proposal(request_id=request_id, person_id=expert_id, score=found.score, reasons=found.reasons,
                        created_at=now, updated_at=now)  # fmt: skip
    _history(proposal, ProposalStatus.PROPOSED, actor, now)
    db.add(proposal)
    db.flush()
    mail_notify.proposal_step(db, proposal)
    audit.record(db=db, actor=actor, action="expert.propose", object_type="expert_proposal", object_id=proposal.id,
                 details={"request_id": request_id, "expert_id": expert_id})  # fmt: skip
    return proposal


def get_proposal(*, db: Session, proposal_id: int) -> Proposal:
    proposal = db.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}", field="proposal_id")
    return proposal


def step(
    *, db: Session, actor: Principal, proposal_id: int, data: ProposalStep, now: dt.datetime
) -> Proposal:
    """Moves a proposal on: the expert accepts or declines; the company deploys, completes (with feedback) or cancels."""
    proposal = get_proposal(db=db, proposal_id=proposal_id)
    who = TRANSITIONS.get((proposal.status, data.status))
    if who == "expert":
        authorize(actor, "expert.proposal.respond", person_id=proposal.person_id)
    else:
        authorize(actor, "expert.proposal.manage", organisation_id=proposal.request.organisation_id)
    if who is None:
        raise Conflict(
            f"a {proposal.status.value} proposal cannot become {data.status.value}", field="status"
        )
    if data.status == ProposalStatus.COMPLETED:
        if data.rating is None:
            raise InvalidInput("rating: rate the expert's work from 1 to 5", field="rating")
        proposal.rating, proposal.comment = data.rating, data.comment
    elif data.rating is not None:
        raise InvalidInput("rating: feedback comes with completing a deployment", field="rating")
    proposal.status = data.status
    proposal.updated_at = now
    # the comment of a completion is the feedback; of any other step, a message to the other side
    message = "" if data.status == ProposalStatus.COMPLETED else data.comment
    _history(proposal, data.status, actor, now, message)
    db.flush()
    mail_notify.proposal_step(db, proposal)
    audit.record(db=db, actor=actor, action=f"expert.proposal.{data.status.value}", object_type="expert_proposal",
                 object_id=proposal.id, details={"rating": data.rating} if data.rating else None)  # fmt: skip
    return proposal


def requester_contact(db: Session, proposal: Proposal) -> tuple[str, str] | None:
    """Who posted the request (name, e-mail): shown to the expert once they have accepted, as theirs to the company."""
    from skillatlas.auth.models import User

    if proposal.status not in CONTACT_STATUSES or proposal.request.created_by_user_id is None:
        return None
    user = db.get(User, proposal.request.created_by_user_id)
    return (user.full_name, user.email) if user is not None and user.is_active else None


def proposal_read(proposal: Proposal) -> ProposalRead:
    """A proposal as its parties see it: contact details only once the expert has accepted."""
    shared = proposal.status in CONTACT_STATUSES
    return ProposalRead(
        id=proposal.id,
        request_id=proposal.request_id,
        request_title=proposal.request.title,
        expert_id=proposal.person_id,
        pseudonym=pseudonym(proposal.person_id),
        status=proposal.status,
        score=proposal.score,
        reasons=proposal.reasons,
        history=proposal.history,
        rating=proposal.rating,
        comment=proposal.comment,
        contact_name=proposal.person.full_name if shared else None,
        contact_email=proposal.person.email if shared else None,
    )


def proposals_for_request(*, db: Session, actor: Principal, request_id: int) -> list[Proposal]:
    """The proposals of a request, for the office and the requester's managers."""
    get_request(db=db, actor=actor, request_id=request_id)
    return list(db.scalars(select(Proposal).where(Proposal.request_id == request_id).order_by(Proposal.id)))


def proposals_for_expert(*, db: Session, actor: Principal, person_id: int) -> list[Proposal]:
    """The proposals made to an expert: for the expert and the office."""
    authorize(actor, "expert.profile.read", person_id=person_id)
    return list(
        db.scalars(select(Proposal).where(Proposal.person_id == person_id).order_by(Proposal.id.desc()))
    )


def deployments(*, db: Session, actor: Principal, limit: int = 500) -> list[Proposal]:
    """Every proposal past the proposal stage: for the office."""
    authorize(actor, "expert.request.list_all")
    return list(db.scalars(select(Proposal).order_by(Proposal.updated_at.desc()).limit(limit)))


# --- the needs report ------------------------------------------------------------------------------


def needs_report(
    *, db: Session, actor: Principal, country: str | None = None, limit: int = 50
) -> list[NeededField]:
    """Skills most often requested and least covered by listed experts, by country and month."""
    authorize(actor, "expert.report")
    query = select(ExpertiseRequest.country, ExpertiseRequest.created_at, ExpertiseRequest.skills)
    if country:
        query = query.where(ExpertiseRequest.country == country.upper())
    asked: Counter[tuple[str | None, str, str, str]] = Counter()
    for req_country, created, skills in db.execute(query):
        month = created.strftime("%Y-%m")
        for s in {(s["uri"], s["level"]) for s in skills}:
            asked[(req_country, month, *s)] += 1
    if not asked:
        return []
    uris = sorted({key[2] for key in asked})
    labels = dict(db.execute(select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(uris))).all())
    supply: dict[str, list[int]] = defaultdict(list)
    for uri, level in db.execute(
        select(Skill.uri, PersonSkill.level)
        .join(PersonSkill, PersonSkill.skill_id == Skill.id)
        .join(ExpertProfile, ExpertProfile.person_id == PersonSkill.person_id)
        .where(ExpertProfile.listed.is_(True), Skill.uri.in_(uris))
    ):
        supply[uri].append(LEVELS.index(level.value))
    merged: Counter[tuple[str | None, str, str]] = Counter()
    experts: dict[tuple[str | None, str, str], int] = {}
    for (req_country, month, uri, level), n in asked.items():
        key = (req_country, month, uri)
        merged[key] += n
        covering = sum(1 for have in supply.get(uri, []) if have >= LEVELS.index(level))
        experts[key] = min(experts.get(key, covering), covering)
    rows = [
        NeededField(country=c, month=m, uri=u, label=labels.get(u, u), requests=n, experts=experts[(c, m, u)],
                    gap=round(n / (1 + experts[(c, m, u)]), 3))
        for (c, m, u), n in merged.items()
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r.gap, -r.requests, r.month, r.country or "", r.label))
    return rows[:limit]


# --- the import file ---------------------------------------------------------------------------

IMPORT_COLUMNS = (
    "external_id", "full_name", "email", "country", "employer", "headline", "bio", "languages", "countries",
    "regions", "work_mode", "availability", "day_rate_eur", "sectors", "skills", "consent",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one row of an import file (rows count from 2: row 1 is the header)."""

    row: int
    field: str
    message: str


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] | None = None


def split_cell(cell: str, *, commas: bool = True) -> list[str]:
    """The items of a list cell, separated by `;`, new lines and (unless `commas` is false) commas."""
    cell = cell.replace("\n", ";")
    if commas:
        cell = cell.replace(",", ";")
    return [part.strip() for part in cell.split(";") if part.strip()]


def profile_from_text(raw: dict[str, str]) -> ExpertProfileIn:
    """A profile from the template's (and the page's) plain-text cells: `en:C1; de:native`,
    `2026-07-01..2026-12-31:4` (days per month), lists separated by `;` or `,`."""
    from skillatlas.validation import parse_input

    languages = []
    for item in split_cell(raw.get("languages", "")):
        code, _, level = item.partition(":")
        languages.append({"code": code.strip(), "level": level.strip() or "B2"})
    availability = []
    for item in split_cell(raw.get("availability", "")):
        period, _, days = item.partition(":")
        start, _, end = period.partition("..")
        availability.append(
            {"starts_on": start.strip(), "ends_on": end.strip(), "days_per_month": days.strip() or 4}
        )
    consent = raw.get("consent", "").strip().lower()
    return parse_input(ExpertProfileIn, {
        "headline": raw.get("headline", ""), "bio": raw.get("bio", ""), "languages": languages,
        "countries": split_cell(raw.get("countries", "")), "regions": split_cell(raw.get("regions", "")),
        "work_mode": raw.get("work_mode", "") or "either", "availability": availability,
        "day_rate_eur": raw.get("day_rate_eur") or None, "sectors": split_cell(raw.get("sectors", "")),
        "consent": consent in {"yes", "y", "true", "1", "on"},
    })  # fmt: skip


def skills_from_text(cell: str) -> list[dict[str, str]]:
    """`URI|level|source` items separated by `;` or new lines."""
    skills = []
    for item in split_cell(cell, commas=False):
        parts = item.split("|")
        skills.append({"uri": parts[0].strip(), "level": parts[1].strip() if len(parts) > 1 else "practitioner",
                       **({"source": parts[2].strip()} if len(parts) > 2 else {})})  # fmt: skip
    return skills


def _parse_row(raw: dict[str, str], today: dt.date) -> tuple[ExpertProfileIn, list[dict[str, str]]]:
    data = profile_from_text(raw)
    if not data.consent:
        raise InvalidInput(
            "consent: the expert's consent to be listed is missing (write 'yes')", field="consent"
        )
    _check_availability(data, today)
    return data, skills_from_text(raw.get("skills", ""))


def import_experts(
    *,
    db: Session,
    actor: Principal,
    rows: list[dict[str, str]],
    now: dt.datetime,
    dry_run: bool = False,
    find: SkillFinder | None = None,
) -> ImportReport:
    """Checks every row, then (unless a dry run, and only when no row has a problem) saves them all.

    Skills are written as `URI|level|source` separated by `;`, languages as `en:C1`, availability as
    `2026-07-01..2026-12-31:4` (days per month). A problem in any row saves nothing. `skills` is optional: a
    row described only by its headline and bio gets its skills from that text (`find`), marked derived.
    """
    from skillatlas.alliance.models import Organisation
    from skillatlas.people.schemas import PersonSkillIn
    from skillatlas.validation import parse_input

    authorize(actor, "expert.import")
    report = ImportReport(rows=len(rows), problems=[])
    problems = report.problems
    assert problems is not None
    parsed = []
    seen: set[str] = set()
    uris = {s["uri"] for raw in rows for s in _parse_skills_only(raw)}
    known_uris = set(db.scalars(select(Skill.uri).where(Skill.uri.in_(uris)))) if uris else set()
    employers = dict(db.execute(select(Organisation.slug, Organisation.id)).all())
    for number, raw in enumerate(rows, start=2):
        raw = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        external_id = raw.get("external_id", "")
        try:
            if not external_id:
                raise InvalidInput("external_id: every row needs the expert's id", field="external_id")
            if external_id in seen:
                raise InvalidInput(f"external_id: {external_id!r} appears twice", field="external_id")
            seen.add(external_id)
            if not raw.get("full_name"):
                raise InvalidInput("full_name: the expert's name is missing", field="full_name")
            employer = raw.get("employer", "")
            if employer and employer not in employers:
                raise InvalidInput(f"employer: no organisation {employer!r}", field="employer")
            data, skills = _parse_row(raw, now.date())
            if not skills and not (data.bio.strip() or data.headline.strip()):
                raise InvalidInput("skills: list skills as URI|level, or describe the expert in the bio",
                                   field="skills")  # fmt: skip
            skill_inputs = [parse_input(PersonSkillIn, s) for s in skills]
            for s in skill_inputs:
                if s.uri not in known_uris:
                    raise InvalidInput(f"skills: unknown skill URI {s.uri!r}", field="skills")
            parsed.append((raw, external_id, employers.get(employer), data, skill_inputs))
        except InvalidInput as exc:
            field = exc.field or "row"
            problems.append(RowProblem(number, field, exc.message.removeprefix(f"{field}: ")))
    if problems or dry_run:
        return report
    for raw, external_id, employer_id, data, skill_inputs in parsed:
        ref = f"expert:{external_id}"
        person = db.scalar(select(Person).where(Person.external_ref == ref))
        if person is None:
            email = raw.get("email") or None
            person = Person(
                full_name=raw["full_name"], email=email.lower() if email else None, external_ref=ref
            )
            db.add(person)
            report.created += 1
        else:
            report.updated += 1
        person.full_name, person.country = raw["full_name"], (raw.get("country") or None)
        person.employer_id = employer_id
        db.flush()
        if skill_inputs:
            people_service.set_skills(db=db, actor=SYSTEM, person_id=person.id, skills=skill_inputs)
        save_profile(db=db, actor=actor, person_id=person.id, data=data, now=now, external_id=external_id,
                     find=None if skill_inputs else find)  # fmt: skip
    audit.record(db=db, actor=actor, action="expert.import", details={"rows": len(rows)})
    return report


def export_rows(*, db: Session, actor: Principal) -> list[dict[str, str]]:
    """Every expert profile as a row of the import template (listed or not; `consent` says which).

    The cells use the import's own notation, so that an exported file can be imported again as it is.
    """
    from skillatlas.alliance.models import Organisation

    authorize(actor, "expert.export")
    profiles = db.execute(
        select(ExpertProfile, Person, Organisation.slug)
        .join(Person, Person.id == ExpertProfile.person_id)
        .outerjoin(Organisation, Organisation.id == Person.employer_id)
        .order_by(ExpertProfile.person_id)
    ).all()
    skills: dict[int, list[str]] = defaultdict(list)
    for person_id, uri, level, source in db.execute(
        select(PersonSkill.person_id, Skill.uri, PersonSkill.level, PersonSkill.source)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .join(ExpertProfile, ExpertProfile.person_id == PersonSkill.person_id)
        .order_by(PersonSkill.person_id, Skill.uri)
    ):
        skills[person_id].append(f"{uri}|{level.value}|{source.value}")
    rows = []
    for profile, person, employer in profiles:
        external_id = profile.external_id or (person.external_ref or "").removeprefix("expert:")
        rows.append({
            "external_id": external_id or f"person-{person.id}", "full_name": person.full_name,
            "email": person.email or "", "country": person.country or "", "employer": employer or "",
            "headline": profile.headline, "bio": profile.bio,
            "languages": "; ".join(f"{lang['code']}:{lang['level']}" for lang in profile.languages),
            "countries": "; ".join(profile.countries), "regions": "; ".join(profile.regions),
            "work_mode": profile.work_mode.value,
            "availability": "; ".join(f"{a['starts_on']}..{a['ends_on']}:{a['days_per_month']}"
                                      for a in profile.availability),
            "day_rate_eur": "" if profile.day_rate_eur is None else str(profile.day_rate_eur),
            "sectors": "; ".join(profile.sectors), "skills": "; ".join(skills.get(person.id, [])),
            "consent": "yes" if profile.listed else "no",
        })  # fmt: skip
    audit.record(db=db, actor=actor, action="expert.export", details={"rows": len(rows)})
    return rows


def _parse_skills_only(raw: dict[str, str]) -> list[dict[str, str]]:
    cell = next((v or "" for k, v in raw.items() if k and k.strip().lower() == "skills"), "")
    return [{"uri": (item.split("|")[0]).strip()} for item in split_cell(cell)]


def listed_experts_per_skill(db: Session, skill_ids: list[int]) -> dict[int, int]:
    """How many listed (consenting) experts have each skill: the supply side of the skills-gap map."""
    from skillatlas.people.models import PersonSkill

    rows = db.execute(
        select(PersonSkill.skill_id, func.count())
        .join(ExpertProfile, ExpertProfile.person_id == PersonSkill.person_id)
        .where(ExpertProfile.listed.is_(True), PersonSkill.skill_id.in_(skill_ids))
        .group_by(PersonSkill.skill_id)
    ).all()
    return {skill_id: n for skill_id, n in rows}
