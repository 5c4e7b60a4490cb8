"""Invitation mails, end to end: an invitation made through the eXo face becomes a delivery row that the worker
sends exactly once to a real SMTP server, with an iTIP ``METHOD:REQUEST`` .ics and answer links that work
without signing in."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient
from icalendar import Calendar

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.conftest import Account, MakeAccount
from tests.doubles import FakeClock
from tests.worker.conftest import Drain
from tests.worker.peers import SmtpSink

EXO = "/rest/private/v1/calendar"
LINK = re.compile(r"(?P<answer>\w+): (?P<url>http://testserver/rest/v1/calendar/invitations/\S+)")


def create_event(client: TestClient, host: Account, **body: object) -> str:
    body = {"subject": "Sprint review", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z", **body}
    created = client.post(
        f"{EXO}/calendars/{host.user.username}-defaultCalendarId/events", json=body, headers=host.headers
    )
    assert created.status_code == 201, created.text
    return created.headers["Location"].rsplit("/", 1)[1]


def invite(client: TestClient, host: Account, event: str, participant: str) -> None:
    response = client.post(
        f"{EXO}/events/{event}/invitations", json={"participant": participant, "status": ""}, headers=host.headers
    )
    assert response.status_code == 201, response.text


def calendar_of(message: EmailMessage) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def attendees(calendar: Calendar) -> dict[str, str]:
    vevent = calendar.walk("VEVENT")[0]
    found = vevent.get("ATTENDEE")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:"): str(a.params["PARTSTAT"]) for a in found}


def test_the_invitee_gets_one_mail_with_a_request_and_links_that_answer(
    client: TestClient, clock: FakeClock, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary, _ = make_account("mary"), make_account("john")
    event = create_event(client, mary, location="Room 2", description="Demo of the increment")
    invite(client, mary, event, "john")
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert smtp_sink.envelopes == [["john@example.com"]]
    assert mail["Subject"].startswith("Invitation: Sprint review")
    assert mail["Reply-To"].addresses[0].addr_spec == "mary@example.com"
    assert mail["Message-ID"].endswith("@almanac.test>")
    text = text_of(mail)
    assert "Mary invites you to an event." in text and "Room 2" in text and "Demo of the increment" in text

    request = calendar_of(mail)
    assert str(request["METHOD"]) == "REQUEST"
    vevent = request.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Sprint review"
    assert vevent.decoded("DTSTART").isoformat() == "2026-01-06T09:00:00+00:00"
    assert str(vevent["ORGANIZER"]) == "mailto:mary@example.com"
    assert attendees(request) == {"john@example.com": "NEEDS-ACTION"}
    assert str(vevent["ATTENDEE"].params["RSVP"]) == "TRUE"

    links = {m["answer"]: m["url"] for m in LINK.finditer(text)}
    assert set(links) == {"Accept", "Decline", "Maybe"}
    accept = links["Accept"].removeprefix("http://testserver")
    assert client.get(accept).status_code == 200  # no credentials: the token is the credential
    assert client.post(accept).status_code == 200
    answer = client.get(f"{EXO}/invitations/{event}:john", headers=mary.headers).json()
    assert answer["status"] == "yes"

    clock.advance(timedelta(hours=1))
    assert drain() == 0, "an invitation is mailed once"
    assert smtp_sink.count == 1


def test_the_request_lists_every_attendee_with_their_answer(
    client: TestClient, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary, john, _ = make_account("mary"), make_account("john"), make_account("kate")
    event = create_event(client, mary, participants=["john"])
    assert client.put(f"{EXO}/invitations/{event}:john?status=maybe", headers=john.headers).status_code == 200
    invite(client, mary, event, "kate")
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert attendees(calendar_of(mail)) == {"john@example.com": "TENTATIVE", "kate@example.com": "NEEDS-ACTION"}


def test_the_mail_is_composed_when_sent_and_survives_edits_of_the_event(
    client: TestClient, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary, _ = make_account("mary"), make_account("john")
    event = create_event(client, mary)
    invite(client, mary, event, "john")
    edited = client.put(f"{EXO}/events/{event}", json={"location": "Room 7"}, headers=mary.headers)
    assert edited.status_code == 200
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert "Room 7" in text_of(mail)
    assert str(calendar_of(mail).walk("VEVENT")[0]["LOCATION"]) == "Room 7"


def test_uninviting_before_the_mail_leaves_cancels_it_and_a_new_invitation_is_mailed_once(
    client: TestClient, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary, _ = make_account("mary"), make_account("john")
    event = create_event(client, mary)
    invite(client, mary, event, "john")
    assert client.delete(f"{EXO}/invitations/{event}:john", headers=mary.headers).status_code == 200
    assert drain() == 0
    invite(client, mary, event, "john")
    assert client.delete(f"{EXO}/invitations/{event}:john", headers=mary.headers).status_code == 200
    invite(client, mary, event, "john")
    assert drain() == 1
    assert len(smtp_sink.wait_for(1)) == 1


def test_a_participant_removed_by_an_event_update_is_not_mailed(
    client: TestClient, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary, _ = make_account("mary"), make_account("john")
    event = create_event(client, mary)
    invite(client, mary, event, "john")
    assert client.put(f"{EXO}/events/{event}", json={"participants": []}, headers=mary.headers).status_code == 200
    assert drain() == 0  # claimed, then closed without sending: nobody to invite any more
    assert smtp_sink.count == 0


def test_inviting_oneself_sends_nothing(
    client: TestClient, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary = make_account("mary")
    invite(client, mary, create_event(client, mary), "mary")
    assert drain() == 0


def test_the_mail_speaks_the_invitees_language_and_time_zone(
    container: Container, client: TestClient, smtp_sink: SmtpSink, drain: Drain, make_account: MakeAccount
) -> None:
    mary = make_account("mary")
    accounts.add_user(
        container.services,
        username="kenji",
        email="kenji@example.com",
        display_name="Kenji",
        locale="ja",
        tzid="Asia/Tokyo",
    )
    auth.issue_api_token(container.services, username="kenji")
    invite(client, mary, create_event(client, mary), "kenji")
    assert drain() == 1
    (mail,) = smtp_sink.wait_for(1)
    assert mail["Subject"].startswith("招待: Sprint review")
    text = text_of(mail)
    assert "18時00分" in text and "Asia/Tokyo" in text and "参加する: http://testserver/" in text
    assert mail["Content-Language"] == "ja"
