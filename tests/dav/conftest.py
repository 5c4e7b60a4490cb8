"""Fixtures of the CalDAV tests: Basic credentials, raw DAV requests through the test client, XML reading."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from almanac.bootstrap import Container
from tests.dav.live import serving

NS = {
    "d": "DAV:",
    "c": "urn:ietf:params:xml:ns:caldav",
    "cs": "http://calendarserver.org/ns/",
    "ical": "http://apple.com/ns/ical/",
}

Dav = Callable[..., httpx.Response]


def basic(username: str, password: str | None = None) -> dict[str, str]:
    """Basic credentials of a test account (``make_account`` gives each the password ``pw-<username>``)."""
    secret = f"{username}:{password or 'pw-' + username}".encode()
    return {"Authorization": "Basic " + base64.b64encode(secret).decode()}


@pytest.fixture
def dav(client: TestClient) -> Dav:
    """``dav(method, path, user, body=..., **headers)``: one DAV request as ``user`` (None: anonymous)."""

    def send(method: str, path: str, user: str | None, body: str | bytes = b"", **headers: str) -> httpx.Response:
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if user is not None:
            sent.update(basic(user))
        return client.request(method, path, content=body, headers=sent)

    return send


def xml(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


def texts(response: httpx.Response, path: str) -> list[str]:
    return [str(t) for t in xml(response).xpath(path + "/text()", namespaces=NS)]


def propfind_body(*props: str) -> str:
    inner = "".join(f"<{p}/>" for p in props)
    return (
        '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"'
        f' xmlns:ical="http://apple.com/ns/ical/"><d:prop>{inner}</d:prop></d:propfind>'
    )


@pytest.fixture
def live_server(container: Container) -> Iterator[str]:
    """The container's web app on a real uvicorn server; yields its base URL (``http://127.0.0.1:<port>``)."""
    with serving(container.web_app()) as base:
        yield base
