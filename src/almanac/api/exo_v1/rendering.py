"""Rendering eXo responses (spec §1.5-1.8): the collection envelope, the ``Link`` header, ``fields``
projection, JSONP, cache headers and conditional GETs. Each algorithm is written once, here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime as http_date
from email.utils import parsedate_to_datetime
from typing import Any, Final

from fastapi import Request, Response

from almanac.api.conditional import entity_tags
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.domain.errors import PreconditionFailedError
from almanac.domain.preconditions import none_match

JSON: Final = "application/json"
JAVASCRIPT: Final = "text/javascript; charset=utf-8"


def link_header(url: str, *, offset: int, limit: int, size: int) -> str:
    """The ``Link`` value of spec §1.7, from the collection URL without its query string."""
    if size <= 0:
        return ""
    o, n = max(offset, 0), size
    parts: list[str] = []
    previous = o - limit
    if o > 0 and previous < 0:
        previous = 0
    if previous >= 0:
        parts.append(f'<{url}?offset={previous}&limit={o - previous}>;rel="previous"')
    if o + limit < n:
        parts.append(f'<{url}?offset={o + limit}&limit={limit}>;rel="next"')
    first_limit = min(limit, n)
    parts.append(f'<{url}?offset=0&limit={first_limit}>;rel="first"')
    last = n - (n % first_limit)
    if last == n:
        last = n - first_limit
    if last > 0:
        parts.append(f'<{url}?offset={last}&limit={n - last}>;rel="last"')
    return ",".join(parts)


def project(resource: dict[str, Any], names: Sequence[str] | None) -> dict[str, Any]:
    """Keep only the named properties; unknown names and null values are left out (spec §1.5)."""
    if names is None:
        return resource
    return {name: resource[name] for name in names if resource.get(name) is not None}


def envelope(data: list[dict[str, Any]], *, offset: int, limit: int, size: int | None) -> dict[str, Any]:
    return {"data": data, "offset": offset, "limit": limit, "size": -1 if size is None else size}


def body(content: Any, *, callback: str | None, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON, or ``callback(<json>);`` as ``text/javascript`` when a (validated) JSONP callback is given."""
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    if callback is None:
        return Response(text, status, headers=headers, media_type=JSON)
    # U+2028/2029 are legal in JSON but end a line in older JavaScript engines.
    script = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Response(f"{callback}({script});", status, headers=headers, media_type=JAVASCRIPT)


def collection_url(request: Request, base: str) -> str:
    """``U`` of spec §1.7: the request's absolute URL without its query string."""
    return base + request.url.path


def cacheable(max_age: int, last_modified: datetime | None) -> dict[str, str]:
    headers = {"Cache-Control": f"private, no-transform, max-age={max_age}, s-maxage={max_age}"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(_seconds(last_modified), usegmt=True)
    return headers


def not_modified(
    request: Request, last_modified: datetime | None, headers: dict[str, str], *, etag: str | None = None
) -> Response | None:
    """304 when ``If-Modified-Since`` is not older than the resource, or (given its ``etag``) when
    ``If-None-Match`` names it; PreconditionFailedError when ``If-Unmodified-Since`` is older. A sent
    If-None-Match decides alone (RFC 9110 §13.2.2). Call only after the permission check (eXo answers 304
    before it, spec §1.8)."""
    if last_modified is None:
        return None
    modified = _seconds(last_modified)
    unmodified_since = _http_date(request.headers.get("if-unmodified-since"))
    if unmodified_since is not None and modified > unmodified_since:
        raise PreconditionFailedError()
    condition = entity_tags(request.headers.get("if-none-match", "")) if etag is not None else None
    if etag is not None and condition is not None:
        matched = not none_match(etag, condition[0], any_tag=condition[1])
        return Response(status_code=304, headers=headers) if matched else None
    since = _http_date(request.headers.get("if-modified-since"))
    if since is not None and modified <= since:
        return Response(status_code=304, headers=headers)
    return None


def etag_matches(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 §13.1.2) or is ``*``."""
    header = request.headers.get("if-none-match")
    if not header or len(header) > 8192:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    """A write's answer: no body, never cached (spec §1.9, §1.8)."""
    return Response(status_code=status, headers={**NO_CACHE, **(headers or {})})


def _seconds(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _http_date(text: str | None) -> datetime | None:
    if not text or len(text) > 100:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
