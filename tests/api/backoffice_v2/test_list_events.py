"""GET /api/v2/calendars/events: a bare array, X-Total-Count, paging, sorting, the filters, visibility."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.backoffice_v2.factories import captions, create, listing
from tests.conftest import MakeAccount
from tests.doubles import FakeClock


def _day(n: int, hour: int = 9) -> str:
    return f"2026-03-{n:02d}T{hour:02d}:00:00+00:00"


def test_list_is_a_bare_array_with_the_total_in_a_header(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    for n in range(1, 13):
        create(client, alice, caption=f"e{n:02d}", startDate=_day(n), endDate=_day(n, 10))
    response = listing(client, alice)
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert len(response.json()) == 10  # the default page size
    assert response.headers["x-total-count"] == "12"
    assert captions(listing(client, alice, "limit=5&offset=10")) == ["e11", "e12"]


def test_limit_and_offset_are_checked(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset"), ("limit=ten", "limit")):
        response = listing(client, alice, query)
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["field"] == field
    assert listing(client, alice, "limit=100").status_code == 200


def test_default_order_is_start_ascending_with_ties_by_id(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(client, alice, caption="late", startDate=_day(5), endDate=_day(5, 10))
    create(client, alice, caption="tie-a", startDate=_day(3), endDate=_day(3, 10))
    create(client, alice, caption="tie-b", startDate=_day(3), endDate=_day(3, 11))
    create(client, alice, caption="early", startDate=_day(1), endDate=_day(1, 10))
    assert captions(listing(client, alice)) == ["early", "tie-a", "tie-b", "late"]
    assert captions(listing(client, alice, "sort_by=startTime&sort_order=desc")) == ["late", "tie-b", "tie-a", "early"]


def test_every_sort_key_is_understood(client: TestClient, make_account: MakeAccount, clock: FakeClock) -> None:
    alice = make_account("alice")
    create(client, alice, caption="Bravo", startDate=_day(2), endDate=_day(9))
    clock.advance(timedelta(minutes=1))
    create(client, alice, caption="alpha", startDate=_day(3), endDate=_day(4))
    clock.advance(timedelta(minutes=1))
    create(client, alice, caption="Charlie", startDate=_day(1), endDate=_day(5))
    expectations = {
        "startDate": ["Charlie", "Bravo", "alpha"],
        "endTime": ["alpha", "Charlie", "Bravo"],
        "endDate": ["alpha", "Charlie", "Bravo"],
        "name": ["alpha", "Bravo", "Charlie"],
        "caption": ["alpha", "Bravo", "Charlie"],
        "createTime": ["Bravo", "alpha", "Charlie"],
        "updateTime": ["Bravo", "alpha", "Charlie"],
        "id": ["Bravo", "alpha", "Charlie"],
    }
    for key, expected in expectations.items():
        assert captions(listing(client, alice, f"sort_by={key}&sort_order=ASC")) == expected, key
    assert listing(client, alice, "sort_by=colour").status_code == 400
    assert listing(client, alice, "sort_order=sideways").status_code == 400


def test_period_filters_keep_events_within_the_period(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(client, alice, caption="before", startDate=_day(1), endDate=_day(2))
    create(client, alice, caption="straddles-start", startDate=_day(2), endDate=_day(4))
    create(client, alice, caption="inside", startDate=_day(3), endDate=_day(5))
    create(client, alice, caption="straddles-end", startDate=_day(5), endDate=_day(8))
    query = f"filter[startDate]={_day(3)}&filter[endDate]={_day(5)}".replace("+", "%2B")
    assert captions(listing(client, alice, query)) == ["inside"]  # both bounds inclusive
    only_start = f"filter[startDate]={_day(3)}".replace("+", "%2B")
    assert captions(listing(client, alice, only_start)) == ["inside", "straddles-end"]
    only_end = f"filter[endDate]={_day(4)}".replace("+", "%2B")
    assert captions(listing(client, alice, only_end)) == ["before", "straddles-start"]


def test_encoded_brackets_and_a_plus_sent_as_a_space_are_understood(
    client: TestClient, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    create(client, alice, caption="kept", startDate=_day(3), endDate=_day(3, 10))
    create(client, alice, caption="dropped", startDate=_day(1), endDate=_day(1, 10))
    literal_plus = "filter%5BstartDate%5D=2026-03-02T00:00:00+00:00"  # '+' decodes to a space
    assert captions(listing(client, alice, literal_plus)) == ["kept"]
    shifted = "filter[startDate]=2026-03-03T10:00:00%2B01:00"  # 09:00 UTC, inclusive
    assert captions(listing(client, alice, shifted)) == ["kept"]


def test_bad_filter_values_and_unknown_filters_are_400(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    bad = listing(client, alice, "filter[startDate]=yesterday&filter[recipients]=nope&filter[colour]=red")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"filter[startDate]", "filter[recipients]", "filter[colour]"}


def test_recipient_filter_takes_any_of_a_list(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    make_account("bob")
    make_account("carol")
    create(client, alice, caption="with-bob", recipients=["bob@example.com"])
    create(client, alice, caption="with-carol", recipients=["carol@example.com"])
    create(client, alice, caption="alone")
    assert captions(listing(client, alice, "filter[recipients]=BOB@example.com")) == ["with-bob"]
    both = captions(listing(client, alice, "filter[recipients]=bob@example.com, carol@example.com"))
    assert sorted(both) == ["with-bob", "with-carol"]


def test_recipient_and_period_filters_follow_an_event_that_moves(client: TestClient, make_account: MakeAccount) -> None:
    # The recipient filter reads the participants' own copy of their event's start (storage: migration 0020),
    # so a move must carry the participants along, whether or not the recipients change with it.
    alice = make_account("alice")
    make_account("bob")
    made = create(
        client, alice, caption="moving", startDate=_day(3), endDate=_day(3, 10), recipients=["bob@example.com"]
    )
    event_id = made["id"]

    def bobs_in(first: int, last: int) -> list[str]:
        period = f"filter[startDate]={_day(first, 0)}&filter[endDate]={_day(last, 23)}".replace("+", "%2B")
        return captions(listing(client, alice, f"filter[recipients]=bob@example.com&{period}"))

    assert (bobs_in(2, 4), bobs_in(9, 11)) == (["moving"], [])
    moved = client.patch(
        f"/api/v2/calendars/events/{event_id}",
        json={"startDate": _day(10), "endDate": _day(10, 10)},
        headers=alice.headers,
    )
    assert moved.status_code == 200, moved.text
    assert (bobs_in(2, 4), bobs_in(9, 11)) == ([], ["moving"])
    assert listing(client, alice, "filter[recipients]=bob@example.com").headers["x-total-count"] == "1"


def test_text_filters_are_case_insensitive_substrings(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    create(client, alice, caption="Weekly Sync", description="Room ÉTÉ")
    create(client, alice, caption="100% done_party", description=None)
    create(client, alice, caption="Other", description="週次の打ち合わせ")
    assert captions(listing(client, alice, "filter[name]=sync")) == ["Weekly Sync"]
    assert captions(listing(client, alice, "filter[description]=été")) == ["Weekly Sync"]
    assert captions(listing(client, alice, "filter[description]=打ち合わせ")) == ["Other"]
    assert captions(listing(client, alice, "filter[name]=%25")) == ["100% done_party"]  # '%' is literal
    assert captions(listing(client, alice, "filter[name]=_")) == ["100% done_party"]  # so is '_'
    assert captions(listing(client, alice, "filter[name]=sync&filter[description]=打ち")) == []  # AND


def test_everyone_lists_only_what_they_may_see(client: TestClient, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    bob = make_account("bob")
    carol = make_account("carol")
    root = make_account("root", admin=True)
    create(client, alice, caption="alice-private")
    create(client, alice, caption="alice-with-bob", recipients=["bob@example.com"])
    create(client, bob, caption="bob-own")
    assert captions(listing(client, alice)) == ["alice-private", "alice-with-bob"]
    assert captions(listing(client, bob)) == ["alice-with-bob", "bob-own"]
    assert captions(listing(client, carol)) == []
    assert listing(client, carol).headers["x-total-count"] == "0"
    assert captions(listing(client, root)) == ["alice-private", "alice-with-bob", "bob-own"]
