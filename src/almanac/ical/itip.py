"""iTIP messages (RFC 5546) for invitation mails (iMIP, RFC 6047): the ``METHOD:REQUEST`` a mail carries.

Deterministic: the same event, people and stamp always give the same bytes.
Times are written in UTC; every participant is an ``ATTENDEE`` with the
``PARTSTAT`` of their answer (``domain.invitations``), and the invitee is asked
to reply (``RSVP=TRUE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent

from almanac.domain.events import Availability, Event, Privacy
from almanac.domain.invitations import InvitationStatus, parse_status
from almanac.domain.users import User

PRODID = "-//Almanac//Invitations//EN"


def invitation_request(
    event: Event,
    *,
    organizer: User,
    attendee: User,
    attendees: Sequence[tuple[User, str]] = (),
    stamp: datetime,
) -> bytes:
    """A VCALENDAR with ``METHOD:REQUEST`` inviting ``attendee`` to ``event`` organised by ``organizer``.

    ``attendees`` are every participant with their answer (``""``, ``yes``, ``no``,
    ``maybe``); when empty, the invitee alone is listed, as not having answered.
    ``stamp`` (aware) is the message's DTSTAMP. ``SEQUENCE`` is the event's
    revision, which only grows, so a later invitation supersedes an earlier one.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    vevent = VEvent()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("sequence", event.revision)
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("class", "PUBLIC" if event.privacy is Privacy.PUBLIC else "PRIVATE")
    # RFC 5545 §3.8.2.7: an "available" event does not block time.
    vevent.add("transp", "TRANSPARENT" if event.availability is Availability.AVAILABLE else "OPAQUE")
    vevent.add("status", "CONFIRMED")
    vevent.add("organizer", _address(organizer))
    people = list(attendees) or [(attendee, InvitationStatus.NONE.value)]
    for person, status in people:
        vevent.add("attendee", _attendee(person, status, invitee=person.id == attendee.id))
    calendar.add_component(vevent)
    data: bytes = calendar.to_ical()
    return data


def _address(user: User) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = user.display_name
    return address


def _attendee(user: User, status: str, *, invitee: bool) -> vCalAddress:
    address = _address(user)
    address.params["cutype"] = "INDIVIDUAL"
    address.params["role"] = "REQ-PARTICIPANT"
    address.params["partstat"] = (parse_status(status) or InvitationStatus.NONE).partstat
    if invitee:
        address.params["rsvp"] = "TRUE"
    return address
