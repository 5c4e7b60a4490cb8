"""The scenario registry: unique keys, and the Back Office calls it sends are ones Almanac accepts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from almanac.bootstrap import Container
from almanac.storage.tables import EventRow
from bench.dataset import Dataset, DatasetSpec
from bench.ics_export import export_ics, iter_ics
from bench.loader import issue_tokens, load_dataset
from bench.scenarios import PENDING_FACES, SCENARIOS, SYNC_CHANGES, Face, Target, World, caldav_sync_after_changes
from tests.dav.live import serving


def test_scenario_keys_are_unique_and_every_face_but_the_built_one_says_why_it_may_be_missing() -> None:
    keys = [s.key for s in SCENARIOS]
    assert len(keys) == len(set(keys))
    assert {s.face for s in SCENARIOS} - {Face.BACKOFFICE_V2} <= set(PENDING_FACES)


def _loaded_world(container: Container) -> World:
    dataset = Dataset(DatasetSpec(events=1_000))
    load_dataset(container.engine, dataset)
    writers = tuple(dataset.users[:2])
    tokens = issue_tokens(container.engine, dataset, {dataset.caller.id, *(w.id for w in writers)})
    with container.engine.connect() as connection:
        own = {
            w.id: tuple(
                (row.id, row.key)
                for row in connection.execute(select(EventRow.id, EventRow.key).where(EventRow.calendar_id == w.id))
            )
            for w in writers
        }
    return World(dataset=dataset, tokens=tokens, writers=writers, own_events=own)


def test_storage_floors_run_against_the_loaded_store(container: Container) -> None:
    world = _loaded_world(container)
    floors = [s for s in SCENARIOS if s.storage_floor is not None]
    assert floors
    for scenario in floors:
        assert scenario.storage_floor is not None
        op = scenario.storage_floor(world, container.engine)
        for n in (0, 1):
            op(n)  # raises if the bare SQL no longer fits the schema (a column became required, say)


def test_back_office_scenarios_send_calls_the_server_accepts(container: Container, client: TestClient) -> None:
    world = _loaded_world(container)

    for scenario in (s for s in SCENARIOS if s.face is Face.BACKOFFICE_V2):
        assert scenario.calls is not None
        factory = scenario.calls(world, Target("almanac", "http://testserver"))
        for worker, n in ((0, 0), (1, 7)):
            call = factory(worker, n)
            assert call is not None
            response = client.request(call.method, call.path, headers=dict(call.headers), content=call.content)
            assert response.status_code in call.ok, (scenario.key, response.text)


def test_incremental_sync_setup_takes_the_current_token_and_the_call_lists_only_the_changes(
    container: Container, tmp_path: Path
) -> None:
    """The setup asks the collection's DAV:sync-token (a PROPFIND, not an initial sync of the whole calendar)
    before it rewrites SYNC_CHANGES objects, so each measured sync answers exactly those objects."""
    world = _loaded_world(container)
    dataset = world.dataset
    paths = export_ics(tmp_path, dataset, iter_ics(dataset, calendar_id=dataset.hot_calendar.id, limit=40))
    world = replace(world, ics=tuple((path.stem, path.read_bytes()) for path in paths))
    with serving(container.web_app()) as base, httpx.Client(base_url=base) as client:
        factory = caldav_sync_after_changes(world, Target("almanac", base))
        call = factory(0, 0)
        assert call is not None
        response = client.request(call.method, call.path, headers=dict(call.headers), content=call.content)
    assert response.status_code == 207, response.text
    hrefs = etree.fromstring(response.content).xpath("//*[local-name()='response']/*[local-name()='href']/text()")
    assert sorted(hrefs) == sorted(f"{call.path}{uid}.ics" for uid, _ in world.ics[:SYNC_CHANGES])
