"""Who may do what in learning: rules added to the platform's one policy table."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SKILLS_WHO, Facts, Principal, Rule, reads_skills, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _manages(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _trains_for(actor: Principal, facts: Facts) -> bool:
    """A trainer of the training provider: a user with the trainer role whose organisation is the provider."""
    organisation_id = facts.get("organisation_id")
    return (
        organisation_id is not None
        and actor.user_id is not None
        and actor.organisation_id == organisation_id
        and actor.has(Role.TRAINER)
    )


def _is_the_person(actor: Principal, facts: Facts) -> bool:
    return actor.person_id is not None and actor.person_id == facts.get("person_id")


def _is_the_trainer(actor: Principal, facts: Facts) -> bool:
    return actor.person_id is not None and actor.person_id == facts.get("trainer_person_id")


def _office_or_provider(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _manages(actor, facts)


def _course_keeper(actor: Principal, facts: Facts) -> bool:
    """The office, a manager of the training provider, or one of its trainers."""
    return _office(actor, facts) or _manages(actor, facts) or _trains_for(actor, facts)


def _person_side(actor: Principal, facts: Facts) -> bool:
    return _is_the_person(actor, facts) or _office(actor, facts) or _manages(actor, facts)


def _plan_party(actor: Principal, facts: Facts) -> bool:
    return _person_side(actor, facts) or _is_the_trainer(actor, facts)


def _plans_of_anyone(actor: Principal, facts: Facts) -> bool:
    """Every logged-in user has a list of plans (their own, their organisation's, those they train)."""
    return actor.user_id is not None


KEEPERS = "the alliance office, a manager of the training provider, or one of its trainers"

RULES: dict[str, Rule] = {
    "learning.course.write": Rule(_course_keeper, "write", KEEPERS),
    # Who takes a provider's course in a development plan, and their results: for the provider only.
    "learning.course.learners": Rule(_course_keeper, "read", KEEPERS),
    "learning.course.record_outcome": Rule(_course_keeper, "write", KEEPERS),
    # a gap (and a path) is computed from the person's record of skills: read as the record itself is
    "learning.gap.read": Rule(reads_skills, "read", SKILLS_WHO),
    "learning.workforce.read": Rule(
        _office_or_provider, "read", "the alliance office, or a manager of the organisation"
    ),
    "learning.plan.list": Rule(
        _plans_of_anyone, "read", "a logged-in user (each sees the plans they may read)"
    ),
    "learning.plan.read": Rule(
        _plan_party, "read", "the worker, their employer's managers, the plan's trainer"
    ),
    "learning.plan.write": Rule(
        _plan_party, "write", "the worker, their employer's managers, the plan's trainer"
    ),
    "learning.plan.agree_worker": Rule(_is_the_person, "write", "the worker themselves"),
    "learning.plan.agree_employer": Rule(_manages, "write", "a manager of the worker's employer"),
    "learning.plan.record_outcome": Rule(
        lambda a, f: _office(a, f) or _manages(a, f) or _is_the_trainer(a, f),
        "write",
        "the employer's managers, the plan's trainer, the office",
    ),
}
# The catalogue (courses, their skills) is public.
register_rules(RULES)
