"""Who may change the alliance's structure once it exists: rules added to the one policy table.

The facts are those of `alliance.service.group_facts` / `event_facts` (a group and its steering committees),
`committee_id` for a committee and `organisation_id` for an organisation.
"""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import (
    Facts,
    Principal,
    Rule,
    _leads_a_steering_committee,
    _leads_group,
    _manages_organisation,
    _office,
    any_of,
    register_rules,
)

_LEADS = "the office, the group's lead, a steering committee's lead"


def _leads_committee(actor: Principal, facts: Facts) -> bool:
    committee_id = facts.get("committee_id")
    return committee_id is not None and actor.has(Role.COMMITTEE_LEAD, committee_id=committee_id)


RULES: dict[str, Rule] = {
    "organisation.update": Rule(
        any_of(_office, _manages_organisation), "write", "the office and the organisation's own managers"
    ),
    "committee.update": Rule(
        any_of(_office, _leads_committee), "write", "the office and the committee's lead"
    ),
    "group.update": Rule(any_of(_office, _leads_group), "write", _LEADS),
    # Moving a group to or from a committee: the office, or that committee's lead (checked per committee).
    "group.move": Rule(
        any_of(_office, _leads_a_steering_committee),
        "write",
        "the office, or the lead of a committee that will steer the group",
    ),
    "group.update_member": Rule(any_of(_office, _leads_group), "write", _LEADS),
    "group.remove_member": Rule(any_of(_office, _leads_group), "write", _LEADS),
    "event.update": Rule(
        any_of(_office, _leads_group), "write", "the office, or the lead of the event's group"
    ),
}
register_rules(RULES)
