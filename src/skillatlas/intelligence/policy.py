"""Who may do what with market intelligence: rules added to the platform's one policy table."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _office_or_a_manager(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE) or any(g.role == Role.ORGANISATION_MANAGER for g in actor.grants)


register_rules(
    {
        "intelligence.job_ads.import": Rule(
            _office_or_a_manager,
            "write",
            "the alliance office and member organisations' managers import job ads",
        ),
    }
)
# Finding skills in a text, matching job titles and the demand report hold no personal data: they are public.
