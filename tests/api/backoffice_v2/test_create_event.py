"""POST /api/v2/calendars/events: what is accepted, what is refused, and that refusals store nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.backoffice_v2.factories import EVENTS, create, event_body, listing
from tests.conftest import MakeAccount
from tests.doubles import FakeClock


def test_create_answers_201_with_the_event_and_its_location(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    make_account("bob")
    response = client.post(
        EVENTS,
        json=event_body(notifications=["PT2H"], recipients=["bob@example.com"]),
        headers=alice.headers,
    )
    assert response.status_code == 201
    event = response.json()
    assert response.headers["location"].endswith(f"{EVENTS}/{event['id']}")
    assert event == {
        "id": 1,
        "caption": "Quarterly review",
        "description": "Numbers and plans",
        "startDate": "2026-03-02T09:00:00+00:00",
        "endDate": "2026-03-02T10:00:00+00:00",
        "notifications": ["PT2H"],
        "recipients": ["bob@example.com"],
        "authorEmail": "alice@example.com",
        "createTime": "2026-01-05T09:00:00+00:00",
        "updateTime": "2026-01-05T09:00:00+00:00",
    }
    assert client.get(response.headers["location"], headers=alice.headers).json() == event


def test_ids_are_sequential_integers(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    assert [create(client, alice)["id"] for _ in range(3)] == [1, 2, 3]


def test_body_is_read_as_json_whatever_the_content_type(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    for content_type in ("application/x-www-form-urlencoded", "text/plain", None):
        headers = dict(alice.headers)
        if content_type:
            headers["Content-Type"] = content_type
        response = client.post(EVENTS, content=json.dumps(event_body()).encode(), headers=headers)
        assert response.status_code == 201, (content_type, response.text)


def test_the_instant_sent_is_the_instant_returned(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, startDate="2026-03-02T18:30:00+09:00", endDate="2026-03-02T10:15:00.250-02:00")
    assert event["startDate"] == "2026-03-02T09:30:00+00:00"
    assert event["endDate"] == "2026-03-02T12:15:00.250000+00:00"


def test_start_equal_to_end_is_allowed_as_in_the_seed(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, startDate="2022-01-01T00:00:00+00:00", endDate="2022-01-01T00:00:00+00:00")
    assert event["startDate"] == event["endDate"]


def test_end_before_start_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    response = client.post(
        EVENTS,
        json=event_body(startDate="2026-03-02T10:00:00Z", endDate="2026-03-02T09:59:59Z"),
        headers=alice.headers,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "endDate", "code": "end_before_start", "message": "The end must not be before the start."}
    ]


def test_required_fields_are_each_reported(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    response = client.post(EVENTS, json={"description": "no name, no times"}, headers=alice.headers)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("caption", "missing"),
        ("startDate", "missing"),
        ("endDate", "missing"),
    }


def test_blank_caption_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    response = client.post(EVENTS, json=event_body(caption="   "), headers=alice.headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "caption"


def test_dates_need_an_offset_and_must_exist(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    cases = {
        "2026-03-02T09:00:00": "datetime_without_offset",
        "2026-02-30T09:00:00+00:00": "invalid_datetime",
        "tomorrow": "invalid_datetime",
        "0000-01-01T00:00:00+00:00": "invalid_datetime",
        "10000-01-01T00:00:00+00:00": "invalid_datetime",
        "0001-01-01T00:00:00+05:00": "datetime_out_of_range",
    }
    for value, code in cases.items():
        response = client.post(EVENTS, json=event_body(startDate=value), headers=alice.headers)
        assert response.status_code == 400, value
        error = response.json()["errors"][0]
        assert (error["field"], error["code"]) == ("startDate", code), value
    number = client.post(EVENTS, json=event_body(startDate=1700000000), headers=alice.headers)
    assert number.json()["errors"][0]["code"] == "string_type"


def test_notifications_accept_durations_and_instants(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, notifications=["PT2H", "pt15m", "P1D", "PT90M", "2026-03-01T08:00:00+01:00"])
    assert event["notifications"] == ["PT2H", "PT15M", "P1D", "PT1H30M", "2026-03-01T07:00:00+00:00"]


def test_each_bad_notification_is_named(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    response = client.post(
        EVENTS, json=event_body(notifications=["PT2H", "soon", "-PT5M", "P1M", 7]), headers=alice.headers
    )
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"notifications[1]", "notifications[2]", "notifications[3]", "notifications[4]"}
    assert "soon" in errors["notifications[1]"]["message"]
    assert errors["notifications[2]"]["code"] == "negative_duration"
    assert errors["notifications[3]"]["code"] == "invalid_duration"
    assert errors["notifications[4]"]["code"] == "string_type"


def test_recipients_are_case_insensitive_and_collapse(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    make_account("bob", email="Bob@Example.com")
    make_account("carol")
    event = create(
        client, alice, recipients=["BOB@example.COM", "carol@example.com", "bob@example.com", " Bob@Example.com "]
    )
    assert event["recipients"] == ["Bob@Example.com", "carol@example.com"]


def test_unknown_and_malformed_recipients_are_named(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    unknown = client.post(EVENTS, json=event_body(recipients=["nobody@example.com"]), headers=alice.headers)
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == [
        {
            "field": "recipients",
            "code": "unknown_user",
            "message": "No user has the email address nobody@example.com.",
        }
    ]
    malformed = client.post(EVENTS, json=event_body(recipients=["not-an-address"]), headers=alice.headers)
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "recipients[0]"
    assert "not-an-address" in malformed.json()["errors"][0]["message"]


def test_read_only_and_unknown_properties_are_ignored(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, id=99, createTime="2000-01-01T00:00:00+00:00", colour="red")
    assert event["id"] == 1
    assert event["createTime"] == "2026-01-05T09:00:00+00:00"
    assert "colour" not in event


def test_malformed_json_and_wrong_shapes_are_400(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    for raw in (b"{", b"", b"[]", b'"text"', b"null", b'{"caption": "x",}', b"\xff\xfe"):
        response = client.post(EVENTS, content=raw, headers=alice.headers)
        assert response.status_code == 400, raw
        assert response.json()["code"] == "validation_error"
    wrong_types = client.post(
        EVENTS, json=event_body(caption=12, recipients="bob@example.com", notifications={"a": 1}), headers=alice.headers
    )
    assert {e["field"] for e in wrong_types.json()["errors"]} == {"caption", "recipients", "notifications"}


def test_hostile_text_is_refused_or_stored_verbatim(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    nul = client.post(EVENTS, json=event_body(caption="a\u0000b"), headers=alice.headers)
    assert nul.status_code == 400
    assert nul.json()["errors"][0]["code"] == "nul_character"
    surrogate = client.post(
        EVENTS,
        content=b'{"caption": "\\ud800", "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"}',
        headers=alice.headers,
    )
    assert surrogate.status_code == 400
    for text in ("'); DROP TABLE events; --", "<script>alert(1)</script>", "日本語の会議 🎉"):
        assert create(client, alice, caption=text)["caption"] == text


def test_too_long_and_too_many_are_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    long_caption = client.post(EVENTS, json=event_body(caption="x" * 1001), headers=alice.headers)
    assert long_caption.status_code == 400
    assert long_caption.json()["errors"][0]["code"] == "too_long"
    many = client.post(EVENTS, json=event_body(notifications=["PT1M"] * 51), headers=alice.headers)
    assert many.status_code == 400
    assert many.json()["errors"][0]["field"] == "notifications"


def test_a_refused_create_stores_nothing(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    client.post(EVENTS, json=event_body(recipients=["ghost@example.com"]), headers=alice.headers)
    client.post(EVENTS, json=event_body(endDate="2020-01-01T00:00:00Z"), headers=alice.headers)
    response = listing(client, alice)
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"
    assert create(client, alice)["id"] == 1  # no id was spent on the refused writes


def test_record_timestamps_are_whole_seconds(client: TestClient, make_account: MakeAccount, clock: FakeClock) -> None:
    alice = make_account("alice")
    clock.advance(timedelta(microseconds=654321))
    event = create(client, alice)
    assert event["createTime"] == event["updateTime"] == "2026-01-05T09:00:00+00:00"
