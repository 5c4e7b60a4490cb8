"""Composing an invitation mail: text in the invitee's language and time zone with links that record an answer
without signing in, and the iTIP ``METHOD:REQUEST`` (RFC 6047) as an ``invitation.ics`` attachment.

The iCalendar bytes come from the function the composition root passes in
(``almanac.ical.itip``): adapters do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr
from typing import Final

from babel.dates import format_datetime

from almanac.domain.notices import InvitationNotice
from almanac.notify.mail import language_of, message_id, zone_of

#: Builds the ``METHOD:REQUEST`` VCALENDAR of an invitation, stamped at the given instant.
InvitationCalendar = Callable[[InvitationNotice, datetime], bytes]

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "subject": "Invitation: {summary} ({when})",
        "intro": "{inviter} invites you to an event.",
        "title": "Title",
        "when": "When",
        "where": "Where",
        "organizer": "Organizer",
        "description": "Description",
        "answer": "Your answer (no sign-in needed; the links work until {until}):",
        "yes": "Accept",
        "no": "Decline",
        "maybe": "Maybe",
        "footer": "The attached invitation.ics adds the event to your calendar.",
    },
    "ja": {
        "subject": "招待: {summary}（{when}）",
        "intro": "{inviter} さんから予定への招待が届いています。",
        "title": "件名",
        "when": "日時",
        "where": "場所",
        "organizer": "主催者",
        "description": "説明",
        "answer": "出欠の回答（サインイン不要。リンクの有効期限: {until}）:",
        "yes": "参加する",
        "no": "辞退する",
        "maybe": "未定",
        "footer": "添付の invitation.ics で予定をカレンダーに追加できます。",
    },
}


def compose_invitation(
    notice: InvitationNotice, *, sender: str, now: datetime, calendar: InvitationCalendar
) -> EmailMessage:
    invitee, event, organizer = notice.attendee, notice.event, notice.organizer
    language = language_of(invitee.locale)
    texts = TEXTS[language]
    zone = zone_of(invitee.tzid)
    when = format_datetime(event.starts_at, "full", tzinfo=zone, locale=language)
    until = format_datetime(event.ends_at, "medium", tzinfo=zone, locale=language)
    short = format_datetime(event.starts_at, "medium", tzinfo=zone, locale=language)
    lines = [
        texts["intro"].format(inviter=organizer.display_name),
        "",
        f"{texts['title']}: {event.summary}",
        f"{texts['when']}: {when} – {until} ({zone.key})",
    ]
    if event.location:
        lines.append(f"{texts['where']}: {event.location}")
    lines.append(f"{texts['organizer']}: {formataddr((organizer.display_name, organizer.email))}")
    if event.description:
        lines += ["", f"{texts['description']}:", event.description]
    if notice.answer_links:
        expiry = notice.links_expire_at or now
        lines += ["", texts["answer"].format(until=format_datetime(expiry, "medium", tzinfo=zone, locale=language))]
        lines += [f"  {texts[status]}: {url}" for status, url in notice.answer_links.items() if status in texts]
    lines += ["", texts["footer"]]

    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((invitee.display_name, invitee.email))
    message["Reply-To"] = formataddr((organizer.display_name, organizer.email))
    message["Subject"] = texts["subject"].format(summary=" ".join(event.summary.split())[:200], when=short)
    message["Date"] = rfc2822_date(now.astimezone(UTC))
    message["Message-ID"] = message_id(notice.delivery.id, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to invitations
    message["X-Almanac-Delivery"] = notice.delivery.id
    message.set_content("\n".join(lines))
    message.add_attachment(
        calendar(notice, now),
        maintype="text",
        subtype="calendar",
        filename="invitation.ics",
        params={"method": "REQUEST", "charset": "utf-8"},
    )
    message["Content-Language"] = language
    return message
