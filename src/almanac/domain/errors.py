"""The domain's error hierarchy: one root, one class per kind of failure.

Errors carry an English message *template* (a gettext msgid with ``%(name)s``
placeholders) and its parameters, never a translated string: each face
translates once, at its edge, into the caller's language and wire form.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message template for extraction by Babel without translating it here."""
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input field (``field`` is a dotted path, or "" for the whole input)."""

    field: str
    code: str
    template: str
    params: dict[str, Any] = dc_field(default_factory=dict)


class AlmanacError(Exception):
    """Root of every error the domain and services raise on purpose."""

    code = "error"
    template = N_("The request could not be completed.")

    def __init__(self, template: str | None = None, /, **params: Any) -> None:
        self.template = template or type(self).template
        self.params = params
        super().__init__(self.render())

    def render(self) -> str:
        """The untranslated English message, for logs and tests."""
        try:
            return self.template % self.params
        except (KeyError, TypeError, ValueError):
            return self.template


class NotFoundError(AlmanacError):
    """The object does not exist, or the caller may not know that it does."""

    code = "not_found"
    template = N_("No %(kind)s with id %(id)s was found.")


class PermissionDeniedError(AlmanacError):
    """The caller may see the object but may not do this to it."""

    code = "forbidden"
    template = N_("You are not allowed to do this.")


class AuthenticationError(AlmanacError):
    """No valid credentials were presented."""

    code = "unauthorized"
    template = N_("Authentication is required: send a valid bearer token.")


class RateLimitedError(AlmanacError):
    """Too many attempts in too short a time; ``retry_after`` is in seconds."""

    code = "rate_limited"
    template = N_("Too many attempts. Try again in %(retry_after)s seconds.")


class BusyError(AlmanacError):
    """The server is at its cap of this kind of work and will not queue more; ``retry_after`` is in seconds."""

    code = "busy"
    template = N_("The server is busy with other expensive requests. Try again in %(retry_after)s seconds.")


class StoreBusyError(BusyError):
    """Every database connection of this process stayed busy for the pool's whole timeout (or SQLite's write
    lock did): the request is refused before it did anything, to be retried, instead of failing half-way."""

    template = N_("The server is busy. Try again in %(retry_after)s seconds.")


class ConflictError(AlmanacError):
    """The write would break a uniqueness rule (a duplicate username, email, id...)."""

    code = "conflict"
    template = N_("This conflicts with an existing object.")


class PreconditionFailedError(AlmanacError):
    """A conditional write (If-Match, If-None-Match) found the object changed."""

    code = "precondition_failed"
    template = N_("The object has changed since you read it.")


class InvalidInputError(AlmanacError):
    """The input breaks a rule; ``problems`` names each field at fault."""

    code = "validation_error"
    template = N_("The request is invalid.")

    def __init__(self, problems: list[Problem] | None = None, template: str | None = None, /, **params: Any) -> None:
        self.problems: list[Problem] = list(problems or [])
        super().__init__(template, **params)

    def render(self) -> str:
        head = super().render()
        if not self.problems:
            return head
        details = "; ".join(f"{p.field}: {_fill(p.template, p.params)}" for p in self.problems)
        return f"{head} {details}"


def _fill(template: str, params: dict[str, Any]) -> str:
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


def invalid(field_name: str, code: str, template: str, **params: Any) -> InvalidInputError:
    """Shorthand for an InvalidInputError about a single field."""
    return InvalidInputError([Problem(field_name, code, template, params)])


__all__ = [
    "N_",
    "AlmanacError",
    "AuthenticationError",
    "BusyError",
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Problem",
    "RateLimitedError",
    "TooLargeError",
    "invalid",
]


class TooLargeError(AlmanacError):
    """The request exceeds a size limit (body, list, text); ``limit`` says the limit."""

    code = "too_large"
    template = N_("The request body is larger than the limit of %(limit)s bytes.")


#: The kinds of object NotFoundError names, marked here so their names are translated too.
OBJECT_KINDS = (N_("event"), N_("calendar"), N_("user"), N_("group"), N_("category"), N_("token"))
