"""The resources of the CalDAV face and their live properties (RFC 4918 §15, RFC 4791 §5.2, RFC 5397, RFC 6578).

Each resource knows its href and maps every property it has to a function
that builds the property element; a property it lacks answers 404 in
PROPFIND. What a caller may do to a calendar (``current-user-privilege-set``)
comes from ``domain.permissions``, the rules every face applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Final, Protocol

from almanac.dav import paths
from almanac.dav.colors import color_of_calendar
from almanac.dav.sync import SyncPosition
from almanac.dav.sync import sync_token as sync_token_at
from almanac.dav.timezones import timezone_calendar
from almanac.dav.xml import APPLE_ICAL, CALDAV, CALSERVER, DAV, Element, element, href, tag
from almanac.domain.calendars import Calendar
from almanac.domain.permissions import can_edit_calendar, can_manage_calendar
from almanac.domain.users import Principal, User
from almanac.services.calendars import CalendarView

PropertyGetter = Callable[[], Element | None]

CALENDAR_CONTENT_TYPE: Final = "text/calendar; charset=utf-8"


def object_content_type(component: str) -> str:
    """The media type of a calendar object resource holding ``component`` (VEVENT, VTODO or VJOURNAL)."""
    return f"text/calendar; charset=utf-8; component={component.lower()}"


#: The reports a calendar collection answers (RFC 3253 §3.1.5).
CALENDAR_REPORTS: Final = (
    tag(CALDAV, "calendar-query"),
    tag(CALDAV, "calendar-multiget"),
    tag(CALDAV, "free-busy-query"),
    tag(DAV, "sync-collection"),
)


class StoredObject(Protocol):
    """What the face needs of a calendar object resource (``services.calendar_objects.CalendarObject``)."""

    @property
    def name(self) -> str: ...

    @property
    def etag(self) -> str: ...

    @property
    def data(self) -> bytes: ...

    @property
    def updated_at(self) -> datetime: ...

    @property
    def component(self) -> str:
        """The component the object holds: VEVENT, VTODO or VJOURNAL."""
        ...


def _prop(name: str, *children: Element, text: str | None = None) -> Element:
    return element(name, *children, text=text)


def _href_prop(name: str, path: str) -> Element:
    return _prop(name, href(path))


def _privileges(*names: str) -> Element:
    return _prop(
        tag(DAV, "current-user-privilege-set"),
        *(element(tag(DAV, "privilege"), element(name)) for name in names),
    )


def _supported_reports(names: tuple[str, ...]) -> Element:
    return _prop(
        tag(DAV, "supported-report-set"),
        *(element(tag(DAV, "supported-report"), element(tag(DAV, "report"), element(name))) for name in names),
    )


@dataclass
class Resource:
    """A resource: its href, its live properties, and those ``allprop`` returns (RFC 4918 §9.1)."""

    href: str
    principal: Principal
    properties: dict[str, PropertyGetter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.properties.update(
            {
                tag(DAV, "current-user-principal"): lambda: _href_prop(
                    tag(DAV, "current-user-principal"), paths.principal_href(self.principal.username)
                ),
                tag(DAV, "principal-collection-set"): lambda: _href_prop(
                    tag(DAV, "principal-collection-set"), paths.PREFIX + "/" + paths.PRINCIPALS + "/"
                ),
            }
        )

    @property
    def is_collection(self) -> bool:
        return True

    @property
    def allprop(self) -> tuple[str, ...]:
        return (tag(DAV, "resourcetype"), tag(DAV, "displayname"))


@dataclass
class PlainCollection(Resource):
    """The root and the two index collections (``/dav/principals/``, ``/dav/calendars/``)."""

    display_name: str = "Almanac"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.properties.update(
            {
                tag(DAV, "resourcetype"): lambda: _prop(tag(DAV, "resourcetype"), element(tag(DAV, "collection"))),
                tag(DAV, "displayname"): lambda: _prop(tag(DAV, "displayname"), text=self.display_name),
                tag(DAV, "current-user-privilege-set"): lambda: _privileges(
                    tag(DAV, "read"), tag(DAV, "read-current-user-privilege-set")
                ),
                # Clients that look for a home on the root (some do, before asking the principal).
                tag(CALDAV, "calendar-home-set"): lambda: _href_prop(
                    tag(CALDAV, "calendar-home-set"), paths.home_href(self.principal.username)
                ),
            }
        )


@dataclass
class PrincipalResource(Resource):
    """A user's principal (RFC 3744 §2, RFC 5397, RFC 4791 §6.2.1)."""

    user: User | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        user = self.user
        assert user is not None
        self.properties.update(
            {
                tag(DAV, "resourcetype"): lambda: _prop(
                    tag(DAV, "resourcetype"), element(tag(DAV, "collection")), element(tag(DAV, "principal"))
                ),
                tag(DAV, "displayname"): lambda: _prop(
                    tag(DAV, "displayname"), text=user.display_name or user.username
                ),
                tag(DAV, "principal-URL"): lambda: _href_prop(
                    tag(DAV, "principal-URL"), paths.principal_href(user.username)
                ),
                tag(CALDAV, "calendar-home-set"): lambda: _href_prop(
                    tag(CALDAV, "calendar-home-set"), paths.home_href(user.username)
                ),
                tag(CALDAV, "calendar-user-address-set"): lambda: _prop(
                    tag(CALDAV, "calendar-user-address-set"),
                    href("mailto:" + user.email),
                    href(paths.principal_href(user.username)),
                ),
                tag(CALDAV, "calendar-user-type"): lambda: _prop(tag(CALDAV, "calendar-user-type"), text="INDIVIDUAL"),
                tag(DAV, "current-user-privilege-set"): lambda: _privileges(
                    tag(DAV, "read"), tag(DAV, "read-current-user-privilege-set")
                ),
                tag(DAV, "supported-report-set"): lambda: _supported_reports(()),
            }
        )


