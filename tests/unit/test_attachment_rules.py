"""The attachment rules of the domain: clean names, media types from content then name, active content, and the
Content-Disposition the eXo face builds from a name."""

from __future__ import annotations

import pytest

from almanac.api.exo_v1.files import content_disposition, served_media_type
from almanac.domain.attachments import (
    MAX_FILENAME_LENGTH,
    NoSniffing,
    is_active_content,
    media_type_by_name,
    media_type_for,
    safe_filename,
)
from almanac.domain.errors import InvalidInputError
from almanac.media_types import FiletypeSniffer

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16
ZIP = b"PK\x03\x04" + b"\x00" * 40
EXE = b"MZ\x90\x00" + b"\x00" * 60


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("agenda.pdf", "agenda.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\evil.pdf", "evil.pdf"),
        ("dir/", "attachment"),
        ("   ", "attachment"),
        ("...", "attachment"),
        (".hidden", "hidden"),
        ("trailing. . ", "trailing"),
        ("a\r\nSet-Cookie: x=1.txt", "aSet-Cookie_ x=1.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("rtl\u202egnp.exe", "rtlgnp.exe"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ('a<b>c:"d"|e?f*.txt', "a_b_c__d__e_f_.txt"),
        ("many     spaces.txt", "many spaces.txt"),
        ("con.txt", "_con.txt"),
        ("LPT1", "_LPT1"),
        ("e\u0301te\u0301.txt", "\u00e9t\u00e9.txt"),  # NFC
        ("会議 資料.pdf", "会議 資料.pdf"),
    ],
)
def test_names_are_cleaned(raw: str, clean: str) -> None:
    assert safe_filename(raw) == clean


def test_long_names_are_cut_keeping_the_extension() -> None:
    cleaned = safe_filename("x" * 500 + ".docx")
    assert len(cleaned) == MAX_FILENAME_LENGTH and cleaned.endswith(".docx")


def test_names_resolve_alike_on_every_machine() -> None:
    assert media_type_by_name("a.ics") == "text/calendar"
    assert media_type_by_name("a.DOCX") == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert media_type_by_name("a.pdf") == "application/pdf"
    assert media_type_by_name("README") is None


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("photo.jpg", PNG, "image/png"),
        ("photo", PNG, "image/png"),
        ("report.docx", ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("archive.zip", ZIP, "application/zip"),
        ("fake.png", b"text", "application/octet-stream"),
        ("notes.txt", b"text", "text/plain"),
        ("setup.exe", EXE, "application/x-msdownload"),
        ("program", EXE, "application/x-msdownload"),
        ("unknown", b"text", "application/octet-stream"),
        ("empty.txt", b"", "text/plain"),
    ],
)
def test_the_content_decides_first_and_the_name_second(name: str, head: bytes, expected: str) -> None:
    assert media_type_for(name, head, FiletypeSniffer()) == expected


@pytest.mark.parametrize("name", ["invoice.pdf", "photo.png", "notes.txt", "page.html"])
def test_a_program_under_another_kind_of_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        media_type_for(name, EXE, FiletypeSniffer())
    assert caught.value.problems[0].code == "file"


def test_without_a_sniffer_names_alone_decide() -> None:
    assert media_type_for("fake.png", b"text", NoSniffing()) == "image/png"
    assert media_type_for("invoice.pdf", EXE, NoSniffing()) == "application/pdf"


@pytest.mark.parametrize(
    ("media_type", "active"),
    [
        ("text/html", True),
        ("TEXT/HTML; charset=utf-8", True),
        ("image/svg+xml", True),
        ("application/atom+xml", True),
        ("text/xml", True),
        ("application/javascript", True),
        ("text/plain", False),
        ("application/pdf", False),
        ("image/png", False),
    ],
)
def test_active_content_is_what_a_browser_would_run_or_render(media_type: str, active: bool) -> None:
    assert is_active_content(media_type) is active
    assert (served_media_type(media_type) == "application/octet-stream") is active


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("agenda.pdf", "attachment; filename=\"agenda.pdf\"; filename*=UTF-8''agenda.pdf"),
        ("会議.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E4%BC%9A%E8%AD%B0.pdf"),
        ('a";b=c.txt', "attachment; filename=\"a__b=c.txt\"; filename*=UTF-8''a_%3Bb%3Dc.txt"),
        ("x\r\ny: z", "attachment; filename=\"xy_ z\"; filename*=UTF-8''xy_%20z"),
        ("../../x", "attachment; filename=\"x\"; filename*=UTF-8''x"),
    ],
)
def test_content_disposition_cannot_be_abused(name: str, header: str) -> None:
    assert content_disposition(name) == header
