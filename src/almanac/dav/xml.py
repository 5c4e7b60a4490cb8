"""XML for WebDAV: the namespaces, one hardened parser, and builders for the bodies Almanac sends.

Request bodies are parsed without resolving entities, loading DTDs, touching
the network or lifting libxml2's size limits, and any document that carries a
DOCTYPE is refused outright: WebDAV bodies never need one (RFC 4918 §20.6), so
billion-laughs and external-entity documents are rejected before anything reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from lxml import etree

from almanac.domain.errors import N_, InvalidInputError

DAV: Final = "DAV:"
CALDAV: Final = "urn:ietf:params:xml:ns:caldav"
CALSERVER: Final = "http://calendarserver.org/ns/"
APPLE_ICAL: Final = "http://apple.com/ns/ical/"

NSMAP: Final = {"d": DAV, "c": CALDAV, "cs": CALSERVER, "ical": APPLE_ICAL}

Element = etree._Element

_PARSER: Final = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


class MalformedXmlError(InvalidInputError):
    """A request body that is not acceptable XML (unparsable, or with a DOCTYPE)."""

    code = "malformed_xml"
    template = N_("The request body is not acceptable XML: %(reason)s")

    def __init__(self, reason: str) -> None:
        super().__init__(None, None, reason=reason)


def tag(namespace: str, name: str) -> str:
    """The Clark notation of an element name: ``{namespace}name``."""
    return f"{{{namespace}}}{name}"


def parse_body(body: bytes) -> Element | None:
    """The root element of a request body, or None when the body is empty."""
    if not body.strip():
        return None
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise MalformedXmlError("document type declarations are not accepted")
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXmlError(str(exc.msg or exc)) from exc
    if root.getroottree().docinfo.doctype:
        raise MalformedXmlError("document type declarations are not accepted")
    return root


def element(name: str, *children: Element, text: str | None = None) -> Element:
    """A new element named in Clark notation, with children or text."""
    made = etree.Element(name, nsmap=NSMAP)
    if text is not None:
        made.text = text
    for child in children:
        made.append(child)
    return made


def href(path: str) -> Element:
    return element(tag(DAV, "href"), text=path)


def serialize(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def serialize_in_pieces(name: str, members: Iterable[Element], *, piece_size: int) -> Iterator[bytes]:
    """The document ``serialize(element(name, *members))``, byte for byte, in pieces of about ``piece_size``
    bytes, each member built (when ``members`` is lazy) and serialized only when the pieces reach it.

    So a large answer never exists whole, neither as a tree nor as text. Each member is serialized under an
    empty root of the same name and namespaces, whose own tags are cut off: inside it, as inside the whole
    document, the member needs no namespace declaration of its own.
    """
    holder = element(name, text="")
    empty = etree.tostring(holder, encoding="utf-8")
    start = empty[: empty.index(b">") + 1]
    end = empty[len(start) :]
    declared = etree.tostring(holder, xml_declaration=True, encoding="utf-8")
    piece = bytearray(declared[: -len(end)])
    member = None
    for member in members:
        holder.append(member)
        text = etree.tostring(holder, encoding="utf-8")
        holder.remove(member)
        piece += text[len(start) : -len(end)]
        if len(piece) >= piece_size:
            yield bytes(piece)
            piece.clear()
    if member is None:
        yield serialize(element(name))  # an empty root closes itself: <d:multistatus .../>
        return
    piece += end
    yield bytes(piece)


def children(parent: Element | None, name: str) -> list[Element]:
    """The direct children of ``parent`` named ``name`` (Clark notation)."""
    if parent is None:
        return []
    return [child for child in parent if isinstance(child.tag, str) and child.tag == name]


def child(parent: Element | None, name: str) -> Element | None:
    found = children(parent, name)
    return found[0] if found else None
