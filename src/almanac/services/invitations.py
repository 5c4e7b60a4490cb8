"""Invitation use cases: list, read, invite, answer (signed in, or through a signed mail link) and uninvite.

An invitation is an event's participant with its answer (``domain.invitations``):
every change here is a change of the event, stored through the shared event
write path (new revision, reminders replanned for the new participant set,
``event.updated`` for webhooks). Inviting someone also queues one invitation
mail, a durable delivery row the worker sends exactly once like a reminder.

Rules (spec §2.4, §5.9): whoever may edit the event's calendar invites,
uninvites and sees every invitation; the invitee sees and answers their own
(an editor cannot answer for someone else). An invitation the caller may not
see is NotFoundError, the same as one that does not exist; a refused change to
one they may see is PermissionDeniedError.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from urllib.parse import urlencode

from almanac.domain.calendars import Calendar
from almanac.domain.deliveries import OPEN_STATUSES, Delivery, DeliveryChannel, DeliveryStatus
from almanac.domain.errors import N_, InvalidInputError, NotFoundError, PermissionDeniedError, Problem
from almanac.domain.events import Event, Participant, check_event
from almanac.domain.invitations import (
    INVITATION_DELIVERY_TYPE,
    AnswerLinkError,
    InvitationStatus,
    invitation_delivery_id,
    invitation_id,
    invitation_tag,
    parse_invitation_id,
    sign_answer_token,
    verify_answer_token,
)
from almanac.domain.notices import InvitationNotice
from almanac.domain.permissions import can_edit_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import Page, PageRequest
from almanac.domain.users import Principal, User
from almanac.services.context import ServiceContext
from almanac.services.events import EventView, editable_copy, readable_event, store_changed_event, view_of
from almanac.services.scheduling import announce

#: The name of the stored link secret used when ``ALMANAC_SECRET_KEY`` is not set.
LINK_SECRET_NAME: Final = "invitation-links"
#: The answers a mail offers links for, in the order they are shown.
LINK_ANSWERS: Final = (InvitationStatus.YES, InvitationStatus.NO, InvitationStatus.MAYBE)

ALREADY_INVITED = N_("%(participant)s has already been participant, can't create more")
UNKNOWN_PARTICIPANT = N_("participant must be the username of an existing user, not %(participant)s")


@dataclass(frozen=True)
class InvitationView:
    """One invitation: the event (with what faces render beside it), the invitee and their answer."""

    event: EventView
    participant: User
    status: InvitationStatus

    @property
    def id(self) -> str:
        return invitation_id(self.event.event.key, self.participant.username)

    @property
    def tag(self) -> str:
        return invitation_tag(self.event.event.key, self.participant.username, self.status.value)


@dataclass(frozen=True)
class AnswerLinkView:
    """What the page behind an answer link shows: the invitation and until when the link works."""

    invitation: InvitationView
    expires_at: datetime


def list_invitations(
    ctx: ServiceContext,
    *,
    principal: Principal,
    event_key: str,
    status: InvitationStatus | None,
    page: PageRequest,
) -> Page[InvitationView]:
    """The event's invitations in participant order, of one ``status`` when given, paged, with the total.

    Editors of the event's calendar see every invitation, anyone else who may
    read the event only their own. NotFoundError when the event is unknown or
    unreadable (eXo answers an empty list).
    """
    with ctx.uow() as uow:
        event, calendar = readable_event(uow, principal, event_key=event_key)
        editor = can_edit_calendar(principal, calendar)
        shown = [
            p
            for p in event.participants
            if (editor or p.user_id == principal.user_id) and (status is None or p.status == status.value)
        ]
        window = shown[page.offset : page.offset + page.limit]
        view = view_of(uow, event, calendar)
        users = {u.id: u for u in uow.users.list_by_ids(sorted({p.user_id for p in window}))}
        items = [
            InvitationView(view, users[p.user_id], InvitationStatus(p.status)) for p in window if p.user_id in users
        ]
        return Page(items=items, total=len(shown))


def get_invitation(ctx: ServiceContext, *, principal: Principal, invitation: str) -> InvitationView:
    """The invitation if the caller is its invitee or may edit the event's calendar; NotFoundError otherwise
    (also for a malformed id, an unknown event, and someone who does not take part)."""
    with ctx.uow() as uow:
        event, calendar, user = _visible(uow, principal, invitation)
        return _view(uow, event, calendar, user)


def invite(
    ctx: ServiceContext,
    *,
    principal: Principal,
    event_key: str,
    username: str,
    status: InvitationStatus = InvitationStatus.NONE,
    answer_url: str | None = None,
) -> InvitationView:
    """Make ``username`` a participant of the event with ``status``, and mail them an invitation.

    Checks in order (spec §5.9.2 from step 4): unknown or unreadable event
    (NotFoundError); edit rights on its calendar (PermissionDeniedError); the
    user already takes part, or no user has that name (InvalidInputError, field
    ``participant``); the event's limits. The mail (unless one invites oneself)
    is a delivery due now; its answer links point at ``answer_url`` (plus
    ``?status=…&token=…``), or are left out when it is None.
    """
    with ctx.uow() as uow:
        event, calendar = readable_event(uow, principal, event_key=event_key, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        user = uow.users.get_by_username(username)
        if user is not None and user.id is not None and event.has_participant(user.id):
            raise _participant_problem(ALREADY_INVITED, username)
        if user is None or user.id is None:
            raise _participant_problem(UNKNOWN_PARTICIPANT, username)
        updated = editable_copy(event)
        updated.participants.append(Participant(user_id=user.id, status=status.value))
        check_event(updated, ctx.event_limits)
        now = ctx.clock.now()
        mailed = user.id != principal.user_id
        if mailed:
            _queue_invitation(uow, event, user, inviter=principal, answer_url=answer_url, now=now)
        view = store_changed_event(ctx, uow, event, updated, calendar)
    if mailed:
        announce(ctx, now)
    return InvitationView(view, user, status)


def answer_invitation(
    ctx: ServiceContext, *, principal: Principal, invitation: str, status: InvitationStatus
) -> InvitationView:
    """Record the caller's answer to their own invitation (an unchanged answer stores nothing).

    NotFoundError when the caller may not see the invitation; PermissionDeniedError
    when they see it but are not its invitee (editors cannot answer for others).
    """
    with ctx.uow() as uow:
        event, calendar, user = _visible(uow, principal, invitation, for_update=True)
        if user.id != principal.user_id:
            raise PermissionDeniedError()
        return _answer(ctx, uow, event, calendar, user, status)


def uninvite(ctx: ServiceContext, *, principal: Principal, invitation: str) -> None:
    """Remove the participant (and cancel their unsent invitation mail). NotFoundError when the caller may
    not see the invitation; PermissionDeniedError unless they may edit the calendar (an invitee cannot
    remove themselves)."""
    with ctx.uow() as uow:
        event, calendar, user = _visible(uow, principal, invitation, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        assert user.id is not None
        updated = editable_copy(event)
        updated.participants = [p for p in updated.participants if p.user_id != user.id]
        _cancel_unsent(uow, event, user.id)
        store_changed_event(ctx, uow, event, updated, calendar)


def read_answer_link(ctx: ServiceContext, *, invitation: str, token: str) -> AnswerLinkView:
    """The invitation an answer link is for, without signing in (the page that confirms the answer).

    AnswerLinkError when the token was not made by this server for this
    invitation, ExpiredAnswerLinkError when it is too old (both checked before
    anything is looked up), NotFoundError when the invitation no longer exists.
    """
    with ctx.uow() as uow:
        expires_at = _check_link(ctx, uow, invitation, token)
        event, calendar, user = _existing(uow, invitation)
        return AnswerLinkView(_view(uow, event, calendar, user), expires_at)


def answer_by_link(ctx: ServiceContext, *, invitation: str, token: str, status: InvitationStatus) -> AnswerLinkView:
    """Record the invitee's answer through a signed link; the errors of ``read_answer_link``."""
    with ctx.uow() as uow:
        expires_at = _check_link(ctx, uow, invitation, token)
        event, calendar, user = _existing(uow, invitation, for_update=True)
        return AnswerLinkView(_answer(ctx, uow, event, calendar, user, status), expires_at)


