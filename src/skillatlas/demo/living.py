"""The living part of the ASA demo (data/living.yaml, data/job_ads.yaml): people with skills, an expert's
finished deployment, development plans in every state, achievements and issued credentials, and job ads
for the demand page. Everything goes through the domains' service functions, as the pages, the API and the
CLI do; what is there already (by e-mail, title, role, name or id) is left alone, so loading again adds
nothing. It needs the taxonomy: the demo's skills are ESCO skills.

Workers and managers act as themselves (their own Principal, as on the pages) where the rules ask who
agrees or answers: a plan is agreed by the worker and by their employer's manager, a proposal is accepted by
the expert. Everything else is done as SYSTEM, like the rest of the demo loader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.auth.models import User
from skillatlas.auth.permissions import SYSTEM, Principal
from skillatlas.taxonomy.models import Skill

#: Job ads are read by a lexical extractor over the automotive part of the taxonomy (the skills the automotive
#: rule flags, the demo roles' skills and the languages below): building the full hybrid extractor embeds all
#: 13,939 skills (about 9 s on two cores) and reads an ad in about 0.12 s, which would make the first
#: `skillatlas serve` wait; the lexical one is built in milliseconds and reads an ad in about 10 ms.
LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Romanian")
JOB_AD_SOURCE = "ASA demo (fictional job ads)"


def _data(name: str) -> dict[str, Any]:
    text = (resources.files("skillatlas.demo") / "data" / name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml where installed


def living_data() -> dict[str, Any]:
    """The parsed data/living.yaml."""
    return _data("living.yaml")


def job_ad_data() -> list[dict[str, Any]]:
    """The demo's job ads (data/job_ads.yaml), each with its postings."""
    return list(_data("job_ads.yaml")["job_ads"])


@dataclass
class Context:
    """What every step needs: the session, the clock, issuing settings, and skills by label."""

    db: Session
    now: dt.datetime
    issuing: Any | None  # credentials.service.Issuing; without it, nothing is signed

    def __post_init__(self) -> None:
        self._uris: dict[str, str] = {}

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def uri(self, label: str) -> str:
        """The URI of the skill with this ESCO preferred label; a missing label is a mistake in the data."""
        if label not in self._uris:
            uri = self.db.scalar(
                select(Skill.uri).where(Skill.preferred_label == label).order_by(Skill.uri).limit(1)
            )
            if uri is None:
                raise LookupError(f"demo data names a skill the taxonomy lacks: {label!r}")
            self._uris[label] = uri
        return self._uris[label]

    def user(self, email: str) -> User:
        found = self.db.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if found is None:
            raise LookupError(f"demo data names an account that is not there: {email!r}")
        return found

    def as_user(self, email: str) -> Principal:
        """The demo user acting for themselves, as after logging in."""
        from skillatlas.auth.service import principal_for

        return principal_for(self.user(email), via="session")

    def person_id(self, email: str) -> int:
        person_id = self.user(email).person_id
        assert person_id is not None
        return person_id


# --- accounts and skills ---------------------------------------------------------------------------


def add_users(db: Session, users: Sequence[dict[str, Any]], password: str) -> int:
    """Opens the accounts that are missing (as the demo loader does for asa.yaml); how many were opened."""
    from skillatlas.auth import service as auth_service
    from skillatlas.auth.schemas import GrantIn, UserCreate
    from skillatlas.validation import parse_input

    added = 0
    for user in users:
        email = user["email"].lower()
        if db.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            continue
        auth_service.create_user(
            db=db,
            actor=SYSTEM,
            data=parse_input(
                UserCreate, {**{k: v for k, v in user.items() if k != "roles"}, "password": password}
            ),
            grants=[parse_input(GrantIn, grant) for grant in user.get("roles", [])],
        )
        added += 1
    return added


def add_skills(ctx: Context, skills: dict[str, list[list[str]]]) -> int:
    """Records the skills a demo person does not have yet (people service); how many were recorded."""
    from skillatlas.people import service as people_service
    from skillatlas.people.models import PersonSkill
    from skillatlas.people.schemas import PersonSkillIn

    added = 0
    for email, rows in skills.items():
        person_id = ctx.person_id(email)
        have = set(
            ctx.db.scalars(
                select(Skill.preferred_label)
                .join(PersonSkill, PersonSkill.skill_id == Skill.id)
                .where(PersonSkill.person_id == person_id)
            )
        )
        missing = [
            PersonSkillIn(uri=ctx.uri(label), level=level, source=source, evidence=evidence)
            for label, level, source, evidence in rows
            if label not in have
        ]
        if missing:
            people_service.set_skills(db=ctx.db, actor=SYSTEM, person_id=person_id, skills=missing)
            added += len(missing)
    return added


