"""Who may do what with mail: rules added to the platform's one policy table (auth.permissions)."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _authenticated(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None


RULES: dict[str, Rule] = {
    # The outbox holds personal data (addresses, names) and live links (password resets): the office only.
    "mail.outbox.read": Rule(_office, "read", "the alliance office reads the outbox"),
    "mail.outbox.send": Rule(_office, "write", "the alliance office sends what is waiting in the outbox"),
    "mail.confirmation.resend": Rule(
        _authenticated, "write", "a logged-in user asks for a new link to confirm their own address"
    ),
}
register_rules(RULES)
