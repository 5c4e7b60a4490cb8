"""The ``CalendarCodec`` port implemented with this package's parser and serializer (wired by bootstrap)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from almanac.domain.calendar_data import CalendarFile, ParsedObject
from almanac.domain.calendars import Calendar
from almanac.domain.events import Event
from almanac.domain.tasks import Task
from almanac.domain.users import User
from almanac.ical import parse, serialize


class ICalendarCodec:
    """Implements ``almanac.domain.calendar_data.CalendarCodec``.

    Serialized calendar objects are kept in a small LRU cache keyed by a digest
    of everything the bytes are made from (the events' full content and the
    users they name), so a cached answer can never be stale: any change to an
    event or a person makes a new key. CalDAV reports read the same objects
    again and again, and serializing one costs milliseconds; the digest costs
    microseconds. ``cache_size=0`` turns the cache off.
    """

    def __init__(self, *, cache_size: int = 0) -> None:
        self._cache_size = cache_size
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def calendar_object(self, master: Event, overrides: Sequence[Event], *, users: Mapping[int, User]) -> bytes:
        if self._cache_size <= 0:
            return serialize.calendar_object(master, overrides, users=users)
        key = _content_key(master, overrides, users)
        with self._lock:
            data = self._cache.get(key)
            if data is not None:
                self._cache.move_to_end(key)
                return data
        data = serialize.calendar_object(master, overrides, users=users)
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return data

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

    def read_calendar_file(self, data: bytes, *, default_tzid: str, workers: int | None = 0) -> CalendarFile:
        return parse.read_calendar_file(data, default_tzid=default_tzid, workers=workers)


def _content_key(master: Event, overrides: Sequence[Event], users: Mapping[int, User]) -> bytes:
    """A digest of what ``serialize.calendar_object`` reads: the events (every field) and the users they name."""
    events = (master, *overrides)
    named = sorted({e.author_id for e in events} | {p.user_id for e in events for p in e.participants})
    people = [(users[i].username, users[i].email, users[i].display_name) if i in users else None for i in named]
    return hashlib.blake2b(repr((events, named, people)).encode(), digest_size=20).digest()
