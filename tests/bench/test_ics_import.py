"""The ICS import benchmark's file: one VCALENDAR of the dataset's events that Almanac imports whole."""

from __future__ import annotations

from pathlib import Path

import icalendar

from almanac.bootstrap import Container
from almanac.services import calendar_imports
from almanac.services.auth import principal_of
from bench.dataset import Dataset, DatasetSpec
from bench.ics_import import write_calendar_file
from tests.conftest import MakeAccount


def test_the_file_holds_every_event_once_and_each_time_zone_once(tmp_path: Path) -> None:
    path = tmp_path / "import.ics"
    count = write_calendar_file(path, 300, seed=8, chunk_events=7)

    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    assert count == len(uids) == 300
    assert uids == [e.uid for e in Dataset(DatasetSpec(events=300, seed=8)).events()]
    assert len(zones) == len(set(zones)) >= 2


def test_almanac_imports_the_whole_file(tmp_path: Path, container: Container, make_account: MakeAccount) -> None:
    path = tmp_path / "import.ics"
    write_calendar_file(path, 120, seed=8)
    user = make_account("importer").user
    with container.services.uow() as uow:
        principal = principal_of(uow, user)

    report = calendar_imports.import_objects(
        container.services, principal=principal, calendar_key="importer-defaultCalendarId", data=path.read_bytes()
    )

    assert (len(report.created), len(report.skipped)) == (120, 0)


def test_the_file_is_the_same_however_the_events_are_shared_among_workers(tmp_path: Path) -> None:
    write_calendar_file(tmp_path / "one-chunk.ics", 200, seed=8, chunk_events=200)
    write_calendar_file(tmp_path / "many-chunks.ics", 200, seed=8, chunk_events=3)

    assert (tmp_path / "one-chunk.ics").read_bytes() == (tmp_path / "many-chunks.ics").read_bytes()
