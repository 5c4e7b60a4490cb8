"""The error responses of the OpenAPI description: every error a face can answer, declared once per face.

FastAPI documents a 422 on every operation with parameters, which Almanac never
answers (validation failures are 400 on both faces, see ``api/errors.py``), and
knows nothing of the errors the faces' renderers produce. This module rewrites
the generated description: the 422 goes, and each operation gets, by reference
to one shared declaration under ``components/responses``, every error its face
can answer for its method. Declarations an operation makes itself (a more
precise description of its 404, say) are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_WRITES: Final = frozenset({"post", "put", "patch", "delete"})
_BODIES: Final = frozenset({"post", "put", "patch"})

EXO_ERROR_SCHEMA: Final[dict[str, Any]] = {
    "title": "ExoError",
    "type": "object",
    "description": "eXo's error body: a message in the caller's language and what it is about.",
    "properties": {
        "message": {"type": "string"},
        "developerMessage": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["message"],
}


@dataclass(frozen=True)
class FaceErrors:
    """The error responses of one face: (status, description, body media type and schema or None)."""

    name: str
    prefixes: tuple[str, ...]
    public: tuple[str, ...]
    always: tuple[tuple[int, str, dict[str, Any] | None], ...]
    writes: tuple[tuple[int, str, dict[str, Any] | None], ...]
    bodies: tuple[tuple[int, str, dict[str, Any] | None], ...]

    def declarations(self, method: str) -> list[tuple[int, str, dict[str, Any] | None]]:
        found = list(self.always)
        if method in _WRITES:
            found.extend(self.writes)
        if method in _BODIES:
            found.extend(self.bodies)
        return found

    def reference(self, status: int) -> str:
        return f"{self.name}{status}"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


_BO_ERROR: Final = _json({"$ref": "#/components/schemas/ErrorRead"})
_EXO_ERROR: Final = _json({"$ref": "#/components/schemas/ExoError"})

BACKOFFICE: Final = FaceErrors(
    name="BackOfficeError",
    prefixes=("/api/v2/",),
    public=(),
    always=(
        (400, "Invalid parameters or body; every invalid field is listed, in the caller's language.", _BO_ERROR),
        (401, "Missing, unknown, expired or revoked bearer token.", _BO_ERROR),
        (404, "No such object, or not one the caller may see or change.", _BO_ERROR),
        (429, "Too many requests from this caller (rate or sign-in limit); see Retry-After.", _BO_ERROR),
    ),
    writes=((409, "The change conflicts with the stored state.", _BO_ERROR),),
    bodies=((413, "The body is larger than the configured limit (max_body_bytes).", _BO_ERROR),),
)

EXO: Final = FaceErrors(
    name="ExoError",
    prefixes=("/rest/private/v1/calendar", "/rest/v1/calendar/"),
    public=("/rest/v1/calendar/",),
    always=(
        (400, "Invalid parameters or body: the first broken rule, in the caller's language.", _EXO_ERROR),
        (401, "Missing or bad credentials (a message and a challenge), or a refused write (no body).", None),
        (404, "No such object, or not one the caller may read (no body).", None),
        (429, "Too many requests from this caller (rate or sign-in limit); see Retry-After.", _EXO_ERROR),
    ),
    writes=(
        (403, "A change eXo forbids on a personal calendar (a plain-text message).", {"text/plain": {}}),
        (409, "The change conflicts with the stored state.", _EXO_ERROR),
    ),
    bodies=((413, "The body is larger than the configured limit (max_body_bytes).", _EXO_ERROR),),
)

FACES: Final = (BACKOFFICE, EXO)


def describe_errors(description: dict[str, Any], faces: tuple[FaceErrors, ...] = FACES) -> dict[str, Any]:
    """``description`` with FastAPI's 422 replaced by the faces' shared error responses (changed in place).
    The expensive routes declare their own 503 (``api.expensive_queries.BUSY_RESPONSES``)."""
    components = description.setdefault("components", {})
    components.setdefault("schemas", {})["ExoError"] = EXO_ERROR_SCHEMA
    shared = components.setdefault("responses", {})
    for path, operations in description.get("paths", {}).items():
        face = next((f for f in faces if path.startswith(f.prefixes)), None)
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                responses.pop("422")  # FastAPI's; an operation's own 422 (a reused Idempotency-Key) stays
            if face is None:
                continue
            for status, text, content in face.declarations(method):
                if status == 401 and path.startswith(face.public):
                    continue  # a public operation (a feed, an answer link) asks for no credentials
                name = face.reference(status)
                shared[name] = {"description": text, **({"content": content} if content else {})}
                responses.setdefault(str(status), {"$ref": f"#/components/responses/{name}"})
    schemas = components["schemas"]
    if "HTTPValidationError" in schemas and "HTTPValidationError" not in str(description.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return description


def install_error_responses(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Make ``app``'s description carry the faces' error responses (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = describe_errors(generated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return openapi
