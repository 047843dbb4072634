"""Who may do what with the outcome ledger: rules added to the platform's one policy table.

Aggregate KPIs (reports, the dashboard, exports) hold no personal data and call no check.
"""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, all_of, any_of, consented, register_rules
from skillatlas.privacy.models import ConsentPurpose


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _manages_the_organisation(actor: Principal, facts: Facts) -> bool:
    organisation_id = facts.get("organisation_id")
    return organisation_id is not None and actor.has(
        Role.ORGANISATION_MANAGER, organisation_id=organisation_id
    )


def _manages_some_organisation(actor: Principal, facts: Facts) -> bool:
    """Before a file is read, any manager may try: each row is then checked against their organisations."""
    if "organisation_id" in facts:
        return _manages_the_organisation(actor, facts)
    return any(g.role == Role.ORGANISATION_MANAGER for g in actor.grants)


def _office_or_manager(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _manages_the_organisation(actor, facts)


def _office_or_any_manager(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _manages_some_organisation(actor, facts)


WHO = "the alliance office, or a manager of the organisation the events belong to"
RULES: dict[str, Rule] = {
    # Without an organisation (the whole ledger): the office only.
    "kpi.events.read": Rule(_office_or_manager, "read", WHO),
    "kpi.events.import": Rule(_office_or_any_manager, "write", WHO),
    "kpi.events.correct": Rule(_office_or_manager, "write", WHO),
    # A person's pseudonym on the events an organisation's manager reads (outside the alliance office): only
    # while the person lets their outcomes be shared (`share_kpis`); without it the event counts, anonymously.
    "kpi.events.person_ref": Rule(
        any_of(_office, all_of(_manages_the_organisation, consented(ConsentPurpose.SHARE_KPIS))),
        "read",
        "the alliance office, or the organisation's managers while the person shares their outcomes",
    ),
}
register_rules(RULES)
