"""A deterministic synthetic population of workers, experts and trainers for scale work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Organisation
from skillatlas.db import utcnow
from skillatlas.demo import bulk
from skillatlas.errors import Conflict, InvalidInput
from skillatlas.people.models import Person, PersonKind

# Rough shares of EU automotive employment by country (thousands of jobs, rounded): enough to give
# the synthetic population a realistic shape; the KPI workforce figures are configured separately.
COUNTRY_WEIGHTS: dict[str, int] = {
    "DE": 880, "FR": 230, "PL": 200, "RO": 190, "CZ": 180, "IT": 170, "ES": 160, "HU": 100,
    "SK": 80, "SE": 80, "PT": 50, "AT": 40, "BE": 30, "NL": 25, "BG": 20, "SI": 15, "FI": 10,
    "LT": 8, "DK": 8, "IE": 6, "HR": 6, "EE": 4, "LV": 3, "GR": 3, "LU": 2, "MT": 1, "CY": 1,
}  # fmt: skip

FIRST_NAMES = (
    "Anna", "Lukas", "Maria", "Jan", "Sofia", "Mateo", "Elena", "Tomas", "Ioana", "Pierre", "Julia",
    "Marco", "Eva", "Piotr", "Laura", "Andrei", "Katarina", "Nikolaj", "Ines", "David", "Marta",
    "Jonas", "Chiara", "Milan", "Sara", "Ferenc", "Hanna", "Luis", "Petra", "Emil", "Zofia", "Karl",
)  # fmt: skip
LAST_NAMES = (
    "Muller", "Novak", "Rossi", "Garcia", "Kowalski", "Popescu", "Dubois", "Horvat", "Schmidt",
    "Nagy", "Svoboda", "Ferreira", "Jansen", "Peeters", "Lindqvist", "Virtanen", "Ivanova",
    "Kazlauskas", "Berzins", "Tamm", "Murphy", "Papadopoulos", "Weber", "Fischer", "Moreau", "Bianchi",
    "Lopez", "Wojcik", "Dvorak", "Kovacs", "Hansen", "Meyer",
)  # fmt: skip
KIND_WEIGHTS = {PersonKind.WORKER: 90, PersonKind.EXPERT: 7, PersonKind.TRAINER: 3}
BATCH = 20_000


@dataclass(frozen=True, slots=True)
class PopulationReport:
    persons: int
    seed: int


def _person_draws(n: int, seed: int, employer_ids: list[int]) -> dict[str, Any]:
    """The random choices behind N person rows, drawn for all N at once with NumPy (drawing them one by one
    costs more than the insert)."""
    rng = np.random.default_rng(seed)
    countries = np.array(list(COUNTRY_WEIGHTS))
    country_p = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    kind_p = np.array(list(KIND_WEIGHTS.values()), dtype=float)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    country = countries[rng.choice(len(countries), n, p=country_p / country_p.sum())]
    kind = rng.choice(len(KIND_WEIGHTS), n, p=kind_p / kind_p.sum())
    employer = rng.integers(0, len(employer_ids), n) if employer_ids else None
    return {"first": first, "last": last, "country": country, "kind": kind, "employer": employer}


def persons(n: int, seed: int, employer_ids: list[int]) -> Iterator[dict[str, Any]]:
    """N person rows; the same seed and employers give the same rows.

    Synthetic persons carry no e-mail address: they never log in, and the unique index would only slow
    the bulk insert down.
    """
    d = _person_draws(n, seed, employer_ids)
    first, last, country, kind, employer = d["first"], d["last"], d["country"], d["kind"], d["employer"]
    kinds = [k.value for k in KIND_WEIGHTS]
    created = utcnow()
    for i in range(n):
        yield {
            "full_name": f"{FIRST_NAMES[first[i]]} {LAST_NAMES[last[i]]}",
            "email": None,
            "kind": kinds[kind[i]],
            "employer_id": employer_ids[employer[i]] if employer is not None else None,
            "country": str(country[i]),
            "nuts_region": None,
            "external_ref": f"syn:{seed}:{i}",
            "created_at": created,
        }


def _copy_persons(
    db: Session, n: int, seed: int, employer_ids: list[int], progress: Callable[[int], None] | None
) -> None:
    """PostgreSQL: the same rows as `persons`, with ids reserved up front, through COPY."""
    table = Person.__tablename__
    with bulk.rebuilt_indexes(db, table, n):
        first_id = bulk.reserve_ids(db, table, n)
        d = _person_draws(n, seed, employer_ids)
        names = [[f"{f} {la}" for la in LAST_NAMES] for f in FIRST_NAMES]
        kinds = [k.value for k in KIND_WEIGHTS]
        employers = [str(e) for e in employer_ids]
        first, last, country, kind = (d[k].tolist() for k in ("first", "last", "country", "kind"))
        employer = d["employer"].tolist() if d["employer"] is not None else None
        created = utcnow().isoformat()
        rows = (
            (first_id + i, names[first[i]][last[i]], None, kinds[kind[i]],
             employers[employer[i]] if employer is not None else None, country[i], None, f"syn:{seed}:{i}",
             created)
            for i in range(n)
        )  # fmt: skip
        columns = ("id", "full_name", "email", "kind", "employer_id", "country", "nuts_region",
                   "external_ref", "created_at")  # fmt: skip
        bulk.copy_text(db, table, columns, rows, progress)


def add_population(
    *, db: Session, n: int, seed: int, progress: Callable[[int], None] | None = None
) -> PopulationReport:
    """Adds N synthetic persons in bulk, in the caller's transaction; a seed can be loaded once."""
    if n < 0:
        raise InvalidInput("the number of persons cannot be negative", field="people")
    if db.scalar(select(Person.id).where(Person.external_ref == f"syn:{seed}:0")) is not None:
        raise Conflict(
            f"a synthetic population with seed {seed} is already loaded: choose another seed", field="seed"
        )
    employer_ids = list(db.scalars(select(Organisation.id).order_by(Organisation.id)))
    if bulk.is_postgres(db):
        _copy_persons(db, n, seed, employer_ids, progress)
        return PopulationReport(persons=n, seed=seed)
    table = Person.__table__
    rows = persons(n, seed, employer_ids)
    done = 0
    while done < n:
        batch = [row for _, row in zip(range(min(BATCH, n - done)), rows, strict=False)]
        db.execute(insert(table), batch)
        done += len(batch)
        if progress:
            progress(len(batch))
    return PopulationReport(persons=n, seed=seed)


