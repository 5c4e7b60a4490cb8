"""Error responses: one dispatcher, one renderer per face.

Every failure reaches the client through ``ErrorResponder.respond``: domain
errors, request validation failures, unknown routes and (as a last resort)
unexpected exceptions. The responder picks the caller's language and the
renderer of the face the path belongs to; each face's renderer owns its table
from error class to status code and body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from almanac.api.i18n import Translator
from almanac.api.log_redaction import redact
from almanac.api.problems import from_validation_errors
from almanac.domain.errors import N_, AlmanacError, NotFoundError

log = logging.getLogger("almanac.api")


class RouteNotFoundError(NotFoundError):
    code = "not_found"
    template = N_("There is no resource at this address.")


class MethodNotAllowedError(AlmanacError):
    code = "method_not_allowed"
    template = N_("The method %(method)s is not allowed here.")


class InternalError(AlmanacError):
    code = "internal_error"
    template = N_("Something went wrong on our side; the request was not completed.")


class FaceErrorRenderer(Protocol):
    def __call__(self, request: Request, error: AlmanacError, language: str) -> Response: ...


ValidationTemplates = dict[str, str]


class ErrorResponder:
    """Routes each failure to the renderer of the face whose path prefix matches (longest first)."""

    def __init__(self, translator: Translator, default: FaceErrorRenderer) -> None:
        self.translator = translator
        self._default = default
        self._faces: list[tuple[str, FaceErrorRenderer, ValidationTemplates]] = []

    def register(
        self, prefix: str, renderer: FaceErrorRenderer, validation_templates: ValidationTemplates | None = None
    ) -> None:
        self._faces.append((prefix, renderer, dict(validation_templates or {})))
        self._faces.sort(key=lambda face: len(face[0]), reverse=True)

    def language(self, request: Request) -> str:
        return self.translator.negotiate(request.headers.get("accept-language"))

    def respond(self, request: Request, error: AlmanacError) -> Response:
        language = self.language(request)
        response = self._face(request.url.path)[0](request, error, language)
        response.headers["Content-Language"] = language
        return response

    def describe(self, request: Request, error: AlmanacError) -> str:
        """The error's message in the caller's language (for a face that renders its own errors, like DAV)."""
        return self.translator.translate(self.language(request), error.template, error.params)

    def validation_templates(self, path: str) -> ValidationTemplates:
        return self._face(path)[1]

    def _face(self, path: str) -> tuple[FaceErrorRenderer, ValidationTemplates]:
        for prefix, renderer, templates in self._faces:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return renderer, templates
        return self._default, {}

    def install(self, app: FastAPI, *, finish_unexpected: Callable[[Request, Response], None] | None = None) -> None:
        """Register the handlers. ``finish_unexpected`` completes the last-resort 500, which Starlette sends
        from outside every middleware (so the security headers must be added to it here)."""

        async def on_domain_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, AlmanacError)
            return self.respond(request, exc)

        async def on_validation_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, RequestValidationError)
            templates = self.validation_templates(request.url.path)
            return self.respond(request, from_validation_errors(list(exc.errors()), templates))

        async def on_http_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, StarletteHTTPException)
            if exc.status_code == 405:
                error: AlmanacError = MethodNotAllowedError(method=request.method)
            elif exc.status_code == 404:
                error = RouteNotFoundError()
            else:
                error = AlmanacError()
            response = self.respond(request, error)
            if exc.status_code == 405 and exc.headers:
                response.headers.update(exc.headers)
            return response

        async def on_unexpected(request: Request, exc: Exception) -> Response:
            log.exception("unexpected error on %s %s", request.method, redact(request.url.path))
            response = self.respond(request, InternalError())
            if finish_unexpected is not None:
                finish_unexpected(request, response)
            return response

        app.add_exception_handler(AlmanacError, on_domain_error)
        app.add_exception_handler(RequestValidationError, on_validation_error)
        app.add_exception_handler(StarletteHTTPException, on_http_error)
        app.add_exception_handler(Exception, on_unexpected)


def renamed_field(name: str, names: Mapping[str, str]) -> str:
    """A problem's field path with its first segment renamed to the face's name: ``participants[2]`` ->
    ``recipients[2]`` for ``{"participants": "recipients"}``."""
    head, sep, rest = name.partition(".")
    bracket = head.find("[")
    base, suffix = (head, "") if bracket < 0 else (head[:bracket], head[bracket:])
    return names.get(base, base) + suffix + sep + rest


def json_error(status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers={"Cache-Control": "no-store", **(headers or {})})


StatusTable = list[tuple[type[AlmanacError], int]]


def status_for(error: AlmanacError, table: StatusTable, default: int = 400) -> int:
    """The status of the first table entry the error is an instance of (list subclasses first)."""
    for error_class, status in table:
        if isinstance(error, error_class):
            return status
    return default


__all__ = [
    "ErrorResponder",
    "FaceErrorRenderer",
    "InternalError",
    "MethodNotAllowedError",
    "RouteNotFoundError",
    "StatusTable",
    "json_error",
    "status_for",
]
