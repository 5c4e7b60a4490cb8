"""The page behind the answer links of invitation mails, outside the signed-in prefix (eXo serves ``/rest/…``
without forcing a login): ``/rest/v1/calendar/invitations/{id}/answer?status=…&token=…``.

``GET`` shows the invitation and asks to confirm the answer; ``POST`` (the
page's button, or any client) records it. The answer is not recorded on
``GET`` because mail scanners and link previews fetch every link of a mail:
with three links per mail, a recorded GET would leave a random answer.
The token (``domain.invitations``) is the only credential: pages are never
cached, never framed, and send no Referer that could leak it.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Final
from urllib.parse import quote, urlencode

from babel.dates import format_datetime
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from almanac.api.exo_v1.dates import zone
from almanac.api.i18n import Translator
from almanac.domain.errors import N_, AlmanacError, InvalidInputError, NotFoundError
from almanac.domain.invitations import AnswerLinkError, InvitationStatus, parse_status
from almanac.services import invitations as invitation_service
from almanac.services.context import ServiceContext
from almanac.services.invitations import LINK_ANSWERS, InvitationView

PUBLIC_PREFIX: Final = "/rest/v1/calendar"

router = APIRouter(prefix=PUBLIC_PREFIX, tags=["eXo invitations"])

#: Every answer of these pages is an HTML page in the caller's language, errors included.
_PAGES: Final[dict[int | str, dict[str, object]]] = {
    400: {"description": "The link names no valid answer (a page saying so).", "content": {"text/html": {}}},
    403: {"description": "The link's token is wrong or expired (a page saying so).", "content": {"text/html": {}}},
    404: {"description": "No such invitation (a page saying so).", "content": {"text/html": {}}},
}

HEADERS: Final = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}

TITLE = N_("Invitation")
QUESTION = N_("Answer the invitation to %(summary)s")
WHEN = N_("When")
WHERE = N_("Where")
ORGANIZER = N_("Organizer")
INVITEE = N_("Invitee")
CURRENT = N_("Your answer so far")
CONFIRM = N_("Confirm your answer:")
RECORDED = N_("Your answer has been recorded: %(answer)s")
CHANGE = N_("You can change it with the buttons below until the link expires (%(until)s).")
BAD_ANSWER = N_("The link names no answer: choose one below.")
ANSWERS: Final = {
    InvitationStatus.YES: N_("Accept"),
    InvitationStatus.NO: N_("Decline"),
    InvitationStatus.MAYBE: N_("Maybe"),
    InvitationStatus.NONE: N_("Not answered yet"),
}


def answer_page_url(base: str, invitation: str) -> str:
    """The absolute URL of the answer page of ``invitation`` (without its query)."""
    return f"{base}{PUBLIC_PREFIX}/invitations/{quote(invitation, safe=':@')}/answer"


@router.get(
    "/invitations/{invitation}/answer",
    response_class=HTMLResponse,
    responses=_PAGES,
    summary="The page an answer link of an invitation mail opens",
)
def answer_page(
    request: Request, invitation: str, token: str = Query(""), status: str | None = Query(None)
) -> Response:
    page = _Page(request)
    try:
        link = invitation_service.read_answer_link(page.services, invitation=invitation, token=token[:500])
    except AlmanacError as error:
        return page.error(error)
    chosen = parse_status(status) if status is not None else None
    notes = [] if chosen in LINK_ANSWERS else [page.t(BAD_ANSWER)]
    return page.render(link.invitation, token=token, chosen=chosen, notes=notes)


@router.post(
    "/invitations/{invitation}/answer",
    response_class=HTMLResponse,
    responses=_PAGES,
    summary="Record the answer of an invitation mail's link",
)
def record_answer(
    request: Request, invitation: str, token: str = Query(""), status: str | None = Query(None)
) -> Response:
    page = _Page(request)
    chosen = parse_status(status) if status is not None else None
    try:
        if chosen not in LINK_ANSWERS or chosen is None:
            raise InvalidInputError([], BAD_ANSWER)
        link = invitation_service.answer_by_link(page.services, invitation=invitation, token=token[:500], status=chosen)
    except AlmanacError as error:
        return page.error(error)
    view = link.invitation
    done = page.t(RECORDED, answer=page.t(ANSWERS[view.status]))
    notes = [done, page.t(CHANGE, until=page.when(link.expires_at, view))]
    return page.render(view, token=token, chosen=chosen, notes=notes)


class _Page:
    """One HTML answer page in the caller's language (Accept-Language)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.services: ServiceContext = request.app.state.services
        self.translator: Translator = request.app.state.errors.translator
        self.language: str = request.app.state.errors.language(request)

    def t(self, template: str, **params: object) -> str:
        return self.translator.translate(self.language, template, params or None)

    def when(self, instant: datetime, view: InvitationView) -> str:
        text: str = format_datetime(instant, "medium", tzinfo=zone(view.participant.tzid), locale=self.language)
        return text

    def error(self, error: AlmanacError) -> Response:
        if isinstance(error, AnswerLinkError):
            status = 403
        elif isinstance(error, NotFoundError):
            status = 404
        elif isinstance(error, InvalidInputError):
            status = 400
        else:
            raise error
        text = self.t(error.template, **{k: v for k, v in error.params.items() if k != "kind"})
        if isinstance(error, NotFoundError):
            text = self.t(N_("This invitation no longer exists."))
        return self._html(f"<p>{html.escape(text)}</p>", status)

    def render(
        self,
        view: InvitationView,
        *,
        token: str,
        chosen: InvitationStatus | None,
        notes: list[str],
    ) -> Response:
        event, organizer = view.event.event, view.event.author
        tz = zone(view.participant.tzid)
        start = format_datetime(event.starts_at, "full", tzinfo=tz, locale=self.language)
        end = format_datetime(event.ends_at, "medium", tzinfo=tz, locale=self.language)
        e = html.escape
        rows = [
            (self.t(WHEN), f"{start} – {end} ({getattr(tz, 'key', 'UTC')})"),
            *([(self.t(WHERE), event.location)] if event.location else []),
            (self.t(ORGANIZER), organizer.display_name),
            (self.t(INVITEE), view.participant.display_name),
            (self.t(CURRENT), self.t(ANSWERS[view.status])),
        ]
        table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
        buttons = []
        for answer in sorted(LINK_ANSWERS, key=lambda a: a is not chosen):
            action = "?" + urlencode({"status": answer.value, "token": token})
            primary = ' class="primary" autofocus' if answer is chosen else ""
            buttons.append(
                f'<form method="post" action="{e(action)}"><button type="submit"{primary}>'
                f"{e(self.t(ANSWERS[answer]))}</button></form>"
            )
        content = (
            f"<h1>{e(self.t(QUESTION, summary=event.summary))}</h1>"
            + "".join(f"<p>{e(n)}</p>" for n in notes)
            + f"<table>{table}</table><p>{e(self.t(CONFIRM))}</p><div>{''.join(buttons)}</div>"
        )
        return self._html(content, 200)

    def _html(self, content: str, status: int) -> Response:
        page = (
            f'<!DOCTYPE html><html lang="{self.language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.t(TITLE))}</title>"
            "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
            "th{text-align:left;padding-right:1em}form{display:inline-block;margin:.5em .5em 0 0}"
            "button{font-size:1em;padding:.5em 1em}.primary{font-weight:bold}</style></head>"
            f"<body>{content}</body></html>"
        )
        return Response(page, status, headers={**HEADERS, "Content-Language": self.language}, media_type="text/html")
