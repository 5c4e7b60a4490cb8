"""The answer links of invitation mails, as every kind of caller: the signed token is the only credential.

Each link variant is decided by the domain (``domain.invitations.verify_answer_token`` through
``authorization_actors.answer_link_accepted``), whoever follows it, signed in or not: a genuine link opens
the page (GET) and records the answer (POST); a tampered one, an expired one, one signed for another event
or another invitee, or by another server, is refused (403) and changes nothing — with exactly the page the
same link gets for an invitation that does not exist, so a forged link tells nothing about what exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from almanac.domain.invitations import sign_answer_token
from tests.reliability import authorization_actors as model
from tests.reliability.authorization_actors import ACTORS, Actor
from tests.reliability.authorization_operations import MISSING, headers_of, normalized
from tests.reliability.authorization_world import LINK_SECRET, NOW, PUBLIC_EXO, World


@pytest.fixture
def world(authz_world: World) -> World:
    return authz_world


def _sign(invitation: str, *, secret: str = LINK_SECRET, ttl: timedelta = timedelta(days=1)) -> str:
    return sign_answer_token(secret, invitation=invitation, expires_at=NOW + ttl)


def _tampered(invitation: str) -> str:
    token = _sign(invitation)
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _other_event(invitation: str) -> str:
    event, _, username = invitation.rpartition(":")
    return _sign(f"{event[:-1]}{'0' if event[-1] != '0' else '1'}:{username}")


def _other_invitee(invitation: str) -> str:
    event, _, _ = invitation.rpartition(":")
    return _sign(f"{event}:tom")


#: How each link is made for an invitation id (the world signs with LINK_SECRET, as the worker does).
VARIANTS: dict[str, Callable[[str], str]] = {
    "genuine": _sign,
    "tampered signature": _tampered,
    "expired": lambda i: _sign(i, ttl=-timedelta(seconds=1)),
    "another event's": _other_event,
    "another invitee's": _other_invitee,
    "another server's": lambda i: _sign(i, secret="another-server-secret-0123456789-abcdef"),
    "no token": lambda i: "",
}


def answer_of(world: World, invitation: str) -> str:
    _, event, invitee = world.invitation(invitation)
    return next(p.status for p in event.participants if p.user_id == invitee)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.role)
def test_answer_link(world: World, variant: str, method: str, actor: Actor) -> None:
    invitation = world.key_of("invitation", "personal")
    accepted = model.answer_link_accepted(LINK_SECRET, VARIANTS[variant](invitation), invitation, world.clock.now())
    if accepted and method == "POST":
        invitation = world.fresh("invitation", "personal")
    token = VARIANTS[variant](invitation)
    before = world.snapshot()
    try:
        response = world.client.request(
            method,
            f"{PUBLIC_EXO}/invitations/{invitation}/answer",
            params={"status": "yes", "token": token},
            headers=headers_of(world, actor),
        )
        if accepted:
            assert response.status_code == 200, response.text
            assert "In personal" in response.text, "the page names the event"
            if method == "POST":
                assert answer_of(world, invitation) == "yes"
            else:
                assert world.snapshot() == before, "opening a link (as mail scanners do) answers nothing"
            return
        assert world.snapshot() == before, "a refused link changes nothing"
        assert response.status_code == 403, response.text
        unknown = MISSING["invitation"]
        missing = world.client.request(
            method,
            f"{PUBLIC_EXO}/invitations/{unknown}/answer",
            params={"status": "yes", "token": VARIANTS[variant](unknown)},
            headers=headers_of(world, actor),
        )
        assert normalized(response, invitation) == normalized(missing, unknown)
    finally:
        if accepted and method == "POST":
            world.prune()


def test_the_link_variants_are_not_vacuous(world: World) -> None:
    invitation = world.key_of("invitation", "personal")
    now = world.clock.now()
    decided = {
        name: model.answer_link_accepted(LINK_SECRET, make(invitation), invitation, now)
        for name, make in VARIANTS.items()
    }
    assert decided == {name: name == "genuine" for name in VARIANTS}
