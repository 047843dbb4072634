"""Who may do what with experts, requests and proposals: rules added to the platform's one policy table."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, any_of, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _the_expert(actor: Principal, facts: Facts) -> bool:
    return actor.person_id is not None and actor.person_id == facts.get("person_id")


def _has_person(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None and actor.person_id is not None


def _manages_requester(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _a_manager(actor: Principal, facts: Facts) -> bool:
    return any(g.role == Role.ORGANISATION_MANAGER for g in actor.grants)


_COMPANY = any_of(_office, _manages_requester)

register_rules(
    {
        "expert.profile.write": Rule(
            any_of(_the_expert, _office), "write", "the expert themselves and the office"
        ),
        "expert.profile.read": Rule(
            any_of(_the_expert, _office), "read", "the expert themselves and the office"
        ),
        "expert.register_self": Rule(_has_person, "write", "a logged-in user registers themselves"),
        "expert.import": Rule(_office, "write", "the alliance office imports experts"),
        "expert.export": Rule(_office, "read", "the alliance office exports experts (the import template)"),
        "expert.request.create": Rule(_COMPANY, "write", "the office and the requesting company's managers"),
        "expert.request.read": Rule(_COMPANY, "read", "the office and the requesting company's managers"),
        "expert.request.list_all": Rule(_office, "read", "the alliance office sees every request"),
        "expert.request.form": Rule(
            any_of(_office, _a_manager), "read", "the office and companies' managers"
        ),
        "expert.propose": Rule(_COMPANY, "write", "the office and the requesting company's managers"),
        "expert.proposal.respond": Rule(
            any_of(_the_expert, _office), "write", "the proposed expert and the office"
        ),
        "expert.proposal.manage": Rule(_COMPANY, "write", "the office and the requesting company's managers"),
        "expert.proposal.read_own": Rule(_has_person, "read", "a logged-in user sees proposals made to them"),
        "expert.report": Rule(_office, "read", "the alliance office reads the needs report"),
    }
)
