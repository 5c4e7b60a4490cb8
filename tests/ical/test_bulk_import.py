"""The bulk import stores what writing each calendar object by itself stores, all or nothing, across batches.

The reference is the one-object-at-a-time path CalDAV PUT takes (``put_object``, hence ``store_object``):
the same objects written that way into a second calendar must read back the same, with the same open
reminder deliveries, webhook messages and change-log entries. Files are written with small batches so
that masters and their overrides, re-imports and faults fall on both sides of batch boundaries.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from almanac.bootstrap import Container
from almanac.domain.calendar_data import CalendarDataError
from almanac.domain.deliveries import DeliveryChannel, DeliveryStatus
from almanac.domain.users import Principal
from almanac.domain.webhooks import MessageType
from almanac.services import calendar_imports, calendar_objects, calendars, webhooks
from almanac.services.auth import principal_of
from almanac.services.calendars import CalendarDraft
from almanac.storage.tables import CalendarChangeRow, DeliveryRow, EventRow, ReminderHorizonRow
from tests.api.exo_v1.conftest import MakeCaller
from tests.conftest import MakeAccount

CAL = "alice-defaultCalendarId"
HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
TAIL = "END:VCALENDAR\r\n"


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, object]) -> dict[str, object]:
    """Uploads big enough for two batches: a larger body limit, and an object limit the tests reach."""
    return {**settings_overrides, "max_body_bytes": 4 * 1024 * 1024, "import_max_objects": 1_200}


def _vevent(*lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


def _objects(prefix: str, count: int) -> list[tuple[str, list[str]]]:
    """``count`` calendar objects (UID, components) of every kind an import meets: single events in UTC and
    in a zone, all-day events, weekly series with an EXDATE and a moved, retitled occurrence; attendees who
    are users (bob) and who are not (carol), organizers, alarms, properties Almanac does not model."""
    found = []
    for n in range(count):
        uid = f"{prefix}-{n}@bulk.test"
        day = 6 + n % 10  # January 2026, just after the test clock's 5 January: reminders are planned
        if n % 5 == 3:  # a series: its override comes last in the file, several batches later
            master = _vevent(
                f"UID:{uid}",
                f"DTSTART;TZID=Europe/Paris:202601{day:02d}T090000",
                f"DTEND;TZID=Europe/Paris:202601{day:02d}T093000",
                f"SUMMARY:Stand-up {n}",
                "RRULE:FREQ=WEEKLY;COUNT=6",
                f"EXDATE;TZID=Europe/Paris:202601{day + 14:02d}T090000",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com",
                "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT10M\r\nEND:VALARM",
            )
            override = _vevent(
                f"UID:{uid}",
                f"RECURRENCE-ID;TZID=Europe/Paris:202601{day + 7:02d}T090000",
                f"DTSTART;TZID=Europe/Paris:202601{day + 7:02d}T110000",
                f"DTEND;TZID=Europe/Paris:202601{day + 7:02d}T113000",
                f"SUMMARY:Moved stand-up {n}",
                "BEGIN:VALARM\r\nACTION:EMAIL\r\nDESCRIPTION:moved\r\nTRIGGER:-PT1H\r\nEND:VALARM",
            )
            found.append((uid, [master, override]))
        elif n % 5 == 1:
            found.append(
                (
                    uid,
                    [
                        _vevent(
                            f"UID:{uid}",
                            f"DTSTART;VALUE=DATE:202601{day:02d}",
                            f"SUMMARY:Holiday {n}",
                            "CATEGORIES:Holiday,Family",
                            "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
                        )
                    ],
                )
            )
        else:
            zone = "DTSTART:" if n % 2 else "DTSTART;TZID=America/New_York:"
            found.append(
                (
                    uid,
                    [
                        _vevent(
                            f"UID:{uid}",
                            f"{zone}202601{day:02d}T1{n % 10}0000" + ("Z" if n % 2 else ""),
                            "DURATION:PT45M",
                            f"SUMMARY:Review {n}",
                            "DESCRIPTION:Line one\\nline two",
                            "ATTENDEE;PARTSTAT=TENTATIVE;CN=Bob:mailto:bob@example.com",
                            "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@outside.example",
                            "ORGANIZER;CN=Dan:mailto:dan@outside.example"
                            if n % 3
                            else "ORGANIZER:mailto:alice@example.com",
                            "X-KEPT;A=1:verbatim\\, really",
                            "BEGIN:VALARM\r\nACTION:EMAIL\r\nDESCRIPTION:r\r\nTRIGGER:-PT15M\r\nEND:VALARM",
                            "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT5M\r\nEND:VALARM",
                        )
                    ],
                )
            )
    return found


def _file(objects: list[tuple[str, list[str]]]) -> bytes:
    """One VCALENDAR: every master in order, then every override (far from its master)."""
    masters = "".join(components[0] for _uid, components in objects)
    overrides = "".join(c for _uid, components in objects for c in components[1:])
    return (HEAD + masters + overrides + TAIL).encode()


def _principal(container: Container, username: str) -> Principal:
    with container.services.uow() as uow:
        user = uow.users.get_by_username(username)
        assert user is not None
        return principal_of(uow, user)


@pytest.fixture
def alice(container: Container, make_account: MakeAccount) -> Principal:
    make_account("alice")
    make_account("bob")
    return _principal(container, "alice")


def _import(container: Container, alice: Principal, data: bytes, **options: Any) -> calendar_imports.ImportReport:
    return calendar_imports.import_objects(container.services, principal=alice, calendar_key=CAL, data=data, **options)


def _calendar_id(container: Container, key: str) -> int:
    with container.services.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(key)
        assert calendar is not None and calendar.id is not None
        return calendar.id


def _stored(container: Container, key: str, prefix: str) -> dict[str, Any]:
    """What a calendar holds, with the objects' UIDs written with ``prefix-`` as ``X-``: the objects as
    clients read them, the open reminder deliveries, the webhook messages, the change-log entries and
    the reminder horizons."""
    ctx = container.services
    alice = _principal(container, "alice")
    objects = {
        o.uid.replace(prefix + "-", "X-"): o.data.replace(prefix.encode() + b"-", b"X-")
        for o in calendar_objects.list_objects(ctx, principal=alice, calendar_key=key)
    }
    calendar_id = _calendar_id(container, key)
    with container.engine.connect() as connection:
        rows = connection.execute(select(EventRow.id, EventRow.uid).where(EventRow.calendar_id == calendar_id))
        events: dict[int, str] = {event_id: uid for event_id, uid in rows}
        deliveries = [d for d in connection.execute(select(DeliveryRow)) if d.event_id in events]
        changes = connection.execute(
            select(CalendarChangeRow.name, CalendarChangeRow.kind).where(CalendarChangeRow.calendar_id == calendar_id)
        ).all()
        horizons = connection.execute(
            select(ReminderHorizonRow.event_id, ReminderHorizonRow.planned_until).where(
                ReminderHorizonRow.event_id.in_(list(events))
            )
        ).all()
    reminders = sorted(
        (events[d.event_id].replace(prefix + "-", "X-"), d.occurrence_start, d.reminder_key, d.recipient_id, d.due_at)
        for d in deliveries
        if d.channel != DeliveryChannel.WEBHOOK.value and d.status == DeliveryStatus.PENDING.value
    )
    messages = sorted(
        (events[d.event_id].replace(prefix + "-", "X-"), d.event_type, d.payload["data"]["event"]["summary"])
        for d in deliveries
        if d.channel == DeliveryChannel.WEBHOOK.value
    )
    return {
        "objects": objects,
        "reminders": reminders,
        "messages": messages,
        "changes": sorted((name.replace(prefix + "-", "X-"), kind) for name, kind in changes),
        "horizons": sorted((events[i].replace(prefix + "-", "X-"), until) for i, until in horizons),
    }


def test_a_bulk_import_stores_what_writing_each_object_by_itself_stores(container: Container, alice: Principal) -> None:
    ctx = container.services
    webhooks.create_webhook(
        ctx, principal=alice, url="https://hooks.example/a", event_types=frozenset({MessageType.EVENT_CREATED})
    )
    reference = calendars.create_calendar(ctx, principal=alice, draft=CalendarDraft(name="One by one", tzid="UTC"))
    for uid, components in _objects("one", 23):
        data = (HEAD + "".join(components) + TAIL).encode()
        calendar_objects.put_object(
            ctx, principal=alice, calendar_key=reference.calendar.key, name=f"{uid}.ics", data=data
        )

    objects = _objects("bulk", 23)
    report = _import(container, alice, _file(objects), batch_size=4)

    assert report.created == [uid for uid, _ in objects]
    overrides = sum(len(components) - 1 for _uid, components in objects)
    bulk, one_by_one = _stored(container, CAL, "bulk"), _stored(container, reference.calendar.key, "one")
    assert bulk["objects"] == one_by_one["objects"] and len(bulk["objects"]) == 23
    assert bulk["reminders"] == one_by_one["reminders"] and len(bulk["reminders"]) > 23
    assert bulk["messages"] == one_by_one["messages"] and len(bulk["messages"]) == 23 + overrides
    assert bulk["changes"] == one_by_one["changes"] and len(bulk["changes"]) == 23
    assert bulk["horizons"] == one_by_one["horizons"] and len(bulk["horizons"]) == 23


def test_a_series_is_planned_once_with_its_overrides(container: Container, alice: Principal) -> None:
    """Writing a master and then its override plans, then cancels, the moved occurrence's reminder; the
    bulk import plans the series once, so it never creates that delivery."""
    _import(container, alice, _file(_objects("bulk", 4)), batch_size=2)
    with container.engine.connect() as connection:
        statuses = set(connection.execute(select(DeliveryRow.status)).scalars())
    assert statuses == {DeliveryStatus.PENDING.value}


def test_participants_reminders_and_unmodelled_lines_survive_an_export(container: Container, alice: Principal) -> None:
    _import(container, alice, _file(_objects("bulk", 7)), batch_size=3)
    ctx = container.services
    stored = {o.uid: o for o in calendar_objects.list_objects(ctx, principal=alice, calendar_key=CAL)}
    bob = _principal(container, "bob").user_id
    review = stored["bulk-0@bulk.test"]
    assert isinstance(review, calendar_objects.CalendarObject)
    assert [(p.user_id, p.status) for p in review.master.participants] == [(bob, "maybe")]
    assert [(r.before, r.channel.value) for r in review.master.reminders] == [
        (review.master.reminders[0].before, "email")
    ]
    for line in (
        b"X-KEPT;A=1:verbatim\\, really",
        b"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@outside.example",
        b"BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT5M\r\nEND:VALARM",
    ):
        assert line in review.data
    assert b"ORGANIZER;CN=Dan:mailto:dan@outside.example" not in review.data  # n=0: alice organizes
    assert b"ORGANIZER;CN=Dan:mailto:dan@outside.example" in stored["bulk-2@bulk.test"].data
    series = stored["bulk-3@bulk.test"]
    assert isinstance(series, calendar_objects.CalendarObject)
    assert [o.summary for o in series.overrides] == ["Moved stand-up 3"]
    assert series.master.recurrence is not None and len(series.master.recurrence.exdates) == 1
    assert b"CATEGORIES:Holiday,Family" in stored["bulk-1@bulk.test"].data


def test_a_re_import_matches_every_uid_across_batches(container: Container, alice: Principal) -> None:
    objects = _objects("bulk", 17)
    _import(container, alice, _file(objects), batch_size=5)
    calendar_id = _calendar_id(container, CAL)
    with container.services.uow(read_only=True) as uow:
        revision = uow.changes.revision_of(calendar_id)

    again = _import(container, alice, _file(objects), batch_size=3)

    assert (again.created, again.updated, again.unchanged) == ([], [], [uid for uid, _ in objects])
    with container.services.uow(read_only=True) as uow:
        assert uow.changes.revision_of(calendar_id) == revision
    changed = [(uid, [c.replace("Review 4", "Retro 4") for c in comps[:1]]) for uid, comps in objects]
    changed.append(("new@bulk.test", [_vevent("UID:new@bulk.test", "DTSTART:20260120T100000Z", "SUMMARY:New")]))
    third = _import(container, alice, _file(changed), batch_size=4)
    # 4 retitled; the series 3, 8 and 13 lost their overrides
    assert third.updated == ["bulk-3@bulk.test", "bulk-4@bulk.test", "bulk-8@bulk.test", "bulk-13@bulk.test"]
    assert third.created == ["new@bulk.test"] and len(third.unchanged) == 17 - 4
    with container.engine.connect() as connection:
        uids = connection.execute(select(EventRow.uid).where(EventRow.calendar_id == calendar_id)).scalars().all()
    assert len(uids) == 18 and "bulk-8@bulk.test" in uids  # no duplicate, overrides removed


def test_an_event_whose_uid_a_task_holds_is_refused_at_its_line(container: Container, alice: Principal) -> None:
    todo = "BEGIN:VTODO\r\nUID:bulk-5@bulk.test\r\nSUMMARY:Task\r\nEND:VTODO\r\n"
    _import(container, alice, (HEAD + todo + TAIL).encode())
    data = _file(_objects("bulk", 8))
    with pytest.raises(CalendarDataError) as caught:
        _import(container, alice, data, batch_size=3)
    line = data.count(b"\n", 0, data.index(b"UID:bulk-5@")) + 1 - 1  # the VEVENT begins on the line before
    assert caught.value.problems[0].field == f"line {line}" and "in use" in caught.value.render()
    _nothing_stored(container, tasks=1)
    with container.services.uow(read_only=True) as uow:
        assert uow.tasks.uids_in_use(_calendar_id(container, CAL), ["bulk-5@bulk.test", "bulk-6@bulk.test"]) == {
            "bulk-5@bulk.test"
        }


def _nothing_stored(container: Container, *, tasks: int = 0) -> None:
    """No event, delivery, horizon or change-log entry (but those of ``tasks`` tasks imported before)."""
    calendar_id = _calendar_id(container, CAL)
    with container.engine.connect() as connection:
        assert connection.execute(select(EventRow.id)).first() is None
        assert connection.execute(select(DeliveryRow.id)).first() is None
        assert connection.execute(select(ReminderHorizonRow.event_id)).first() is None
        assert len(connection.execute(select(CalendarChangeRow.id)).all()) == tasks
    with container.services.uow(read_only=True) as uow:
        assert uow.changes.revision_of(calendar_id) == tasks


def test_a_fault_in_the_last_object_of_a_big_file_stores_nothing(container: Container, alice: Principal) -> None:
    webhooks.create_webhook(
        container.services,
        principal=alice,
        url="https://hooks.example/a",
        event_types=frozenset({MessageType.EVENT_CREATED}),
    )
    objects = _objects("bulk", 2_100)  # the default batch is 1,000: two batches are written before the fault
    broken = _vevent("UID:last@bulk.test", "DTSTART:20260120T100000Z", "DTEND:tomorrow")
    data = _file(objects).replace(TAIL.encode(), broken.encode() + TAIL.encode())
    line = data.count(b"\n", 0, data.index(b"DTEND:tomorrow")) + 1
    with pytest.raises(CalendarDataError) as caught:
        _import(container, alice, data)
    assert caught.value.problems[0].field == f"line {line}"
    _nothing_stored(container)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1M\r\nEND:VALARM\r\n" * 51, "At most 50 reminders"),
        ("SUMMARY:a\r\nSUMMARY:b\r\n", "only once"),
    ],
)
def test_a_rule_broken_in_a_later_batch_names_its_line_and_stores_nothing(
    container: Container, alice: Principal, fault: str, reason: str
) -> None:
    objects = _objects("bulk", 11)
    data = _file(objects).replace(b"SUMMARY:Review 9\r\n", fault.encode())
    with pytest.raises(CalendarDataError) as caught:
        _import(container, alice, data, batch_size=3)
    assert reason in caught.value.render()
    _nothing_stored(container)


def test_a_broken_structure_at_the_end_is_refused_before_anything_is_written(
    container: Container, alice: Principal
) -> None:
    data = _file(_objects("bulk", 9)).removesuffix(TAIL.encode())
    with pytest.raises(CalendarDataError) as caught:
        _import(container, alice, data, batch_size=2)
    assert "never closed" in caught.value.render()
    _nothing_stored(container)


def test_too_many_objects_are_refused_before_anything_is_parsed(container: Container, alice: Principal) -> None:
    data = _file(_objects("bulk", 6)).replace(b"DTSTART:", b"DTSTART:broken", 1)  # would fail if parsed
    with pytest.raises(CalendarDataError) as caught:
        _import(container, alice, data, max_objects=5)
    assert caught.value.problems[0].field == "line 1"
    assert "The file holds 6 objects; at most 5 are imported at once." in caught.value.render()
    _nothing_stored(container)
    seen: list[tuple[int, int]] = []
    _import(
        container, alice, _file(_objects("bulk", 5)), max_objects=5, batch_size=2, progress=lambda *p: seen.append(p)
    )
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_the_import_wakes_the_worker_for_its_earliest_delivery(container: Container, alice: Principal) -> None:
    _import(container, alice, _file(_objects("bulk", 6)), batch_size=2)
    with container.engine.connect() as connection:
        earliest = connection.execute(select(DeliveryRow.due_at).order_by(DeliveryRow.due_at)).scalars().first()
    assert earliest is not None and container.signal.take_earliest() == earliest


def test_an_upload_takes_the_bulk_path_and_its_object_limit(caller: MakeCaller, container: Container) -> None:
    alice = caller("alice")
    caller("bob")
    objects = _objects("http", 1_200)
    path = f"/calendars/{alice.default_calendar}/ics"

    created = alice.post(path, content=_file(objects), headers={"Content-Type": "text/calendar"})

    assert created.status_code == 200 and created.json()["created"] == [uid for uid, _ in objects]
    with container.engine.connect() as connection:
        assert len(connection.execute(select(EventRow.id)).all()) == 1_200 + 240  # masters and overrides
    too_many = _file(
        [*objects, ("one-more@bulk.test", [_vevent("UID:one-more@bulk.test", "DTSTART:20260120T100000Z")])]
    )
    refused = alice.post(path, content=too_many, headers={"Accept-Language": "ja"})
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "line 1: このファイルには 1201 個のオブジェクトが含まれています。一度にインポートできるのは 1200 個までです。"
    )


def _on_workers(container: Container, workers: int) -> Any:
    """The services of ``container``, parsing imports on ``workers`` processes whatever the file's size."""
    return replace(container.services, import_workers=workers)


