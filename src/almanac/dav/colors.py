"""Calendar colours as Apple's ``calendar-color`` property carries them (``#RRGGBB`` or ``#RRGGBBAA``).

Calendars made through the eXo face carry eXo's colour names (``powder_blue``);
those are shown as their usual hex value, and a colour a CalDAV client sets is
stored as the hex string it sent.
"""

from __future__ import annotations

import re
from typing import Final

from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, InvalidInputError, Problem

_HEX: Final = re.compile(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?")

#: eXo's palette (its calendar colour names) as RGB.
EXO_COLORS: Final = {
    "asparagus": "#698B22",
    "bright_blue": "#0000FF",
    "cyan": "#00FFFF",
    "dark_gray": "#A9A9A9",
    "gray": "#808080",
    "green": "#008000",
    "light_gray": "#D3D3D3",
    "light_pink": "#FFB6C1",
    "light_purple": "#CC99FF",
    "magenta": "#FF00FF",
    "orange": "#FFA500",
    "pink": "#FFC0CB",
    "powder_blue": "#B0E0E6",
    "purple": "#800080",
    "red": "#FF0000",
    "sky_blue": "#87CEEB",
    "yellow": "#FFFF00",
}


def color_of_calendar(calendar: Calendar) -> str | None:
    """The calendar's colour as ``#RRGGBB[AA]``, or None when it is neither hex nor an eXo name."""
    if _HEX.fullmatch(calendar.color):
        return calendar.color
    return EXO_COLORS.get(calendar.color.lower())


def parse_color(text: str) -> str:
    """A client's ``calendar-color`` value, checked (InvalidInputError unless ``#RRGGBB`` or ``#RRGGBBAA``)."""
    value = text.strip()
    if not _HEX.fullmatch(value):
        raise InvalidInputError(
            [Problem("calendar-color", "color", N_("A calendar colour must be written #RRGGBB or #RRGGBBAA."))]
        )
    return value