def add_consents(ctx: Context, emails: Sequence[str]) -> int:
    """The demo people share their skills with their employer (as if they had ticked it on their privacy
    page), so that the employer's workforce view and gap analyses have someone to show; how many consents."""
    from skillatlas.privacy.models import ConsentPurpose
    from skillatlas.privacy.service import record_consent

    added = 0
    for email in emails:
        added += record_consent(
            db=ctx.db, actor=SYSTEM, person_id=ctx.person_id(email),
            purpose=ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER, given=True, now=ctx.now, source="demo",
        )  # fmt: skip
    return added


# --- the expert and a deployment that ran its whole course -----------------------------------------


def add_expert(ctx: Context, spec: dict[str, Any]) -> int:
    """The demo expert's listed profile and one finished deployment; 1 when the deployment was added."""
    from skillatlas.experts import service as experts
    from skillatlas.experts.models import ExpertiseRequest, ExpertProfile
    from skillatlas.experts.schemas import ExpertiseRequestIn, ExpertProfileIn, ProposalStep

    person_id = ctx.person_id(spec["email"])
    if ctx.db.get(ExpertProfile, person_id) is None:
        days = spec.get("available_days_per_month", 4)
        profile = ExpertProfileIn(
            headline=spec["headline"], bio=spec["bio"], languages=spec["languages"],
            countries=spec["countries"], work_mode=spec["work_mode"], day_rate_eur=spec["day_rate_eur"],
            sectors=spec["sectors"], consent=True,  # a fictional expert, listed as if they had agreed
            availability=[{"starts_on": ctx.today, "ends_on": ctx.today + dt.timedelta(days=365),
                           "days_per_month": days}],
        )  # fmt: skip
        experts.save_profile(db=ctx.db, actor=SYSTEM, person_id=person_id, data=profile, now=ctx.now)
    deployment = spec["deployment"]
    wanted = deployment["request"]
    if (
        ctx.db.scalar(select(ExpertiseRequest.id).where(ExpertiseRequest.title == wanted["title"]))
        is not None
    ):
        return 0
    when = {step["status"]: ctx.now - dt.timedelta(days=step["days_ago"]) for step in deployment["steps"]}
    requester = ctx.as_user(deployment["requester"])
    request = experts.create_request(
        db=ctx.db,
        actor=requester,
        now=when["requested"],
        data=ExpertiseRequestIn.model_validate(
            {
                **wanted,
                "skills": [{"uri": ctx.uri(s["label"]), "level": s["level"]} for s in wanted["skills"]],
            }
        ),
    )
    proposal = experts.propose(
        db=ctx.db, actor=requester, request_id=request.id, expert_id=person_id,
        engine=experts.engine_for(None, "none"), now=when["proposed"],
    )  # fmt: skip
    expert = ctx.as_user(spec["email"])
    for step in deployment["steps"]:
        if step["status"] in ("requested", "proposed"):
            continue
        actor = expert if step["status"] in ("accepted", "declined") else requester
        data = ProposalStep(status=step["status"], rating=step.get("rating"), comment=step.get("comment", ""))
        experts.step(db=ctx.db, actor=actor, proposal_id=proposal.id, data=data, now=when[step["status"]])
    return 1


# --- development plans -----------------------------------------------------------------------------

#: The steps that bring a new plan to each state, in order.
PLAN_STEPS = {
    "draft": (),
    "proposed": ("propose",),
    "agreed": ("propose", "agree"),
    "in_progress": ("propose", "agree", "start", "tick", "results"),
    "completed": ("propose", "agree", "start", "tick", "results"),
}


def _manager_of(ctx: Context, organisation_id: int) -> str:
    from skillatlas.auth.models import Role, RoleGrant

    email = ctx.db.scalar(
        select(User.email)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.ORGANISATION_MANAGER, RoleGrant.organisation_id == organisation_id)
        .order_by(User.id)
        .limit(1)
    )
    if email is None:
        raise LookupError(f"no demo manager for organisation {organisation_id}")
    return email


