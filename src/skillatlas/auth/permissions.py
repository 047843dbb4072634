"""The one permission check: who may do which action, decided from a Principal and the resource's facts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from skillatlas.auth.models import Role
from skillatlas.errors import NotAuthenticated, PermissionDenied
from skillatlas.privacy.models import ConsentPurpose  # a plain enum module: no domain logic comes with it

log = logging.getLogger("skillatlas.auth")


@dataclass(frozen=True, slots=True)
class Grant:
    """A role, optionally limited to one organisation, group or committee (by id)."""

    role: Role
    organisation_id: int | None = None
    group_id: int | None = None
    committee_id: int | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who acts: a user (by a browser session or an API token), an anonymous visitor, or the system."""

    user_id: int | None
    person_id: int | None = None
    grants: frozenset[Grant] = frozenset()
    # API tokens carry scopes ("read", "write"); a browser session or the system has every scope (None).
    scopes: frozenset[str] | None = None
    via: Literal["anonymous", "session", "token", "system"] = "anonymous"
    ip: str | None = None
    organisation_id: int | None = field(default=None)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.is_system

    @property
    def is_system(self) -> bool:
        return self.via == "system"

    def has(self, role: Role, **scope: int | None) -> bool:
        """True when one grant has the role and, for each scope given, that scope."""
        return any(
            g.role == role and all(getattr(g, key) == value for key, value in scope.items())
            for g in self.grants
        )

    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}


ANONYMOUS = Principal(user_id=None)
# The demo loader and the CLI (whoever runs it on the server administers the platform) act as SYSTEM.
SYSTEM = Principal(user_id=None, via="system")

