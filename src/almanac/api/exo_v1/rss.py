"""The RSS 2.0 document of a feed (spec §5.8.4), built with ``feedgen`` so every text is escaped by an XML
library — never assembled from strings (eXo rewrites ``&amp;`` to ``&`` afterwards and can emit ill-formed XML).

Channel: the feed's title, its absolute URL, and the title again as description
(as eXo). Items: one per event or task — title, description, a link to the
item on this face (eXo links to a legacy route it no longer serves), the
item's UID as a non-permalink ``guid``, its author, and its creation instant.
``lastBuildDate`` is the newest change among the feed and its items, so the
document — and its ETag — only changes when its content does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from feedgen.feed import FeedGenerator

from almanac.api.exo_v1.dates import format_datetime
from almanac.api.exo_v1.representations import Hrefs
from almanac.services.feeds import FeedItem

GENERATOR: Final = "Almanac"
# Characters XML 1.0 cannot carry at all (§2.2): C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def rss_document(*, title: str, link: str, items: Sequence[FeedItem], hrefs: Hrefs, updated: datetime) -> bytes:
    """The RSS 2.0 document, UTF-8 encoded, with its XML declaration."""
    generator = FeedGenerator()
    generator.title(_text(title))
    generator.link(href=link, rel="alternate")
    generator.description(_text(title))
    generator.generator(GENERATOR)
    generator.lastBuildDate(max([updated, *(i.updated_at for i in items if i.updated_at is not None)]))
    for item in items:
        entry = generator.add_entry(order="append")
        entry.title(_text(item.summary) or item.key)
        entry.link(href=hrefs.event(item.key) if item.kind == "event" else hrefs.task(item.key))
        entry.guid(item.uid, permalink=False)
        entry.description(_text(_description(item)))
        if item.author is not None:
            entry.author(name=_text(item.author.display_name or item.author.username), email=item.author.email)
        if item.created_at is not None:
            entry.pubDate(item.created_at)
    document: bytes = generator.rss_str(pretty=True)
    return document


def _description(item: FeedItem) -> str:
    """When the item takes place (UTC, as everywhere on this face), then its own description."""
    when = f"{format_datetime(item.starts_at)} – {format_datetime(item.ends_at)}"
    return f"{when}\n\n{item.description}" if item.description else when


def _text(value: str) -> str:
    """Drop what XML cannot hold at all; everything else (``<``, ``&``, ``]]>``) the XML library escapes."""
    return _NOT_XML.sub("", value)
