"""Idempotent creates (``domain.idempotency``): the first request with a key creates and keeps its response,
in the same transaction as the create; a retry gets that response again and creates nothing.

A face calls ``create_once`` with its create use case and the function that
renders the response of a created item. The use case runs ``record`` (given
to it) inside its unit of work, after its writes and before its commit: so
the key is kept if and only if the item is. Two first requests racing with
one key both create, but only one can keep the key (a unique constraint on
user and key); the other's ``record`` finds it taken, which rolls back its
create, and it answers with the winner's response instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from almanac.domain.idempotency import (
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
    IdempotencyRecord,
    IdempotentRequest,
    RecordedResponse,
)
from almanac.domain.ports import UnitOfWork
from almanac.services.context import ServiceContext

Created = TypeVar("Created")


@dataclass(frozen=True)
class Answer:
    """The response to send; ``replayed`` when it is the kept response of an earlier request."""

    response: RecordedResponse
    replayed: bool = False


class _KeyTaken(Exception):
    """Raised inside the create's unit of work to roll it back: a concurrent request kept the key first."""


def create_once(
    ctx: ServiceContext,
    *,
    request: IdempotentRequest | None,
    create: Callable[[Callable[[UnitOfWork, Created], None] | None], Created],
    respond: Callable[[Created], RecordedResponse],
) -> Answer:
    """Run ``create`` once per key: ``create(record)`` must call ``record(uow, created)`` in its unit of work
    before committing (it gets None without a key). ``respond`` renders the response of the created item.

    Raises IdempotencyKeyReusedError when the user's key was used for another request (another
    fingerprint), IdempotencyKeyInProgressError when a concurrent request holds the key but its response
    cannot be read yet, and whatever ``create`` raises (nothing is kept then, so a retry creates again).
    """
    if request is None:
        return Answer(respond(create(None)))
    earlier = _replay(ctx, request)
    if earlier is not None:
        return earlier
    kept: list[RecordedResponse] = []

    def record(uow: UnitOfWork, created: Created) -> None:
        response = respond(created)
        now = ctx.clock.now()
        record = IdempotencyRecord(request, response, created_at=now, expires_at=now + ctx.idempotency_ttl)
        if not uow.idempotency.add(record, now=now):
            raise _KeyTaken()
        kept.append(response)

    try:
        create(record)
    except _KeyTaken:
        winner = _replay(ctx, request)
        if winner is None:  # pragma: no cover - the winner's record vanished (expired) in between
            raise IdempotencyKeyInProgressError() from None
        return winner
    if not kept:
        raise RuntimeError("the create use case did not record its Idempotency-Key")
    return Answer(kept[0])


def _replay(ctx: ServiceContext, request: IdempotentRequest) -> Answer | None:
    with ctx.uow() as uow:
        found = uow.idempotency.get(request.user_id, request.key, now=ctx.clock.now())
    if found is None:
        return None
    if found.request.fingerprint != request.fingerprint:
        raise IdempotencyKeyReusedError()
    return Answer(found.response, replayed=True)
