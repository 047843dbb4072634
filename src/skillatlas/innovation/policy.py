"""Who may do what with innovation self-assessments: rules added to the platform's one policy table.

An organisation's answers, evidence and scores are seen by its managers and the office only; everyone else
(other organisations' managers included) sees benchmarks, which are aggregates of at least five organisations.
"""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _manages(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _manages_any(actor: Principal, facts: Facts) -> bool:
    return Role.ORGANISATION_MANAGER in actor.roles()


def _office_or_manager(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _manages(actor, facts)


def _logged_in(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None


OWN = "the organisation's managers and the alliance office"
RULES: dict[str, Rule] = {
    "innovation.questions.edit": Rule(_office, "write", "the alliance office keeps the question set"),
    "innovation.questions.read_draft": Rule(_office, "read", "the alliance office keeps the question set"),
    # the page with the start form and the list of one's own assessments
    "innovation.assessment.open": Rule(
        lambda a, f: _office(a, f) or _manages_any(a, f),
        "read",
        "organisation managers and the alliance office",
    ),
    "innovation.assessment.start": Rule(_office_or_manager, "write", OWN),
    "innovation.assessment.read": Rule(_office_or_manager, "read", OWN),
    "innovation.assessment.answer": Rule(_office_or_manager, "write", OWN),
    "innovation.assessment.import": Rule(_office, "write", "the alliance office imports assessments"),
    # aggregates of at least five organisations, never one organisation's answers
    "innovation.benchmark.read": Rule(_logged_in, "read", "logged-in users"),
}
register_rules(RULES)
