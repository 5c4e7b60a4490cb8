"""Invitation rules without I/O: answers and their iCalendar PARTSTAT, invitation ids, answer-link tokens,
and the busy-interval arithmetic of availabilities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from almanac.config import Settings
from almanac.domain.invitations import (
    AnswerLinkError,
    ExpiredAnswerLinkError,
    InvitationStatus,
    invitation_delivery_id,
    invitation_id,
    parse_invitation_id,
    parse_status,
    sign_answer_token,
    status_of_partstat,
    verify_answer_token,
)
from almanac.domain.people import Interval, fold, merged, search_key

SECRET = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "partstat"),
    [("yes", "ACCEPTED"), ("no", "DECLINED"), ("maybe", "TENTATIVE"), ("", "NEEDS-ACTION")],
)
def test_each_answer_is_an_icalendar_participation_status(status: str, partstat: str) -> None:
    assert InvitationStatus(status).partstat == partstat
    assert status_of_partstat(partstat) == InvitationStatus(status)
    assert status_of_partstat(partstat.lower()) == InvitationStatus(status)


def test_participation_statuses_without_an_exo_answer_read_as_unanswered() -> None:
    assert status_of_partstat("DELEGATED") is InvitationStatus.NONE


def test_statuses_are_spelled_exactly_as_exo_does() -> None:
    assert parse_status("") is InvitationStatus.NONE
    assert parse_status("maybe") is InvitationStatus.MAYBE
    assert parse_status("YES") is None
    assert parse_status(" yes") is None


def test_invitation_ids_split_at_the_last_colon() -> None:
    assert invitation_id("Event1a", "john") == "Event1a:john"
    assert parse_invitation_id("Event1a:john") == ("Event1a", "john")
    assert parse_invitation_id("ds::Event1a:john") == ("ds::Event1a", "john")
    for malformed in ("Event1a", ":john", "Event1a:", ""):
        assert parse_invitation_id(malformed) is None


def test_each_invitation_act_has_its_own_stable_delivery_id() -> None:
    first = invitation_delivery_id("uid-1", 7, 3)
    assert first == invitation_delivery_id("uid-1", 7, 3)
    assert first != invitation_delivery_id("uid-1", 7, 5)
    assert first != invitation_delivery_id("uid-1", 8, 3)


def test_a_token_verifies_until_its_expiry_and_not_after() -> None:
    expires = NOW + timedelta(days=30)
    token = sign_answer_token(SECRET, invitation="Event1:john", expires_at=expires)
    assert verify_answer_token(SECRET, token, invitation="Event1:john", now=NOW) == expires
    assert verify_answer_token(SECRET, token, invitation="Event1:john", now=expires - timedelta(seconds=1))
    with pytest.raises(ExpiredAnswerLinkError):
        verify_answer_token(SECRET, token, invitation="Event1:john", now=expires)


def test_a_token_is_bound_to_its_secret_invitation_and_expiry() -> None:
    token = sign_answer_token(SECRET, invitation="Event1:john", expires_at=NOW + timedelta(days=1))
    with pytest.raises(AnswerLinkError) as wrong_secret:
        verify_answer_token(SECRET[::-1], token, invitation="Event1:john", now=NOW)
    assert not isinstance(wrong_secret.value, ExpiredAnswerLinkError)
    with pytest.raises(AnswerLinkError):
        verify_answer_token(SECRET, token, invitation="Event1:mary", now=NOW)
    version, expires, signature = token.split(".")
    with pytest.raises(AnswerLinkError):
        verify_answer_token(SECRET, f"{version}.{int(expires) + 1}.{signature}", invitation="Event1:john", now=NOW)


def test_a_forged_token_is_refused_before_its_expiry_is_looked_at() -> None:
    past = sign_answer_token(SECRET, invitation="Event1:john", expires_at=NOW - timedelta(days=1))
    version, expires, _ = past.split(".")
    with pytest.raises(AnswerLinkError) as caught:
        verify_answer_token(SECRET, f"{version}.{expires}.forged", invitation="Event1:john", now=NOW)
    assert not isinstance(caught.value, ExpiredAnswerLinkError)


@pytest.mark.parametrize("token", ["", "v1", "v1.x.y", "v1.-5.y", "v1.99999999999999999.y", "v1.1.é"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(AnswerLinkError):
        verify_answer_token(SECRET, token, invitation="Event1:john", now=NOW)


def test_busy_intervals_are_sorted_merged_and_never_empty() -> None:
    def at(hour: int) -> datetime:
        return NOW.replace(hour=hour)

    spans = [Interval(at(13), at(14)), Interval(at(9), at(10)), Interval(at(9), at(11)), Interval(at(11), at(12))]
    spans.append(Interval(at(15), at(15)))
    assert merged(spans) == [Interval(at(9), at(12)), Interval(at(13), at(14))]
    assert merged([]) == []


def test_names_are_matched_folded_by_width_and_case() -> None:
    assert fold("ＳＡＴＯ Émile") == "sato émile"
    assert "\x1f" not in fold("a\x1fb")
    assert search_key("Mary Smith", "mary", "Mary@Example.org") == "mary smith\x1fmary\x1fmary@example.org"


def test_a_configured_secret_key_must_be_long_enough() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(secret_key="too-short")
    configured = Settings(secret_key="k" * 32)
    assert "k" * 32 not in repr(configured)
