"""iCalendar feeds of whole calendars: the signed-in export, the public feed, and the secret private feed.

* ``export_calendar``: the calendar's viewers (everyone signed in, when it is
  public) read it, as eXo's ``GET /calendars/{id}/ics`` (spec §5.2.6);
* ``public_feed``: anyone, without signing in, when the calendar is public
  (its ``publicURL`` is set, the eXo flag);
* ``private_feed``: anyone holding the calendar's private feed secret. The
  secret is 256 random bits shown once when minted (``rotate_private_feed``),
  stored only as its SHA-256, and compared in constant time; minting a new one
  (or ``revoke_private_feed``) makes the old URL stop working at once.

Unknown calendars, calendars the caller may not read and wrong secrets are all
NotFoundError: a feed address reveals nothing about calendars it does not serve.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from almanac.domain.calendar_data import entity_tag_of
from almanac.domain.calendars import Calendar
from almanac.domain.errors import NotFoundError, PermissionDeniedError
from almanac.domain.permissions import can_manage_calendar, can_view_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.tokens import hash_secret
from almanac.domain.users import Principal
from almanac.services.calendar_objects import codec_of, group_objects, readable_calendar, users_of
from almanac.services.context import ServiceContext
from almanac.services.task_objects import task_users


@dataclass(frozen=True)
class CalendarFeed:
    """A whole calendar as one VCALENDAR, with its strong entity tag (a hash of ``data``)."""

    calendar: Calendar
    data: bytes
    etag: str


def export_calendar(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> CalendarFeed:
    """The calendar's feed for a signed-in reader (viewer, or anyone when public); else NotFoundError."""
    with ctx.uow(read_only=True) as uow:
        return _feed(ctx, uow, readable_calendar(uow, principal, calendar_key))


def public_feed(ctx: ServiceContext, *, calendar_key: str) -> CalendarFeed:
    """The feed of a public calendar, for anyone; NotFoundError for any other calendar."""
    with ctx.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or not calendar.is_public:
            raise NotFoundError(kind="calendar", id=calendar_key)
        return _feed(ctx, uow, calendar)


def private_feed(ctx: ServiceContext, *, calendar_key: str, secret: str) -> CalendarFeed:
    """The feed of the calendar whose private feed secret is ``secret``; NotFoundError otherwise."""
    with ctx.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        expected = calendar.private_feed_hash if calendar is not None else None
        # Constant time, and a hash of the same length whether or not the calendar has a secret.
        matches = hmac.compare_digest(hash_secret(secret), expected or "-" * 64)
        if calendar is None or expected is None or not matches:
            raise NotFoundError(kind="calendar", id=calendar_key)
        return _feed(ctx, uow, calendar)


def rotate_private_feed(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> str:
    """Mint a new private feed secret for the calendar (the old one stops working) and return it.

    Allowed to whoever may change the calendar itself: its owner, or an editor
    of a group calendar (as eXo's calendar update, spec §5.2.4).
    """
    secret = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        calendar = _changeable(uow, principal, calendar_key)
        calendar.private_feed_hash = hash_secret(secret)
        uow.calendars.update(calendar)
        uow.commit()
    return secret


def revoke_private_feed(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> None:
    """Remove the calendar's private feed secret: its private URL stops working."""
    with ctx.uow() as uow:
        calendar = _changeable(uow, principal, calendar_key)
        calendar.private_feed_hash = None
        uow.calendars.update(calendar)
        uow.commit()


def _changeable(uow: UnitOfWork, principal: Principal, calendar_key: str) -> Calendar:
    """The calendar, if the principal may change it (as ``services.calendars.update_calendar`` decides)."""
    calendar = uow.calendars.get_by_key(calendar_key)
    if calendar is None or not can_view_calendar(principal, calendar):
        raise NotFoundError(kind="calendar", id=calendar_key)
    if not can_manage_calendar(principal, calendar):
        raise PermissionDeniedError()
    return calendar


def _feed(ctx: ServiceContext, uow: UnitOfWork, calendar: Calendar) -> CalendarFeed:
    assert calendar.id is not None
    objects = group_objects(uow.events.list_of_calendar(calendar.id))
    users = users_of(uow, [e for master, overrides in objects for e in (master, *overrides)])
    tasks = uow.tasks.list_of_calendar(calendar.id)
    users.update(task_users(uow, tasks))
    data = codec_of(ctx).calendar_feed(calendar, objects, users=users, tasks=tasks)
    return CalendarFeed(calendar, data, entity_tag_of(data))
