"""The ``Idempotency-Key`` header of creates on both REST faces (``services.idempotency``): reading it with
the request's fingerprint, and sending a kept (or fresh) response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Header, Request, Response

from almanac.domain.idempotency import IdempotentRequest, checked_key, request_fingerprint
from almanac.domain.users import Principal
from almanac.services.idempotency import Answer

REPLAYED: Final = "Idempotent-Replayed"

#: What every face declares beside a create that takes the header (OpenAPI ``responses``).
IDEMPOTENCY_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    409: {"description": "A request with this Idempotency-Key is in progress; retry it later."},
    422: {"description": "This Idempotency-Key was already used (by this user) for a different request."},
}
REPLAY_HEADER_DOC: Final[dict[str, Any]] = {
    REPLAYED: {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present on a retry with a used Idempotency-Key: the response of the first request.",
    }
}

#: The headers of a 201 that names the created item by its Location only (the eXo face's creates).
CREATED_HEADERS: Final[dict[str, Any]] = {"Location": {"schema": {"type": "string"}}, **REPLAY_HEADER_DOC}


@dataclass(frozen=True)
class IdempotencyHeader:
    """The checked key of a request (None: not sent) and the request's fingerprint."""

    key: str | None
    fingerprint: str

    def of(self, principal: Principal) -> IdempotentRequest | None:
        """The key as the principal's (keys are scoped to the calling user), or None without a key."""
        if self.key is None:
            return None
        return IdempotentRequest(user_id=principal.user_id, key=self.key, fingerprint=self.fingerprint)


async def idempotency_header(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "A unique key of the client's choosing (1-255 characters, e.g. a UUID). A retry with the same key "
                "and the same body gets the first response again (with `Idempotent-Replayed: true`) and creates "
                "nothing; the same key with another body is 422. Keys are per user and expire (a setting)."
            ),
        ),
    ] = None,
) -> IdempotencyHeader:
    checked = checked_key(key)
    # The body is read (and cached by Starlette) only when it matters: a request that carries a key.
    body = await request.body() if checked is not None else b""
    return IdempotencyHeader(checked, request_fingerprint(request.method, request.url.path, body))


IdempotencyKey = Annotated[IdempotencyHeader, Depends(idempotency_header)]


def answered(answer: Answer, headers: dict[str, str] | None = None) -> Response:
    """The response ``answer`` holds, after the face's own ``headers``, marked when it is a replay."""
    sent = {**(headers or {}), **answer.response.headers}
    if answer.replayed:
        sent[REPLAYED] = "true"
    return Response(answer.response.body, answer.response.status, headers=sent)
