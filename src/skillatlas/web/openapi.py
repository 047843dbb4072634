"""The OpenAPI document describes the error body the API really sends for 422 (not FastAPI's default)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

# web/errors.py: {"detail", "field", "code"}; request-validation errors add "errors": [{field, message}].
ERROR_BODY: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "description": "An error: a message, the field it concerns (or null) and a machine-readable code.",
    "required": ["detail", "field", "code"],
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Field"},
        "code": {"type": "string", "title": "Code"},
        "errors": {
            "type": "array",
            "title": "Errors",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def document_errors(app: FastAPI) -> None:
    """Replaces the generated HTTPValidationError schema (which every 422 response points to)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemas = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = ERROR_BODY
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
