"""The policy table, rule by rule, as plain Python: no database, no web."""

from __future__ import annotations

import pytest

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import (
    ANONYMOUS,
    POLICY,
    SYSTEM,
    Grant,
    Principal,
    allowed,
    authorize,
)
from skillatlas.errors import NotAuthenticated, PermissionDenied

GROUP_A, GROUP_B = 10, 11
COMMITTEE_C, COMMITTEE_D = 20, 21
ORG_X, ORG_Y = 30, 31
A_FACTS = {"group_id": GROUP_A, "committee_ids": frozenset({COMMITTEE_C})}
B_FACTS = {"group_id": GROUP_B, "committee_ids": frozenset({COMMITTEE_D})}


def user(*grants: Grant, person_id: int | None = 100, via: str = "session", scopes=None) -> Principal:
    return Principal(user_id=1, person_id=person_id, grants=frozenset(grants), via=via, scopes=scopes)  # type: ignore[arg-type]


OFFICE = user(Grant(Role.ALLIANCE_OFFICE))
LEAD_A = user(Grant(Role.GROUP_LEAD, group_id=GROUP_A))
COMMITTEE_LEAD_C = user(Grant(Role.COMMITTEE_LEAD, committee_id=COMMITTEE_C))
MANAGER_X = user(Grant(Role.ORGANISATION_MANAGER, organisation_id=ORG_X))
WORKER = user(Grant(Role.WORKER), person_id=100)
EXPERT = user(Grant(Role.EXPERT), person_id=101)


def test_every_rule_names_its_scope_and_reason() -> None:
    for action, rule in POLICY.items():
        assert rule.scope in {"read", "write"}, action
        assert rule.why, action


def test_anonymous_gets_401_and_users_without_the_right_get_403() -> None:
    with pytest.raises(NotAuthenticated):
        authorize(ANONYMOUS, "organisation.create")
    with pytest.raises(PermissionDenied):
        authorize(WORKER, "organisation.create")
    authorize(OFFICE, "organisation.create")


def test_system_passes_every_rule() -> None:
    for action in POLICY:
        authorize(SYSTEM, action)


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        authorize(OFFICE, "organisation.delete_everything")


@pytest.mark.parametrize("action", ["group.add_member", "group.add_work_item", "group.update_work_item"])
def test_group_changes_belong_to_the_office_and_the_groups_leads(action: str) -> None:
    assert allowed(OFFICE, action, **A_FACTS)
    assert allowed(LEAD_A, action, **A_FACTS)
    assert allowed(COMMITTEE_LEAD_C, action, **A_FACTS)  # the committee steers group A
    assert not allowed(LEAD_A, action, **B_FACTS)
    assert not allowed(COMMITTEE_LEAD_C, action, **B_FACTS)
    for someone in (MANAGER_X, WORKER, EXPERT, ANONYMOUS):
        assert not allowed(someone, action, **A_FACTS)


def test_creating_a_group_needs_the_office_or_a_steering_committees_lead() -> None:
    assert allowed(OFFICE, "group.create", committee_ids=frozenset({COMMITTEE_D}))
    assert allowed(COMMITTEE_LEAD_C, "group.create", committee_ids=frozenset({COMMITTEE_C, COMMITTEE_D}))
    assert not allowed(COMMITTEE_LEAD_C, "group.create", committee_ids=frozenset({COMMITTEE_D}))
    assert not allowed(LEAD_A, "group.create", committee_ids=frozenset({COMMITTEE_C}))


def test_events_of_a_group_are_created_by_its_leads_events_without_one_by_the_office() -> None:
    assert allowed(LEAD_A, "event.create", **A_FACTS)
    assert not allowed(LEAD_A, "event.create", **B_FACTS)
    assert not allowed(LEAD_A, "event.create")
    assert allowed(OFFICE, "event.create")
    assert allowed(LEAD_A, "event.open_form") and allowed(COMMITTEE_LEAD_C, "event.open_form")
    assert not allowed(WORKER, "event.open_form")


def test_registrations_are_seen_by_the_office_and_the_events_group_leads_only() -> None:
    assert allowed(OFFICE, "registration.list", **A_FACTS)
    assert allowed(LEAD_A, "registration.list", **A_FACTS)
    assert not allowed(LEAD_A, "registration.list", **B_FACTS)
    for someone in (WORKER, EXPERT, MANAGER_X, ANONYMOUS):
        assert not allowed(someone, "registration.list", **A_FACTS)


def test_registering_oneself_needs_an_account_with_a_person() -> None:
    assert allowed(WORKER, "event.register_self")
    assert not allowed(user(Grant(Role.WORKER), person_id=None), "event.register_self")
    assert not allowed(ANONYMOUS, "event.register_self")
    assert not allowed(WORKER, "event.register_other", **A_FACTS)
    assert allowed(LEAD_A, "event.register_other", **A_FACTS)


def test_a_registration_is_cancelled_by_its_person_the_office_or_the_groups_leads() -> None:
    assert allowed(WORKER, "registration.cancel", person_id=100, **A_FACTS)
    assert not allowed(EXPERT, "registration.cancel", person_id=100, **A_FACTS)
    assert allowed(LEAD_A, "registration.cancel", person_id=100, **A_FACTS)
    assert allowed(OFFICE, "registration.cancel", person_id=100, **B_FACTS)


def test_staff_lists_belong_to_the_office_and_the_organisations_managers() -> None:
    assert allowed(MANAGER_X, "organisation.read_staff", organisation_id=ORG_X)
    assert not allowed(MANAGER_X, "organisation.read_staff", organisation_id=ORG_Y)
    assert allowed(OFFICE, "organisation.read_staff", organisation_id=ORG_Y)
    assert not allowed(WORKER, "organisation.read_staff", organisation_id=ORG_X)


def test_the_audit_log_and_accounts_belong_to_the_office() -> None:
    for action in ("audit.read", "user.create", "user.grant", "user.revoke"):
        assert allowed(OFFICE, action)
        for someone in (LEAD_A, COMMITTEE_LEAD_C, MANAGER_X, WORKER, EXPERT):
            assert not allowed(someone, action), (action, someone)


def test_token_scopes_limit_what_a_token_may_do() -> None:
    read_only = user(Grant(Role.ALLIANCE_OFFICE), via="token", scopes=frozenset({"read"}))
    read_write = user(Grant(Role.ALLIANCE_OFFICE), via="token", scopes=frozenset({"read", "write"}))
    assert allowed(read_only, "audit.read")
    with pytest.raises(PermissionDenied, match="write"):
        authorize(read_only, "organisation.create")
    assert allowed(read_write, "organisation.create")


def test_tokens_are_made_and_revoked_from_a_browser_session_only() -> None:
    assert allowed(WORKER, "token.create", user_id=1)
    token_user = user(Grant(Role.WORKER), via="token", scopes=frozenset({"read", "write"}))
    assert not allowed(token_user, "token.create", user_id=1)
    assert allowed(WORKER, "token.revoke", user_id=1)
    assert not allowed(WORKER, "token.revoke", user_id=2)
    assert allowed(OFFICE, "token.revoke", user_id=2)
