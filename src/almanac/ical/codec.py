"""The ``CalendarCodec`` port implemented with this package's parser and serializer (wired by bootstrap)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from almanac.domain.calendar_data import ParsedObject
from almanac.domain.calendars import Calendar
from almanac.domain.events import Event
from almanac.domain.tasks import Task
from almanac.domain.users import User
from almanac.ical import parse, serialize


class ICalendarCodec:
    """Implements ``almanac.domain.calendar_data.CalendarCodec``."""

    def calendar_object(self, master: Event, overrides: Sequence[Event], *, users: Mapping[int, User]) -> bytes:
        return serialize.calendar_object(master, overrides, users=users)

    def calendar_task(self, task: Task, *, users: Mapping[int, User]) -> bytes:
        return serialize.calendar_task(task, users=users)

    def calendar_feed(
        self,
        calendar: Calendar,
        objects: Sequence[tuple[Event, Sequence[Event]]],
        *,
        users: Mapping[int, User],
        tasks: Sequence[Task] = (),
    ) -> bytes:
        return serialize.calendar_feed(calendar, objects, users=users, tasks=tasks)

    def parse_calendar_object(self, data: bytes, *, default_tzid: str) -> ParsedObject:
        return parse.parse_calendar_object(data, default_tzid=default_tzid)

    def parse_calendar_file(self, data: bytes, *, default_tzid: str) -> list[ParsedObject]:
        return parse.parse_calendar_file(data, default_tzid=default_tzid)
