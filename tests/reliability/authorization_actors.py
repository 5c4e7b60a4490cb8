"""Who calls, and what the permission model says each caller may do: the expectations of the matrix.

Nothing here is observed from the server. Every expectation is computed by the domain's own rules
(``almanac.domain.permissions``, ``tasks``, ``webhooks``, ``sharing``) over the objects as stored, for
the principal the actor's token stands for; the few rules the domain does not hold as a function are
written once below, each citing the README paragraph it mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from almanac.domain.attachments import Upload, can_use_upload
from almanac.domain.calendars import Calendar
from almanac.domain.categories import find_category
from almanac.domain.deliveries import Delivery, can_dismiss_popup
from almanac.domain.events import Event
from almanac.domain.feeds import Feed, can_see_feed
from almanac.domain.invitations import AnswerLinkError, verify_answer_token
from almanac.domain.permissions import (
    can_edit_calendar,
    can_edit_event,
    can_manage_calendar,
    can_read_calendar,
    can_read_event,
    can_view_calendar,
)
from almanac.domain.sharing import CalendarKind, calendar_kind
from almanac.domain.tasks import Task, can_read_task
from almanac.domain.users import Principal
from almanac.domain.webhooks import Webhook, can_manage_webhook

__all__ = [
    "Calendar",
    "Delivery",
    "Event",
    "Feed",
    "Task",
    "Upload",
    "can_manage_webhook",
    "can_read_calendar",
    "can_read_event",
    "can_read_task",
]


class Credentials(StrEnum):
    VALID = "valid"
    NONE = "none"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Actor:
    """One column of the matrix: a role, the user playing it (None: nobody signed in) and its credentials."""

    role: str
    username: str | None
    credentials: Credentials = Credentials.VALID

    @property
    def signed_in(self) -> bool:
        return self.credentials is Credentials.VALID


ACTORS: tuple[Actor, ...] = (
    Actor("owner", "alice"),
    Actor("group member", "tom"),
    Actor("view sharee", "vera"),
    Actor("edit sharee", "ed"),
    Actor("participant", "pat"),
    Actor("stranger", "stan"),
    Actor("admin", "root"),
    # A public reader is whoever holds no credentials: the no-login feeds serve them, every other face says 401.
    Actor("no token", None, Credentials.NONE),
    Actor("expired token", "eve", Credentials.EXPIRED),
    Actor("revoked token", "rex", Credentials.REVOKED),
)
ACTOR_BY_ROLE = {actor.role: actor for actor in ACTORS}


class Outcome(StrEnum):
    """What the model says about one (actor, operation, object) cell."""

    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"  # the caller may see the object but not do this to it
    HIDDEN = "hidden"  # the caller may not know the object exists: answered as for an id that does not exist
    UNAUTHENTICATED = "unauthenticated"


def decide(visible: bool, allowed: bool) -> Outcome:
    if allowed:
        return Outcome.ALLOWED
    return Outcome.FORBIDDEN if visible else Outcome.HIDDEN


# --- rights over each kind of object, from the domain -------------------------------------------------


def view_calendar(p: Principal, calendar: Calendar) -> Outcome:
    """The calendar's own description (eXo ``GET /calendars/{id}``): its viewers; public alone is not enough."""
    return decide(False, can_view_calendar(p, calendar))


def read_calendar_events(p: Principal, calendar: Calendar) -> Outcome:
    """The calendar as a whole (ICS export, CalDAV collection): viewers, and everyone signed in when public."""
    return decide(False, calendar.is_public or can_view_calendar(p, calendar))


def add_to_calendar(p: Principal, calendar: Calendar) -> Outcome:
    """Creating an event or task in the calendar: its editors; its readers are told no, others see nothing."""
    readable = calendar.is_public or can_view_calendar(p, calendar)
    return decide(readable, can_edit_calendar(p, calendar))


def manage_calendar(p: Principal, calendar: Calendar) -> Outcome:
    """The calendar's settings and private feed URL: the owner, or an editor of a group calendar."""
    return decide(can_view_calendar(p, calendar), can_manage_calendar(p, calendar))


def remove_calendar(p: Principal, calendar: Calendar) -> Outcome:
    """eXo ``DELETE /calendars/{id}``: its editors delete it, a sharee stops seeing it (spec §5.2.5)."""
    kind = calendar_kind(p, calendar)
    return decide(can_view_calendar(p, calendar), can_edit_calendar(p, calendar) or kind is CalendarKind.SHARED)


def read_event(p: Principal, calendar: Calendar, event: Event) -> Outcome:
    return decide(False, can_read_event(p, calendar, event))


def change_event(p: Principal, calendar: Calendar, event: Event) -> Outcome:
    return decide(can_read_event(p, calendar, event), can_edit_event(p, calendar, event))


