"""Who may do what with applications: rules added to the one policy table.

Facts: `person_id` (the applicant), and a group's `group_id` and `committee_ids` (alliance.service.group_facts).
"""

from __future__ import annotations

from skillatlas.auth.permissions import (
    Rule,
    _has_person,
    _is_the_person,
    _leads_group,
    _office,
    any_of,
    register_rules,
)

_LEADS = "the office, the group's lead, a steering committee's lead"

RULES: dict[str, Rule] = {
    "application.apply": Rule(_has_person, "write", "a logged-in person applies for themselves"),
    "application.read": Rule(
        any_of(_is_the_person, _office, _leads_group), "read", f"the applicant, {_LEADS}"
    ),
    "application.review": Rule(any_of(_office, _leads_group), "write", _LEADS),
    "application.list_group": Rule(any_of(_office, _leads_group), "read", _LEADS),
    "application.intake": Rule(any_of(_office, _leads_group), "write", _LEADS),
    "application.withdraw": Rule(_is_the_person, "write", "only the applicant withdraws their application"),
}
register_rules(RULES)
