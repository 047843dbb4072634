"""Who sees a background job: the user who started it and the alliance office."""

from __future__ import annotations

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Facts, Principal, Rule, register_rules


def _owner_or_office(actor: Principal, facts: Facts) -> bool:
    owner = facts.get("owner_id")
    return actor.has(Role.ALLIANCE_OFFICE) or (actor.user_id is not None and actor.user_id == owner)


def _logged_in(actor: Principal, facts: Facts) -> bool:
    return actor.user_id is not None


register_rules(
    {
        "jobs.read": Rule(
            _owner_or_office, "read", "a job's progress and result: the user who started it and the office"
        ),
        "jobs.list": Rule(_logged_in, "read", "every user lists their own jobs (the office lists all)"),
        "jobs.retry": Rule(
            _owner_or_office, "write", "a failed job is run again by the user who started it or the office"
        ),
    }
)