def read_task(p: Principal, calendar: Calendar, task: Task) -> Outcome:
    return decide(False, can_read_task(p, calendar, task))


def change_task(p: Principal, calendar: Calendar, task: Task) -> Outcome:
    return decide(can_read_task(p, calendar, task), can_edit_calendar(p, calendar))


def read_dav_object(p: Principal, calendar: Calendar, event: Event) -> Outcome:
    """CalDAV serves events inside calendar collections: whoever may read the collection reads its objects
    (participants of single events read them through the REST faces)."""
    return read_calendar_events(p, calendar)


def change_dav_object(p: Principal, calendar: Calendar, event: Event) -> Outcome:
    return add_to_calendar(p, calendar)


def move_event(p: Principal, source: Calendar, event: Event, target: Calendar) -> Outcome:
    """Moving an event to another calendar (eXo ``PUT /events/{id}`` with ``calendarId``, spec §2.4): the right
    to change it where it is and the right to add to where it goes; into its own calendar, a plain change."""
    return decide(can_read_event(p, source, event), can_edit_event(p, source, event) and can_edit_calendar(p, target))


def manage_webhook(p: Principal, webhook: Webhook) -> Outcome:
    return decide(False, can_manage_webhook(p, webhook))


def see_feed(p: Principal, feed: Feed) -> Outcome:
    return decide(False, can_see_feed(p, feed))


def use_upload(p: Principal, upload: Upload, now: datetime) -> Outcome:
    return decide(False, can_use_upload(p, upload, now=now))


def dismiss_popup(p: Principal, delivery: Delivery) -> Outcome:
    return decide(False, can_dismiss_popup(p, delivery))


def see_category(p: Principal, key: str) -> Outcome:
    """Every user has the built-in categories (``domain.categories``); nobody has any other."""
    return decide(False, find_category(key) is not None)


def anyone_signed_in(p: Principal, key: str) -> Outcome:
    """What every signed-in user may do on their own account (upload, create a webhook or a feed)."""
    return Outcome.ALLOWED


def answer_link_accepted(secret: str, token: str, invitation: str, now: datetime) -> bool:
    """An answer link works when the server signed it for this very invitation and it has not expired
    (``domain.invitations.verify_answer_token``); whoever follows it, signed in or not."""
    try:
        verify_answer_token(secret, token, invitation=invitation, now=now)
    except AnswerLinkError:
        return False
    return True


def see_invitation(p: Principal, calendar: Calendar, event: Event, invitee_id: int) -> Outcome:
    """An invitation is seen by its invitee and by editors of the event's calendar (README "Invitations")."""
    return decide(False, p.user_id == invitee_id or can_edit_calendar(p, calendar))


def answer_invitation(p: Principal, calendar: Calendar, event: Event, invitee_id: int) -> Outcome:
    """Answering: the invitee only; editors see the invitation but cannot answer for someone else."""
    seen = see_invitation(p, calendar, event, invitee_id) is Outcome.ALLOWED
    return decide(seen, p.user_id == invitee_id)


def uninvite(p: Principal, calendar: Calendar, event: Event, invitee_id: int) -> Outcome:
    """Removing a participant: editors of the event's calendar; the invitee cannot remove themselves."""
    seen = see_invitation(p, calendar, event, invitee_id) is Outcome.ALLOWED
    return decide(seen, can_edit_calendar(p, calendar))


# --- what lists hold -----------------------------------------------------------------------------------


def listed_by_backoffice(p: Principal, calendar: Calendar, event: Event) -> bool:
    """README "Who sees what": events of calendars the caller may view, and those they are a recipient of;
    calendars that are merely public are readable by id but not listed."""
    return can_view_calendar(p, calendar) or event.has_participant(p.user_id)


def in_calendar_home(p: Principal, calendar: Calendar) -> bool:
    """The eXo calendar list and the CalDAV home: the caller's own, their groups' and those shared with them
    (``sharing.calendar_kind``; an administrator's list is their own, not the whole store)."""
    return calendar_kind(p, calendar) is not CalendarKind.UNDEFINED


def popup_recipient(p: Principal, event: Event) -> bool:
    """Popups go to the event's participants, or its author when it has none (README "Due popup reminders")."""
    return event.has_participant(p.user_id) if event.participants else event.author_id == p.user_id


def in_own_events(p: Principal, calendar: Calendar) -> bool:
    """eXo ``GET /events`` (spec §5.3.1): the events of the caller's own personal calendars and of their groups'."""
    return calendar_kind(p, calendar) in (CalendarKind.PERSONAL, CalendarKind.GROUP)


def feed_lists(p: Principal, calendar: Calendar) -> bool:
    """What a feed of the caller lists and its RSS holds: the calendars they may read as a whole, now."""
    return can_read_calendar(p, calendar)
