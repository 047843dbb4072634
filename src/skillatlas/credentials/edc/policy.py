"""Who may download a European Digital Credential: the learner, the office, the issuing organisation's managers.
Loading a seal certificate is `credentials.keys.manage` (the office, or a manager of the organisation)."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _learner_office_or_issuer(actor: Principal, facts: Facts) -> bool:
    if actor.person_id is not None and actor.person_id == facts.get("person_id"):
        return True
    organisation_id = facts.get("organisation_id")
    return actor.has(Role.ALLIANCE_OFFICE) or (
        organisation_id is not None and actor.has(Role.ORGANISATION_MANAGER, organisation_id=organisation_id)
    )


register_rules(
    {
        "credentials.edc.download": Rule(
            _learner_office_or_issuer,
            "read",
            "the learner themselves, the alliance office and the issuing organisation's managers",
        ),
    }
)