@dataclass
class HomeResource(Resource):
    """A calendar home: its members are the calendars of ``services.calendar_homes``."""

    user: User | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        user = self.user
        assert user is not None
        self.properties.update(
            {
                tag(DAV, "resourcetype"): lambda: _prop(tag(DAV, "resourcetype"), element(tag(DAV, "collection"))),
                tag(DAV, "displayname"): lambda: _prop(
                    tag(DAV, "displayname"), text=user.display_name or user.username
                ),
                tag(DAV, "owner"): lambda: _href_prop(tag(DAV, "owner"), paths.principal_href(user.username)),
                # bind: MKCALENDAR here; unbind: DELETE of a member calendar.
                tag(DAV, "current-user-privilege-set"): lambda: _privileges(
                    tag(DAV, "read"), tag(DAV, "read-current-user-privilege-set"), tag(DAV, "bind"), tag(DAV, "unbind")
                ),
                tag(DAV, "supported-report-set"): lambda: _supported_reports(()),
            }
        )


def calendar_privileges(principal: Principal, calendar: Calendar) -> list[str]:
    """What the principal may do to the calendar, as DAV privileges (RFC 3744 §3, RFC 4791 §6.1.1).

    Viewers read (and read free-busy); editors also write content (PUT, DELETE of
    objects: ``write-content``, ``bind``, ``unbind``); those who may change the
    calendar itself (owners and group calendar editors, as in the REST faces) hold
    ``write`` whole, properties included.
    """
    names = [tag(DAV, "read"), tag(DAV, "read-current-user-privilege-set"), tag(CALDAV, "read-free-busy")]
    if can_edit_calendar(principal, calendar):
        if can_manage_calendar(principal, calendar):
            names += [tag(DAV, "write"), tag(DAV, "write-properties")]
        names += [tag(DAV, "write-content"), tag(DAV, "bind"), tag(DAV, "unbind")]
    return names


def sync_token(calendar: Calendar) -> str:
    """The sync token of the calendar's current revision (RFC 6578 §3.2: a URI)."""
    return sync_token_at(calendar.key, SyncPosition(calendar.sync_revision))


