"""The .ics export: one VEVENT per file, readable by an iCalendar library, recurrences that expand as generated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import icalendar
import recurring_ical_events

from bench.dataset import Dataset, DatasetSpec, EventKind
from bench.ics_export import export_ics, iter_ics


def test_every_exported_file_holds_one_event_that_expands_to_its_generated_occurrences(tmp_path: Path) -> None:
    dataset = Dataset(DatasetSpec(events=150))
    events = list(iter_ics(dataset))

    paths = export_ics(tmp_path, dataset, events)

    assert len(paths) == 150
    for event, path in zip(events, paths, strict=True):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        vevents = calendar.walk("VEVENT")
        assert len(vevents) == 1 and str(vevents[0]["UID"]) == event.uid
        occurrences = recurring_ical_events.of(calendar).between(date(2024, 1, 1), date(2028, 1, 1))
        if event.kind is EventKind.RECURRING:
            assert event.rrule is not None
            count = int(event.rrule.rpartition("COUNT=")[2])
            assert len(occurrences) == count - len(event.exdates)
        else:
            assert len(occurrences) == 1
            if event.kind is EventKind.SINGLE:
                assert occurrences[0]["DTSTART"].dt == event.starts_at  # the same instant, whatever the zone


def test_export_of_one_calendar_is_bounded_and_deterministic(tmp_path: Path) -> None:
    dataset = Dataset(DatasetSpec(events=2_000))
    hot = dataset.hot_calendar.id

    first = export_ics(tmp_path / "a", dataset, iter_ics(dataset, calendar_id=hot, limit=25))
    again = export_ics(tmp_path / "b", dataset, iter_ics(dataset, calendar_id=hot, limit=25))

    assert len(first) == 25
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
