"""Guard-rails on recurring events through the Back Office face: 400s in the face's shape, English and Japanese.

The server's limits are lowered here so that each can be reached with a few events.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.backoffice_v2.factories import EVENTS, create, event_body, listing
from tests.conftest import Account, MakeAccount

JA = {"Accept-Language": "ja"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"recurrence_max_occurrences": 20, "recurrence_max_window_days": 400, "window_max_events": 3}


def post(client: TestClient, account: Account, language: str = "en", **overrides: Any) -> Response:
    return client.post(EVENTS, json=event_body(**overrides), headers={**account.headers, "Accept-Language": language})


def problems(response: Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_a_malformed_rule_names_its_line_in_english_and_japanese(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    lines = ["RRULE:FREQ=WEEKLY;BYDAY=MO", "RRULE:FREQ=SOMETIMES"]
    english = post(client, alice, recurrence=lines)
    assert problems(english) == [("recurrence[1]", "invalid_recurrence")]
    assert english.json()["code"] == "invalid_recurrence"
    assert english.json()["message"] == "The recurrence is invalid."
    assert (
        english.json()["errors"][0]["message"]
        == "The line RRULE:FREQ=SOMETIMES is a second RRULE; a series may have only one."
    )
    japanese = post(client, alice, "ja", recurrence=["RRULE:FREQ=SOMETIMES"])
    assert japanese.headers["content-language"] == "ja"
    assert japanese.json()["message"] == "繰り返しの指定が無効です。"
    assert japanese.json()["errors"][0]["field"] == "recurrence[0]"
    assert "RRULE:FREQ=SOMETIMES" in japanese.json()["errors"][0]["message"]
    assert japanese.json()["errors"][0]["message"].startswith("行 ")
    assert listing(client, alice).headers["x-total-count"] == "0"  # nothing stored


def test_a_frequency_finer_than_allowed_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    english = post(client, alice, recurrence=["RRULE:FREQ=MINUTELY;COUNT=5"])
    assert problems(english) == [("recurrence", "invalid_recurrence")]
    assert english.json()["errors"][0]["message"] == "FREQ=MINUTELY is not allowed on this server."
    japanese = post(client, alice, "ja", recurrence=["RRULE:FREQ=MINUTELY;COUNT=5"])
    assert japanese.json()["errors"][0]["message"] == "このサーバーでは FREQ=MINUTELY は使用できません。"
    assert listing(client, alice).headers["x-total-count"] == "0"


def test_a_count_above_the_limit_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    assert post(client, alice, recurrence=["RRULE:FREQ=DAILY;COUNT=20"]).status_code == 201
    english = post(client, alice, recurrence=["RRULE:FREQ=DAILY;COUNT=21"])
    assert problems(english) == [("recurrence", "recurrence_too_large")]
    assert english.json()["message"] == "The recurrence is too large to expand."
    assert (
        english.json()["errors"][0]["message"] == "The rule FREQ=DAILY;COUNT=21 would produce more than 20 occurrences."
    )
    japanese = post(client, alice, "ja", recurrence=["RRULE:FREQ=DAILY;COUNT=21"])
    assert japanese.json()["message"] == "繰り返しが大きすぎて展開できません。"
    assert listing(client, alice).headers["x-total-count"] == "1"


def test_an_unknown_zone_is_refused_and_nothing_else_is_read_in_it(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    english = post(client, alice, timeZone="Mars/Olympus", recurrence=["RRULE:FREQ=DAILY"])
    assert problems(english) == [("timeZone", "unknown_time_zone")]
    assert (
        english.json()["errors"][0]["message"] == "Mars/Olympus is not a known IANA time zone (such as Europe/Paris)."
    )
    japanese = post(client, alice, "ja", timeZone="../etc/passwd")
    assert (
        japanese.json()["errors"][0]["message"]
        == "../etc/passwd は既知の IANA タイムゾーン（Europe/Paris など）ではありません。"
    )
    assert listing(client, alice).headers["x-total-count"] == "0"


def test_a_refused_update_changes_nothing(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    event = create(client, alice, recurrence=["RRULE:FREQ=DAILY;COUNT=5"], timeZone="Europe/Paris")
    url = f"{EVENTS}/{event['id']}"
    refused = client.patch(
        url, json={"caption": "Changed", "recurrence": ["RRULE:FREQ=HOURLY;COUNT=99"]}, headers=alice.headers
    )
    assert problems(refused) == [("recurrence", "recurrence_too_large")]
    both = client.patch(
        url, json={"timeZone": "Nowhere/Land", "recurrence": ["EXRULE:FREQ=DAILY"]}, headers=alice.headers
    )
    assert problems(both) == [("timeZone", "unknown_time_zone")]  # lines are not read in an unknown zone
    assert client.get(url, headers=alice.headers).json() == event


def test_an_expanded_list_over_too_long_a_period_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    long_period = "filter[startDate]=2026-01-01T00:00:00Z&filter[endDate]=2027-03-01T00:00:00Z"
    english = listing(client, alice, f"expand=occurrences&{long_period}")
    assert problems(english) == [("window", "recurrence_too_large")]
    assert "400 days" in english.json()["errors"][0]["message"]
    assert "2026-01-01T00:00:00+00:00" in english.json()["errors"][0]["message"]
    japanese = client.get(f"{EVENTS}?expand=occurrences&{long_period}", headers={**alice.headers, **JA})
    assert japanese.json()["message"] == "繰り返しが大きすぎて展開できません。"
    # Without expand, the same period lists stored events as ever.
    assert listing(client, alice, long_period).status_code == 200


def test_a_period_holding_too_many_stored_events_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    period = "expand=occurrences&filter[startDate]=2026-03-01T00:00:00Z&filter[endDate]=2026-03-31T00:00:00Z"
    for day in range(2, 5):
        create(client, alice, startDate=f"2026-03-0{day}T09:00:00Z", endDate=f"2026-03-0{day}T10:00:00Z")
    assert listing(client, alice, period).status_code == 200
    create(client, alice, startDate="2026-03-05T09:00:00Z", endDate="2026-03-05T10:00:00Z")
    refused = listing(client, alice, period)
    assert problems(refused) == [("window", "recurrence_too_large")]
    assert refused.json()["errors"][0]["message"].startswith("More than 3 events lie between")


def test_a_series_too_dense_for_the_period_is_refused(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(
        client, alice, startDate="2026-03-02T09:00:00Z", endDate="2026-03-02T09:30:00Z", recurrence=["RRULE:FREQ=DAILY"]
    )
    month = "expand=occurrences&filter[startDate]=2026-03-01T00:00:00Z&filter[endDate]=2026-03-31T00:00:00Z"
    refused = listing(client, alice, month)
    assert problems(refused) == [("recurrence", "recurrence_too_large")]
    fortnight = "expand=occurrences&filter[startDate]=2026-03-01T00:00:00Z&filter[endDate]=2026-03-15T00:00:00Z"
    assert listing(client, alice, fortnight).headers["x-total-count"] == "13"  # 2 to 14 March
