"""Participant suggestions (spec §5.10) without eXo's enumeration of every account: by default a caller finds
related users by part of their name, username or address, and anyone else only by their exact username or
address (``ALMANAC_PARTICIPANT_SEARCH``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.services import accounts, auth
from tests.api.exo_v1.conftest import BASE, Caller
from tests.conftest import Account


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    overrides: dict[str, object] = getattr(request, "param", {})
    return overrides


@pytest.fixture
def person(container: Container, client: TestClient) -> Callable[..., Caller]:
    """A user with a chosen display name, in the given groups."""

    def make(username: str, name: str, *groups: str, admin: bool = False) -> Caller:
        user = accounts.add_user(
            container.services,
            username=username,
            email=f"{username}@example.org",
            display_name=name,
            group_ids=groups,
            is_admin=admin,
        )
        token = auth.issue_api_token(container.services, username=username).secret
        return Caller(client, Account(user=user, token=token))

    return make


@pytest.fixture
def people(person: Callable[..., Caller], group: Callable[..., None]) -> dict[str, Caller]:
    group("/team")
    group("/other")
    found = {
        "mary": person("mary", "Mary Smith", "/team"),
        "tom": person("tom", "Tom Sawyer", "/team"),  # shares a group with mary
        "sam": person("sam", "Sam Smithers"),  # mary's calendar is shared with him
        "ann": person("ann", "Ann Smith"),  # shares her calendar with mary
        "hana": person("hana", "佐藤 花子", "/team"),
        "stan": person("stan", "Stan Smith", "/other"),  # unrelated to mary
    }
    found["mary"].create_calendar(name="Plans", viewPermission="sam")
    found["ann"].create_calendar(name="Ann", viewPermission="/team/:*.*")
    return found


def suggest(who: Caller, name: str, **params: Any) -> list[str]:
    response = who.get("/participants", params={"name": name, **params})
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["data"]]


def test_related_users_are_found_by_part_of_their_name_username_or_address(people: dict[str, Caller]) -> None:
    mary = people["mary"]
    assert suggest(mary, "smith") == ["ann", "mary", "sam"]  # not stan: unrelated
    assert suggest(mary, "SAW") == ["tom"]
    assert suggest(mary, "tom@exa") == ["tom"]
    assert suggest(mary, "佐藤") == ["hana"]
    assert suggest(mary, "ＳＡＷ") == ["tom"]  # full-width letters fold to ASCII


def test_relations_hold_both_ways(people: dict[str, Caller]) -> None:
    assert "mary" in suggest(people["sam"], "mary")  # he may view her calendar
    assert "mary" in suggest(people["ann"], "smi")  # her calendar is open to mary's group
    assert suggest(people["stan"], "smith") == ["stan"]


def test_anyone_is_found_by_exact_username_or_address_first(people: dict[str, Caller]) -> None:
    mary = people["mary"]
    assert suggest(mary, "stan") == ["stan"]
    assert suggest(mary, "Stan@Example.org") == ["stan"]
    assert suggest(mary, "sta") == []
    assert suggest(mary, "sam")[0] == "sam"


def test_short_queries_match_nothing_but_exact_names(people: dict[str, Caller]) -> None:
    mary = people["mary"]
    assert suggest(mary, "") == []
    assert suggest(mary, "s") == []


def test_the_participant_shape_paging_and_links(people: dict[str, Caller]) -> None:
    mary = people["mary"]
    response = mary.get("/participants", params={"name": "smith", "limit": 2, "returnSize": "true"})
    body = response.json()
    assert body["data"][0] == {
        "id": "ann",
        "href": None,
        "name": "Ann Smith",
        "email": "ann@example.org",
        "avatar": None,
    }
    assert (body["offset"], body["limit"], body["size"]) == (0, 2, 3)
    url = f"{BASE}/participants"
    assert response.headers["Link"] == (
        f'<{url}?offset=2&limit=2>;rel="next",<{url}?offset=0&limit=2>;rel="first",<{url}?offset=2&limit=1>;rel="last"'
    )
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert mary.get("/participants", params={"name": "smith", "fields": "id,avatar"}).json()["data"][0] == {"id": "ann"}
    assert mary.get("/participants", params={"name": "tom", "jsonp": "cb"}).text.startswith("cb({")
    assert mary.get("/participants", params={"name": "x" * 321}).json()["developerMessage"] == "name"
    nul = mary.get("/participants", params={"name": "\x00smith"})
    assert (nul.status_code, nul.json()["developerMessage"]) == (400, "name")


def test_administrators_find_everyone(people: dict[str, Caller], person: Callable[..., Caller]) -> None:
    root = person("root", "Root Admin", admin=True)
    assert suggest(root, "smith") == ["ann", "mary", "sam", "stan"]


@pytest.mark.parametrize("settings_overrides", [{"participant_search": "exact"}], indirect=True)
def test_exact_mode_finds_only_exact_usernames_and_addresses(people: dict[str, Caller]) -> None:
    mary = people["mary"]
    assert suggest(mary, "tom") == ["tom"]
    assert suggest(mary, "TOM@example.org") == ["tom"]
    assert suggest(mary, "smith") == []


@pytest.mark.parametrize(
    "settings_overrides", [{"participant_search": "all", "participant_search_min_length": 0}], indirect=True
)
def test_all_mode_is_exos_directory(people: dict[str, Caller]) -> None:
    mary = people["mary"]
    assert suggest(mary, "smith") == ["ann", "mary", "sam", "stan"]
    assert len(suggest(mary, "", limit=50)) == 6