# --- skills, experts and courses for scale work -----------------------------------------------------

LEVELS = ("awareness", "practitioner", "expert")
SOURCES = ("claimed", "assessed", "credentialed")
NATIVE_LANGUAGE = {
    "DE": "de", "AT": "de", "LU": "de", "FR": "fr", "BE": "fr", "PL": "pl", "RO": "ro", "CZ": "cs",
    "IT": "it", "ES": "es", "HU": "hu", "SK": "sk", "SE": "sv", "PT": "pt", "NL": "nl", "BG": "bg",
    "SI": "sl", "FI": "fi", "LT": "lt", "DK": "da", "IE": "en", "HR": "hr", "EE": "et", "LV": "lv",
    "GR": "el", "MT": "mt", "CY": "el",
}  # fmt: skip
COURSE_FORMS = ("Introduction to {}", "{}: hands-on workshop", "Advanced {}", "Certificate in {}",
                "{} for automotive technicians", "{} in practice")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SkillClusters:
    """Sets of skills that belong together: each published job role's, and each ESCO occupation's.

    Synthetic people and courses draw most of their skills from one cluster, so a profile, a course and
    a role overlap the way real ones do, and a few from the automotive skills at large.
    """

    names: list[str]
    members: list[np.ndarray]  # skill ids per cluster
    weights: np.ndarray  # roles weigh more: they are what the alliance trains for
    background: np.ndarray  # automotive skill ids (all skills when none is marked)
    labels: dict[int, str]


