"""Who may add to the taxonomy: rules added to the platform's one policy table."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _office_or_a_lead(actor: Principal, facts: Facts) -> bool:
    # Leads define job roles; when ESCO lacks a skill a role needs, they propose it.
    return _office(actor, facts) or any(
        g.role in (Role.COMMITTEE_LEAD, Role.GROUP_LEAD) for g in actor.grants
    )


register_rules(
    {
        "taxonomy.skill.propose": Rule(
            _office_or_a_lead, "write", "the alliance office and committee or group leads"
        ),
        "taxonomy.skill.review": Rule(
            _office, "write", "the alliance office reviews the alliance's own skills"
        ),
    }
)
# Reading the taxonomy is public: it holds no personal data.