def add_plans(ctx: Context, plans: Sequence[dict[str, Any]]) -> int:
    """Development plans of demo workers, each brought to its state by the worker and their employer's
    manager; a worker's plan towards a role is added once. How many were added."""
    from skillatlas.learning import plans as plan_service
    from skillatlas.learning.models import Course, DevelopmentPlan
    from skillatlas.learning.schemas import MilestoneIn, OutcomeIn, PlanIn
    from skillatlas.roles.models import JobRole, JobRoleVersion

    added = 0
    for spec in plans:
        person_id = ctx.person_id(spec["worker"])
        exists = ctx.db.scalar(
            select(DevelopmentPlan.id)
            .join(JobRoleVersion, JobRoleVersion.id == DevelopmentPlan.role_version_id)
            .join(JobRole, JobRole.id == JobRoleVersion.role_id)
            .where(DevelopmentPlan.person_id == person_id, JobRole.slug == spec["role"])
        )
        if exists is not None:
            continue
        codes = spec.get("courses", [])
        course_ids = dict(ctx.db.execute(select(Course.code, Course.id).where(Course.code.in_(codes))).all())
        milestones = [
            MilestoneIn(title=m["title"], due_on=ctx.today + dt.timedelta(days=m["due_days"]))
            for m in spec.get("milestones", [])
        ]
        worker = ctx.as_user(spec["worker"])
        plan = plan_service.create_plan(db=ctx.db, actor=worker, data=PlanIn(
            person_id=person_id, role=spec["role"], goals=spec.get("goals", ""),
            courses=[course_ids[c] for c in codes], milestones=milestones,
        ))  # fmt: skip
        manager = ctx.as_user(_manager_of(ctx, plan.employer_id))
        passed = codes if spec["state"] == "completed" else spec.get("passed", [])
        certificates = spec.get("certificates", {})
        for step in PLAN_STEPS[spec["state"]]:
            if step == "propose":
                plan_service.propose(db=ctx.db, actor=worker, plan_id=plan.id)
            elif step == "agree":
                plan_service.agree(db=ctx.db, actor=manager, plan_id=plan.id)
            elif step == "start":
                plan_service.start(db=ctx.db, actor=manager, plan_id=plan.id)
            elif step == "tick":
                for index, milestone in enumerate(spec.get("milestones", [])):
                    if milestone.get("done"):
                        plan_service.tick_milestone(db=ctx.db, actor=worker, plan_id=plan.id, index=index)
            elif step == "results":
                for code in passed:
                    outcome = OutcomeIn(course_id=course_ids[code], outcome="passed",
                                        certificate=certificates.get(code, ""))  # fmt: skip
                    plan_service.record_outcome(db=ctx.db, actor=manager, plan_id=plan.id, data=outcome)
        if plan.state.value != spec["state"]:
            raise AssertionError(f"demo plan of {spec['worker']} is {plan.state.value}, not {spec['state']}")
        added += 1
    return added


# --- achievements and credentials -----------------------------------------------------------------


def add_achievements(ctx: Context, achievements: Sequence[dict[str, Any]]) -> int:
    """The demo's achievements (credentials service); how many were created."""
    from skillatlas.credentials import service as credentials
    from skillatlas.credentials.models import Achievement
    from skillatlas.credentials.schemas import AchievementCreate
    from skillatlas.validation import parse_input, slugify

    added = 0
    for spec in achievements:
        if ctx.db.scalar(select(Achievement.id).where(Achievement.slug == slugify(spec["name"]))) is not None:
            continue
        values = {k: v for k, v in spec.items() if k != "recipients"}
        values["skills"] = [ctx.uri(label) for label in spec.get("skills", [])]
        credentials.create_achievement(db=ctx.db, actor=SYSTEM, data=parse_input(AchievementCreate, values))
        added += 1
    return added


def issue_credentials(ctx: Context, achievements: Sequence[dict[str, Any]]) -> int:
    """Signs each achievement for its demo recipients who do not hold it yet; how many were issued.

    Signing needs the issuer's key, sealed under the key-encryption key of the data directory (`issuing`):
    the issuer's first credential creates its key, as it does from the pages."""
    from skillatlas.credentials import service as credentials
    from skillatlas.credentials.schemas import IssueRequest
    from skillatlas.validation import slugify

    if ctx.issuing is None:
        return 0
    issued = 0
    for spec in achievements:
        achievement = credentials.get_achievement(db=ctx.db, ref=slugify(spec["name"]))
        recipients = {ctx.person_id(email): email for email in spec.get("recipients", [])}
        have = credentials.holders(db=ctx.db, achievement_id=achievement.id, person_ids=list(recipients))
        for person_id, email in recipients.items():
            if person_id in have:
                continue
            credentials.issue(db=ctx.db, actor=SYSTEM, issuing=ctx.issuing, now=ctx.now,
                              data=IssueRequest(achievement=achievement.slug, email=email))  # fmt: skip
            issued += 1
    return issued


