"""The personal home after login: what waits for me, from every domain, and the links to my own pages.

A domain adds what waits for its users with `register_inbox(fn)`; `fn(db, actor, now)` returns InboxItems
and only ever looks at the actor's own things (its queries are scoped to the actor's person, organisation
or grants, the same scopes the one permission check uses for those pages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal


@dataclass(frozen=True, slots=True)
class InboxItem:
    title: str
    href: str
    detail: str = ""
    kind: str = "todo"  # "todo": I must act; "news": something happened for me


InboxProvider = Callable[[Session, Principal, dt.datetime], list[InboxItem]]
PROVIDERS: list[InboxProvider] = []


def register_inbox(provider: InboxProvider) -> InboxProvider:
    """Adds a provider once; usable as a decorator."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def inbox(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    items: list[InboxItem] = []
    for provider in PROVIDERS:
        items.extend(provider(db, actor, now))
    return sorted(items, key=lambda item: item.kind != "todo")


# --- the platform's own providers --------------------------------------------------------------------


@register_inbox
def _plans(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    from skillatlas.learning.models import DevelopmentPlan, PlanState

    scopes = []
    if actor.person_id is not None:
        scopes.append(DevelopmentPlan.person_id == actor.person_id)
    managed = [
        g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER and g.organisation_id
    ]
    if managed:
        scopes.append(DevelopmentPlan.employer_id.in_(managed))
    if not scopes:
        return []
    found = db.scalars(
        select(DevelopmentPlan)
        .where(or_(*scopes), DevelopmentPlan.state == PlanState.PROPOSED)
        .order_by(DevelopmentPlan.id)
        .limit(20)
    )
    items = []
    for plan in found:
        mine = plan.person_id == actor.person_id
        if mine and plan.worker_agreed_at is None:
            items.append(InboxItem("A development plan waits for your agreement", f"/plans/{plan.id}"))
        elif not mine and plan.employer_agreed_at is None and plan.employer_id in managed:
            items.append(
                InboxItem("A development plan waits for the employer's agreement", f"/plans/{plan.id}")
            )
    return items


@register_inbox
def _proposals(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    from skillatlas.experts.models import ExpertiseRequest, Proposal, ProposalStatus

    items = []
    if actor.person_id is not None:
        waiting = db.scalars(
            select(Proposal)
            .where(Proposal.person_id == actor.person_id, Proposal.status == ProposalStatus.PROPOSED)
            .limit(20)
        )
        items += [
            InboxItem(
                f"Proposal to answer: {p.request.title}",
                f"/experts/proposals#proposal-{p.id}",
                f"{p.request.organisation.name} asks · accept or decline",
            )
            for p in waiting
        ]
    managed = [
        g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER and g.organisation_id
    ]
    if managed:
        answered = db.scalars(
            select(Proposal)
            .join(ExpertiseRequest, ExpertiseRequest.id == Proposal.request_id)
            .where(
                ExpertiseRequest.organisation_id.in_(managed),
                Proposal.status.in_([ProposalStatus.ACCEPTED, ProposalStatus.DECLINED]),
            )
            .order_by(Proposal.updated_at.desc())
            .limit(10)
        )
        items += [
            InboxItem(
                f"An expert {p.status.value} your request “{p.request.title}”",
                f"/experts/requests/{p.request_id}",
                kind="news",
            )
            for p in answered
        ]
    return items


@register_inbox
def _registrations(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    from skillatlas.alliance.models import Event, Registration, RegistrationStatus

    if actor.person_id is None:
        return []
    found = db.scalars(
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.person_id == actor.person_id,
            Registration.status.in_([RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]),
            Event.ends_on >= now.date(),
        )
        .order_by(Event.starts_on)
        .limit(10)
    )
    return [
        InboxItem(
            f"{r.event.name}",
            f"/events/{r.event.slug}",
            f"{'registered' if r.status == RegistrationStatus.REGISTERED else 'on the waiting list'}"
            f" · {r.event.starts_on.strftime('%d %b %Y')}",
            kind="news",
        )
        for r in found
    ]


@register_inbox
def _credentials(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    from skillatlas.credentials.models import IssuedCredential

    if actor.person_id is None:
        return []
    recent = now - dt.timedelta(days=30)
    found = db.scalars(
        select(IssuedCredential)
        .where(IssuedCredential.person_id == actor.person_id, IssuedCredential.issued_at >= recent)
        .order_by(IssuedCredential.issued_at.desc())
        .limit(10)
    )
    return [
        InboxItem(
            f"Credential received: {c.achievement.name}",
            f"/credentials/{c.uuid}",
            c.issued_at.strftime("%d %b %Y"),
            kind="news",
        )
        for c in found
    ]
