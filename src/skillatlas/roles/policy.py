"""Who may do what with job roles: rules added to the platform's one policy table."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _office(actor: Principal, facts: Facts) -> bool:
    return actor.has(Role.ALLIANCE_OFFICE)


def _leads_the_group(actor: Principal, facts: Facts) -> bool:
    group_id = facts.get("group_id")
    if group_id is not None and actor.has(Role.GROUP_LEAD, group_id=group_id):
        return True
    return any(actor.has(Role.COMMITTEE_LEAD, committee_id=c) for c in facts.get("committee_ids") or ())


def _leads_a_group(actor: Principal, facts: Facts) -> bool:
    return bool(actor.roles() & {Role.GROUP_LEAD, Role.COMMITTEE_LEAD})


def _editor(actor: Principal, facts: Facts) -> bool:
    return _office(actor, facts) or _leads_the_group(actor, facts)


WHO = "the alliance office, or the lead of the role's group (or of a committee steering it)"
RULES: dict[str, Rule] = {
    "roles.create": Rule(
        lambda a, f: _office(a, f) or _leads_a_group(a, f), "write", "the office and the leads of groups"
    ),
    "roles.edit": Rule(_editor, "write", WHO),
    "roles.review": Rule(_editor, "write", WHO),
    "roles.read_draft": Rule(_editor, "read", WHO),
}
# Published versions are public: anyone may read what a role requires.
register_rules(RULES)
