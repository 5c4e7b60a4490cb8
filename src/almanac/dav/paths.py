"""The URL layout of the CalDAV face, and the hrefs it writes.

```
/dav/                                   the root: where clients start (RFC 6764 sends them here)
/dav/principals/<username>/             a user's principal (RFC 3744, RFC 5397)
/dav/calendars/<username>/              the user's calendar home (RFC 4791 §6.2.1)
/dav/calendars/<username>/<key>/        a calendar collection: one of the home's calendars, by key
/dav/calendars/<username>/<key>/<name>  a calendar object resource (one UID: a series and its overrides)
```
Segments are percent-decoded when parsed and encoded when written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import quote, unquote

PREFIX: Final = "/dav"
PRINCIPALS: Final = "principals"
CALENDARS: Final = "calendars"


class TargetKind(StrEnum):
    ROOT = "root"
    PRINCIPALS = "principals"
    PRINCIPAL = "principal"
    CALENDARS = "calendars"
    HOME = "home"
    CALENDAR = "calendar"
    OBJECT = "object"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Target:
    """What a request path addresses."""

    kind: TargetKind
    username: str | None = None
    calendar_key: str | None = None
    name: str | None = None


def parse_path(path: str) -> Target:
    """The target of an absolute request path (``/dav/...``); UNKNOWN for anything outside the layout."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return Target(TargetKind.UNKNOWN)
    segments = [unquote(s) for s in path[len(PREFIX) :].split("/") if s]
    if any(s in (".", "..") for s in segments):
        return Target(TargetKind.UNKNOWN)
    match segments:
        case []:
            return Target(TargetKind.ROOT)
        case [section] if section == PRINCIPALS:
            return Target(TargetKind.PRINCIPALS)
        case [section] if section == CALENDARS:
            return Target(TargetKind.CALENDARS)
        case [section, username] if section == PRINCIPALS:
            return Target(TargetKind.PRINCIPAL, username=username)
        case [section, username] if section == CALENDARS:
            return Target(TargetKind.HOME, username=username)
        case [section, username, key] if section == CALENDARS:
            return Target(TargetKind.CALENDAR, username=username, calendar_key=key)
        case [section, username, key, name] if section == CALENDARS:
            return Target(TargetKind.OBJECT, username=username, calendar_key=key, name=name)
    return Target(TargetKind.UNKNOWN)


def _segment(text: str) -> str:
    return quote(text, safe="@")


def root_href() -> str:
    return PREFIX + "/"


def principal_href(username: str) -> str:
    return f"{PREFIX}/{PRINCIPALS}/{_segment(username)}/"


def home_href(username: str) -> str:
    return f"{PREFIX}/{CALENDARS}/{_segment(username)}/"


def calendar_href(username: str, calendar_key: str) -> str:
    return f"{home_href(username)}{_segment(calendar_key)}/"


def object_href(username: str, calendar_key: str, name: str) -> str:
    return f"{calendar_href(username, calendar_key)}{_segment(name)}"


def href_target(href_text: str) -> Target:
    """The target of an href a client sent (absolute path or full URL)."""
    text = href_text.strip()
    if "://" in text:
        text = "/" + text.split("://", 1)[1].partition("/")[2]
    return parse_path(text.split("?", 1)[0])
