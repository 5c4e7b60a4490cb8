"""eXo's ``repeat`` object to an RRULE and back (spec §3.3, §4.3), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from almanac.api.exo_v1.repeat import Repeat, read_repeat, repeat_json
from almanac.api.exo_v1.schemas import RepeatWrite
from almanac.domain.errors import InvalidInputError
from almanac.domain.events import Event
from almanac.domain.recurrence import Recurrence

# Monday 2 March 2026, 09:00 in Paris.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def paris_event(lines: list[str] | None = None, *, start: datetime = START) -> Event:
    recurrence = Recurrence.from_lines(lines, tzid="Europe/Paris", all_day=False) if lines else None
    return Event(
        calendar_id=1,
        author_id=1,
        summary="Stand-up",
        starts_at=start,
        ends_at=start.replace(minute=30),
        tzid="Europe/Paris",
        recurrence=recurrence,
        id=7,
    )


def rule_of(repeat: dict[str, Any], event: Event | None = None) -> str | None:
    recurrence = read_repeat(RepeatWrite.model_validate(repeat)).recurrence_of(event or paris_event())
    return recurrence.rrule if recurrence is not None else None


@pytest.mark.parametrize(
    ("repeat", "rule"),
    [
        ({"type": "daily"}, "FREQ=DAILY"),
        ({"type": "daily", "every": 0}, "FREQ=DAILY"),
        ({"type": "daily", "every": 3}, "FREQ=DAILY;INTERVAL=3"),
        ({"type": "weekly", "repeatOn": "MO,WE"}, "FREQ=WEEKLY;BYDAY=MO,WE"),
        ({"type": "weekly"}, "FREQ=WEEKLY"),  # the start's weekday, per RFC 5545 (eXo: no occurrence at all)
        ({"type": "weekly", "repeateBy": "5"}, "FREQ=WEEKLY"),  # repeateBy is for monthly rules
        ({"type": "monthly", "repeateBy": "15,1"}, "FREQ=MONTHLY;BYMONTHDAY=1,15"),
        ({"type": "monthly", "repeatOn": "1MO,-1FR"}, "FREQ=MONTHLY;BYDAY=1MO,-1FR"),
        ({"type": "monthly", "repeateBy": "2", "repeatOn": "MO"}, "FREQ=MONTHLY;BYMONTHDAY=2"),
        ({"type": "monthly"}, "FREQ=MONTHLY"),
        ({"type": "yearly", "every": 2}, "FREQ=YEARLY;INTERVAL=2"),
        ({"type": "daily", "end": {"type": "endAfter", "value": "10"}}, "FREQ=DAILY;COUNT=10"),
        # The end date as written, to the end of that day in the event's zone (Paris, UTC+2 in June).
        (
            {"type": "daily", "end": {"type": "endByDate", "value": "2026-06-30T00:00:00.000+09:00"}},
            "FREQ=DAILY;UNTIL=20260630T215959Z",
        ),
        ({"type": "daily", "end": {"type": "endByDate", "value": "2026-06-30"}}, "FREQ=DAILY;UNTIL=20260630T215959Z"),
        ({"type": "norepeat", "repeatOn": "MO"}, None),
        ({"type": None}, None),
    ],
)
def test_each_repeat_shape_maps_to_its_rrule(repeat: dict[str, Any], rule: str | None) -> None:
    assert rule_of(repeat) == rule


@pytest.mark.parametrize(
    ("repeat", "code"),
    [
        ({"type": "weekend"}, "repeat"),
        ({"type": "weekly", "repeatOn": "MO,Tu"}, "repeatOn"),
        ({"type": "weekly", "repeatOn": "2MO"}, "repeatOn"),
        ({"type": "monthly", "repeatOn": "6MO"}, "repeatOn"),
        ({"type": "monthly", "repeateBy": "1,x"}, "repeatBy"),
        ({"type": "daily", "every": 1001}, "repeat.every"),
        ({"type": "daily", "end": {"type": "endAfter", "value": "-3"}}, "repeat.end"),
        ({"type": "daily", "end": {"type": "endByDate"}}, "repeat.end"),
        ({"type": "daily", "end": {"type": "later"}}, "repeat.end"),
        ({"type": "daily", "exclude": ["20260302"]}, None),
        ({"type": "daily", "exclude": ["2026-03-02"]}, "repeat.exclude"),
    ],
)
def test_read_repeat_refuses_what_exo_lets_through(repeat: dict[str, Any], code: str | None) -> None:
    if code is None:
        read_repeat(RepeatWrite.model_validate(repeat))
        return
    with pytest.raises(InvalidInputError) as raised:
        read_repeat(RepeatWrite.model_validate(repeat))
    assert raised.value.problems[0].code == code


def test_exclude_keys_match_occurrences_exactly_or_by_date() -> None:
    event = paris_event()
    repeat = Repeat("WEEKLY", exclude=("20260309T080000Z", "20260316T090000Z", "20260317T080000Z"))
    recurrence = repeat.recurrence_of(event)
    assert recurrence is not None
    assert [d.isoformat() for d in recurrence.exdates] == [
        "2026-03-09T08:00:00+00:00",  # exact
        "2026-03-16T08:00:00+00:00",  # eXo's local time behind a Z: matched by date
        "2026-03-17T08:00:00+00:00",  # no occurrence that day: kept as given
    ]


def test_an_absent_exclude_keeps_the_stored_exdates_and_rdates() -> None:
    event = paris_event(["RRULE:FREQ=DAILY", "RDATE:20260310T120000Z", "EXDATE:20260303T080000Z"])
    recurrence = Repeat("WEEKLY").recurrence_of(event)
    assert recurrence is not None
    assert recurrence.to_lines() == ["RRULE:FREQ=WEEKLY", "RDATE:20260310T120000Z", "EXDATE:20260303T080000Z"]


def test_a_stored_series_renders_as_exo_repeat_with_overrides_in_exclude() -> None:
    event = paris_event(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6", "EXDATE:20260309T080000Z"])
    overridden = {datetime(2026, 3, 16, 8, tzinfo=UTC)}
    assert repeat_json(event, overridden=overridden) == {
        "enabled": True,
        "type": "weekly",
        "every": 1,
        "repeatOn": "MO",
        "repeateBy": "",
        "exclude": ["20260309T080000Z", "20260316T080000Z"],
        "end": {"type": "endAfter", "value": "6"},
        "rrule": "FREQ=WEEKLY;COUNT=6;BYDAY=MO",
    }
    assert repeat_json(event, overridden=overridden, occurrence=True)["exclude"] is None


@pytest.mark.parametrize(
    ("lines", "shape"),
    [
        # Written through CalDAV or the Back Office: the nearest eXo shape, the exact rule in rrule.
        (["RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"], ("monthly", 1, "MO,TU,WE,TH,FR", "")),
        (["RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"], ("weekly", 1, "MO,TU,WE,TH,FR", "")),
        (["RRULE:FREQ=HOURLY;INTERVAL=4"], ("daily", 1, None, "")),
        (["RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"], ("yearly", 1, None, "")),
        (["RRULE:FREQ=MONTHLY;BYMONTHDAY=-1,1"], ("monthly", 1, None, "1")),
        (["RRULE:FREQ=WEEKLY;INTERVAL=2"], ("weekly", 2, "MO", "")),
    ],
)
def test_rules_exo_cannot_express_render_as_the_nearest_shape(
    lines: list[str], shape: tuple[str, int, str | None, str]
) -> None:
    event = paris_event(lines)
    rendered = repeat_json(event)
    assert (rendered["type"], rendered["every"], rendered["repeatOn"], rendered["repeateBy"]) == shape
    assert "RRULE:" + rendered["rrule"] == lines[0]


def test_an_rdate_only_series_and_an_override_render_as_not_repeating() -> None:
    rdates_only = paris_event(["RDATE:20260310T120000Z"])
    override = paris_event()
    override.recurrence_id, override.series_id = START, 3
    for event in (rdates_only, override):
        assert repeat_json(event)["type"] == "norepeat" and "rrule" not in repeat_json(event)


def test_an_until_renders_as_local_midnight_of_its_day() -> None:
    event = paris_event(["RRULE:FREQ=DAILY;UNTIL=20260329T215959Z"])
    assert repeat_json(event)["end"] == {"type": "endByDate", "value": "2026-03-29T00:00:00.000+01:00"}
