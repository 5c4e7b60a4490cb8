"""Parsing RRULE / RDATE / EXDATE content lines, canonical serialisation, and the errors they raise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from almanac.domain.errors import InvalidInputError
from almanac.domain.recurrence import Recurrence, RecurrenceError, RecurrenceLimitError, RecurrenceRule

PARIS = ZoneInfo("Europe/Paris")


def parse(*lines: str, tzid: str = "Europe/Paris", all_day: bool = False) -> Recurrence:
    return Recurrence.from_lines(lines, tzid=tzid, all_day=all_day)


def test_brief_example_lines_parse_to_instants_and_dates() -> None:
    recurrence = parse(
        "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        "EXDATE;TZID=Europe/Paris:20240311T090000",
        "EXDATE:20240318T080000Z",
        "RDATE:20240401T070000Z",
    )
    assert recurrence.rrule == "FREQ=WEEKLY;COUNT=10;BYDAY=MO"
    assert recurrence.exdates == (datetime(2024, 3, 11, 8, tzinfo=UTC), datetime(2024, 3, 18, 8, tzinfo=UTC))
    assert recurrence.rdates == (datetime(2024, 4, 1, 7, tzinfo=UTC),)
    all_day = parse("RRULE:FREQ=YEARLY", "RDATE;VALUE=DATE:20240401,20240402", all_day=True)
    assert all_day.rdates == (date(2024, 4, 1), date(2024, 4, 2))


def test_every_rule_part_parses_and_serialises_in_grammar_order() -> None:
    rule = RecurrenceRule.parse(
        "wkst=su;bysetpos=-1,1;bymonth=12,1;byweekno=-1,20;byyearday=-1,100;bymonthday=-1,15;byday=fr,mo,TU;"
        "byhour=17,9;byminute=30,0;bysecond=0;interval=2;until=20301231T235959Z;freq=yearly",
        tzid="Europe/Paris",
        all_day=False,
    )
    assert rule.value == (
        "FREQ=YEARLY;UNTIL=20301231T235959Z;INTERVAL=2;BYSECOND=0;BYMINUTE=0,30;BYHOUR=9,17;BYDAY=MO,TU,FR;"
        "BYMONTHDAY=-1,15;BYYEARDAY=-1,100;BYWEEKNO=-1,20;BYMONTH=1,12;BYSETPOS=-1,1;WKST=SU"
    )
    assert rule.by_day == ((0, 0), (0, 1), (0, 4))
    monthly = RecurrenceRule.parse("FREQ=MONTHLY;BYDAY=-1fr,1mo,+2TU,-1FR", tzid="Europe/Paris", all_day=False)
    assert monthly.value == "FREQ=MONTHLY;BYDAY=1MO,2TU,-1FR"
    assert monthly.by_day == ((1, 0), (2, 1), (-1, 4))
    assert rule.until == datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_canonical_text_drops_defaults_and_duplicates() -> None:
    recurrence = parse("rrule:byday=MO,MO;count=10;freq=weekly;interval=1;wkst=MO")
    assert recurrence.to_lines() == ["RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO"]


def test_round_trip_parse_serialise_parse_is_stable() -> None:
    lines = [
        "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20250101T000000Z",
        "EXDATE;TZID=America/New_York:20240329T040000",
        "EXDATE:20240430T070000Z",
        "RDATE;TZID=Europe/Paris:20240415T090000",
    ]
    first = parse(*lines)
    canonical = first.to_lines(tzid="Europe/Paris")
    assert canonical == [
        "RRULE:FREQ=MONTHLY;UNTIL=20250101T000000Z;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "RDATE;TZID=Europe/Paris:20240415T090000",
        "EXDATE;TZID=Europe/Paris:20240329T090000",
        "EXDATE;TZID=Europe/Paris:20240430T090000",
    ]
    again = parse(*canonical)
    assert again == first
    assert again.to_lines(tzid="Europe/Paris") == canonical
    assert first.to_lines() == [
        canonical[0],
        "RDATE:20240415T070000Z",
        "EXDATE:20240329T080000Z",
        "EXDATE:20240430T070000Z",
    ]
    assert parse(*first.to_lines()) == first


def test_second_pass_of_a_repeated_hour_is_written_in_utc() -> None:
    """01:30 EST on 3 November 2024 would read back as 01:30 EDT, so it stays in UTC."""
    recurrence = parse("EXDATE:20241103T053000Z", "EXDATE:20241103T063000Z", tzid="America/New_York")
    assert recurrence.to_lines(tzid="America/New_York") == [
        "EXDATE;TZID=America/New_York:20241103T013000",
        "EXDATE:20241103T063000Z",
    ]
    assert parse(*recurrence.to_lines(tzid="America/New_York"), tzid="America/New_York") == recurrence


def test_all_day_lines_round_trip_as_dates() -> None:
    recurrence = parse(
        "RRULE:FREQ=WEEKLY;UNTIL=20240628", "EXDATE;VALUE=DATE:20240329,20240503", "RDATE:20240402", all_day=True
    )
    assert recurrence.to_lines() == [
        "RRULE:FREQ=WEEKLY;UNTIL=20240628",
        "RDATE;VALUE=DATE:20240402",
        "EXDATE;VALUE=DATE:20240329",
        "EXDATE;VALUE=DATE:20240503",
    ]


def test_until_forms_are_normalised() -> None:
    floating = RecurrenceRule.parse("FREQ=DAILY;UNTIL=20240110T090000", tzid="Europe/Paris", all_day=False)
    assert floating.until == datetime(2024, 1, 10, 8, tzinfo=UTC)  # read in the series' zone
    as_date = RecurrenceRule.parse("FREQ=DAILY;UNTIL=20240110", tzid="Europe/Paris", all_day=False)
    assert as_date.until == datetime(2024, 1, 10, 22, 59, 59, tzinfo=UTC)  # the whole local day
    all_day = RecurrenceRule.parse("FREQ=DAILY;UNTIL=20240110T000000Z", tzid="Europe/Paris", all_day=True)
    assert all_day.until == date(2024, 1, 10)
    assert all_day.value == "FREQ=DAILY;UNTIL=20240110"


def test_quoted_parameters_unknown_parameters_and_blank_lines_are_accepted() -> None:
    recurrence = parse('EXDATE;X-CUSTOM=a,"b;c";TZID="Europe/Paris":20240311T090000', "", "  ")
    assert recurrence.exdates == (datetime(2024, 3, 11, 8, tzinfo=UTC),)
    assert not recurrence.is_recurring
    assert parse("RDATE:20240311T090000Z").is_recurring


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("RRULE:FREQ=DAILY;COUNT=5;UNTIL=20240101T000000Z", "gives both COUNT and UNTIL"),
        ("RRULE:FREQ=DAILY;FOO=1", "has an unknown rule part FOO"),
        ("RRULE:FREQ=DAILY;X-NAME=1", "has an unknown rule part X-NAME"),
        ("RRULE:FREQ=DAILY;BYEASTER=0", "has an unknown rule part BYEASTER"),
        ("RRULE:FREQ=DAILY;COUNT=2;COUNT=3", "gives COUNT more than once"),
        ("RRULE:COUNT=3", "has no FREQ part"),
        ("RRULE:FREQ=FORTNIGHTLY", "has FREQ=FORTNIGHTLY; FREQ must be one of YEARLY, MONTHLY"),
        ("RRULE:FREQ=DAILY;COUNT=0", "COUNT=0; it must be a whole number of at least 1"),
        ("RRULE:FREQ=DAILY;COUNT=ten", "COUNT=TEN; it must be a whole number of at least 1"),
        ("RRULE:FREQ=DAILY;INTERVAL=-2", "INTERVAL=-2; it must be a whole number of at least 1"),
        ("RRULE:FREQ=DAILY;UNTIL=tomorrow", "UNTIL=TOMORROW, which is neither a date"),
        ("RRULE:FREQ=DAILY;UNTIL=20240231", "UNTIL=20240231, which is neither a date"),
        ("RRULE:FREQ=WEEKLY;WKST=XX", "WKST=XX; it must be one of MO"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,XX", "BYDAY=MO,XX; each day must be MO"),
        ("RRULE:FREQ=YEARLY;BYDAY=54MO", "BYDAY=54MO; each day must be MO"),
        ("RRULE:FREQ=YEARLY;BYDAY=0MO", "BYDAY=0MO; each day must be MO"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0; each value must be a whole number from 1 to 31 or"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32; each value"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=", "BYMONTHDAY=; each value"),
        ("RRULE:FREQ=YEARLY;BYMONTH=13", "BYMONTH=13; each value must be a whole number from 1 to 12."),
        ("RRULE:FREQ=YEARLY;BYMONTH=-1", "BYMONTH=-1; each value must be a whole number from 1 to 12."),
        ("RRULE:FREQ=DAILY;BYHOUR=24", "BYHOUR=24; each value must be a whole number from 0 to 23."),
        ("RRULE:FREQ=DAILY;BYMINUTE=1.5", "BYMINUTE=1.5; each value"),
        ("RRULE:FREQ=DAILY;BYSECOND=60", "BYSECOND=60; each value must be a whole number from 0 to 59."),
        ("RRULE:FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY=367; each value must be a whole number from 1 to 366"),
        ("RRULE:FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO=54; each value must be a whole number from 1 to 53"),
        ("RRULE:FREQ=MONTHLY;BYWEEKNO=20", "uses BYWEEKNO with FREQ=MONTHLY, which RFC 5545 forbids"),
        ("RRULE:FREQ=MONTHLY;BYYEARDAY=20", "uses BYYEARDAY with FREQ=MONTHLY, which RFC 5545 forbids"),
        ("RRULE:FREQ=WEEKLY;BYMONTHDAY=20", "uses BYMONTHDAY with FREQ=WEEKLY, which RFC 5545 forbids"),
        ("RRULE:FREQ=WEEKLY;BYDAY=1MO", "BYDAY=1MO: a numbered weekday is only allowed with FREQ=MONTHLY"),
        ("RRULE:FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", "a numbered weekday cannot be combined with BYWEEKNO"),
        ("RRULE:FREQ=MONTHLY;BYDAY=-6FR", "BYDAY=-6FR, but a month has at most 5 of each weekday"),
        ("RRULE:FREQ=MONTHLY;BYSETPOS=1", "has BYSETPOS without any other BY part"),
        ("RRULE:FREQ=MONTHLY;BYSETPOS=0;BYDAY=MO", "BYSETPOS=0; each value"),
        ("RRULE:FREQ=DAILY;;COUNT=2", "which is not of the form NAME=VALUE"),
        ("RRULE:FREQ", "FREQ, which is not of the form NAME=VALUE"),
        ("EXDATE:20240311", "gives the date 20240311, but the event has a start time"),
        ("EXDATE:2024-03-11T09:00:00Z", "has the value 2024-03-11T09:00:00Z, which is not a date"),
        ("EXDATE;VALUE=DATE:20240311T090000Z", "has the value 20240311T090000Z, which is not a date"),
        ("EXDATE;VALUE=PERIOD:20240311T090000Z/PT1H", "has VALUE=PERIOD; it must be DATE or DATE-TIME"),
        ("RDATE;VALUE=PERIOD:20240311T090000Z/PT1H", "is an RDATE period, which is not supported"),
        ("EXDATE;TZID=Mars/Olympus:20240311T090000", "names the unknown time zone Mars/Olympus"),
        ("EXRULE:FREQ=DAILY", "is an EXRULE, which RFC 5545 removed"),
        ("DTSTART:20240311T090000Z", "is not a recurrence property"),
        ("RRULE FREQ=DAILY", "is not an iCalendar content line"),
        ("EXDATE;TZID:20240311T090000", "is not an iCalendar content line"),
    ],
)
def test_bad_lines_are_rejected_naming_the_line(line: str, message: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("RRULE:FREQ=WEEKLY", line) if not line.startswith("RRULE") else parse("EXDATE:20240311T080000Z", line)
    error = caught.value
    assert isinstance(error, InvalidInputError)
    assert error.code == "invalid_recurrence"
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.field == "recurrence.1"
    assert problem.code == "invalid_recurrence"
    assert problem.params["line"] == line
    rendered = problem.template % problem.params
    assert line in rendered
    assert message in rendered


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("RRULE:FREQ=HOURLY", "an all-day event cannot repeat more often than daily"),
        ("RRULE:FREQ=DAILY;BYHOUR=9", "has BYHOUR, but the event is all-day"),
        ("RRULE:FREQ=DAILY;BYMINUTE=0", "has BYMINUTE, but the event is all-day"),
    ],
)
def test_all_day_series_reject_times_of_day(line: str, message: str) -> None:
    with pytest.raises(RecurrenceError, match=message):
        parse(line, all_day=True)


def test_a_second_rrule_is_rejected() -> None:
    with pytest.raises(RecurrenceError, match="is a second RRULE") as caught:
        parse("RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY")
    assert caught.value.problems[0].field == "recurrence.1"


def test_every_faulty_line_is_reported_at_once() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("RRULE:FREQ=DAILY;COUNT=x;BYMONTH=13", "EXDATE:garbage", "RDATE:20240101T000000Z")
    assert [p.field for p in caught.value.problems] == ["recurrence.0", "recurrence.0", "recurrence.1"]
    assert "COUNT=X" in str(caught.value) and "BYMONTH=13" in str(caught.value) and "garbage" in str(caught.value)


def test_custom_field_prefix_and_unknown_series_zone() -> None:
    with pytest.raises(RecurrenceError) as caught:
        Recurrence.from_lines(["RRULE:FREQ=NEVER"], tzid="Europe/Paris", all_day=False, field="event.recurrence")
    assert caught.value.problems[0].field == "event.recurrence.0"
    with pytest.raises(RecurrenceError, match="Europe/Atlantis is not a known IANA time zone") as zone:
        Recurrence.from_lines(["RRULE:FREQ=DAILY"], tzid="Europe/Atlantis", all_day=False)
    assert zone.value.problems[0].field == "tzid"


def test_error_classes_have_their_codes_and_templates_are_msgids() -> None:
    assert RecurrenceError.code == "invalid_recurrence"
    assert RecurrenceLimitError.code == "recurrence_too_large"
    assert issubclass(RecurrenceLimitError, InvalidInputError)
    with pytest.raises(RecurrenceError) as caught:
        parse("RRULE:FREQ=DAILY;BYHOUR=25")
    template = caught.value.problems[0].template
    assert "%(line)s" in template and "%(value)s" in template  # placeholders, filled at the edge
    assert "25" not in template


def test_recurrence_values_are_normalised_and_validated() -> None:
    paris = datetime(2024, 3, 11, 9, tzinfo=PARIS)
    recurrence = Recurrence(None, (paris, datetime(2024, 3, 11, 8, tzinfo=UTC)), ())
    assert recurrence.rdates == (datetime(2024, 3, 11, 8, tzinfo=UTC),)
    with pytest.raises(ValueError, match="naive"):
        Recurrence(None, (datetime(2024, 3, 11, 9),))
    with pytest.raises(ValueError, match="all datetimes or all dates"):
        Recurrence(None, (paris,), (date(2024, 3, 11),))