def skill_clusters(db: Session) -> SkillClusters:
    """The clusters of the loaded taxonomy and roles; refuses an empty taxonomy."""
    from skillatlas.roles.models import JobRole, JobRoleSkill, JobRoleVersion, VersionState
    from skillatlas.taxonomy.models import Occupation, OccupationSkill, Skill

    names: list[str] = []
    members: list[np.ndarray] = []
    weights: list[float] = []
    roles: dict[str, list[int]] = {}
    for title, skill_id in db.execute(
        select(JobRoleVersion.title, JobRoleSkill.skill_id)
        .join(JobRoleSkill, JobRoleSkill.version_id == JobRoleVersion.id)
        .join(JobRole, JobRole.id == JobRoleVersion.role_id)
        .where(JobRoleVersion.state == VersionState.PUBLISHED)
        .order_by(JobRoleVersion.id, JobRoleSkill.skill_id)
    ):
        roles.setdefault(title, []).append(skill_id)
    occupations: dict[str, list[int]] = {}
    for label, skill_id in db.execute(
        select(Occupation.preferred_label, OccupationSkill.skill_id)
        .join(OccupationSkill, OccupationSkill.occupation_id == Occupation.id)
        .order_by(Occupation.id, OccupationSkill.skill_id)
    ):
        occupations.setdefault(label, []).append(skill_id)
    for group, weight in ((roles, 8.0), (occupations, 1.0)):
        for name, ids in group.items():
            if len(ids) >= 2:
                names.append(name)
                members.append(np.array(ids, dtype=np.int64))
                weights.append(weight)
    background = np.array(
        db.scalars(select(Skill.id).where(Skill.automotive.is_(True)).order_by(Skill.id)).all(),
        dtype=np.int64,
    )
    if not len(background):
        background = np.array(db.scalars(select(Skill.id).order_by(Skill.id)).all(), dtype=np.int64)
    if not names or not len(background):
        raise InvalidInput(
            "the taxonomy is empty: load it first (`skillatlas demo` loads the bundled ESCO)",
            field="taxonomy",
        )
    wanted = set(np.concatenate([*members, background]).tolist())
    labels = dict(db.execute(select(Skill.id, Skill.preferred_label).where(Skill.id.in_(wanted))).all())
    w = np.array(weights)
    return SkillClusters(names, members, w / w.sum(), background, labels)


def _draw_skills(
    rng: np.random.Generator, clusters: SkillClusters, cluster: int, k: int, extra: int
) -> list[int]:
    """About k skills of one cluster and `extra` from the background, distinct (repeats are dropped:
    drawing with replacement is much faster than `choice(replace=False)`, which shuffles the whole set)."""
    own = clusters.members[cluster]
    chosen = own[rng.integers(0, len(own), k)].tolist()
    if extra:
        chosen += clusters.background[rng.integers(0, len(clusters.background), extra)].tolist()
    return list(dict.fromkeys(chosen))


def _skill_rows(
    rng: np.random.Generator, person_id: int, skills: list[int], now: Any, level_p: tuple[float, ...]
) -> list[dict[str, Any]]:
    draws = rng.random((2, len(skills)))
    levels = np.searchsorted(np.cumsum(level_p), draws[0] * sum(level_p))
    sources = np.searchsorted(np.cumsum((0.6, 0.25, 0.15)), draws[1])
    return [
        {"person_id": person_id, "skill_id": s, "level": LEVELS[min(lv, 2)], "source": SOURCES[min(src, 2)],
         "evidence": "", "updated_at": now}
        for s, lv, src in zip(skills, levels.tolist(), sources.tolist(), strict=True)
    ]  # fmt: skip


#: Persons whose skills are drawn at once (the random stream depends on it: keep it fixed, so a seed gives
#: the same skills on every database).
SKILL_BATCH = 250_000


