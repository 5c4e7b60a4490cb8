"""Attachments and uploads (spec §3.5, §3.6, §5.5): several files per upload, metadata, the download eXo lacks,
types taken from the content, hostile names, size limits, ``uploadResources``, and who may do what."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from tests.api.exo_v1.conftest import BASE, Caller, MakeCaller, P
from tests.doubles import FakeClock

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
# Small limits, so the size rules are tested with small files (module-wide settings).
LIMITS = {
    "attachment_max_file_bytes": 1024,
    "attachment_max_item_bytes": 2048,
    "attachment_max_item_files": 4,
    "upload_max_pending_bytes": 3072,
}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LIMITS)


Files = list[tuple[str, bytes]]


def upload(me: Caller, path: str, files: Files, **extra: Any) -> httpx.Response:
    parts = [("file", (name, content, "application/octet-stream")) for name, content in files]
    return me.client.post(P + path, files=parts, headers=me.account.headers, **extra)


def raw_upload(me: Caller, path: str, disposition: bytes, content: bytes) -> httpx.Response:
    """A multipart body written byte by byte, so a file name reaches the server exactly as a hostile client sends
    it (httpx escapes quotes and control characters in the names it writes)."""
    boundary = b"almanac-boundary-7MA4YWxkTrZu0gW"
    body = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="file"; ' + disposition + b"\r\n"
        b"Content-Type: text/html\r\n\r\n" + content + b"\r\n"
        b"--" + boundary + b"--\r\n"
    )
    headers = {**me.account.headers, "Content-Type": "multipart/form-data; boundary=" + boundary.decode()}
    return me.client.post(P + path, content=body, headers=headers)


def attach(me: Caller, event: str, files: Files) -> list[dict[str, Any]]:
    response = upload(me, f"/events/{event}/attachments", files)
    assert response.status_code == 201, response.text
    listed: list[dict[str, Any]] = me.get(f"/events/{event}/attachments").json()["data"]
    return listed


def test_several_files_upload_at_once_and_read_back_as_metadata_and_content(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)

    response = upload(alice, f"/events/{event}/attachments", [("agenda.pdf", PDF), ("notes.txt", b"bring cake\n")])

    assert response.status_code == 201 and response.content == b""
    assert response.headers["Location"] == f"{BASE}/events/{event}/attachments"
    listing = alice.get(f"/events/{event}/attachments")
    assert listing.json()["size"] == 2 and listing.headers["Link"].endswith('rel="first"')
    pdf, text = listing.json()["data"]
    assert pdf == {
        "id": pdf["id"],
        "href": f"{BASE}/attachments/{pdf['id']}",
        "name": "agenda.pdf",
        "mimeType": "application/pdf",
        "weight": len(PDF),
    }
    assert (text["name"], text["mimeType"], text["weight"]) == ("notes.txt", "text/plain", 11)
    assert "/" not in pdf["id"] and pdf["id"].startswith("Attachment")

    one = alice.get(f"/attachments/{pdf['id']}")
    assert one.json() == pdf and one.headers["Cache-Control"].startswith("private")
    assert one.headers["Last-Modified"] == "Mon, 05 Jan 2026 09:00:00 GMT"
    content = alice.get(f"/attachments/{pdf['id']}/content")
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["Content-Type"] == "application/pdf"
    assert content.headers["Content-Disposition"] == "attachment; filename=\"agenda.pdf\"; filename*=UTF-8''agenda.pdf"
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert content.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert (
        alice.get(f"/attachments/{pdf['id']}/content", headers={"If-None-Match": content.headers["ETag"]}).status_code
        == 304
    )


def test_the_event_links_its_files_and_expands_them(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    [pdf] = attach(alice, event, [("agenda.pdf", PDF)])
    assert alice.get(f"/events/{event}").json()["attachments"] == [f"{BASE}/attachments/{pdf['id']}"]
    assert alice.get(f"/events/{event}", params={"expand": "attachments"}).json()["attachments"] == [pdf]
    windowed = alice.get(f"/events/{event}", params={"expand": "attachments(offset:1,limit:5)"}).json()
    assert windowed["attachments"] == []


def test_the_attachment_list_pages_and_always_sends_size_and_link(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    attach(alice, event, [(f"f{i}.txt", b"x") for i in range(3)])
    page = alice.get(f"/events/{event}/attachments", params={"offset": 1, "limit": 1, "fields": "name"})
    assert page.json() == {"data": [{"name": "f1.txt"}], "offset": 1, "limit": 1, "size": 3}
    assert page.headers["Link"] == (
        f'<{BASE}/events/{event}/attachments?offset=0&limit=1>;rel="previous",'
        f'<{BASE}/events/{event}/attachments?offset=2&limit=1>;rel="next",'
        f'<{BASE}/events/{event}/attachments?offset=0&limit=1>;rel="first",'
        f'<{BASE}/events/{event}/attachments?offset=2&limit=1>;rel="last"'
    )


def test_an_id_with_exos_trailing_hash_is_accepted(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    [pdf] = attach(alice, event, [("agenda.pdf", PDF)])
    assert alice.get(f"/attachments/{pdf['id']}%23").json()["id"] == pdf["id"]


@pytest.mark.parametrize(
    ("name", "content", "stored", "served"),
    [
        ("photo.jpg", PNG, "image/png", "image/png"),  # the content wins over the name
        ("scan", PNG, "image/png", "image/png"),  # no extension: the content says it all
        ("report.pdf", PDF, "application/pdf", "application/pdf"),
        ("fake.png", b"just some text", "application/octet-stream", "application/octet-stream"),
        ("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar", "text/calendar"),
        ("page.html", HTML, "text/html", "application/octet-stream"),  # never rendered by a browser
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", "application/octet-stream"),
        ("setup.exe", EXE, "application/x-msdownload", "application/x-msdownload"),  # says what it is
        ("blob", b"\x00\x01\x02", "application/octet-stream", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_content_then_the_name_and_active_types_download_opaque(
    caller: MakeCaller, name: str, content: bytes, stored: str, served: str
) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    [attachment] = attach(alice, event, [(name, content)])
    assert attachment["mimeType"] == stored
    download = alice.get(f"/attachments/{attachment['id']}/content")
    assert download.headers["Content-Type"] == served and download.content == content


def test_a_program_disguised_as_a_document_is_refused(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    response = upload(alice, f"/events/{event}/attachments", [("notes.txt", b"fine"), ("invoice.pdf", EXE)])
    assert response.status_code == 400
    assert response.json() == {
        "message": "invoice.pdf is a program (application/x-msdownload), not the kind of file its name says.",
        "developerMessage": "file",
    }
    assert alice.get(f"/events/{event}/attachments").json()["size"] == 0  # nothing half-stored


@pytest.mark.parametrize(
    ("disposition", "stored"),
    [
        (b'filename="../../etc/passwd"', "passwd"),
        (b'filename="C:\\\\Users\\\\me\\\\evil.pdf"', "evil.pdf"),
        (b'filename="..\\\\..\\\\boot.ini"', "boot.ini"),
        (b'filename="/var/www/index.html"', "index.html"),
        (b'filename=".."', "attachment"),
        (b'filename="CON.txt"', "_CON.txt"),
        (b'filename="report\x01\x1b[31m.pdf"', "report[31m.pdf"),
        ('filename="invoice\u202egnp.exe"'.encode(), "invoicegnp.exe"),  # no right-to-left trick
        (b'filename="a;b=c, d.txt"', "a;b=c, d.txt"),
        (b'filename="quote\\"d.txt"', "quote_d.txt"),
        ('filename="会議 資料.pdf"'.encode(), "会議 資料.pdf"),
        (b'filename="' + b"x" * 300 + b'.pdf"', "x" * 196 + ".pdf"),
    ],
)
def test_hostile_file_names_are_cleaned_and_never_reach_a_header_raw(
    caller: MakeCaller, disposition: bytes, stored: str
) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)

    response = raw_upload(alice, f"/events/{event}/attachments", disposition, b"hello")

    assert response.status_code == 201, response.text
    [attachment] = alice.get(f"/events/{event}/attachments").json()["data"]
    assert attachment["name"] == stored
    header = alice.get(f"/attachments/{attachment['id']}/content").headers["Content-Disposition"]
    match = re.fullmatch(
        r"attachment; filename=\"([A-Za-z0-9 ._\-()\[\]+,=@]*)\"; filename\*=UTF-8''([A-Za-z0-9%._\-~]+)", header
    )
    assert match is not None, header
    assert unquote(match.group(2)) == stored


def test_a_line_break_in_a_part_header_cannot_inject_a_response_header(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    response = raw_upload(alice, f"/events/{event}/attachments", b'filename="a.txt"\r\nSet-Cookie: x=1', b"hi")
    assert "set-cookie" not in response.headers
    for attachment in alice.get(f"/events/{event}/attachments").json()["data"]:
        download = alice.get(f"/attachments/{attachment['id']}/content")
        assert "set-cookie" not in download.headers
        assert (
            "\r" not in download.headers["Content-Disposition"] and "\n" not in download.headers["Content-Disposition"]
        )


def test_a_file_over_the_per_file_limit_is_413_and_nothing_is_stored(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    response = upload(alice, f"/events/{event}/attachments", [("small.txt", b"ok"), ("big.bin", b"\0" * 1025)])
    assert response.status_code == 413
    assert response.json() == {
        "message": "big.bin is 1025 bytes: at most 1024 bytes are allowed per file.",
        "developerMessage": "attachment_too_large",
    }
    assert alice.get(f"/events/{event}/attachments").json()["size"] == 0


def test_an_events_files_are_bounded_in_total_and_in_number(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    attach(alice, event, [("a.bin", b"\0" * 1000), ("b.bin", b"\0" * 1000)])
    over = upload(alice, f"/events/{event}/attachments", [("c.bin", b"\0" * 100)])
    assert over.status_code == 413
    assert over.json()["message"] == (
        "The attachments of one event or task may total at most 2048 bytes; these files would make 2100."
    )
    other = alice.create_event(alice.default_calendar)
    many = upload(alice, f"/events/{other}/attachments", [(f"{i}.txt", b"x") for i in range(5)])
    assert (many.status_code, many.json()["message"]) == (413, "An event or task may have at most 4 attachments.")


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(caller: MakeCaller) -> None:
    """Upload paths take bodies up to the larger of ALMANAC_MAX_BODY_BYTES and the attachment limits."""
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    response = upload(alice, f"/events/{event}/attachments", [("huge.bin", b"\0" * (1024 * 1024 + 1))])
    assert response.status_code == 413
    assert response.json()["developerMessage"] == "too_large"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"name": "a.txt"}', "application/json"),
        (
            b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nno file\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"garbage without boundary", "multipart/form-data"),
    ],
)
def test_a_body_without_files_is_400(caller: MakeCaller, content: bytes, content_type: str) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    response = alice.client.post(
        f"{P}/events/{event}/attachments",
        content=content,
        headers={**alice.account.headers, "Content-Type": content_type},
    )
    assert response.status_code == 400 and response.json()["developerMessage"] == "file"


def test_deleting_a_file_or_its_event_removes_it(caller: MakeCaller) -> None:
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    first, second = attach(alice, event, [("a.txt", b"a"), ("b.txt", b"b")])
    before = alice.get(f"/events/{event}").headers["Last-Modified"]
    assert alice.delete(f"/attachments/{first['id']}").status_code == 200
    assert alice.get(f"/attachments/{first['id']}").status_code == 404
    assert alice.get(f"/events/{event}").json()["attachments"] == [second["href"]]
    assert alice.get(f"/events/{event}").headers["Last-Modified"] == before  # same fake instant, new revision
    assert alice.delete(f"/events/{event}").status_code == 200
    assert alice.get(f"/attachments/{second['id']}/content").status_code == 404


def test_tasks_carry_files_too(caller: MakeCaller) -> None:
    alice = caller("alice")
    created = alice.post(f"/calendars/{alice.default_calendar}/tasks", json={"name": "Budget"})
    task = created.headers["Location"].rsplit("/", 1)[1]
    response = upload(alice, f"/tasks/{task}/attachments", [("budget.pdf", PDF)])
    assert response.status_code == 201 and response.headers["Location"] == f"{BASE}/tasks/{task}/attachments"
    [pdf] = alice.get(f"/tasks/{task}/attachments").json()["data"]
    assert alice.get(f"/tasks/{task}").json()["attachments"] == [pdf["href"]]
    assert alice.get(f"/tasks/{task}", params={"expand": "attachments"}).json()["attachments"] == [pdf]
    assert alice.get(f"/attachments/{pdf['id']}/content").content == PDF
    assert alice.delete(f"/tasks/{task}").status_code == 200
    assert alice.get(f"/attachments/{pdf['id']}").status_code == 404


# --- uploadResources (spec §3.6) ----------------------------------------------------------------------


def stage(me: Caller, files: Files) -> list[dict[str, Any]]:
    response = upload(me, "/uploads", files)
    assert response.status_code == 201, response.text
    staged: list[dict[str, Any]] = response.json()["data"]
    assert response.headers["Location"] == f"{BASE}/uploads/{staged[0]['id']}"
    return staged


def test_uploads_become_attachments_when_an_event_references_them(caller: MakeCaller) -> None:
    alice = caller("alice")
    agenda, notes = stage(alice, [("agenda.pdf", PDF), ("notes.txt", b"cake")])
    assert agenda == {
        "id": agenda["id"],
        "href": f"{BASE}/uploads/{agenda['id']}",
        "name": "agenda.pdf",
        "mimeType": "application/pdf",
        "weight": len(PDF),
    }
    assert alice.get(f"/uploads/{agenda['id']}").json() == agenda

    event = alice.create_event(alice.default_calendar, uploadResources=[agenda, notes])

    files = alice.get(f"/events/{event}", params={"expand": "attachments"}).json()["attachments"]
    assert [(f["name"], f["mimeType"], f["weight"]) for f in files] == [
        ("agenda.pdf", "application/pdf", len(PDF)),
        ("notes.txt", "text/plain", 4),
    ]
    assert alice.get(f"{files[0]['href'].removeprefix(BASE)}/content").content == PDF
    assert alice.get(f"/uploads/{agenda['id']}").status_code == 404  # used up
    body = {"subject": "again", "from": "2026-01-06T09:00Z", "to": "2026-01-06T10:00Z", "uploadResources": [agenda]}
    again = alice.post(f"/calendars/{alice.default_calendar}/events", json=body)
    assert (again.status_code, again.json()["developerMessage"]) == (400, "uploadResources")


def test_put_keeps_files_when_upload_resources_is_absent_and_rebuilds_them_when_present(caller: MakeCaller) -> None:
    """eXo deletes every attachment on a PUT without uploadResources (spec §8 item 15)."""
    alice = caller("alice")
    event = alice.create_event(alice.default_calendar)
    a, b = attach(alice, event, [("a.txt", b"a"), ("b.txt", b"b")])
    assert alice.put(f"/events/{event}", json={"location": "Room 2"}).status_code == 200
    assert len(alice.get(f"/events/{event}").json()["attachments"]) == 2
    [c] = stage(alice, [("c.txt", b"c")])

    # eXo's rule: a blank id keeps the attachment of that name; Almanac also keeps one named by its id.
    kept = alice.put(f"/events/{event}", json={"uploadResources": [{"id": "", "name": "a.txt"}, {"id": b["id"]}, c]})
    assert kept.status_code == 200
    names = [f["name"] for f in alice.get(f"/events/{event}", params={"expand": "attachments"}).json()["attachments"]]
    assert names == ["a.txt", "b.txt", "c.txt"]
    assert alice.put(f"/events/{event}", json={"uploadResources": [{"name": "b.txt"}]}).status_code == 200
    assert alice.get(f"/events/{event}").json()["attachments"] == [b["href"]]
    assert alice.put(f"/events/{event}", json={"uploadResources": []}).status_code == 200
    assert alice.get(f"/events/{event}").json()["attachments"] == []
    assert alice.get(f"/attachments/{a['id']}").status_code == 404


def test_someone_elses_or_an_expired_upload_cannot_be_referenced(caller: MakeCaller, clock: FakeClock) -> None:
    alice, bob = caller("alice"), caller("bob")
    [theirs] = stage(bob, [("bob.txt", b"b")])
    event = alice.create_event(alice.default_calendar)
    refused = alice.put(f"/events/{event}", json={"subject": "x", "uploadResources": [theirs]})
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        f"uploadResources: {theirs['id']} is neither one of your uploads (POST /uploads) nor an attachment of this item"
    )
    assert alice.get(f"/events/{event}").json()["subject"] == "Sprint review"  # nothing half-applied
    assert alice.get(f"/uploads/{theirs['id']}").status_code == 404
    [mine] = stage(alice, [("late.txt", b"l")])
    clock.advance(timedelta(days=1, seconds=1))
    late = alice.put(f"/events/{event}", json={"uploadResources": [mine]})
    assert (late.status_code, late.json()["developerMessage"]) == (400, "uploadResources")


def test_tasks_take_upload_resources_too(caller: MakeCaller) -> None:
    alice = caller("alice")
    [pdf] = stage(alice, [("budget.pdf", PDF)])
    created = alice.post(
        f"/calendars/{alice.default_calendar}/tasks", json={"name": "Budget", "uploadResources": [pdf]}
    )
    task = created.headers["Location"].rsplit("/", 1)[1]
    [attached] = alice.get(f"/tasks/{task}", params={"expand": "attachments"}).json()["attachments"]
    assert (attached["name"], attached["mimeType"]) == ("budget.pdf", "application/pdf")


def test_pending_uploads_are_bounded_per_user_and_can_be_given_up(caller: MakeCaller) -> None:
    alice = caller("alice")
    first = stage(alice, [("1.bin", b"\0" * 1000), ("2.bin", b"\0" * 1000), ("3.bin", b"\0" * 1000)])
    over = upload(alice, "/uploads", [("4.bin", b"\0" * 100)])
    assert over.status_code == 413 and over.json()["developerMessage"] == "attachment_too_large"
    assert alice.delete(f"/uploads/{first[0]['id']}").status_code == 200
    assert upload(alice, "/uploads", [("4.bin", b"\0" * 100)]).status_code == 201
    assert caller("bob").delete(f"/uploads/{first[1]['id']}").status_code == 404


# --- who may do what (spec §2.4: read = public, viewer or participant; write = editor) -----------------

ROLES = {"owner": "alice", "viewer": "sam", "participant": "pat", "public reader": "pub", "stranger": "stan"}
# role: (list, metadata, content, upload, delete)
EXPECTED = {
    "owner": (200, 200, 200, 201, 200),
    "viewer": (200, 200, 200, 401, 401),
    "participant": (200, 200, 200, 401, 401),
    "public reader": (200, 200, 200, 401, 401),
    "stranger": (404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_the_permission_matrix(caller: MakeCaller, group: Callable[..., None], role: str) -> None:
    callers = {r: caller(name) for r, name in ROLES.items()}
    alice = callers["owner"]
    shared = alice.create_calendar(name="Plans", viewPermission="sam")
    public = alice.create_calendar(name="Public", publicURL="/pub/alice")
    calendar = public if role == "public reader" else shared
    event = alice.create_event(calendar, participants=["pat"])
    [file] = attach(alice, event, [("a.txt", b"a")])
    me = callers[role]
    outcome = (
        me.get(f"/events/{event}/attachments").status_code,
        me.get(f"/attachments/{file['id']}").status_code,
        me.get(f"/attachments/{file['id']}/content").status_code,
        upload(me, f"/events/{event}/attachments", [("b.txt", b"b")]).status_code,
        me.delete(f"/attachments/{file['id']}").status_code,
    )
    assert outcome == EXPECTED[role]