def test_parsing_on_workers_stores_exactly_what_parsing_in_process_stores(
    container: Container, alice: Principal
) -> None:
    ctx = container.services
    webhooks.create_webhook(
        ctx, principal=alice, url="https://hooks.example/a", event_types=frozenset({MessageType.EVENT_CREATED})
    )
    with ctx.uow(read_only=True) as uow:
        default = uow.calendars.get_by_key(CAL)
        assert default is not None
    serial = calendars.create_calendar(ctx, principal=alice, draft=CalendarDraft(name="Serial", tzid=default.tzid))
    in_process = calendar_imports.import_objects(
        _on_workers(container, 0),
        principal=alice,
        calendar_key=serial.calendar.key,
        data=_file(_objects("one", 31)),
        batch_size=4,
    )

    on_workers = calendar_imports.import_objects(
        _on_workers(container, 2), principal=alice, calendar_key=CAL, data=_file(_objects("bulk", 31)), batch_size=4
    )

    assert on_workers.created == [uid.replace("one-", "bulk-") for uid in in_process.created]
    assert len(on_workers.created) == 31 and not on_workers.skipped
    assert _stored(container, CAL, "bulk") == _stored(container, serial.calendar.key, "one")


def test_a_fault_parsed_on_a_worker_in_a_late_batch_stores_nothing_and_names_its_line(
    container: Container, alice: Principal
) -> None:
    objects = _objects("bulk", 40)
    data = _file(objects).replace(
        b"DURATION:PT45M\r\nSUMMARY:Review 37\r\n", b"DTEND:tomorrow\r\nSUMMARY:Review 37\r\n"
    )
    line = data.count(b"\n", 0, data.index(b"DTEND:tomorrow")) + 1
    with pytest.raises(CalendarDataError) as in_process:
        calendar_imports.import_objects(
            _on_workers(container, 0), principal=alice, calendar_key=CAL, data=data, batch_size=4
        )

    with pytest.raises(CalendarDataError) as on_workers:
        calendar_imports.import_objects(
            _on_workers(container, 2), principal=alice, calendar_key=CAL, data=data, batch_size=4
        )

    assert on_workers.value.problems == in_process.value.problems
    assert on_workers.value.problems[0].field == f"line {line}" and "tomorrow" in on_workers.value.render()
    _nothing_stored(container)
