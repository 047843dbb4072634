"""Notifications the domains send when something happens for someone: each one call from the domain's service,
in its transaction (so a change that is rolled back mails nobody).

These are messages about the person's own business (their registration, a proposal to them, their plan,
their credential), so they need no marketing consent (privacy's `contact_by_email` is for news). Persons
without an address (synthetic ones) and erased persons get nothing; see `service.notify_person`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from skillatlas.mail import service

if TYPE_CHECKING:
    from skillatlas.alliance.models import Registration
    from skillatlas.credentials.models import IssuedCredential
    from skillatlas.experts.models import Proposal
    from skillatlas.learning.models import DevelopmentPlan


def waitlist_promoted(db: Session, registration: Registration) -> None:
    """A seat was freed: the first on the waitlist now has it."""
    service.notify_person(db=db, person_id=registration.person_id, template="waitlist_promoted",
                          context={"event": registration.event})  # fmt: skip


def _requester_users(db: Session, proposal: Proposal) -> list[int]:
    """Who asked: the account that posted the request, else the requesting organisation's managers."""
    request = proposal.request
    if request.created_by_user_id is not None:
        return [request.created_by_user_id]
    return service.managers_of(db, request.organisation_id)


def proposal_step(db: Session, proposal: Proposal) -> None:
    """A proposal is made (to the expert), answered (to the requester), or withdrawn (to the expert)."""
    from skillatlas.experts.models import ProposalStatus

    context = {
        "proposal": proposal,
        "request": proposal.request,
        "organisation": proposal.request.organisation,
    }
    if proposal.status == ProposalStatus.PROPOSED:
        service.notify_person(db=db, person_id=proposal.person_id, template="proposal_made", context=context)
    elif proposal.status in (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED):
        expert = proposal.person
        for user_id in _requester_users(db, proposal):
            service.notify_user(db=db, user_id=user_id, template="proposal_answered",
                                context={**context, "expert": expert})  # fmt: skip
    elif proposal.status == ProposalStatus.CANCELLED:
        service.notify_person(db=db, person_id=proposal.person_id, template="proposal_cancelled",
                              context=context)  # fmt: skip


def plan_step(db: Session, plan: DevelopmentPlan, step: str) -> None:
    """A development plan is proposed, agreed by both sides, or completed: the worker and the employer's
    managers are told ("proposed" asks both to agree)."""
    from skillatlas.alliance.models import Organisation
    from skillatlas.auth.models import User
    from skillatlas.people.models import Person
    from skillatlas.roles.models import JobRoleVersion

    version = db.get(JobRoleVersion, plan.role_version_id)
    employer = db.get(Organisation, plan.employer_id)
    worker = db.get(Person, plan.person_id)
    context = {
        "plan": plan,
        "step": step,
        "role_title": version.title if version is not None else "a job role",
        "employer": employer.name if employer is not None else "the employer",
        "worker": worker.full_name if worker is not None else "the worker",
    }
    service.notify_person(db=db, person_id=plan.person_id, template=f"plan_{step}",
                          context={**context, "side": "worker"})  # fmt: skip
    for user_id in service.managers_of(db, plan.employer_id):
        manager = db.get(User, user_id)
        if manager is not None and manager.person_id == plan.person_id:
            continue  # a manager's own plan: mailed once, as the worker
        service.notify_user(db=db, user_id=user_id, template=f"plan_{step}",
                            context={**context, "side": "employer"})  # fmt: skip


def credential_received(db: Session, issued: IssuedCredential) -> None:
    """A micro-credential was issued to the learner."""
    service.notify_person(db=db, person_id=issued.person_id, template="credential_received",
                          context={"credential": issued, "achievement": issued.achievement,
                                   "issuer": issued.organisation})  # fmt: skip
