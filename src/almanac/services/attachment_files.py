"""The steps every attachment write shares, inside the caller's unit of work: checking incoming files
(name, type, size), storing them on an event or a task, and applying eXo's ``uploadResources`` list.

The use cases that own an event or a task (``calendar_events``, ``tasks``,
``attachments``) call these after their own lookups and permission checks, so
an event or task and its files change together or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from almanac.domain.attachments import (
    Attachment,
    Upload,
    can_use_upload,
    check_file_size,
    check_owner_usage,
    media_type_for,
    new_attachment_key,
    safe_filename,
)
from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.ports import UnitOfWork
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext

NO_FILE: Final = N_("Send at least one file: a multipart/form-data part with a file name.")
UNKNOWN_UPLOAD: Final = N_(
    "uploadResources: %(id)s is neither one of your uploads (POST /uploads) nor an attachment of this item"
)
MAX_SHOWN_ID: Final = 80


@dataclass(frozen=True)
class IncomingFile:
    """A file as a client sent it: its name (not yet cleaned) and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file ready to store: cleaned name, media type from content and name, size and digest."""

    name: str
    media_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class UploadReference:
    """One entry of eXo's ``uploadResources`` (spec §3.6): an upload id, an attachment id to keep, or — with a
    blank id — the name of an attachment to keep (eXo's rule, spec §5.3.5 step 7)."""

    key: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class AttachmentOwner:
    """The event or the task files are attached to (exactly one id is set)."""

    event_id: int | None = None
    task_id: int | None = None


def check_files(ctx: ServiceContext, files: Sequence[IncomingFile]) -> list[CheckedFile]:
    """Clean names, resolve media types and check per-file sizes, in order; the first broken rule is raised
    (InvalidInputError for no file or a disguised program, AttachmentTooLargeError for a file over the limit)."""
    if not files:
        raise InvalidInputError([Problem("file", "file", NO_FILE)])
    checked: list[CheckedFile] = []
    for incoming in files:
        name = safe_filename(incoming.name)
        check_file_size(name, len(incoming.content), ctx.attachments)
        media_type = media_type_for(name, incoming.content, ctx.sniffer)
        checked.append(CheckedFile(name, media_type, incoming.content, hashlib.sha256(incoming.content).hexdigest()))
    return checked


def store_files(
    ctx: ServiceContext, uow: UnitOfWork, principal: Principal, owner: AttachmentOwner, files: Sequence[CheckedFile]
) -> list[Attachment]:
    """Add checked files to the owner after checking its count and total size (AttachmentTooLargeError)."""
    existing = _existing(uow, owner)
    check_owner_usage(
        len(existing) + len(files), sum(a.size for a in existing) + sum(f.size for f in files), ctx.attachments
    )
    now = ctx.clock.now()
    return [
        uow.attachments.add(
            Attachment(
                key=new_attachment_key(),
                name=f.name,
                media_type=f.media_type,
                size=f.size,
                sha256=f.sha256,
                author_id=principal.user_id,
                event_id=owner.event_id,
                task_id=owner.task_id,
                created_at=now,
            ),
            f.content,
        )
        for f in files
    ]


def apply_upload_references(
    ctx: ServiceContext,
    uow: UnitOfWork,
    principal: Principal,
    owner: AttachmentOwner,
    references: Sequence[UploadReference],
) -> bool:
    """Make the owner's attachments what ``references`` lists (eXo rebuilds the list from it, spec §5.3.5 step 7):

    * an entry whose id is one of the owner's attachments keeps it;
    * an entry with a blank id keeps the owner's attachments of that ``name``;
    * an entry whose id is one of the principal's unexpired uploads attaches that file (the upload is used up);
    * any other id is refused (InvalidInputError, code ``uploadResources``; eXo skips it silently).
    Attachments not kept are deleted. Count and total size are checked (AttachmentTooLargeError).
    Returns whether anything changed.
    """
    existing = _existing(uow, owner)
    by_key = {a.key: a for a in existing}
    now = ctx.clock.now()
    kept: dict[str, Attachment] = {}
    adopted: list[Upload] = []
    for reference in references:
        key = (reference.key or "").strip()
        if not key:
            name = (reference.name or "").strip()
            kept.update({a.key: a for a in existing if name and a.name == name})
        elif key in by_key:
            kept[key] = by_key[key]
        else:
            upload = uow.uploads.get_by_key(key)
            if upload is None or not can_use_upload(principal, upload, now=now):
                shown = key if len(key) <= MAX_SHOWN_ID else key[: MAX_SHOWN_ID - 1] + "…"
                raise InvalidInputError([Problem("uploadResources", "uploadResources", UNKNOWN_UPLOAD, {"id": shown})])
            if all(u.key != upload.key for u in adopted):
                adopted.append(upload)
    dropped = [a for a in existing if a.key not in kept]
    check_owner_usage(
        len(kept) + len(adopted),
        sum(a.size for a in kept.values()) + sum(u.size for u in adopted),
        ctx.attachments,
    )
    for attachment in dropped:
        assert attachment.id is not None
        uow.attachments.delete(attachment.id)
    for upload in adopted:
        uow.attachments.adopt(upload, _from_upload(upload, principal, owner, now))
    return bool(dropped or adopted)


def _from_upload(upload: Upload, principal: Principal, owner: AttachmentOwner, now: datetime) -> Attachment:
    return Attachment(
        key=new_attachment_key(),
        name=upload.name,
        media_type=upload.media_type,
        size=upload.size,
        sha256=upload.sha256,
        author_id=principal.user_id,
        event_id=owner.event_id,
        task_id=owner.task_id,
        created_at=now,
    )


def _existing(uow: UnitOfWork, owner: AttachmentOwner) -> list[Attachment]:
    if owner.event_id is not None:
        return uow.attachments.list_for(event_ids=[owner.event_id])
    if owner.task_id is not None:
        return uow.attachments.list_for(task_ids=[owner.task_id])
    raise ValueError("an attachment owner needs an event or a task id")
