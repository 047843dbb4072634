"""Who may do what with micro-credentials: rules added to the platform's one policy table (auth.permissions)."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _manages_issuer(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _office_or_issuer(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _manages_issuer(actor, facts)


def _the_learner_or_office(actor: Principal, facts: Facts) -> bool:
    # A learner's list spans many issuers, so no single issuer's managers may read all of it.
    is_learner = actor.person_id is not None and actor.person_id == facts.get("person_id")
    return is_learner or _office(actor, facts)


WHO = "the alliance office, or a manager of the issuing organisation"
RULES: dict[str, Rule] = {
    "credentials.achievement.create": Rule(_office_or_issuer, "write", WHO),
    "credentials.issue": Rule(_office_or_issuer, "write", WHO),
    "credentials.revoke": Rule(_office_or_issuer, "write", WHO),
    "credentials.keys.manage": Rule(_office_or_issuer, "write", WHO),
    "credentials.read_learner": Rule(
        _the_learner_or_office, "read", "the learner themselves and the alliance office"
    ),
}
# Verifying, status lists, DID documents, contexts and achievements are public: anyone may check a credential.
register_rules(RULES)