Facts = dict[str, Any]
Check = Callable[[Principal, Facts], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    """Who passes (`check`), and the API-token scope the action needs."""

    check: Check
    scope: Literal["read", "write"]
    why: str


# --- the building blocks of the rules ------------------------------------------------------------


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _authenticated(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None


def _has_person(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None and actor.person_id is not None


def _leads_group(actor: Principal, facts: Facts) -> bool:
    """The lead of the group, or the lead of a committee that steers it."""
    group_id = facts.get("group_id")
    committee_ids: Iterable[int] = facts.get("committee_ids") or ()
    if group_id is not None and actor.has(Role.GROUP_LEAD, group_id=group_id):
        return True
    return any(actor.has(Role.COMMITTEE_LEAD, committee_id=c) for c in committee_ids)


def _leads_any_group(actor: Principal, facts: Facts) -> bool:
    return bool(actor.roles() & {Role.GROUP_LEAD, Role.COMMITTEE_LEAD})


def _leads_a_steering_committee(actor: Principal, facts: Facts) -> bool:
    committee_ids: Iterable[int] = facts.get("committee_ids") or ()
    return any(actor.has(Role.COMMITTEE_LEAD, committee_id=c) for c in committee_ids)


def _manages_organisation(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _is_the_person(actor: Principal, facts: Facts) -> bool:
    return actor.person_id is not None and actor.person_id == facts.get("person_id")


def _is_the_user(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None and actor.user_id == facts.get("user_id")


def _by_session(actor: Principal, facts: Facts) -> bool:
    # A token must not mint tokens: a leaked read token would otherwise become a write token.
    return actor.via == "session"


# --- consents: what a person agreed to, as a fact of the resource ---------------------------------
# A rule that lets someone other than the person (an employer's manager) use the person's data asks
# `consented(purpose)`. The service passes the fact `consents`: the purposes the person consents to now
# (`privacy.service.consent_facts(db, person_id)`). Without that fact the check fails: a door that forgot
# to ask privacy refuses instead of revealing.


def consented(purpose: ConsentPurpose) -> Check:
    """Passes when the facts say the person currently consents to `purpose` (fact `consents`)."""

    def check(actor: Principal, facts: Facts) -> bool:
        given = facts.get("consents")
        return given is not None and purpose in given

    check.__name__ = f"consented_{purpose.value}"
    return check


def any_of(*checks: Check) -> Check:
    """Passes when one of the checks passes."""

    def check(actor: Principal, facts: Facts) -> bool:
        return any(c(actor, facts) for c in checks)

    return check


def all_of(*checks: Check) -> Check:
    """Passes when every check passes."""

    def check(actor: Principal, facts: Facts) -> bool:
        return all(c(actor, facts) for c in checks)

    return check


# The employer's managers see a person's record of skills (and what is computed from it: gaps, paths, the
# workforce view) only while the person lets them: purpose `share_skills_with_employer`.
_employer_with_consent = all_of(_manages_organisation, consented(ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER))
# Who reads a person's skills: the person, the office, and their employer's managers with the person's consent.
reads_skills: Check = any_of(_is_the_person, _office, _employer_with_consent)


# --- the policy table ----------------------------------------------------------------------------
# Every action that writes, or reveals personal data, is here; its service function calls
# `authorize` before anything else. Reads of the public alliance structure (organisations, committees,
# groups with their members and working plans, events with their registration counts, projects, the
# About page) are open to everyone, anonymous visitors included, and call no check.
# The SYSTEM principal (demo loader, CLI) passes every rule.

SKILLS_WHO = "the person, the office, and their employer's managers while the person lets their employer see their skills"

POLICY: dict[str, Rule] = {
    # alliance structure
    "organisation.create": Rule(_office, "write", "the alliance office adds organisations"),
    "organisation.read_staff": Rule(
        any_of(_office, _manages_organisation), "read", "the office and the organisation's managers"
    ),
    "committee.create": Rule(_office, "write", "the alliance office sets up committees"),
    "project.create": Rule(_office, "write", "the alliance office records projects"),
    "group.create": Rule(
        any_of(_office, _leads_a_steering_committee),
        "write",
        "the office, or the lead of a committee that will steer the group",
    ),
    "group.add_member": Rule(
        any_of(_office, _leads_group), "write", "the office, the group's lead, a steering committee's lead"
    ),
    "group.add_work_item": Rule(
        any_of(_office, _leads_group), "write", "the office, the group's lead, a steering committee's lead"
    ),
    "group.update_work_item": Rule(
        any_of(_office, _leads_group), "write", "the office, the group's lead, a steering committee's lead"
    ),
    # events
    "event.open_form": Rule(
        any_of(_office, _leads_any_group), "read", "the office and the leads of groups or committees"
    ),
    "event.create": Rule(
        any_of(_office, _leads_group), "write", "the office, or the lead of the event's group"
    ),
    "event.register_self": Rule(_has_person, "write", "a logged-in user registers themselves"),
    "event.register_other": Rule(
        any_of(_office, _leads_group), "write", "the office and the leads of the event's group"
    ),
    "registration.cancel": Rule(
        any_of(_is_the_person, _office, _leads_group),
        "write",
        "the registered person, the office, the leads of the event's group",
    ),
    "registration.mark_attended": Rule(
        any_of(_office, _leads_group), "write", "the office and the leads of the event's group"
    ),
    "registration.list": Rule(
        any_of(_office, _leads_group), "read", "the office and the leads of the event's group"
    ),
    # accounts
    "account.read_own": Rule(_authenticated, "read", "a logged-in user sees their own account"),
    "token.create": Rule(
        all_of(_authenticated, _by_session), "write", "a logged-in user, from a browser session"
    ),
    "token.revoke": Rule(
        all_of(any_of(_is_the_user, _office), _by_session),
        "write",
        "the token's owner or the office, from a browser session",
    ),
    "user.create": Rule(_office, "write", "the alliance office creates accounts"),
    "user.grant": Rule(_office, "write", "the alliance office grants roles"),
    "user.revoke": Rule(_office, "write", "the alliance office revokes roles"),
    "user.deactivate": Rule(_office, "write", "the alliance office closes and reopens accounts"),
    "audit.read": Rule(_office, "read", "the alliance office reads the audit log"),
    # a person's skills: personal data, shared with their employer's managers while the person consents
    # (a write answers with the whole record, so it needs the consent too)
    "person.skills.read": Rule(reads_skills, "read", SKILLS_WHO),
    "person.skills.write": Rule(reads_skills, "write", SKILLS_WHO),
}


def register_rules(rules: dict[str, Rule]) -> None:
    """Adds a domain's actions to the one policy table; an action already there is a programming error."""
    clash = sorted(set(rules) & set(POLICY))
    if clash:
        raise KeyError(f"actions already in the policy table: {', '.join(clash)}")
    POLICY.update(rules)


def authorize(actor: Principal, action: str, **facts: Any) -> None:
    """Returns when `actor` may do `action` on the resource described by `facts`; raises otherwise.

    NotAuthenticated (401) for an anonymous visitor, PermissionDenied (403) for a user without the right,
    or with an API token that lacks the action's scope.
    """
    rule = POLICY.get(action)
    if rule is None:
        raise KeyError(f"no rule for the action {action!r}")  # a programming error, never a user's
    if actor.is_system:
        return
    if actor.scopes is not None and rule.scope not in actor.scopes:
        raise PermissionDenied(f"this API token lacks the {rule.scope!r} scope")
    if rule.check(actor, facts):
        return
    log.info("denied %s to user %s (%s)", action, actor.user_id, facts)
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    raise PermissionDenied(f"you may not do this: {rule.why}")


def consent_decides(actor: Principal, action: str, purpose: ConsentPurpose, **facts: Any) -> bool | None:
    """For reads over many persons at once (an aggregate, a list), set-based: does the person's consent to
    `purpose` decide whether `actor` may do `action` on persons described by `facts`?

    Asks the same rule twice, about a person who consents and one who does not: False when both pass (the
    actor needs nobody's consent: the office), True when only the consenting one passes (count only those
    who consent), None when neither passes (refused either way).
    """
    if allowed(actor, action, **facts, consents=frozenset()):
        return False
    if allowed(actor, action, **facts, consents=frozenset({purpose})):
        return True
    return None


def allowed(actor: Principal, action: str, **facts: Any) -> bool:
    """The same check as a yes or no, for pages that show a button only to those who may press it."""
    try:
        authorize(actor, action, **facts)
    except (NotAuthenticated, PermissionDenied):
        return False
    return True
