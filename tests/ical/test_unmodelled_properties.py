"""What Almanac does not model is kept verbatim and written back unchanged; what it models is mapped."""

from __future__ import annotations

from datetime import timedelta

from almanac.domain.events import Availability, Priority, Privacy, Reminder, ReminderChannel
from almanac.ical.parse import UNTITLED, parse_calendar_object
from almanac.ical.serialize import calendar_object
from tests.ical.factories import USERS, events_of

KEPT = [
    'X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE="Room 2, Floor 3":geo:48.85,2.35',
    "URL:https://example.org/agenda",
    "STATUS:CONFIRMED",
    "ATTENDEE;CN=Guest;ROLE=OPT-PARTICIPANT:mailto:guest@elsewhere.test",
    "ATTENDEE:urn:uuid:room-2",
    "ORGANIZER;CN=Chair:mailto:chair@elsewhere.test",
    "X-ODD:a\\,b\\;c \\n \\x",
    "CATEGORIES:Project X,Budget",
]
ALARM = ["BEGIN:VALARM", "ACTION:AUDIO", "TRIGGER:-PT5M", "ATTACH:ftp://example.org/ring.wav", "END:VALARM"]
DATA = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//t//t//EN",
        "BEGIN:VEVENT",
        "UID:kept@t",
        "DTSTAMP:20200101T000000Z",
        "SEQUENCE:7",
        "DTSTART;TZID=Europe/Paris:20240301T100000",
        "DURATION:PT90M",
        "SUMMARY:Review\\, final",
        "CLASS:CONFIDENTIAL",
        "PRIORITY:3",
        "TRANSP:TRANSPARENT",
        "ATTENDEE;PARTSTAT=TENTATIVE;CN=Bob:mailto:bob@example.com",
        *KEPT,
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        "DESCRIPTION:x",
        "END:VALARM",
        *ALARM,
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
).encode()


def test_unmodelled_lines_are_kept_in_order_and_written_back_verbatim() -> None:
    parsed = parse_calendar_object(DATA, default_tzid="UTC")
    assert parsed.master is not None
    addresses = [line for line in KEPT if ":mailto:" in line]
    assert parsed.master.extra_properties == "\n".join([*(line for line in KEPT if line not in addresses), *ALARM])
    master, _ = events_of(parsed)
    exported = calendar_object(master, [], users=USERS).decode()
    unfolded = exported.replace("\r\n ", "")
    for line in [*KEPT, *ALARM]:
        assert line + "\r\n" in unfolded
    again = parse_calendar_object(exported.encode(), default_tzid="UTC")
    assert again.master is not None and again.master.extra_properties == parsed.master.extra_properties
    assert calendar_object(events_of(again)[0], [], users=USERS).decode() == exported


def test_modelled_properties_are_mapped_to_almanacs_values() -> None:
    parsed = parse_calendar_object(DATA, default_tzid="UTC").master
    assert parsed is not None
    assert (parsed.summary, parsed.tzid) == ("Review, final", "Europe/Paris")
    assert parsed.ends_at - parsed.starts_at == timedelta(minutes=90)
    assert (parsed.privacy, parsed.priority, parsed.availability) == (
        Privacy.PRIVATE,
        Priority.HIGH,
        Availability.AVAILABLE,
    )
    assert parsed.reminders == (Reminder(before=timedelta(minutes=15), channel=ReminderChannel.POPUP),)
    assert [(a.email, a.status) for a in parsed.attendees] == [
        ("bob@example.com", "maybe"),
        ("guest@elsewhere.test", ""),
    ]
    assert parsed.organizer is not None and parsed.organizer.email == "chair@elsewhere.test"


def test_an_imported_organizer_replaces_the_authors_and_sequence_is_the_servers() -> None:
    parsed = parse_calendar_object(DATA, default_tzid="UTC")
    master, _ = events_of(parsed)
    master.revision = 4
    text = calendar_object(master, [], users=USERS).decode()
    assert text.count("ORGANIZER") == 1 and "ORGANIZER;CN=Chair:mailto:chair@elsewhere.test\r\n" in text
    assert "SEQUENCE:3\r\n" in text and "SEQUENCE:7" not in text
    master.extra_properties = None
    text = calendar_object(master, [], users=USERS).decode()
    assert 'ORGANIZER;CN="Alice Martin":mailto:alice@example.com\r\n' in text


def test_a_built_in_category_and_out_of_office_round_trip() -> None:
    data = DATA.replace(b"CATEGORIES:Project X,Budget", b"CATEGORIES:Meeting\r\nX-MICROSOFT-CDO-BUSYSTATUS:OOF")
    parsed = parse_calendar_object(data, default_tzid="UTC")
    assert parsed.master is not None
    assert parsed.master.category_key == "defaultEventCategoryIdMeeting"
    assert parsed.master.availability is Availability.OUTSIDE
    master, _ = events_of(parsed)
    text = calendar_object(master, [], users=USERS).decode()
    assert "CATEGORIES:Meeting\r\n" in text and "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n" in text


def test_a_missing_summary_becomes_untitled_and_a_bare_date_lasts_a_day() -> None:
    data = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART;VALUE=DATE:20240229\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    parsed = parse_calendar_object(data, default_tzid="Asia/Tokyo").master
    assert parsed is not None
    assert parsed.summary == UNTITLED and parsed.all_day and parsed.tzid == "Asia/Tokyo"
    assert parsed.ends_at - parsed.starts_at == timedelta(days=1)