def invitation_notice(
    ctx: ServiceContext, uow: UnitOfWork, delivery: Delivery, *, event: Event | None, recipient: User | None
) -> tuple[InvitationNotice | None, str | None]:
    """What the worker needs to mail a claimed invitation delivery, with freshly signed answer links; or None
    and the reason when it can no longer be sent (the event is gone, or the recipient no longer takes part)."""
    if event is None or recipient is None or recipient.id is None:
        return None, "the event or the recipient no longer exists"
    if not event.has_participant(recipient.id):
        return None, "the recipient no longer takes part in the event"
    users = {
        u.id: u for u in uow.users.list_by_ids(sorted({event.author_id, *(p.user_id for p in event.participants)}))
    }
    organizer = users.get(event.author_id)
    if organizer is None:
        return None, "the organizer no longer exists"
    payload = delivery.payload or {}
    answer_url = payload.get("answer_url")
    links: dict[str, str] = {}
    expires_at: datetime | None = None
    if isinstance(answer_url, str) and answer_url:
        now = ctx.clock.now()
        expires_at = now + ctx.invitations.link_ttl
        secret = _link_secret(ctx, uow, create=True)
        assert secret is not None
        token = sign_answer_token(
            secret, invitation=invitation_id(event.key, recipient.username), expires_at=expires_at
        )
        links = {s.value: f"{answer_url}?{urlencode({'status': s.value, 'token': token})}" for s in LINK_ANSWERS}
    attendees = tuple((users[p.user_id], p.status) for p in event.participants if p.user_id in users)
    notice = InvitationNotice(
        delivery=delivery,
        event=event,
        organizer=organizer,
        attendee=recipient,
        attendees=attendees,
        answer_links=links,
        links_expire_at=expires_at,
    )
    return notice, None


