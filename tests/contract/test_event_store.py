"""The SQL event store obeys the domain's rules on every backend (SQLite always, PostgreSQL in CI).

The list query filters in SQL for speed; these tests hold it to the plain
domain definitions: ``permissions.can_read_event`` for visibility and the
``EventFilter`` predicate for the period and text filters.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from almanac.bootstrap import Container
from almanac.domain.calendars import Calendar, new_calendar_key
from almanac.domain.events import Event, Participant, Reminder
from almanac.domain.permissions import can_view_calendar
from almanac.domain.queries import EventFilter, EventOrder, EventSortKey, PageRequest
from almanac.domain.users import Membership, Principal, User
from almanac.services import accounts
from almanac.services.auth import principal_of
from tests.conftest import MakeAccount

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _principal(container: Container, username: str) -> Principal:
    with container.services.uow() as uow:
        user = uow.users.get_by_username(username)
        assert user is not None
        return principal_of(uow, user)


def _add_calendar(container: Container, calendar: Calendar) -> Calendar:
    with container.services.uow() as uow:
        stored = uow.calendars.add(calendar)
        uow.commit()
        return stored


def _add_event(container: Container, event: Event) -> Event:
    with container.services.uow() as uow:
        stored = uow.events.add(event)
        uow.commit()
        return stored


def test_an_event_round_trips_every_field(container: Container, make_account: MakeAccount) -> None:
    alice = make_account("alice").user
    bob = make_account("bob").user
    assert alice.id is not None and bob.id is not None
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.id)
    assert calendar is not None and calendar.id is not None
    event = Event(
        calendar_id=calendar.id,
        author_id=alice.id,
        summary="Plan",
        starts_at=T0.replace(microsecond=250),
        ends_at=T0 + timedelta(hours=1),
        description="Über 🎉",
        location="Room 2",
        tzid="Europe/Paris",
        participants=[Participant(bob.id, "yes"), Participant(alice.id)],
        reminders=[Reminder(before=timedelta(hours=2)), Reminder(at=T0 - timedelta(days=1))],
        created_at=T0,
        updated_at=T0,
        revision=1,
    )
    stored = _add_event(container, event)
    with container.services.uow() as uow:
        loaded = uow.events.get(stored.id or 0)
    assert loaded is not None
    assert loaded == Event(**{**event.__dict__, "id": stored.id})


def test_a_rolled_back_unit_of_work_leaves_nothing(container: Container, make_account: MakeAccount) -> None:
    alice = make_account("alice").user
    with container.services.uow() as uow:
        uow.users.add(User(username="ghost", email="ghost@example.com", display_name="Ghost", created_at=T0))
        # no commit: leaving the block rolls back
    with container.services.uow() as uow:
        assert uow.users.get_by_username("ghost") is None
        assert uow.users.get_by_username(alice.username) is not None


def _world(container: Container, make_account: MakeAccount) -> tuple[list[Principal], list[Calendar], list[Event]]:
    """Users in groups with every kind of calendar right, and one event per calendar per participant pattern."""
    accounts.add_group(container.services, group_id="/platform/users")
    accounts.add_group(container.services, group_id="/support")
    owner = make_account("owner").user
    make_account("member", groups=("/platform/users",))
    make_account("manager", groups=("/support",))
    accounts.add_membership(container.services, group_id="/support", username="manager", membership_type="manager")
    make_account("plainsupport", groups=("/support",))
    make_account("sharee")
    make_account("stranger")
    make_account("root", admin=True)
    assert owner.id is not None
    specs = [
        Calendar(key=new_calendar_key(), name="personal", owner_id=owner.id),
        Calendar(key=new_calendar_key(), name="group", owner_id=owner.id, groups=["/platform/users"]),
        Calendar(key=new_calendar_key(), name="by-user", owner_id=owner.id, view_permissions=["sharee"]),
        Calendar(
            key=new_calendar_key(),
            name="by-user-notation",
            owner_id=owner.id,
            view_permissions=["/platform/users/:sharee"],
        ),
        Calendar(key=new_calendar_key(), name="by-group", owner_id=owner.id, view_permissions=["/support/:*.*"]),
        Calendar(
            key=new_calendar_key(), name="by-membership", owner_id=owner.id, view_permissions=["/support/:*.manager"]
        ),
        Calendar(key=new_calendar_key(), name="edit-only", owner_id=owner.id, edit_permissions=["stranger"]),
        Calendar(key=new_calendar_key(), name="public", owner_id=owner.id, public_url="/public/x"),
        Calendar(
            key=new_calendar_key(),
            name="later-entries",
            owner_id=owner.id,
            view_permissions=["/nowhere/:*.*", "/support/:*.manager"],
        ),
    ]
    calendars = []
    for spec in specs:
        spec.created_at = spec.updated_at = T0
        calendars.append(_add_calendar(container, spec))
    principals = [
        _principal(container, name)
        for name in ("owner", "member", "manager", "plainsupport", "sharee", "stranger", "root")
    ]
    events = []
    for calendar in calendars:
        assert calendar.id is not None
        for with_stranger in (False, True):
            participants = [Participant(principals[5].user_id)] if with_stranger else []
            events.append(
                _add_event(
                    container,
                    Event(
                        calendar_id=calendar.id,
                        author_id=owner.id,
                        summary=f"{calendar.name}-{with_stranger}",
                        starts_at=T0,
                        ends_at=T0,
                        participants=participants,
                        created_at=T0,
                        updated_at=T0,
                    ),
                )
            )
    return principals, calendars, events


def test_sql_visibility_agrees_with_the_domain_permission_model(
    container: Container, make_account: MakeAccount
) -> None:
    principals, calendars, events = _world(container, make_account)
    by_id = {c.id: c for c in calendars}
    for principal in principals:
        with container.services.uow() as uow:
            listed = uow.events.list_visible(
                principal, EventFilter(), EventOrder(EventSortKey.ID), PageRequest(0, 1000)
            )
        expected = [
            e
            for e in events
            if can_view_calendar(principal, by_id[e.calendar_id]) or e.has_participant(principal.user_id)
        ]
        assert [e.id for e in listed.items] == [e.id for e in expected], principal.username
        assert listed.total == len(expected)
    # Spot-check the model itself so the agreement above is not vacuous.
    names = {p.username: p for p in principals}
    visible_to = {
        name: {by_id[e.calendar_id].name for e in events if can_view_calendar(names[name], by_id[e.calendar_id])}
        for name in names
    }
    assert visible_to["member"] == {"group"}
    assert visible_to["manager"] == {"by-group", "by-membership", "later-entries"}
    assert visible_to["plainsupport"] == {"by-group"}
    assert visible_to["sharee"] == {"by-user", "by-user-notation"}
    assert visible_to["stranger"] == {"edit-only"}
    assert len(visible_to["root"]) == len(calendars)


def test_sql_filters_agree_with_the_filter_definition(container: Container, make_account: MakeAccount) -> None:
    alice = make_account("alice").user
    make_account("bob")
    assert alice.id is not None
    principal = _principal(container, "alice")
    with container.services.uow() as uow:
        calendar = uow.calendars.default_for(alice.id)
        bob = uow.users.get_by_username("bob")
    assert calendar is not None and calendar.id is not None and bob is not None and bob.id is not None
    rng = random.Random(20261121)
    words = ["Sync", "sync", "Review", "Plan_A", "100%", "été", "ÉTÉ", "週次"]
    events = []
    for i in range(60):
        start = T0 + timedelta(hours=rng.randrange(0, 24 * 20))
        events.append(
            _add_event(
                container,
                Event(
                    calendar_id=calendar.id,
                    author_id=alice.id,
                    summary=f"{rng.choice(words)} {i}",
                    description=rng.choice([None, *words]),
                    starts_at=start,
                    ends_at=start + timedelta(hours=rng.randrange(0, 72)),
                    participants=[Participant(bob.id)] if rng.random() < 0.3 else [],
                    created_at=T0,
                    updated_at=T0,
                ),
            )
        )

    def reference(f: EventFilter) -> list[int]:
        def admits(e: Event) -> bool:
            return (
                (f.period_start is None or e.starts_at >= f.period_start)
                and (f.period_end is None or e.ends_at <= f.period_end)
                and (not f.participant_emails or e.has_participant(bob.id or 0))
                and (f.summary_contains is None or f.summary_contains.casefold() in e.summary.casefold())
                and (
                    f.description_contains is None
                    or f.description_contains.casefold() in (e.description or "").casefold()
                )
            )

        return [e.id or 0 for e in events if admits(e)]

    filters = [
        EventFilter(period_start=T0 + timedelta(days=5)),
        EventFilter(period_end=T0 + timedelta(days=8)),
        EventFilter(period_start=T0 + timedelta(days=3), period_end=T0 + timedelta(days=12)),
        EventFilter(period_start=events[0].starts_at, period_end=events[0].ends_at),
        EventFilter(participant_emails=("BOB@example.com",)),
        EventFilter(summary_contains="sync"),
        EventFilter(summary_contains="%"),
        EventFilter(summary_contains="_a"),
        # Three characters and more read the trigram index's candidates, where % and _ are wildcards.
        EventFilter(summary_contains="100%"),
        EventFilter(summary_contains="plan_a"),
        EventFilter(summary_contains="ÉTÉ"),
        EventFilter(summary_contains="週次 "),
        EventFilter(description_contains="été"),
        EventFilter(description_contains="週"),
        EventFilter(summary_contains="review", period_start=T0 + timedelta(days=2)),
    ]
    for event_filter in filters:
        with container.services.uow() as uow:
            found = uow.events.list_visible(principal, event_filter, EventOrder(EventSortKey.ID), PageRequest(0, 1000))
        assert [e.id for e in found.items] == reference(event_filter), event_filter
        assert found.total == len(reference(event_filter))


def test_memberships_are_kept_with_their_type(container: Container, make_account: MakeAccount) -> None:
    accounts.add_group(container.services, group_id="/support")
    make_account("ann", groups=("/support",))
    accounts.add_membership(container.services, group_id="/support", username="ann", membership_type="manager")
    principal = _principal(container, "ann")
    assert principal.memberships == frozenset({Membership("/support", "member"), Membership("/support", "manager")})
