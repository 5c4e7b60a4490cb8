"""Files attached to events and tasks, uploads waiting to become attachments, and the rules both obey.

* A file's **name** is cleaned before it is stored (``safe_filename``): no path
  components, no control or invisible formatting characters, no characters
  Windows refuses, bounded length — so it can be shown and offered for
  download without surprises.
* Its **media type** comes from its content first (magic numbers, through a
  ``ContentSniffer``) and from its name second (``media_type_for``). A content
  that contradicts its name is stored with the type of the content; an
  executable disguised under a document's name is refused; a name claiming a
  format whose signature the content lacks is stored as
  ``application/octet-stream``.
* Types a browser would run or render as a page (``is_active_content``) are
  still stored as such, and each face serves them as opaque downloads.
* Sizes are bounded per file, per event or task, and per user's pending uploads
  (``AttachmentPolicy``, from the settings).
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Final, Protocol

from almanac.domain.errors import N_, InvalidInputError, Problem, TooLargeError
from almanac.domain.users import Principal

OCTET_STREAM: Final = "application/octet-stream"
DEFAULT_FILENAME: Final = "attachment"
MAX_FILENAME_LENGTH: Final = 200
#: How many leading bytes a sniffer needs (enough for every signature ``filetype`` knows).
SNIFF_BYTES: Final = 8192


@dataclass
class Attachment:
    """A stored file of exactly one event or one task; its bytes are kept apart (see the repository)."""

    key: str
    name: str
    media_type: str
    size: int
    sha256: str
    author_id: int
    event_id: int | None = None
    task_id: int | None = None
    id: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.event_id is None) == (self.task_id is None):
            raise ValueError("an attachment belongs to exactly one event or one task")


@dataclass
class Upload:
    """A file its owner sent ahead, to be referenced from an event or task body (eXo ``uploadResources``)."""

    key: str
    owner_id: int
    name: str
    media_type: str
    size: int
    sha256: str
    expires_at: datetime
    id: int | None = None
    created_at: datetime | None = None


def can_use_upload(principal: Principal, upload: Upload, *, now: datetime) -> bool:
    """An upload is its sender's alone until it expires — to read, to give up, or to attach by its id — also
    for administrators: it is not part of anything shared yet. Anyone else's is as unknown as an id never made."""
    return upload.owner_id == principal.user_id and now < upload.expires_at


@dataclass(frozen=True)
class AttachmentPolicy:
    """Size limits (bytes) and the life of an upload; the composition root fills it from the settings."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_owner_bytes: int = 25 * 1024 * 1024
    max_owner_files: int = 100
    upload_ttl: timedelta = timedelta(days=1)
    max_pending_upload_bytes: int = 50 * 1024 * 1024


class ContentSniffer(Protocol):
    """Recognises file formats by their magic numbers."""

    def sniff(self, head: bytes) -> str | None:
        """The media type the leading bytes of a file reveal, or None when they match no known signature."""
        ...

    def recognises(self, media_type: str) -> bool:
        """Whether ``sniff`` would have found this type had the content been of it."""
        ...


class NoSniffing:
    """The slow but correct default: recognises nothing, so names alone decide (never a wrong refusal)."""

    def sniff(self, head: bytes) -> str | None:
        return None

    def recognises(self, media_type: str) -> bool:
        return False


class AttachmentTooLargeError(TooLargeError):
    """A file, an event's or task's attachments, or a user's pending uploads would exceed a size limit."""

    code = "attachment_too_large"


FILE_TOO_LARGE: Final = N_("%(name)s is %(size)s bytes: at most %(limit)s bytes are allowed per file.")
OWNER_TOO_LARGE: Final = N_(
    "The attachments of one event or task may total at most %(limit)s bytes; these files would make %(size)s."
)
TOO_MANY_FILES: Final = N_("An event or task may have at most %(limit)s attachments.")
PENDING_TOO_LARGE: Final = N_(
    "Your pending uploads may total at most %(limit)s bytes: attach them to an event or task, or wait until "
    "they expire."
)
DISGUISED_FILE: Final = N_("%(name)s is a program (%(detected)s), not the kind of file its name says.")

#: Formats that run as programs: refused when the file's name claims to be something else.
EXECUTABLE_TYPES: Final = frozenset(
    {
        "application/x-msdownload",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-executable",
        "application/x-sharedlib",
        "application/x-mach-binary",
        "application/x-shockwave-flash",
        "application/wasm",
        "application/x-google-chrome-extension",
        "application/x-deb",
        "application/x-rpm",
    }
)

#: Containers whose signature is shared by many formats (a .docx or .epub is a zip): the name is more precise.
GENERIC_CONTAINERS: Final = frozenset({"application/zip", OCTET_STREAM})

#: Types a browser executes or renders as a document (scripts, markup, Flash): never served inline.
_ACTIVE_TYPES: Final = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
        "application/xslt+xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-shockwave-flash",
        "multipart/x-mixed-replace",
    }
)