# --- steps ------------------------------------------------------------------------------------------------


def _participant_problem(template: str, username: str) -> InvalidInputError:
    return InvalidInputError([Problem("participant", "participant", template, {"participant": username[:100]})])


def _existing(uow: UnitOfWork, invitation: str, *, for_update: bool = False) -> tuple[Event, Calendar, User]:
    """The event, calendar and invitee of an invitation that exists; NotFoundError otherwise."""
    parts = parse_invitation_id(invitation)
    event = uow.events.get_by_key(parts[0], for_update=for_update) if parts else None
    calendar = uow.calendars.get(event.calendar_id) if event else None
    user = uow.users.get_by_username(parts[1]) if parts and event else None
    if event is None or calendar is None or user is None or user.id is None or not event.has_participant(user.id):
        raise NotFoundError(kind="invitation", id=invitation[:200])
    return event, calendar, user


def _visible(
    uow: UnitOfWork, principal: Principal, invitation: str, *, for_update: bool = False
) -> tuple[Event, Calendar, User]:
    """As ``_existing``, for an invitation the principal may see: their own, or any when they may edit."""
    event, calendar, user = _existing(uow, invitation, for_update=for_update)
    if user.id != principal.user_id and not can_edit_calendar(principal, calendar):
        raise NotFoundError(kind="invitation", id=invitation[:200])
    return event, calendar, user


def _view(uow: UnitOfWork, event: Event, calendar: Calendar, user: User) -> InvitationView:
    status = next(p.status for p in event.participants if p.user_id == user.id)
    return InvitationView(view_of(uow, event, calendar), user, InvitationStatus(status))


def _answer(
    ctx: ServiceContext, uow: UnitOfWork, event: Event, calendar: Calendar, user: User, status: InvitationStatus
) -> InvitationView:
    current = next(p for p in event.participants if p.user_id == user.id)
    if current.status == status.value:
        return _view(uow, event, calendar, user)
    updated = editable_copy(event)
    updated.participants = [
        Participant(p.user_id, status.value) if p.user_id == user.id else p for p in updated.participants
    ]
    view = store_changed_event(ctx, uow, event, updated, calendar)
    return InvitationView(view, user, status)


def _queue_invitation(
    uow: UnitOfWork, event: Event, user: User, *, inviter: Principal, answer_url: str | None, now: datetime
) -> None:
    assert event.id is not None and user.id is not None
    _cancel_unsent(uow, event, user.id)
    delivery = Delivery(
        # The revision this invitation makes: one mail per invitation act.
        id=invitation_delivery_id(event.uid, user.id, event.revision + 1),
        channel=DeliveryChannel.EMAIL,
        due_at=now,
        event_id=event.id,
        recipient_id=user.id,
        event_type=INVITATION_DELIVERY_TYPE,
        payload={"answer_url": answer_url, "inviter_id": inviter.user_id},
        created_at=now,
    )
    uow.deliveries.add_missing([delivery])


def _cancel_unsent(uow: UnitOfWork, event: Event, user_id: int) -> None:
    assert event.id is not None
    unsent = [d.id for d in uow.deliveries.invitations_of(event.id, user_id) if d.status in OPEN_STATUSES]
    uow.deliveries.set_status(unsent, DeliveryStatus.CANCELLED)


def _check_link(ctx: ServiceContext, uow: UnitOfWork, invitation: str, token: str) -> datetime:
    secret = _link_secret(ctx, uow, create=False)
    if secret is None:  # no link was ever signed in this store
        raise AnswerLinkError()
    return verify_answer_token(secret, token, invitation=invitation, now=ctx.clock.now())


def _link_secret(ctx: ServiceContext, uow: UnitOfWork, *, create: bool) -> str | None:
    """``ALMANAC_SECRET_KEY`` when set; otherwise the store's own secret, generated on first use."""
    if ctx.invitations.link_secret:
        return ctx.invitations.link_secret
    if not create:
        return uow.secrets.get(LINK_SECRET_NAME)
    return uow.secrets.get_or_create(LINK_SECRET_NAME, secrets.token_urlsafe(32), created_at=ctx.clock.now())
