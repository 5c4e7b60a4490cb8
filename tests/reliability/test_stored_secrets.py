"""What the store keeps of each secret: hashes of passwords, tokens and private feed secrets, never the secrets.

Webhook secrets are the exception by necessity: they are signing keys (HMAC), so the server must hold them;
they are shown once, at creation, and never logged (test_secrets_never_logged).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from almanac.bootstrap import Container
from almanac.domain import tokens, webhooks
from almanac.services import accounts, auth, calendar_feeds
from almanac.services.auth import authenticate

PASSWORD = "Stored-Passw0rd-Never-Plain"


def every_stored_value(container: Container) -> str:
    metadata = MetaData()
    metadata.reflect(container.engine)
    with container.engine.connect() as connection:
        return "\n".join(
            repr(tuple(row)) for table in metadata.sorted_tables for row in connection.execute(select(table))
        )


def test_passwords_tokens_and_feed_secrets_are_stored_only_as_hashes(client: TestClient, container: Container) -> None:
    accounts.add_user(
        container.services, username="alice", email="alice@example.com", display_name="Alice", password=PASSWORD
    )
    api_token = auth.issue_api_token(container.services, username="alice").secret
    pair = auth.sign_in(container.services, email="alice@example.com", password=PASSWORD)
    principal = authenticate(container.services, secret=api_token)
    feed_secret = calendar_feeds.rotate_private_feed(
        container.services, principal=principal, calendar_key="alice-defaultCalendarId"
    )
    hook = client.post(
        "/api/v2/webhooks",
        json={"url": "https://example.com/hook", "eventTypes": ["event.created"]},
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert hook.status_code == 201
    stored = every_stored_value(container)
    for secret in (PASSWORD, api_token, pair.access.secret, pair.refresh.secret, feed_secret):
        assert secret not in stored
    assert tokens.hash_secret(api_token) in stored
    assert tokens.hash_secret(feed_secret) in stored
    assert "$argon2id$" in stored
    assert hook.json()["secret"] in stored  # a signing key, kept by necessity (see the module docstring)


def test_generated_secrets_have_at_least_128_random_bits() -> None:
    # token_urlsafe(n) encodes n random bytes in about 1.3 n characters.
    assert len(tokens.new_secret()) >= 43  # 32 bytes
    assert len(webhooks.new_secret().removeprefix("whsec_")) >= 32  # 24 bytes
    assert len({tokens.new_secret() for _ in range(1000)}) == 1000
