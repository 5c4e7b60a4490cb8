"""The almanac command: account administration and its one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from almanac.bootstrap import build_container
from almanac.cli import main
from almanac.config import Settings
from almanac.domain.changes import ChangeKind
from tests.doubles import FakeClock


def run(database_url: str, *args: str) -> int:
    return main(["--database-url", database_url, *args])


def test_user_group_and_token_commands(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(database_url, "group", "add", "/platform/users", "--name", "Users") == 0
    assert (
        run(
            database_url,
            "user",
            "add",
            "alice",
            "--email",
            "alice@example.com",
            "--name",
            "Alice A",
            "--password",
            "pw",
            "--group",
            "/platform/users",
            "--admin",
        )
        == 0
    )
    assert run(database_url, "group", "add", "/support") == 0
    assert run(database_url, "group", "add-member", "/support", "alice", "--type", "manager") == 0
    capsys.readouterr()
    assert run(database_url, "token", "issue", "alice") == 0
    out = capsys.readouterr().out
    assert len(out.strip()) >= 40 and out.count("\n") == 1  # the token and nothing else on stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("token", "issue", "nobody"), "No user with id nobody was found."),
        (("user", "add", "bob", "--email", "not-an-address"), "is not a valid email address"),
        (("user", "add", "alice", "--email", "other@example.com"), "The username alice is already taken."),
        (("user", "add", "al2", "--email", "ALICE@example.com"), "already in use"),
        (("user", "add", "bad/name", "--email", "b@example.com"), "is invalid"),
        (("user", "add", "carol", "--email", "c@example.com", "--group", "/nope"), "No group with id /nope"),
        (("group", "add", "not-a-path"), "is invalid"),
        (("group", "add-member", "/platform/users", "ghost"), "No user with id ghost"),
    ],
)
def test_errors_print_one_clear_line_and_exit_non_zero(
    database_url: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert run(database_url, "group", "add", "/platform/users") == 0
    assert run(database_url, "user", "add", "alice", "--email", "alice@example.com") == 0
    capsys.readouterr()
    assert run(database_url, *args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("almanac: error: ") and message in lines[0]


def test_changes_prune_removes_tombstones_past_the_retention(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "user", "add", "alice", "--email", "alice@example.com", "--password", "pw") == 0
    # Tombstones written long ago (the command itself reads the real clock).
    container = build_container(Settings(database_url=database_url), clock=FakeClock(datetime(2000, 1, 1, tzinfo=UTC)))
    try:
        with container.services.uow() as uow:
            calendar = uow.calendars.get_by_key("alice-defaultCalendarId")
            assert calendar is not None and calendar.id is not None
            calendar_id = calendar.id
            uow.changes.record(calendar_id, "a.ics", ChangeKind.DELETED, container.services.clock.now())
            uow.changes.record(calendar_id, "b.ics", ChangeKind.DELETED, container.services.clock.now())
            uow.commit()
    finally:
        container.close()
    capsys.readouterr()
    assert run(database_url, "changes", "prune") == 0
    assert "pruned 2 tombstones older than 30 days from 1 calendars" in capsys.readouterr().err
    assert run(database_url, "changes", "prune") == 0
    assert "pruned 0 tombstones" in capsys.readouterr().err
