"""Rules for job roles: drafting, reviewing and publishing versions; old versions are kept as they were."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Group
from skillatlas.auth import audit
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.db import utcnow
from skillatlas.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from skillatlas.roles import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.roles.models import JobRole, JobRoleOccupation, JobRoleSkill, JobRoleVersion, VersionState
from skillatlas.roles.schemas import (
    OccupationRef,
    RoleCreate,
    RoleSkillRead,
    RoleSummary,
    RoleVersionIn,
    RoleVersionRead,
)
from skillatlas.taxonomy.models import Occupation, Skill
from skillatlas.validation import slugify


def role_facts(role: JobRole) -> dict[str, object]:
    """What the permission check needs: the reviewing group and the committees steering it."""
    if role.group is None:
        return {"group_id": None, "committee_ids": frozenset()}
    return alliance_service.group_facts(role.group)


def get_role(*, db: Session, slug: str) -> JobRole:
    """The role, or NotFound."""
    role = db.scalar(
        select(JobRole)
        .where(JobRole.slug == slug)
        .options(selectinload(JobRole.versions), selectinload(JobRole.group).selectinload(Group.committees))
    )
    if role is None:
        raise NotFound(f"no job role {slug!r}", field="role")
    return role


def published(role: JobRole) -> JobRoleVersion | None:
    """The newest published version of the role."""
    done = [v for v in role.versions if v.state == VersionState.PUBLISHED]
    return done[-1] if done else None


def get_version(*, db: Session, actor: Principal, slug: str, number: int | None = None) -> JobRoleVersion:
    """A version of a role: the one numbered, or the newest published; drafts only for their editors."""
    role = get_role(db=db, slug=slug)
    if number is None:
        version = published(role)
        if version is None and allowed(actor, "roles.read_draft", **role_facts(role)):
            version = role.versions[-1]
        if version is None:
            raise NotFound(f"the job role {slug!r} has no published version yet", field="version")
        return version
    version = next((v for v in role.versions if v.number == number), None)
    if version is None:
        raise NotFound(f"the job role {slug!r} has no version {number}", field="version")
    if version.state != VersionState.PUBLISHED:
        authorize(actor, "roles.read_draft", **role_facts(role))
    return version


def get_version_by_id(*, db: Session, version_id: int) -> JobRoleVersion:
    """A version by its id (as plans and credentials store it), or NotFound."""
    version = db.get(JobRoleVersion, version_id)
    if version is None:
        raise NotFound(f"no job role version {version_id}", field="version")
    return version


def _fill(db: Session, version: JobRoleVersion, data: RoleVersionIn) -> None:
    uris = [s.uri for s in data.skills]
    known = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_(uris))).all())
    missing = [u for u in uris if u not in known]
    if missing:
        raise InvalidInput(f"unknown skill URI {missing[0]!r}", field="skills")
    occupations = dict(
        db.execute(select(Occupation.uri, Occupation.id).where(Occupation.uri.in_(data.occupations))).all()
    )
    unknown = [u for u in data.occupations if u not in occupations]
    if unknown:
        raise InvalidInput(f"unknown occupation URI {unknown[0]!r}", field="occupations")
    version.title, version.description, version.change_note = data.title, data.description, data.change_note
    version.skills = [
        JobRoleSkill(skill_id=known[s.uri], level=s.level, weight=s.weight) for s in data.skills
    ]
    version.occupations = [
        JobRoleOccupation(occupation_id=occupations[u]) for u in dict.fromkeys(data.occupations)
    ]


def create_role(*, db: Session, actor: Principal, data: RoleCreate) -> JobRoleVersion:
    """A new role with its first version, a draft."""
    group = alliance_service.get_group(db=db, slug=data.group) if data.group else None
    if group is not None:
        authorize(actor, "roles.edit", **alliance_service.group_facts(group))
    else:
        authorize(actor, "roles.create")
    slug = data.slug or slugify(data.title)
    if db.scalar(select(JobRole.id).where(JobRole.slug == slug)) is not None:
        raise AlreadyExists(f"a job role {slug!r} exists already", field="slug")
    role = JobRole(slug=slug, group=group)
    version = JobRoleVersion(number=1, state=VersionState.DRAFT, title=data.title)
    role.versions.append(version)
    db.add(role)
    _fill(db, version, data)
    db.flush()
    audit.record(db=db, actor=actor, action="roles.create", object_type="job_role", object_id=slug)
    return version


def edit_role(*, db: Session, actor: Principal, slug: str, data: RoleVersionIn) -> JobRoleVersion:
    """Changes a role: a draft or a version in review is changed (back to draft); a published one gets a new version."""
    role = get_role(db=db, slug=slug)
    authorize(actor, "roles.edit", **role_facts(role))
    latest = role.versions[-1]
    if latest.state == VersionState.PUBLISHED:
        latest = JobRoleVersion(number=latest.number + 1, title=data.title)
        role.versions.append(latest)
    latest.state, latest.submitted_at = VersionState.DRAFT, None
    _fill(db, latest, data)
    db.flush()
    audit.record(db=db, actor=actor, action="roles.edit", object_type="job_role", object_id=slug,
                 details={"version": latest.number})  # fmt: skip
    return latest


def submit(*, db: Session, actor: Principal, slug: str) -> JobRoleVersion:
    """Puts the newest draft in review by the role's group."""
    role = get_role(db=db, slug=slug)
    authorize(actor, "roles.edit", **role_facts(role))
    latest = role.versions[-1]
    if latest.state != VersionState.DRAFT:
        raise Conflict(f"version {latest.number} is {latest.state.value}, not a draft", field="version")
    latest.state, latest.submitted_at = VersionState.IN_REVIEW, utcnow()
    db.flush()
    audit.record(db=db, actor=actor, action="roles.submit", object_type="job_role", object_id=slug)
    return latest