@dataclass
class CalendarResource(Resource):
    """A calendar collection (RFC 4791 §4.2, §5.2) seen by ``principal`` from its home."""

    view: CalendarView | None = None
    max_resource_size: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        view = self.view
        assert view is not None
        calendar = view.calendar
        owner = view.owner
        self.properties.update(
            {
                tag(DAV, "resourcetype"): lambda: _prop(
                    tag(DAV, "resourcetype"), element(tag(DAV, "collection")), element(tag(CALDAV, "calendar"))
                ),
                tag(DAV, "displayname"): lambda: _prop(tag(DAV, "displayname"), text=calendar.name),
                tag(DAV, "owner"): lambda: (
                    _href_prop(tag(DAV, "owner"), paths.principal_href(owner)) if owner else None
                ),
                tag(DAV, "current-user-privilege-set"): lambda: _privileges(
                    *calendar_privileges(self.principal, calendar)
                ),
                tag(DAV, "supported-report-set"): lambda: _supported_reports(CALENDAR_REPORTS),
                tag(DAV, "sync-token"): lambda: _prop(tag(DAV, "sync-token"), text=sync_token(calendar)),
                tag(CALSERVER, "getctag"): lambda: _prop(tag(CALSERVER, "getctag"), text=f'"{calendar.sync_revision}"'),
                tag(CALDAV, "calendar-description"): lambda: (
                    None
                    if calendar.description is None
                    else _prop(tag(CALDAV, "calendar-description"), text=calendar.description)
                ),
                tag(CALDAV, "calendar-timezone"): lambda: _prop(
                    tag(CALDAV, "calendar-timezone"), text=timezone_calendar(calendar.tzid)
                ),
                tag(CALDAV, "supported-calendar-component-set"): lambda: _prop(
                    tag(CALDAV, "supported-calendar-component-set"), *(_comp(name) for name in calendar.components)
                ),
                tag(CALDAV, "supported-calendar-data"): lambda: _prop(
                    tag(CALDAV, "supported-calendar-data"), _calendar_data_type()
                ),
                tag(CALDAV, "max-resource-size"): lambda: _prop(
                    tag(CALDAV, "max-resource-size"), text=str(self.max_resource_size)
                ),
                tag(APPLE_ICAL, "calendar-color"): lambda: _color(calendar),
                tag(APPLE_ICAL, "calendar-order"): lambda: (
                    None
                    if calendar.sort_order is None
                    else _prop(tag(APPLE_ICAL, "calendar-order"), text=str(calendar.sort_order))
                ),
            }
        )

    @property
    def allprop(self) -> tuple[str, ...]:
        return (
            tag(DAV, "resourcetype"),
            tag(DAV, "displayname"),
            tag(DAV, "sync-token"),
            tag(CALSERVER, "getctag"),
            tag(CALDAV, "calendar-description"),
            tag(CALDAV, "supported-calendar-component-set"),
            tag(APPLE_ICAL, "calendar-color"),
        )


def _comp(name: str) -> Element:
    made = element(tag(CALDAV, "comp"))
    made.set("name", name)
    return made


def _calendar_data_type() -> Element:
    made = element(tag(CALDAV, "calendar-data"))
    made.set("content-type", "text/calendar")
    made.set("version", "2.0")
    return made


def _color(calendar: Calendar) -> Element | None:
    color = color_of_calendar(calendar)
    return None if color is None else _prop(tag(APPLE_ICAL, "calendar-color"), text=color)


@dataclass
class ObjectResource(Resource):
    """A calendar object resource: one UID (a series with its overrides, or a task) as iCalendar bytes."""

    stored: StoredObject | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        stored = self.stored
        assert stored is not None
        self.properties.update(
            {
                tag(DAV, "resourcetype"): lambda: _prop(tag(DAV, "resourcetype")),
                tag(DAV, "getetag"): lambda: _prop(tag(DAV, "getetag"), text=stored.etag),
                tag(DAV, "getcontenttype"): lambda: _prop(
                    tag(DAV, "getcontenttype"), text=object_content_type(stored.component)
                ),
                tag(DAV, "getcontentlength"): lambda: _prop(tag(DAV, "getcontentlength"), text=str(len(stored.data))),
                tag(DAV, "getlastmodified"): lambda: _prop(
                    tag(DAV, "getlastmodified"), text=format_datetime(stored.updated_at, usegmt=True)
                ),
                tag(CALDAV, "calendar-data"): lambda: _prop(
                    tag(CALDAV, "calendar-data"), text=stored.data.decode("utf-8")
                ),
            }
        )

    @property
    def is_collection(self) -> bool:
        return False

    @property
    def allprop(self) -> tuple[str, ...]:
        return (
            tag(DAV, "resourcetype"),
            tag(DAV, "getetag"),
            tag(DAV, "getcontenttype"),
            tag(DAV, "getcontentlength"),
            tag(DAV, "getlastmodified"),
        )


PropertyTable = Mapping[str, PropertyGetter]
