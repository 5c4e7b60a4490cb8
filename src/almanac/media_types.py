"""Recognising file formats by their magic numbers, with the ``filetype`` package (the ContentSniffer adapter).

``filetype`` reads only the first bytes of a file and knows binary formats
(images, audio, video, archives, documents, executables); text formats
(plain text, CSV, HTML, iCalendar) carry no signature, and their type comes
from the file name (``domain.attachments.media_type_for``).
"""

from __future__ import annotations

from functools import cached_property

import filetype


class FiletypeSniffer:
    """Implements ``almanac.domain.attachments.ContentSniffer``."""

    def sniff(self, head: bytes) -> str | None:
        if not head:
            return None
        kind = filetype.guess(head)
        return None if kind is None else str(kind.mime)

    def recognises(self, media_type: str) -> bool:
        return media_type in self._known

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(str(kind.mime) for kind in filetype.types)