#: Common types the standard library's built-in table lacks (it is used without the system's files, so
#: every machine resolves names alike).
_EXTRA_TYPES: Final = {
    ".ics": "text/calendar",
    ".ifb": "text/calendar",
    ".vcf": "text/vcard",
    ".md": "text/markdown",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".epub": "application/epub+zip",
    ".m4a": "audio/mp4",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".gz": "application/gzip",
    ".tgz": "application/gzip",
    ".7z": "application/x-7z-compressed",
    ".rar": "application/x-rar-compressed",
}

_RESERVED_CHARACTERS: Final = str.maketrans(dict.fromkeys('<>:"|?*', "_"))
# Unicode categories dropped from names: controls, invisible formatting (bidi overrides, zero-width), line and
# paragraph separators, surrogates, private use, unassigned.
_DROPPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_WINDOWS_DEVICES: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)
_EXTENSION: Final = re.compile(r"\.[^.\s]{1,16}$")


def new_attachment_key() -> str:
    """An opaque id: URL-safe, without ``/`` (spec §9), unlike eXo's encoded storage paths."""
    return "Attachment" + secrets.token_hex(16)


def new_upload_key() -> str:
    return "Upload" + secrets.token_hex(16)


def safe_filename(raw: str) -> str:
    """The name to store for a file a client called ``raw``.

    Keeps the last path component only (``../../etc/passwd`` → ``passwd``,
    ``C:\\x\\a.pdf`` → ``a.pdf``), drops control and invisible characters (so no
    header injection, no right-to-left tricks), replaces ``<>:"|?*``, trims
    spaces and dots, avoids Windows device names, and keeps at most
    ``MAX_FILENAME_LENGTH`` characters with the extension. Never empty.
    """
    text = unicodedata.normalize("NFC", raw)
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = " ".join(text.translate(_RESERVED_CHARACTERS).split())
    text = text.strip(" .")
    if not text:
        return DEFAULT_FILENAME
    if text.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        text = "_" + text
    if len(text) > MAX_FILENAME_LENGTH:
        match = _EXTENSION.search(text)
        extension = match.group() if match else ""
        text = text[: MAX_FILENAME_LENGTH - len(extension)].rstrip(" .") + extension
    return text


def media_type_by_name(name: str) -> str | None:
    """The type a file name's extension suggests (None when unknown); the same on every machine."""
    match = _EXTENSION.search(name)
    if match and match.group().lower() in _EXTRA_TYPES:
        return _EXTRA_TYPES[match.group().lower()]
    guessed, _ = _name_table().guess_type(name, strict=False)
    return guessed


def media_type_for(name: str, head: bytes, sniffer: ContentSniffer) -> str:
    """The media type to store for a file called ``name`` (already cleaned) whose content starts with ``head``.

    Content first: a recognised signature wins over the name, except that a
    generic container (zip) defers to a more precise name (``.docx``); a
    program under another kind of name is refused (InvalidInputError, code
    ``file``). Without a recognised signature the name decides — unless the
    name claims a format whose signature is missing, which is stored as
    ``application/octet-stream``.
    """
    by_name = media_type_by_name(name)
    claims = by_name if by_name not in (None, OCTET_STREAM) else None
    sniffed = sniffer.sniff(head[:SNIFF_BYTES])
    if sniffed is not None:
        if claims is None or claims == sniffed:
            return sniffed
        if sniffed in EXECUTABLE_TYPES:
            raise InvalidInputError([Problem("file", "file", DISGUISED_FILE, {"name": name, "detected": sniffed})])
        return claims if sniffed in GENERIC_CONTAINERS else sniffed
    if claims is not None and sniffer.recognises(claims):
        return OCTET_STREAM
    return by_name or OCTET_STREAM


def is_active_content(media_type: str) -> bool:
    """Whether a browser would run this type or render it as a page (scripts, HTML, SVG, any XML)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence in _ACTIVE_TYPES or essence.endswith("+xml")


def check_file_size(name: str, size: int, policy: AttachmentPolicy) -> None:
    if size > policy.max_file_bytes:
        raise AttachmentTooLargeError(FILE_TOO_LARGE, name=name, size=size, limit=policy.max_file_bytes)


def check_owner_usage(files: int, total_bytes: int, policy: AttachmentPolicy) -> None:
    """The attachments one event or task would have after a change: count and total size."""
    if files > policy.max_owner_files:
        raise AttachmentTooLargeError(TOO_MANY_FILES, limit=policy.max_owner_files)
    if total_bytes > policy.max_owner_bytes:
        raise AttachmentTooLargeError(OWNER_TOO_LARGE, size=total_bytes, limit=policy.max_owner_bytes)


@cache
def _name_table() -> mimetypes.MimeTypes:
    # A private table built from Python's defaults only: /etc/mime.types differs between machines.
    return mimetypes.MimeTypes()
