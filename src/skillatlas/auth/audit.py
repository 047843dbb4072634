"""The audit log: one row per permission-relevant action or change to personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from skillatlas.auth.models import AuditEntry
from skillatlas.auth.permissions import Principal
from skillatlas.db import utcnow


def record(
    *,
    db: Session,
    actor: Principal,
    action: str,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> AuditEntry:
    """Adds an entry; written in the caller's transaction, so a change and its record stand or fall together.

    `at` is the wall-clock time, never a test's pinned clock: the log says when things really happened.
    """
    entry = AuditEntry(
        user_id=user_id if user_id is not None else actor.user_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        at=utcnow(),
        ip=actor.ip,
        details={"via": actor.via, **(details or {})},
    )
    db.add(entry)
    db.flush()
    return entry
