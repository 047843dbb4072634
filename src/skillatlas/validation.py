"""Turns Pydantic validation failures into the domain's InvalidInput, naming the field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from skillatlas.errors import FormErrors

M = TypeVar("M", bound=BaseModel)

# A model-level check names its field as a prefix: "ends_on: the end date is before the start date".
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): (.+)$", re.DOTALL)
_REQUEST_PARTS = {"body", "query", "path", "form", "header", "cookie"}


def _choices(ctx: Mapping[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    words = [w.strip(" '\"") for w in re.split(r",| or ", expected) if w.strip(" '\"")]
    return ", ".join(w.replace("_", " ") for w in words)


def friendly_message(error: Mapping[str, Any]) -> str:
    """One Pydantic error in the words of a person filling in a form, not of a parser."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    match = _FIELD_PREFIX.match(message)
    if match:
        message = match.group(2)
    if kind == "missing":
        return "This is required."
    if kind.startswith("date") or kind in {"datetime_from_date_parsing"}:
        return "Enter a date like 2026-07-01."
    if kind.startswith("datetime"):
        return "Enter a date and time like 2026-07-01 09:30."
    if kind.startswith("time"):
        return "Enter a time like 09:30."
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "Enter a whole number."
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return "Enter a number."
    if kind in {"bool_parsing", "bool_type"}:
        return "Choose yes or no."
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        bound = next(iter(ctx.values()), "")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # "more than 0", not "more than 0.0"
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        return f"Enter a number {words} {bound}."
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "This is required." if least == 1 else f"Enter at least {least} characters."
    if kind == "string_too_long":
        return f"Enter at most {ctx.get('max_length')} characters."
    if kind in {"too_short", "too_long"}:
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return f"Give {'at least' if kind == 'too_short' else 'at most'} {bound}."
    if kind in {"enum", "literal_error"}:
        return f"Choose one of: {_choices(ctx)}."
    if kind.startswith("url"):
        return "Enter a full web address, like https://example.org."
    if kind == "string_pattern_mismatch":
        return "This is not in the expected format."
    if kind in {"string_type", "list_type", "dict_type", "model_type", "model_attributes_type"}:
        return "This value has the wrong form."
    if "email" in message.lower() and ("valid" in message.lower() or "@" in message):
        return "Enter an e-mail address like name@example.org."
    return message or "This value is not valid."


def field_and_message(error: Mapping[str, Any]) -> tuple[str, str]:
    """The dotted field name and a one-line message, in a form-filler's words, for one Pydantic error."""
    parts = [str(p) for p in error.get("loc", ()) if p not in _REQUEST_PARTS]
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    match = _FIELD_PREFIX.match(message)
    if match:
        parts = [*parts, match.group(1)]
    return ".".join(parts) or "input", friendly_message(error)


def all_errors(exc: ValidationError) -> dict[str, str]:
    """Every bad field of a failed validation, field -> message (the first message of each field)."""
    found: dict[str, str] = {}
    for error in exc.errors():
        field, message = field_and_message(error)
        found.setdefault(field, message)
    return found


def parse_input(model: type[M], data: Mapping[str, Any]) -> M:
    """The validated model, or FormErrors naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormErrors(all_errors(exc)) from exc


def slugify(text: str) -> str:
    """A URL-safe lower-case name: 'TIE 2024 – Sibiu' -> 'tie-2024-sibiu'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "item"
