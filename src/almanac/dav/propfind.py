"""PROPFIND (RFC 4918 §9.1): ``allprop``, ``propname`` or named properties, at depth 0 or 1."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Final

from starlette.responses import Response, StreamingResponse

from almanac.dav.context import DavRequest
from almanac.dav.errors import DavError
from almanac.dav.loading import load_resource, member_resources
from almanac.dav.resources import Resource
from almanac.dav.xml import DAV, Element, child, element, href, parse_body, serialize_in_pieces, tag


class PropertyRequest:
    """What a PROPFIND (or a REPORT's ``DAV:prop``) asks for: all, the names, or these names."""

    def __init__(self, *, names: Sequence[str] = (), allprop: bool = False, propname: bool = False) -> None:
        self.names = list(names)
        self.allprop = allprop
        self.propname = propname

    @classmethod
    def from_parent(cls, parent: Element | None) -> PropertyRequest:
        """From an element holding ``prop``, ``allprop`` or ``propname`` (the ``propfind`` root or a report)."""
        if parent is None or child(parent, tag(DAV, "allprop")) is not None:
            return cls(allprop=True)
        if child(parent, tag(DAV, "propname")) is not None:
            return cls(propname=True)
        prop = child(parent, tag(DAV, "prop"))
        if prop is None:
            return cls(allprop=True)
        return cls(names=[str(p.tag) for p in prop if isinstance(p.tag, str)])


def status_line(code: int) -> str:
    reasons = {200: "OK", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 424: "Failed Dependency"}
    return f"HTTP/1.1 {code} {reasons.get(code, '')}".rstrip()


def propstat(props: list[Element], code: int) -> Element:
    return element(
        tag(DAV, "propstat"),
        element(tag(DAV, "prop"), *props),
        element(tag(DAV, "status"), text=status_line(code)),
    )


def resource_response(resource: Resource, wanted: PropertyRequest) -> Element:
    """One ``DAV:response`` with the requested properties of the resource, found (200) and missing (404)."""
    response = element(tag(DAV, "response"), href(resource.href))
    if wanted.propname:
        response.append(propstat([element(name) for name in resource.properties], 200))
        return response
    names = list(resource.allprop) if wanted.allprop else wanted.names
    found: list[Element] = []
    missing: list[Element] = []
    for name in names:
        getter = resource.properties.get(name)
        value = getter() if getter is not None else None
        if value is None:
            missing.append(element(name))
        else:
            found.append(value)
    if found or not missing:
        response.append(propstat(found, 200))
    if missing:
        response.append(propstat(missing, 404))
    return response


#: About how many bytes of a multistatus are built before they are sent.
MULTISTATUS_PIECE_SIZE: Final = 64 * 1024

_MULTISTATUS_TYPE: Final = "application/xml; charset=utf-8"


def multistatus(responses: Iterable[Element], *extra: Element) -> Response:
    """207 Multi-Status with ``responses`` (built as they are sent when lazy) and then ``extra``.

    An answer that fits in one piece goes as one body with its length. A larger one (a calendar-query of a
    busy week, a first sync) is streamed piece by piece, so the server never holds its whole tree or text.
    The first two pieces are built before answering, to tell the two cases apart.
    """
    pieces = serialize_in_pieces(tag(DAV, "multistatus"), chain(responses, extra), piece_size=MULTISTATUS_PIECE_SIZE)
    first = next(pieces)
    second = next(pieces, None)
    if second is None:
        return Response(first, status_code=207, media_type=_MULTISTATUS_TYPE)
    return StreamingResponse(chain((first, second), pieces), status_code=207, media_type=_MULTISTATUS_TYPE)


def propfind(request: DavRequest) -> Response:
    depth = request.depth(default="infinity")
    body = parse_body(request.body)
    if body is not None and body.tag != tag(DAV, "propfind"):
        raise DavError(400, None, "A PROPFIND body must be a DAV:propfind element.")
    wanted = PropertyRequest.from_parent(body)
    resource = load_resource(request)
    resources = [resource]
    if depth == 1 and resource.is_collection:
        resources += member_resources(request, resource)
    return multistatus(resource_response(r, wanted) for r in resources)
