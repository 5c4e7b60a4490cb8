"""Importing .ics files over HTTP and through the real CLI: all or nothing, by UID, errors naming the line;
and an export re-importing into Almanac with the same occurrences."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from almanac.bootstrap import Container
from almanac.cli import main
from almanac.domain.calendars import Calendar
from almanac.services.occurrences import occurrences_reaching
from tests.api.exo_v1.conftest import Caller, MakeCaller
from tests.ical.factories import ALL_FIXTURES, fixture

GOOD = (
    "BEGIN:VEVENT\r\nUID:good@t\r\nDTSTART:20260110T100000Z\r\nSUMMARY:Good\r\n"
    "X-KEPT;A=1:verbatim\\, really\r\nEND:VEVENT\r\n"
)
BROKEN = "BEGIN:VEVENT\r\nUID:bad@t\r\nDTSTART:20260110T100000Z\r\nDTEND:tomorrow\r\nEND:VEVENT\r\n"
TODO = "BEGIN:VTODO\r\nUID:task@t\r\nSUMMARY:Task\r\nEND:VTODO\r\n"
JOURNAL = "BEGIN:VJOURNAL\r\nUID:note@t\r\nSUMMARY:Note\r\nEND:VJOURNAL\r\n"


def _file(*components: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(components) + "END:VCALENDAR\r\n").encode()


def _import(me: Caller, data: bytes, calendar: str | None = None, **headers: str) -> tuple[int, object]:
    response = me.post(f"/calendars/{calendar or me.default_calendar}/ics", content=data, headers=headers)
    return response.status_code, response.json() if response.content else None


def _subjects(me: Caller) -> list[str]:
    found = me.get(f"/calendars/{me.default_calendar}/events?startTime=2026-01-01&endTime=2026-12-31&limit=100")
    return sorted(event["subject"] for event in found.json()["data"]) if found.status_code == 200 else []


def test_an_import_reports_by_uid_and_a_re_import_updates_without_duplicating(caller: MakeCaller) -> None:
    alice = caller("alice")
    headers = {"Content-Type": "text/calendar", "Accept-Language": "ja"}
    status, report = _import(alice, _file(GOOD, TODO, JOURNAL), **headers)
    assert status == 200
    assert report == {
        "created": ["good@t", "task@t"],
        "updated": [],
        "unchanged": [],
        "skipped": [
            {
                "uid": "note@t",
                "kind": "VJOURNAL",
                "line": 13,
                "reason": "VJOURNAL コンポーネントは保存できません (保存できるのは予定とタスクだけです)。"
                "このコンポーネントは読み飛ばしました。",
            }
        ],
    }
    assert _import(alice, _file(GOOD.replace("Good", "Better"), TODO.replace("Task", "Chore")))[1] == {
        "created": [],
        "updated": ["good@t", "task@t"],
        "unchanged": [],
        "skipped": [],
    }
    tasks = alice.get(f"/calendars/{alice.default_calendar}/tasks").json()
    assert [task["name"] for task in tasks["data"]] == ["Chore"]
    assert _subjects(alice) == ["Better"]
    export = alice.get(f"/calendars/{alice.default_calendar}/ics").content
    assert b"X-KEPT;A=1:verbatim\\, really\r\n" in export


def test_a_broken_file_is_refused_naming_the_line_and_nothing_is_imported(caller: MakeCaller) -> None:
    alice = caller("alice")
    status, body = _import(alice, _file(GOOD, BROKEN))
    assert status == 400
    assert body == {
        "message": "line 12: DTEND has the value tomorrow, which is not a date (YYYYMMDD) or a date-time "
        "(YYYYMMDDTHHMMSS).",
        "developerMessage": "line 12",
    }
    status, body = _import(alice, _file(GOOD, BROKEN), **{"Accept-Language": "ja"})
    assert status == 400 and isinstance(body, dict)
    assert body["message"].startswith("line 12: DTEND の値 tomorrow は日付")
    assert _subjects(alice) == []


def test_rule_breaks_refuse_the_whole_file(caller: MakeCaller) -> None:
    alice = caller("alice")
    long_title = GOOD.replace("good@t", "long@t").replace("SUMMARY:Good", "SUMMARY:" + "x" * 1001)
    status, body = _import(alice, _file(GOOD, long_title))
    assert status == 400 and isinstance(body, dict) and body["developerMessage"] == "line 9"
    assert _subjects(alice) == []


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("viewer", 401), ("stranger", 404)])
def test_who_may_import(caller: MakeCaller, role: str, status: int) -> None:
    alice, sam, stan = caller("alice"), caller("sam"), caller("stan")
    alice.put(f"/calendars/{alice.default_calendar}", json={"viewPermission": "sam"})
    me = {"owner": alice, "viewer": sam, "stranger": stan}[role]
    assert _import(me, _file(GOOD), alice.default_calendar)[0] == status
    assert _subjects(alice) == (["Good"] if status == 200 else [])


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 300}])
def test_a_file_over_the_body_limit_is_refused(caller: MakeCaller) -> None:
    alice = caller("alice")
    assert _import(alice, _file(GOOD, GOOD.replace("good@t", "g2@t"), GOOD.replace("good@t", "g3@t")))[0] == 413
    assert _subjects(alice) == []


def _occurrences(container: Container, calendar_key: str) -> list[tuple[datetime, datetime, str]]:
    with container.services.uow() as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        assert isinstance(calendar, Calendar) and calendar.id is not None
        found = occurrences_reaching(
            container.services,
            uow,
            datetime(2023, 1, 1, tzinfo=UTC),
            datetime(2030, 1, 1, tzinfo=UTC),
            calendar_ids=[calendar.id],
        )
        return sorted((o.starts_at, o.ends_at, o.event.summary) for o in found)


def test_an_export_re_imports_with_the_same_occurrences(container: Container, caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    for name in ALL_FIXTURES:
        assert _import(alice, fixture(name))[0] == 200
    exported = alice.get(f"/calendars/{alice.default_calendar}/ics").content
    assert _import(bob, exported)[0] == 200
    assert _occurrences(container, "bob-defaultCalendarId") == _occurrences(container, "alice-defaultCalendarId")
    assert len(_occurrences(container, "alice-defaultCalendarId")) > 100
    assert bob.get(f"/calendars/{bob.default_calendar}/ics").content.count(b"BEGIN:VEVENT") == exported.count(
        b"BEGIN:VEVENT"
    )


def test_the_cli_imports_a_file_with_a_progress_report(
    container: Container, caller: MakeCaller, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = caller("alice")
    path = tmp_path / "plans.ics"
    path.write_bytes(_file(GOOD, TODO, JOURNAL))
    url = str(container.settings.database_url)
    assert main(["--database-url", url, "import", str(path), "--calendar", alice.default_calendar]) == 0
    err = capsys.readouterr().err
    assert "2 created, 0 updated, 0 unchanged, 1 skipped" in err and "note@t" in err
    assert _subjects(alice) == ["Good"]
    path.write_bytes(_file(GOOD.replace("Good", "Changed"), BROKEN))
    assert main(["--database-url", url, "import", str(path), "--calendar", alice.default_calendar]) == 1
    assert "almanac: error: line 12: DTEND has the value tomorrow" in capsys.readouterr().err
    assert _subjects(alice) == ["Good"]
    assert main(["--database-url", url, "import", str(tmp_path / "none.ics"), "--calendar", "x"]) == 1
    assert main(["--database-url", url, "import", str(path), "--calendar", "nope-calendar"]) == 1
