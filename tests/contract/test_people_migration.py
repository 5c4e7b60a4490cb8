"""Migration 0006 on a store that already has people: their names become searchable, and nothing that
refers to a user is touched (SQLite rebuilding ``users`` would cascade into their calendars)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from almanac.storage.engine import build_engine
from almanac.storage.migrate import alembic_config, upgrade_to_head


def test_existing_users_are_backfilled_and_keep_their_calendars(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003_reminders")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, username, email, email_key, display_name, is_admin, locale, tzid, created_at)"
                " VALUES (1, 'hana', 'Hana@Example.org', 'hana@example.org', 'ＳＡＴＯ 花子', 0, 'ja', 'UTC',"
                " '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO calendars (id, key, name, owner_id, color, tzid, is_default, created_at, updated_at)"
                " VALUES (1, 'hana-defaultCalendarId', 'Hana', 1, 'red', 'UTC', 1,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    upgrade_to_head(engine)
    with engine.connect() as connection:
        folded = connection.execute(text("SELECT search_folded FROM users WHERE id = 1")).scalar_one()
        calendars = connection.execute(text("SELECT count(*) FROM calendars")).scalar_one()
    engine.dispose()
    assert folded == "sato 花子\x1fhana\x1fhana@example.org"
    assert calendars == 1