def _person_skill_draws(
    rng: np.random.Generator, clusters: SkillClusters, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Skills of m persons at once, vectorised: each person picks a cluster and draws 1-9 of its skills with
    replacement plus one background skill; repeats are dropped. Returns (person index, skill id, level
    index, source index), sorted by person and skill."""
    lengths = np.array([len(c) for c in clusters.members], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.concatenate(clusters.members)
    picks = rng.choice(len(clusters.names), size=m, p=clusters.weights)
    own = rng.integers(1, 10, size=m)
    owner = np.repeat(np.arange(m, dtype=np.int64), own)
    cluster = picks[owner]
    drawn = flat[offsets[cluster] + (rng.random(len(owner)) * lengths[cluster]).astype(np.int64)]
    background = clusters.background[rng.integers(0, len(clusters.background), m)]
    span = int(max(flat.max(), clusters.background.max())) + 1
    keys = np.unique(np.concatenate([owner * span + drawn, np.arange(m, dtype=np.int64) * span + background]))
    draws = rng.random((2, len(keys)))
    levels = np.minimum(np.searchsorted(np.cumsum((0.45, 0.45, 0.10)), draws[0]), 2)
    sources = np.minimum(np.searchsorted(np.cumsum((0.6, 0.25, 0.15)), draws[1]), 2)
    return keys // span, keys % span, levels, sources


def add_person_skills(
    *, db: Session, seed: int, clusters: SkillClusters | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:  # fmt: skip
    """Gives the synthetic persons of a seed 1-10 skills each (most from one cluster); how many rows.

    On PostgreSQL the rows go in with binary COPY (`bulk`), elsewhere with multi-row INSERTs."""
    from skillatlas.people.models import PersonSkill

    clusters = clusters or skill_clusters(db)
    rng = np.random.default_rng(seed + 1)
    postgres = bulk.is_postgres(db)
    if postgres:
        ids = bulk.ids_where(
            db, "SELECT id FROM person WHERE external_ref LIKE {pattern} ORDER BY id", pattern=f"syn:{seed}:%"
        )
    else:
        ids = np.array(
            db.scalars(
                select(Person.id).where(Person.external_ref.like(f"syn:{seed}:%")).order_by(Person.id)
            ).all(),
            dtype=np.int64,
        )
    now = utcnow()
    added = 0
    columns = ("person_id", "skill_id", "level", "source", "evidence", "updated_at")
    with bulk.rebuilt_indexes(db, PersonSkill.__tablename__, len(ids) * 5) if postgres else _nothing():
        for start in range(0, len(ids), SKILL_BATCH):
            batch = ids[start : start + SKILL_BATCH]
            who, skills, levels, sources = _person_skill_draws(rng, clusters, len(batch))
            person_ids = batch[who]
            if postgres:
                data = bulk.person_skill_copy_data(person_ids, skills, levels, sources, LEVELS, SOURCES, now)
                bulk.copy_binary(db, PersonSkill.__tablename__, columns, data)
            else:
                rows = [
                    {"person_id": p, "skill_id": sk, "level": LEVELS[lv], "source": SOURCES[src],
                     "evidence": "", "updated_at": now}
                    for p, sk, lv, src in zip(person_ids.tolist(), skills.tolist(), levels.tolist(),
                                               sources.tolist(), strict=True)
                ]  # fmt: skip
                for i in range(0, len(rows), BATCH):
                    db.execute(insert(PersonSkill.__table__), rows[i : i + BATCH])
            added += len(person_ids)
            if progress:
                progress(len(batch))
    return added


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _insert_returning_ids(db: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert that gives the new ids back in the rows' order (one statement per batch)."""
    result = db.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def add_experts(
    *, db: Session, n: int, seed: int, clusters: SkillClusters | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:  # fmt: skip
    """N synthetic experts, listed with consent: a person, 8-20 skills and a profile each; how many skill rows."""
    from skillatlas.experts.models import ExpertProfile
    from skillatlas.people.models import PersonSkill

    if n < 0:
        raise InvalidInput("the number of experts cannot be negative", field="experts")
    if db.scalar(select(Person.id).where(Person.external_ref == f"syn-expert:{seed}:0")) is not None:
        raise Conflict(
            f"synthetic experts with seed {seed} are already loaded: choose another seed", field="seed"
        )
    clusters = clusters or skill_clusters(db)
    rng = np.random.default_rng(seed + 2)
    employer_ids = list(db.scalars(select(Organisation.id).order_by(Organisation.id)))
    countries = np.array(list(COUNTRY_WEIGHTS))
    country_p = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    country_p /= country_p.sum()
    now = utcnow()
    today = now.date()
    skill_rows = 0
    for start in range(0, n, 5_000):
        m = min(5_000, n - start)
        home = countries[rng.choice(len(countries), m, p=country_p)]
        first = rng.integers(0, len(FIRST_NAMES), m)
        last = rng.integers(0, len(LAST_NAMES), m)
        employed = rng.random(m) < 0.4
        people = [
            {"full_name": f"{FIRST_NAMES[first[i]]} {LAST_NAMES[last[i]]}", "email": None, "kind": "expert",
             "employer_id": employer_ids[int(rng.integers(len(employer_ids)))] if employed[i] and employer_ids else None,
             "country": str(home[i]), "nuts_region": None, "external_ref": f"syn-expert:{seed}:{start + i}",
             "created_at": now}
            for i in range(m)
        ]  # fmt: skip
        ids = _insert_returning_ids(db, Person.__table__, people)
        profiles: list[dict[str, Any]] = []
        skills: list[dict[str, Any]] = []
        picks = rng.choice(len(clusters.names), size=m, p=clusters.weights)
        for i, person_id in enumerate(ids):
            cluster = int(picks[i])
            owned = _draw_skills(rng, clusters, cluster, int(rng.integers(6, 17)), int(rng.integers(2, 5)))
            skills += _skill_rows(rng, person_id, owned, now, (0.10, 0.45, 0.45))
            labels = [clusters.labels.get(s, "") for s in owned[:6]]
            country = str(home[i])
            native = NATIVE_LANGUAGE.get(country, "en")
            languages = [{"code": native, "level": "native"}]
            if native != "en":
                languages.append({"code": "en", "level": str(rng.choice(["B2", "C1", "C2"]))})
            if native != "de" and rng.random() < 0.3:
                languages.append({"code": "de", "level": str(rng.choice(["B1", "B2", "C1"]))})
            abroad = rng.choice(countries, size=int(rng.integers(0, 3)), p=country_p).tolist()
            begins = today + dt.timedelta(days=int(rng.integers(-30, 120)))
            ends = begins + dt.timedelta(days=int(rng.integers(60, 366)))
            field = clusters.names[cluster]
            profiles.append({
                "person_id": person_id, "external_id": f"syn:{seed}:{start + i}",
                "headline": f"Expert: {field}"[:200],
                "bio": (f"{int(rng.integers(5, 30))} years in {field}. Works on {', '.join(labels[:3])}; "
                        f"also {', '.join(labels[3:]) or 'training and coaching'}. Synthetic profile.")[:20_000],
                "languages": languages, "countries": list(dict.fromkeys([country, *map(str, abroad)])),
                "regions": [], "work_mode": str(rng.choice(["remote", "on_site", "either"])),
                "availability": [{"starts_on": begins.isoformat(), "ends_on": ends.isoformat(),
                                  "days_per_month": int(rng.integers(2, 11))}],
                "day_rate_eur": int(rng.integers(40, 151)) * 10, "sectors": [field[:80]],
                "consent_at": now, "consent_withdrawn_at": None, "listed": True, "updated_at": now,
            })  # fmt: skip
        db.execute(insert(PersonSkill.__table__), skills)
        db.execute(insert(ExpertProfile.__table__), profiles)
        skill_rows += len(skills)
        if progress:
            progress(m)
    return skill_rows


def add_courses(
    *, db: Session, n: int, seed: int, clusters: SkillClusters | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:  # fmt: skip
    """N synthetic courses of the alliance's training providers, each teaching 1-4 skills of one cluster
    (3% with a prerequisite of the same cluster); how many course-skill rows."""
    from skillatlas.alliance.models import OrganisationType
    from skillatlas.learning.models import Course, CoursePrerequisite, CourseSkill

    if n < 0:
        raise InvalidInput("the number of courses cannot be negative", field="courses")
    if db.scalar(select(Course.id).where(Course.code == f"SYN{seed}-0")) is not None:
        raise Conflict(
            f"synthetic courses with seed {seed} are already loaded: choose another seed", field="seed"
        )
    providers = list(db.scalars(select(Organisation.id).where(
        Organisation.type == OrganisationType.EDUCATION_TRAINING).order_by(Organisation.id)))  # fmt: skip
    providers = providers or list(db.scalars(select(Organisation.id).order_by(Organisation.id)))
    if not providers:
        raise InvalidInput(
            "no organisation to offer the courses: load the demo alliance first", field="courses"
        )
    clusters = clusters or skill_clusters(db)
    rng = np.random.default_rng(seed + 3)
    countries = np.array(list(COUNTRY_WEIGHTS))
    country_p = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    country_p /= country_p.sum()
    today = utcnow().date()
    by_cluster: dict[int, list[int]] = {}
    skill_rows = 0
    for start in range(0, n, 5_000):
        m = min(5_000, n - start)
        picks = rng.choice(len(clusters.names), size=m, p=clusters.weights)
        taught = [
            _draw_skills(rng, clusters, int(c), int(rng.integers(1, 4)), int(rng.random() < 0.3))
            for c in picks
        ]
        courses = []
        for i in range(m):
            country = str(rng.choice(countries, p=country_p))
            language = NATIVE_LANGUAGE.get(country, "en") if rng.random() < 0.5 else "en"
            hours = float(rng.integers(2, 121))
            dated = rng.random() < 0.6
            begins = today + dt.timedelta(days=int(rng.integers(7, 240)))
            label = clusters.labels.get(taught[i][0], "automotive skills")
            courses.append({
                "code": f"SYN{seed}-{start + i}", "provider_id": providers[int(rng.integers(len(providers)))],
                "title": str(rng.choice(COURSE_FORMS)).format(label)[:300].capitalize(),
                "description": f"Covers {', '.join(clusters.labels.get(s, '') for s in taught[i])}. "
                               f"Part of the {clusters.names[int(picks[i])]} curriculum. Synthetic course.",
                "learning_outcomes": [f"Can {clusters.labels.get(s, '')}"[:300] for s in taught[i]],
                "eqf_level": int(rng.integers(3, 8)), "hours": hours, "ects": round(hours / 27, 1) if hours >= 27 else None,
                "language": language, "mode": str(rng.choice(["online", "on_site", "blended"], p=(0.4, 0.35, 0.25))),
                "country": country, "city": None,
                "starts_on": begins if dated else None,
                "ends_on": begins + dt.timedelta(days=int(hours // 6) + 1) if dated else None,
                "price_eur": 0.0 if rng.random() < 0.2 else float(rng.integers(5, 300) * 10),
                "award": str(rng.choice(["none", "certificate", "micro_credential"], p=(0.4, 0.35, 0.25))),
            })  # fmt: skip
        ids = _insert_returning_ids(db, Course.__table__, courses)
        rows, prerequisites = [], []
        for i, course_id in enumerate(ids):
            levels = rng.choice(3, size=len(taught[i]), p=(0.3, 0.5, 0.2))
            rows += [{"course_id": course_id, "skill_id": s, "level": LEVELS[lv], "confirmed": True}
                     for s, lv in zip(taught[i], levels, strict=True)]  # fmt: skip
            earlier = by_cluster.setdefault(int(picks[i]), [])
            if earlier and rng.random() < 0.03:
                prerequisites.append(
                    {"course_id": course_id, "requires_id": earlier[int(rng.integers(len(earlier)))]}
                )
            earlier.append(course_id)
        db.execute(insert(CourseSkill.__table__), rows)
        if prerequisites:
            db.execute(insert(CoursePrerequisite.__table__), prerequisites)
        skill_rows += len(rows)
        if progress:
            progress(m)
    return skill_rows
