"""Who may do what with micro-credentials: rules added to the platform's one policy table (auth.permissions)."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, allowed, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _manages_issuer(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _office_or_issuer(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _manages_issuer(actor, facts)


def _office_or_a_manager(actor: Principal, facts: Facts) -> bool:
    # The forms open for whoever may issue for some organisation; the form offers only their own.
    return _office(actor, facts) or actor.has(Role.ORGANISATION_MANAGER)


def sees_the_event(actor: Principal, facts: Facts) -> bool:
    """Who sees an event's attendance: the office, the leads of its group, the managers of its organisers."""
    if allowed(actor, "registration.list", **{k: facts.get(k) for k in ("group_id", "committee_ids")}):
        return True
    return any(
        actor.has(Role.ORGANISATION_MANAGER, organisation_id=o) for o in facts.get("organiser_ids", ())
    )


def _issuer_at_the_event(actor: Principal, facts: Facts) -> bool:
    # Linking a badge to an event, or issuing it to the event's attendees, reveals who attended:
    # it needs the right to issue for the achievement's organisation and the right to see the event.
    return _office(actor, facts) or (_manages_issuer(actor, facts) and sees_the_event(actor, facts))


def _issuer_of_the_course(actor: Principal, facts: Facts) -> bool:
    # A course's completions are the learners' records: the office, or a manager of both the issuer and the
    # course's provider.
    provider_id = facts.get("provider_id")
    return _office(actor, facts) or (
        _manages_issuer(actor, facts)
        and provider_id is not None
        and actor.has(Role.ORGANISATION_MANAGER, organisation_id=provider_id)
    )


def _the_learner_or_office(actor: Principal, facts: Facts) -> bool:
    # A learner's list spans many issuers, so no single issuer's managers may read all of it.
    is_learner = actor.person_id is not None and actor.person_id == facts.get("person_id")
    return is_learner or _office(actor, facts)


def _anyone(actor: Principal, facts: Facts) -> bool:
    return True


def _a_learner(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None and actor.person_id is not None


WHO = "the alliance office, or a manager of the issuing organisation"
RULES: dict[str, Rule] = {
    "credentials.achievement.create": Rule(_office_or_issuer, "write", WHO),
    "credentials.achievement.edit": Rule(_office_or_issuer, "write", WHO),
    "credentials.achievement.open_form": Rule(
        _office_or_a_manager, "read", "the alliance office and organisation managers"
    ),
    "credentials.issue": Rule(_office_or_issuer, "write", WHO),
    "credentials.issue.open_form": Rule(
        _office_or_a_manager, "read", "the alliance office and organisation managers"
    ),
    # Finding a recipient by name or e-mail reveals persons: an issuer's managers find their own staff, or a
    # person whose exact address they type; the office finds everyone (see service.find_recipients).
    "credentials.issue.find_recipient": Rule(_office_or_issuer, "read", WHO),
    "credentials.event.link": Rule(
        _issuer_at_the_event,
        "write",
        "the office, or a manager of the issuing organisation who also sees the event's attendance",
    ),
    "credentials.issue.event": Rule(
        _issuer_at_the_event,
        "write",
        "the office, or a manager of the issuing organisation who also sees the event's attendance",
    ),
    "credentials.issue.course": Rule(
        _issuer_of_the_course,
        "write",
        "the office, or a manager of both the issuing organisation and the course's provider",
    ),
    "credentials.revoke": Rule(_office_or_issuer, "write", WHO),
    "credentials.keys.manage": Rule(_office_or_issuer, "write", WHO),
    "credentials.read_learner": Rule(
        _the_learner_or_office, "read", "the learner themselves and the alliance office"
    ),
    "credentials.read_own": Rule(_a_learner, "read", "a logged-in learner reads their own credentials"),
    # What a verifier needs to read a credential: the published extension context (public on purpose).
    "credentials.contexts.read": Rule(
        _anyone, "read", "anyone, anonymous visitors included (a public document)"
    ),
}
# Verifying, status lists, DID documents, contexts and achievements are public: anyone may check a credential.
register_rules(RULES)
