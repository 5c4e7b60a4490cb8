"""Units of work: a read-only one neither waits for a writer nor commits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from almanac.bootstrap import Container
from almanac.domain.users import User

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_read_only_unit_of_work_does_not_wait_for_a_writer(container: Container) -> None:
    uow = container.services.uow
    seen: list[User | None] = []
    done = threading.Event()

    def read() -> None:
        with uow(read_only=True) as reader:
            seen.append(reader.users.get_by_username("writer"))
        done.set()

    with uow() as writer:
        writer.users.add(User(username="writer", email="writer@example.com", display_name="W", created_at=NOW))
        # The writer holds its transaction open (on SQLite, the database's write lock) while a reader reads.
        thread = threading.Thread(target=read)
        thread.start()
        # A reader that took the write lock would wait here for the busy timeout (30 s).
        assert done.wait(10), "the read-only unit of work waited for the writer"
        writer.commit()
    thread.join()
    assert seen == [None]  # it read the last committed state, not the writer's uncommitted row
    with uow(read_only=True) as reader:
        assert reader.users.get_by_username("writer") is not None


def test_a_read_only_unit_of_work_refuses_to_commit(container: Container) -> None:
    with container.services.uow(read_only=True) as reader:
        reader.users.add(User(username="sneaky", email="sneaky@example.com", display_name="S", created_at=NOW))
        with pytest.raises(RuntimeError, match="read-only"):
            reader.commit()
    with container.services.uow() as check:
        assert check.users.get_by_username("sneaky") is None
