"""The calendar-object use cases CalDAV builds on: get, list, put (create/replace by UID), delete, import."""

from __future__ import annotations

import pytest

from almanac.bootstrap import Container
from almanac.domain.calendar_data import CalendarDataError, ComponentKind, UidConflictError
from almanac.domain.errors import NotFoundError, PermissionDeniedError, PreconditionFailedError
from almanac.domain.preconditions import IfMatch
from almanac.domain.users import Principal
from almanac.services import calendar_imports, calendars
from almanac.services import calendar_objects as objects
from almanac.services.auth import principal_of
from almanac.services.calendars import CalendarDraft
from tests.conftest import MakeAccount

SERIES = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//t//t//EN\r
BEGIN:VEVENT\r
UID:series@t\r
DTSTART;TZID=Europe/Paris:20260105T090000\r
DTEND;TZID=Europe/Paris:20260105T100000\r
RRULE:FREQ=WEEKLY;COUNT=5\r
SUMMARY:Stand-up\r
X-KEPT:yes\r
ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:series@t\r
RECURRENCE-ID;TZID=Europe/Paris:20260112T090000\r
DTSTART;TZID=Europe/Paris:20260112T110000\r
DTEND;TZID=Europe/Paris:20260112T120000\r
SUMMARY:Stand-up (late)\r
END:VEVENT\r
END:VCALENDAR\r
"""


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


CAL = "alice-defaultCalendarId"


def test_put_then_get_list_and_delete(container: Container, alice: Principal) -> None:
    ctx = container.services
    created, is_new = objects.put_object(ctx, principal=alice, calendar_key=CAL, name="x.ics", data=SERIES.encode())
    assert is_new and created.uid == "series@t" and created.name == "x.ics" and len(created.overrides) == 1
    assert created.master.participants[0].status == "yes"
    fetched = objects.get_object(ctx, principal=alice, calendar_key=CAL, name="x.ics")
    assert (fetched.etag, fetched.data) == (created.etag, created.data)
    assert b"X-KEPT:yes\r\n" in fetched.data and b"RRULE:FREQ=WEEKLY;COUNT=5\r\n" in fetched.data
    assert [o.name for o in objects.list_objects(ctx, principal=alice, calendar_key=CAL)] == ["x.ics"]
    objects.delete_object(ctx, principal=alice, calendar_key=CAL, name="x.ics", if_match=IfMatch({created.etag}))
    with pytest.raises(NotFoundError):
        objects.get_object(ctx, principal=alice, calendar_key=CAL, name="x.ics")
    assert objects.list_objects(ctx, principal=alice, calendar_key=CAL) == []


def test_a_re_put_updates_by_uid_and_keeps_the_etag_when_nothing_changed(
    container: Container, alice: Principal
) -> None:
    ctx = container.services
    first, _ = objects.put_object(ctx, principal=alice, calendar_key=CAL, name="series@t.ics", data=SERIES.encode())
    same, is_new = objects.put_object(ctx, principal=alice, calendar_key=CAL, name="series@t.ics", data=SERIES.encode())
    assert not is_new and same.etag == first.etag and same.master.id == first.master.id
    without_override = SERIES[: SERIES.index("BEGIN:VEVENT\r\nUID:series@t\r\nRECURRENCE-ID")] + "END:VCALENDAR\r\n"
    changed, _ = objects.put_object(
        ctx,
        principal=alice,
        calendar_key=CAL,
        name="series@t.ics",
        data=without_override.replace("Stand-up", "Daily").encode(),
        if_match=IfMatch({first.etag}),
    )
    assert changed.etag != first.etag and changed.master.revision == first.master.revision + 1
    assert changed.overrides == [] and changed.master.summary == "Daily"
    with pytest.raises(PreconditionFailedError):
        objects.put_object(
            ctx,
            principal=alice,
            calendar_key=CAL,
            name="series@t.ics",
            data=SERIES.encode(),
            if_match=IfMatch({first.etag}),
        )
    with pytest.raises(PreconditionFailedError):
        objects.put_object(
            ctx, principal=alice, calendar_key=CAL, name="series@t.ics", data=SERIES.encode(), if_none_match_any=True
        )


def test_a_uid_names_one_object_per_calendar(container: Container, alice: Principal) -> None:
    ctx = container.services
    objects.put_object(ctx, principal=alice, calendar_key=CAL, name="a.ics", data=SERIES.encode())
    with pytest.raises(UidConflictError):
        objects.put_object(ctx, principal=alice, calendar_key=CAL, name="b.ics", data=SERIES.encode())
    with pytest.raises(UidConflictError):
        objects.put_object(
            ctx, principal=alice, calendar_key=CAL, name="a.ics", data=SERIES.replace("series@t", "other@t").encode()
        )


def test_journals_are_kept_as_written_and_rule_breaks_name_the_line(container: Container, alice: Principal) -> None:
    ctx = container.services
    journal = "BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:t\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n"
    stored, created = objects.put_object(ctx, principal=alice, calendar_key=CAL, name="t.ics", data=journal.encode())
    assert created and stored.data == journal.encode()
    assert objects.get_object(ctx, principal=alice, calendar_key=CAL, name="t.ics").data == journal.encode()
    with pytest.raises(UidConflictError):  # one UID per calendar, whatever the component
        objects.put_object(
            ctx, principal=alice, calendar_key=CAL, name="e.ics", data=SERIES.replace("series@t", "t").encode()
        )
    objects.delete_object(ctx, principal=alice, calendar_key=CAL, name="t.ics")
    too_long = SERIES.replace("SUMMARY:Stand-up (late)", "SUMMARY:" + "x" * 1001)
    with pytest.raises(CalendarDataError) as caught:
        objects.put_object(ctx, principal=alice, calendar_key=CAL, name="a.ics", data=too_long.encode())
    assert caught.value.problems[0].field == "line 13"  # where the override begins
    assert objects.list_objects(ctx, principal=alice, calendar_key=CAL) == []


def test_strangers_see_nothing_and_viewers_may_not_write(
    container: Container, alice: Principal, make_account: MakeAccount
) -> None:
    ctx = container.services
    make_account("stan")
    stan, bob = _principal(container, "stan"), _principal(container, "bob")
    objects.put_object(ctx, principal=alice, calendar_key=CAL, name="a.ics", data=SERIES.encode())
    with pytest.raises(NotFoundError):
        objects.get_object(ctx, principal=stan, calendar_key=CAL, name="a.ics")
    with pytest.raises(NotFoundError):
        objects.put_object(ctx, principal=stan, calendar_key=CAL, name="n.ics", data=SERIES.encode())
    calendars.update_calendar(ctx, principal=alice, calendar_key=CAL, draft=CalendarDraft(view_permissions=["bob"]))
    assert objects.get_object(ctx, principal=bob, calendar_key=CAL, name="a.ics").uid == "series@t"
    with pytest.raises(PermissionDeniedError):
        objects.delete_object(ctx, principal=bob, calendar_key=CAL, name="a.ics")


def test_an_import_is_all_or_nothing_and_reports_what_it_did(container: Container, alice: Principal) -> None:
    ctx = container.services
    todo = "BEGIN:VTODO\r\nUID:task@t\r\nSUMMARY:Task\r\nEND:VTODO\r\n"
    journal = "BEGIN:VJOURNAL\r\nUID:note@t\r\nSUMMARY:Note\r\nEND:VJOURNAL\r\n"
    single = "BEGIN:VEVENT\r\nUID:one@t\r\nDTSTART:20260110T100000Z\r\nSUMMARY:One\r\nEND:VEVENT\r\n"
    data = SERIES.replace("END:VCALENDAR", todo + journal + single + "END:VCALENDAR")
    seen: list[tuple[int, int]] = []
    report = calendar_imports.import_objects(
        ctx, principal=alice, calendar_key=CAL, data=data.encode(), progress=lambda d, t: seen.append((d, t))
    )
    assert (report.created, report.updated, report.unchanged) == (["series@t", "task@t", "one@t"], [], [])
    assert [(s.uid, s.kind) for s in report.skipped] == [("note@t", ComponentKind.JOURNAL)]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    again = calendar_imports.import_objects(
        ctx, principal=alice, calendar_key=CAL, data=data.replace("One", "Uno").encode()
    )
    assert (again.created, again.updated, again.unchanged) == ([], ["one@t"], ["series@t", "task@t"])
    broken = data.replace("SUMMARY:Uno", "SUMMARY:Dos").replace("DTSTART:20260110T100000Z", "DTSTART:soon")
    with pytest.raises(CalendarDataError):
        calendar_imports.import_objects(ctx, principal=alice, calendar_key=CAL, data=broken.encode())
    stored = objects.list_objects(ctx, principal=alice, calendar_key=CAL)
    assert [o.uid for o in stored if o.component == "VTODO"] == ["task@t"]
    names = sorted(o.master.summary for o in stored if isinstance(o, objects.CalendarObject))
    assert names == ["One", "Stand-up"] or names == ["Stand-up", "Uno"]
    assert "Dos" not in names and len(names) == 2
