"""Domain errors: every front door turns these into a clear message."""

from __future__ import annotations


class SkillAtlasError(Exception):
    """A rule of the domain was broken; the message is meant for the user."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        """The JSON body the API returns."""
        return {"detail": self.message, "field": self.field, "code": self.code}


class InvalidInput(SkillAtlasError):
    """A value is malformed or out of range."""

    status_code = 422
    code = "invalid"


class FormErrors(InvalidInput):
    """Several fields are wrong at once: every one is named, each with a message in the user's words."""

    def __init__(self, errors: dict[str, str]) -> None:
        if not errors:
            raise ValueError("FormErrors needs at least one error")
        self.errors = dict(errors)
        field, message = next(iter(self.errors.items()))
        super().__init__(
            f"{field}: {message}"
            if len(self.errors) == 1
            else "; ".join(f"{f}: {m}" for f, m in self.errors.items()),
            field=field,
        )

    def as_dict(self) -> dict[str, object]:  # type: ignore[override]
        body: dict[str, object] = dict(super().as_dict())
        body["errors"] = [{"field": f, "message": m} for f, m in self.errors.items()]
        return body


class NotFound(SkillAtlasError):
    """The named thing does not exist."""

    status_code = 404
    code = "not_found"


class AlreadyExists(SkillAtlasError):
    """The thing to create exists already."""

    status_code = 409
    code = "already_exists"


class Conflict(SkillAtlasError):
    """The action contradicts the current state (registering twice, a past event)."""

    status_code = 409
    code = "conflict"


class PermissionDenied(SkillAtlasError):
    """The user may not do this."""

    status_code = 403
    code = "forbidden"


class NotAuthenticated(SkillAtlasError):
    """The action needs a logged-in user."""

    status_code = 401
    code = "not_authenticated"


class DatabaseUnavailable(SkillAtlasError):
    """The database cannot be reached; the action can be retried later."""

    status_code = 503
    code = "database_unavailable"


class LimitExceeded(SkillAtlasError):
    """An input is beyond one of the hard limits every parser keeps (`skillatlas.limits`): nesting depth,
    blank nodes, the time a check may take. The message names the limit."""

    status_code = 422
    code = "limit_exceeded"


class TooLarge(LimitExceeded):
    """An input is too large: bytes, rows, cells or the length of one field; the message names the limit."""

    status_code = 413
    code = "too_large"


class Busy(SkillAtlasError):
    """Every worker for this kind of work is busy; the action can be retried in a moment."""

    status_code = 503
    code = "busy"
