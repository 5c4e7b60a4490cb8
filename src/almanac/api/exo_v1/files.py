"""Files on the eXo face: which paths take uploads, reading a multipart body, and serving a stored file so
that no name and no content can turn it into a page, a script or a second header."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from fastapi import Request, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from almanac.api.exo_v1 import PREFIX
from almanac.api.exo_v1.query import rejected
from almanac.config import Settings
from almanac.domain.attachments import OCTET_STREAM, Attachment, is_active_content, safe_filename
from almanac.domain.errors import N_
from almanac.services.attachment_files import IncomingFile

#: POST paths whose bodies are files: their size limit is the attachment limits', not ALMANAC_MAX_BODY_BYTES.
UPLOAD_PATHS: Final = re.compile(re.escape(PREFIX) + r"/(?:uploads|(?:events|tasks)/[^/]+/attachments)")
#: Room for the multipart boundaries and part headers around the files themselves.
MULTIPART_OVERHEAD: Final = 256 * 1024
#: Parts the parser accepts at all; how many files an item may have is the use case's rule (a clear 413).
MAX_FORM_FILES: Final = 1000
MAX_FORM_FIELDS: Final = 100
MAX_FIELD_BYTES: Final = 64 * 1024

NOT_MULTIPART: Final = N_("Send the files as multipart/form-data, one part with a file name per file.")
BAD_MULTIPART: Final = N_("The multipart/form-data body could not be read: %(reason)s")

#: Characters kept as they are in the plain ``filename=""`` fallback (anything else becomes ``_``).
_FALLBACK_SAFE: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-()[]+,=@")


def upload_body_limit(settings: Settings) -> int:
    """The largest request body an upload path accepts: all of one item's files, or all of one user's pending
    uploads, plus the multipart framing. Each file is then checked against its own limits (413)."""
    return max(settings.attachment_max_item_bytes, settings.upload_max_pending_bytes) + MULTIPART_OVERHEAD


async def read_files(request: Request) -> list[IncomingFile]:
    """Every part with a non-empty file name becomes a file (spec §5.5.2); other parts are ignored.

    The part's own Content-Type is ignored: the type is decided from the content
    and the name (``domain.attachments.media_type_for``).
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.strip().lower().startswith("multipart/form-data"):
        raise rejected("file", NOT_MULTIPART)
    try:
        form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except (HTTPException, MultiPartException) as exc:
        reason = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise rejected("file", BAD_MULTIPART, reason=str(reason)[:200]) from None
    files: list[IncomingFile] = []
    try:
        for _, value in form.multi_items():
            if isinstance(value, UploadFile) and value.filename:
                files.append(IncomingFile(name=value.filename, content=await value.read()))
    finally:
        await form.close()
    return files


def content_disposition(name: str) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` (RFC 6266, RFC 8187).

    The name is cleaned again (no path, no control characters); the quoted
    fallback keeps only plain ASCII letters, digits and a few punctuation marks,
    and the extended value is percent-encoded whole — so neither a quote, a
    semicolon nor a line break can end the header or start another.
    """
    cleaned = safe_filename(name)
    fallback = "".join(ch if ch in _FALLBACK_SAFE else "_" for ch in cleaned)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def served_media_type(media_type: str) -> str:
    """What a download is labelled: the stored type, except that anything a browser would run or render as a
    page (HTML, SVG, XML, scripts) is sent as ``application/octet-stream``."""
    return OCTET_STREAM if is_active_content(media_type) else media_type


def download(attachment: Attachment, content: bytes, headers: dict[str, str]) -> Response:
    """The file's bytes as a download that browsers neither sniff, render nor run."""
    return Response(
        content,
        200,
        headers={
            **headers,
            "Content-Type": served_media_type(attachment.media_type),
            "Content-Disposition": content_disposition(attachment.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
