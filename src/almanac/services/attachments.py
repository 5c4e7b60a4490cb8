"""Attachment use cases: upload files to an event or a task, list them, read one (metadata or bytes), delete
one, and stage uploads for eXo's ``uploadResources`` (spec §3.5, §3.6, §5.5).

Permissions follow the item the file belongs to (spec §2.4): whoever may read
the event or task may read its files; its calendar's editors may add and
delete them. Unknown or unreadable → NotFoundError (for the attachment as for
its event or task); refused writes → PermissionDeniedError. Adding or deleting
an event's file is a change of the event (new revision, webhooks told); a
task's gets a new revision too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from almanac.domain.attachments import (
    PENDING_TOO_LARGE,
    Attachment,
    AttachmentTooLargeError,
    Upload,
    can_use_upload,
    new_upload_key,
)
from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, NotFoundError, PermissionDeniedError
from almanac.domain.events import Event
from almanac.domain.permissions import can_edit_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.tasks import Task
from almanac.domain.users import Principal
from almanac.services.attachment_files import (
    AttachmentOwner,
    IncomingFile,
    check_files,
    store_files,
)
from almanac.services.context import ServiceContext
from almanac.services.events import editable_copy, readable_event, store_changed_event
from almanac.services.tasks import editable_task, readable_task, store_changed_task

ATTACHMENT_KIND: Final = N_("attachment")
UPLOAD_KIND: Final = N_("upload")


@dataclass(frozen=True)
class AttachmentContent:
    attachment: Attachment
    content: bytes


def add_event_attachments(
    ctx: ServiceContext, *, principal: Principal, event_key: str, files: Sequence[IncomingFile]
) -> list[Attachment]:
    """Attach files to an event (spec §5.5.2). Checks in order: unknown or unreadable event (NotFoundError),
    edit permission (PermissionDeniedError), the files (no file, disguised program: InvalidInputError; a file,
    the event's count or total over a limit: AttachmentTooLargeError)."""
    with ctx.uow() as uow:
        event, calendar = readable_event(uow, principal, event_key=event_key, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        checked = check_files(ctx, files)
        assert event.id is not None
        added = store_files(ctx, uow, principal, AttachmentOwner(event_id=event.id), checked)
        store_changed_event(ctx, uow, event, editable_copy(event), calendar)
        return added


def add_task_attachments(
    ctx: ServiceContext, *, principal: Principal, task_key: str, files: Sequence[IncomingFile]
) -> list[Attachment]:
    """Attach files to a task; the checks of ``add_event_attachments``."""
    with ctx.uow() as uow:
        task, calendar = readable_task(uow, principal, task_key=task_key, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        checked = check_files(ctx, files)
        assert task.id is not None
        added = store_files(ctx, uow, principal, AttachmentOwner(task_id=task.id), checked)
        store_changed_task(ctx, uow, task, editable_task(task), calendar)
        uow.commit()
        return added


def list_event_attachments(ctx: ServiceContext, *, principal: Principal, event_key: str) -> list[Attachment]:
    """The files of an event the principal may read (NotFoundError otherwise), oldest first."""
    with ctx.uow() as uow:
        event, _ = readable_event(uow, principal, event_key=event_key)
        assert event.id is not None
        return uow.attachments.list_for(event_ids=[event.id])


def list_task_attachments(ctx: ServiceContext, *, principal: Principal, task_key: str) -> list[Attachment]:
    """The files of a task the principal may read (NotFoundError otherwise), oldest first."""
    with ctx.uow() as uow:
        task, _ = readable_task(uow, principal, task_key=task_key)
        assert task.id is not None
        return uow.attachments.list_for(task_ids=[task.id])


def attachments_for(
    ctx: ServiceContext, *, event_ids: Sequence[int] = (), task_ids: Sequence[int] = ()
) -> list[Attachment]:
    """The files of events and tasks the caller has already been allowed to read (for rendering them)."""
    if not event_ids and not task_ids:
        return []
    # Read-only: on SQLite a writing unit of work begins by taking the write lock, which every eXo list
    # answer would then queue on.
    with ctx.uow(read_only=True) as uow:
        return uow.attachments.list_for(event_ids=event_ids, task_ids=task_ids)


def get_attachment(ctx: ServiceContext, *, principal: Principal, attachment_key: str) -> Attachment:
    """One file's metadata, if the principal may read its event or task (NotFoundError otherwise)."""
    with ctx.uow() as uow:
        attachment, _, _ = _readable(uow, principal, attachment_key)
        return attachment


def get_attachment_content(ctx: ServiceContext, *, principal: Principal, attachment_key: str) -> AttachmentContent:
    """One file with its bytes, if the principal may read its event or task (NotFoundError otherwise)."""
    with ctx.uow() as uow:
        attachment, _, _ = _readable(uow, principal, attachment_key)
        assert attachment.id is not None
        content = uow.attachments.content(attachment.id)
        if content is None:
            raise NotFoundError(kind=ATTACHMENT_KIND, id=attachment_key)
        return AttachmentContent(attachment, content)


def delete_attachment(ctx: ServiceContext, *, principal: Principal, attachment_key: str) -> None:
    """Delete one file (spec §5.5.4): NotFoundError if unknown or unreadable, PermissionDeniedError if the
    principal may not edit its calendar."""
    with ctx.uow() as uow:
        attachment, owner, calendar = _readable(uow, principal, attachment_key, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        assert attachment.id is not None
        uow.attachments.delete(attachment.id)
        if isinstance(owner, Event):
            store_changed_event(ctx, uow, owner, editable_copy(owner), calendar)
            return
        store_changed_task(ctx, uow, owner, editable_task(owner), calendar)
        uow.commit()


def stage_uploads(ctx: ServiceContext, *, principal: Principal, files: Sequence[IncomingFile]) -> list[Upload]:
    """Keep files for the principal until they are referenced from an event or task body, or expire.

    Checks: the files (as ``add_event_attachments``), then the principal's
    pending uploads including these (AttachmentTooLargeError). Expired uploads
    of everyone are removed on the way.
    """
    checked = check_files(ctx, files)
    policy = ctx.attachments
    with ctx.uow() as uow:
        now = ctx.clock.now()
        uow.uploads.delete_expired(now=now)
        pending = uow.uploads.pending_bytes(principal.user_id, now=now) + sum(f.size for f in checked)
        if pending > policy.max_pending_upload_bytes:
            raise AttachmentTooLargeError(PENDING_TOO_LARGE, limit=policy.max_pending_upload_bytes)
        staged = [
            uow.uploads.add(
                Upload(
                    key=new_upload_key(),
                    owner_id=principal.user_id,
                    name=f.name,
                    media_type=f.media_type,
                    size=f.size,
                    sha256=f.sha256,
                    created_at=now,
                    expires_at=now + policy.upload_ttl,
                ),
                f.content,
            )
            for f in checked
        ]
        uow.commit()
        return staged


def get_upload(ctx: ServiceContext, *, principal: Principal, upload_key: str) -> Upload:
    """One of the principal's unexpired uploads (anyone else's, or an expired one: NotFoundError)."""
    with ctx.uow() as uow:
        upload = uow.uploads.get_by_key(upload_key)
        if upload is None or not can_use_upload(principal, upload, now=ctx.clock.now()):
            raise NotFoundError(kind=UPLOAD_KIND, id=upload_key)
        return upload


def delete_upload(ctx: ServiceContext, *, principal: Principal, upload_key: str) -> None:
    """Give up one of the principal's uploads before it expires (NotFoundError if it is not theirs, or expired)."""
    with ctx.uow() as uow:
        upload = uow.uploads.get_by_key(upload_key)
        if upload is None or upload.id is None or not can_use_upload(principal, upload, now=ctx.clock.now()):
            raise NotFoundError(kind=UPLOAD_KIND, id=upload_key)
        uow.uploads.delete(upload.id)
        uow.commit()


def _readable(
    uow: UnitOfWork, principal: Principal, attachment_key: str, *, for_update: bool = False
) -> tuple[Attachment, Event | Task, Calendar]:
    attachment = uow.attachments.get_by_key(attachment_key)
    if attachment is None:
        raise NotFoundError(kind=ATTACHMENT_KIND, id=attachment_key)
    try:
        if attachment.event_id is not None:
            event, calendar = readable_event(uow, principal, event_id=attachment.event_id, for_update=for_update)
            return attachment, event, calendar
        task, calendar = readable_task(uow, principal, task_id=attachment.task_id, for_update=for_update)
        return attachment, task, calendar
    except NotFoundError:
        # The attachment's own id, not its event's or task's, is what the caller asked for.
        raise NotFoundError(kind=ATTACHMENT_KIND, id=attachment_key) from None