def publish(*, db: Session, actor: Principal, slug: str) -> JobRoleVersion:
    """Publishes the version in review; earlier versions stay, as plans and credentials point at them."""
    role = get_role(db=db, slug=slug)
    authorize(actor, "roles.review", **role_facts(role))
    latest = role.versions[-1]
    if latest.state != VersionState.IN_REVIEW:
        raise Conflict(
            f"version {latest.number} is {latest.state.value}: submit it for review first", field="version"
        )
    latest.state, latest.published_at = VersionState.PUBLISHED, utcnow()
    db.flush()
    audit.record(db=db, actor=actor, action="roles.publish", object_type="job_role", object_id=slug,
                 details={"version": latest.number})  # fmt: skip
    return latest


def version_read(*, db: Session, version: JobRoleVersion) -> RoleVersionRead:
    """A version with its skills and occupations, labels resolved."""
    skills = db.execute(
        select(JobRoleSkill, Skill.uri, Skill.preferred_label)
        .join(Skill, Skill.id == JobRoleSkill.skill_id)
        .where(JobRoleSkill.version_id == version.id)
        .order_by(JobRoleSkill.weight, Skill.preferred_label)
    ).all()
    occupations = db.execute(
        select(Occupation.uri, Occupation.preferred_label)
        .join(JobRoleOccupation, JobRoleOccupation.occupation_id == Occupation.id)
        .where(JobRoleOccupation.version_id == version.id)
        .order_by(Occupation.preferred_label)
    ).all()
    role = version.role
    return RoleVersionRead(
        role=role.slug, version=version.number, title=version.title, description=version.description,
        state=version.state, change_note=version.change_note, group=role.group.slug if role.group else None,
        created_at=version.created_at, published_at=version.published_at,
        skills=[RoleSkillRead(skill_id=s.skill_id, uri=uri, label=label, level=s.level, weight=s.weight)
                for s, uri, label in skills],
        occupations=[OccupationRef(uri=uri, label=label) for uri, label in occupations],
    )  # fmt: skip


def list_roles(*, db: Session, actor: Principal) -> list[RoleSummary]:
    """Every role with a published version, and the drafts the actor may edit."""
    roles = db.scalars(
        select(JobRole)
        .options(
            selectinload(JobRole.versions).selectinload(JobRoleVersion.skills),
            selectinload(JobRole.group).selectinload(Group.committees),
        )
        .order_by(JobRole.slug)
    ).all()
    found = []
    for role in roles:
        done = published(role)
        if done is None and not allowed(actor, "roles.read_draft", **role_facts(role)):
            continue
        shown = done or role.versions[-1]
        latest = role.versions[-1]
        found.append(
            RoleSummary(slug=role.slug, title=shown.title, latest_version=latest.number,
                        latest_state=latest.state, published_version=done.number if done else None,
                        skills=len(shown.skills))
        )  # fmt: skip
    return found
