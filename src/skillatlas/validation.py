"""Turns Pydantic validation failures into the domain's InvalidInput, naming the field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from skillatlas.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

# A model-level check names its field as a prefix: "ends_on: the end date is before the start date".
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): (.+)$", re.DOTALL)
_REQUEST_PARTS = {"body", "query", "path", "form", "header", "cookie"}


def field_and_message(error: Mapping[str, Any]) -> tuple[str, str]:
    """The dotted field name and a one-line message for one Pydantic error."""
    parts = [str(p) for p in error.get("loc", ()) if p not in _REQUEST_PARTS]
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    match = _FIELD_PREFIX.match(message)
    if match:
        parts = [*parts, match.group(1)]
        message = match.group(2)
    return ".".join(parts) or "input", message


def parse_input(model: type[M], data: Mapping[str, Any]) -> M:
    """The validated model, or InvalidInput for the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, message = field_and_message(exc.errors()[0])
        raise InvalidInput(f"{field}: {message}", field=field) from exc


def slugify(text: str) -> str:
    """A URL-safe lower-case name: 'TIE 2024 – Sibiu' -> 'tie-2024-sibiu'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "item"
