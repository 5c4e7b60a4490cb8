"""Invitations: a participant of an event seen as an invitation with an answer, and the signed links that
let an invitee answer from a mail without signing in.

An invitation is not a stored object of its own: it *is* the event's
``Participant`` (user and answer status). Its id is eXo's
``{eventKey}:{username}`` (spec §1.3), stable for as long as the user takes
part. The answer maps onto the iCalendar ``PARTSTAT`` of the participant's
``ATTENDEE`` (RFC 5545 §3.2.12), which the iCalendar and CalDAV faces render.

Answer links carry a token: ``v1.<expiry unix seconds>.<signature>`` where the
signature is HMAC-SHA256 (base64url, unpadded) over the invitation id and the
expiry, keyed with a key derived from the server secret (so the same secret
can sign other kinds of link without one kind's signature being valid for
another). Expiry is checked against the caller's clock, never the system time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from almanac.domain.deliveries import DELIVERY_NAMESPACE
from almanac.domain.errors import N_, AlmanacError

#: The ``event_type`` of an invitation mail delivery (reminders have none; webhook messages their type).
INVITATION_DELIVERY_TYPE: Final = "invitation.request"
TOKEN_VERSION: Final = "v1"
_LINK_PURPOSE: Final = b"almanac/invitation-answer/v1"


class InvitationStatus(StrEnum):
    """The answer of an invitee; ``""`` is "not answered yet" (spec §3.10)."""

    NONE = ""
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"

    @property
    def partstat(self) -> str:
        """The iCalendar participation status of this answer (RFC 5545 §3.2.12)."""
        return _PARTSTAT[self]


_PARTSTAT: Final = {
    InvitationStatus.YES: "ACCEPTED",
    InvitationStatus.NO: "DECLINED",
    InvitationStatus.MAYBE: "TENTATIVE",
    InvitationStatus.NONE: "NEEDS-ACTION",
}


def status_of_partstat(partstat: str) -> InvitationStatus:
    """The answer an iCalendar ``PARTSTAT`` stands for; statuses with no eXo answer (DELEGATED...) are NONE."""
    wanted = partstat.strip().upper()
    return next((status for status, value in _PARTSTAT.items() if value == wanted), InvitationStatus.NONE)


def parse_status(text: str) -> InvitationStatus | None:
    """The status named by ``text`` exactly as eXo spells it (``""``, ``yes``, ``no``, ``maybe``), else None."""
    try:
        return InvitationStatus(text)
    except ValueError:
        return None


def invitation_id(event_key: str, username: str) -> str:
    """eXo's invitation id: ``{eventKey}:{username}`` (spec §1.3)."""
    return f"{event_key}:{username}"


def parse_invitation_id(text: str) -> tuple[str, str] | None:
    """``(event key, username)``, or None when ``text`` is not an invitation id.

    Usernames never contain ``:`` (see ``services.accounts``), so the id splits at
    its last colon; an event key may itself hold colons (eXo's ``ds::id`` composite ids).
    """
    event_key, colon, username = text.rpartition(":")
    if not colon or not event_key or not username:
        return None
    return event_key, username


def invitation_delivery_id(event_uid: str, user_id: int, revision: int) -> str:
    """uuid5 of (event UID, invitee, the event revision that invited them): one mail per invitation act,
    however often it is enqueued; inviting the same person again later is a new act, with a new id."""
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"invitation|{event_uid}|{user_id}|{revision}"))


def invitation_tag(event_key: str, username: str, status: str) -> str:
    """The quoted entity tag of an invitation: a digest of (event, participant, status) (spec §1.8)."""
    digest = hashlib.sha256(f"{event_key}\x1f{username}\x1f{status}".encode()).hexdigest()[:32]
    return f'"{digest}"'


# --- answer links ---------------------------------------------------------------------------------------


class AnswerLinkError(AlmanacError):
    """An answer link that cannot be honoured: not signed by this server, or for another invitation."""

    code = "invalid_link"
    template = N_("This answer link is not valid. Sign in to answer the invitation.")


class ExpiredAnswerLinkError(AnswerLinkError):
    """A genuine answer link whose time has passed."""

    code = "expired_link"
    template = N_("This answer link has expired. Sign in to answer the invitation.")


def _link_key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _LINK_PURPOSE, hashlib.sha256).digest()


def _signature(secret: str, invitation: str, expires: int) -> str:
    message = f"{TOKEN_VERSION}\x1f{invitation}\x1f{expires}".encode()
    digest = hmac.new(_link_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_answer_token(secret: str, *, invitation: str, expires_at: datetime) -> str:
    """A token that lets its bearer answer ``invitation`` until ``expires_at`` (whole seconds, UTC)."""
    expires = int(expires_at.astimezone(UTC).timestamp())
    return f"{TOKEN_VERSION}.{expires}.{_signature(secret, invitation, expires)}"


def verify_answer_token(secret: str, token: str, *, invitation: str, now: datetime) -> datetime:
    """The token's expiry if it was signed with ``secret`` for ``invitation`` and has not expired at ``now``.

    Raises AnswerLinkError (malformed, forged, or for another invitation — checked
    first, in constant time) or ExpiredAnswerLinkError (genuine but expired).
    """
    version, _, rest = token.partition(".")
    expires_text, _, given = rest.partition(".")
    if version != TOKEN_VERSION or not expires_text.isascii() or not expires_text.isdigit() or len(expires_text) > 12:
        raise AnswerLinkError()
    expires = int(expires_text)
    if not hmac.compare_digest(_signature(secret, invitation, expires).encode(), given.encode("utf-8", "replace")):
        raise AnswerLinkError()
    try:
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, ValueError, OSError):
        raise AnswerLinkError() from None
    if now >= expires_at:
        raise ExpiredAnswerLinkError()
    return expires_at


#: The kinds of object NotFoundError names in this feature, marked so their names are translated too.
OBJECT_KINDS = (N_("invitation"),)
