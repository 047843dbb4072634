"""Who may do what with a person's personal data: rules added to the platform's one policy table."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _the_person_or_office(actor: Principal, facts: Facts) -> bool:
    is_person = actor.person_id is not None and actor.person_id == facts.get("person_id")
    return is_person or actor.has(Role.ALLIANCE_OFFICE)


WHO = "the person themselves, or the alliance office"
register_rules(
    {
        "privacy.consent.read": Rule(_the_person_or_office, "read", WHO),
        "privacy.consent.set": Rule(_the_person_or_office, "write", WHO),
        "privacy.export": Rule(_the_person_or_office, "read", WHO),
        # Erasing needs the person's password when they ask themselves (checked by the service).
        "privacy.erase": Rule(_the_person_or_office, "write", WHO),
    }
)