# --- job ads ---------------------------------------------------------------------------------------


def posting_rows(ads: Sequence[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """One import row per posting: its own id, a date `months_ago` months before today (a day of that month
    drawn from the id, never after today), the country, and the ad's text with the place of work."""
    rows = []
    for ad in ads:
        for n, posting in enumerate(ad["postings"], start=1):
            ident = f"asa-demo-{ad['id']}-{n}"
            year, month = divmod(today.year * 12 + today.month - 1 - posting["months_ago"], 12)
            day = 1 + int(hashlib.sha256(ident.encode()).hexdigest(), 16) % 28
            posted = min(dt.date(year, month + 1, day), today)
            text = f"{ad['text'].strip()}\nPlace of work: {posting['city']}."
            rows.append({"id": ident, "date": posted.isoformat(), "country": posting["country"],
                         "title": ad["title"], "text": text})  # fmt: skip
    return rows


def demand_extractor(db: Session) -> Any:
    """The lexical skill extractor the demo reads its job ads with (see LANGUAGES above for why)."""
    from skillatlas.intelligence.extraction import ExtractionSettings, SkillExtractor, SkillRecord
    from skillatlas.roles.models import JobRoleSkill

    role_skills = select(JobRoleSkill.skill_id)
    rows = db.execute(
        select(Skill.uri, Skill.preferred_label).where(
            Skill.automotive.is_(True) | Skill.id.in_(role_skills) | Skill.preferred_label.in_(LANGUAGES)
        )
    ).all()
    records = [SkillRecord(uri=uri, label=label) for uri, label in rows]
    return SkillExtractor(records, settings=ExtractionSettings(backend="none"))


def add_job_ads(ctx: Context, ads: Sequence[dict[str, Any]]) -> int:
    """Imports the postings not imported yet through the intelligence job-ads import; how many were new."""
    from skillatlas.intelligence import service as intelligence
    from skillatlas.intelligence.engine import IntelligenceEngine

    rows = posting_rows(ads, ctx.today)
    # Occupations are matched by words only (no embeddings): nothing is embedded, nothing written to disk.
    titles = IntelligenceEngine(Path(tempfile.gettempdir()), "none")

    def classify(title: str) -> int | None:
        return titles.classify_job_title(ctx.db, title)

    report = intelligence.import_job_ads(
        db=ctx.db, actor=SYSTEM, rows=rows, extractor=demand_extractor(ctx.db), today=ctx.today,
        source=JOB_AD_SOURCE, classify=classify,
    )  # fmt: skip
    return report.imported


# --- all of it -------------------------------------------------------------------------------------


def skill_labels(data: dict[str, Any]) -> set[str]:
    """Every skill label the living demo names."""
    labels = {row[0] for rows in data["skills"].values() for row in rows}
    labels |= {s["label"] for s in data["expert"]["deployment"]["request"]["skills"]}
    labels |= {label for spec in data["achievements"] for label in spec.get("skills", [])}
    return labels


def load_living(
    *, db: Session, password: str, issuing: Any | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Adds what is missing of the living demo; what was added, by kind.

    Nothing unless the taxonomy holds every skill the demo names (the bundled ESCO): a database with no
    taxonomy or only a few skills of its own (the test suite's small ESCO extract) gets none of it."""
    data = living_data()
    labels = skill_labels(data)
    found = db.scalar(
        select(func.count(func.distinct(Skill.preferred_label))).where(Skill.preferred_label.in_(labels))
    )
    if found != len(labels):
        return {}
    ctx = Context(db=db, now=now or dt.datetime.now(dt.UTC), issuing=issuing)
    added = {
        "demo accounts": add_users(db, data["users"], password),
        "person skills": add_skills(ctx, data["skills"]),
        "consents": add_consents(ctx, list(data["skills"])),
        "expert deployments": add_expert(ctx, data["expert"]),
        "development plans": add_plans(ctx, data["plans"]),
        "achievements": add_achievements(ctx, data["achievements"]),
        "credentials": issue_credentials(ctx, data["achievements"]),
        "job ads": add_job_ads(ctx, job_ad_data()),
    }
    return {kind: n for kind, n in added.items() if n}
