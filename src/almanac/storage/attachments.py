"""Attachments and uploads in the database: metadata rows, and the bytes in rows of their own.

Listing reads metadata only. An event's or task's attachments (and their
bytes) go with it through ``ON DELETE CASCADE``. Adopting an upload copies its
bytes inside the database (``INSERT ... SELECT``), never through Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from almanac.domain.attachments import Attachment, Upload
from almanac.storage.tables import AttachmentContentRow, AttachmentRow, UploadRow


def _attachment(row: AttachmentRow) -> Attachment:
    return Attachment(
        id=row.id,
        key=row.key,
        name=row.name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        author_id=row.author_id,
        event_id=row.event_id,
        task_id=row.task_id,
        created_at=row.created_at,
    )


def _attachment_row(attachment: Attachment) -> AttachmentRow:
    if attachment.created_at is None:
        raise ValueError("an attachment is stored with its creation instant")
    return AttachmentRow(
        key=attachment.key,
        event_id=attachment.event_id,
        task_id=attachment.task_id,
        author_id=attachment.author_id,
        name=attachment.name,
        media_type=attachment.media_type,
        size=attachment.size,
        sha256=attachment.sha256,
        created_at=attachment.created_at,
    )


def _upload(row: UploadRow) -> Upload:
    return Upload(
        id=row.id,
        key=row.key,
        owner_id=row.owner_id,
        name=row.name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class SqlAttachmentRepository:
    """Implements ``almanac.domain.ports.AttachmentRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, attachment: Attachment, content: bytes) -> Attachment:
        row = _attachment_row(attachment)
        self._session.add(row)
        self._session.flush()
        self._session.add(AttachmentContentRow(attachment_id=row.id, data=content))
        self._session.flush()
        return _attachment(row)

    def adopt(self, upload: Upload, attachment: Attachment) -> Attachment:
        if upload.id is None:
            raise ValueError("only a stored upload can be adopted")
        row = _attachment_row(attachment)
        self._session.add(row)
        self._session.flush()
        self._session.execute(
            insert(AttachmentContentRow).from_select(
                ["attachment_id", "data"],
                select(literal(row.id, AttachmentContentRow.attachment_id.type), UploadRow.data).where(
                    UploadRow.id == upload.id
                ),
            )
        )
        self._session.execute(delete(UploadRow).where(UploadRow.id == upload.id))
        self._session.flush()
        return _attachment(row)

    def get_by_key(self, key: str) -> Attachment | None:
        row = self._session.scalar(select(AttachmentRow).where(AttachmentRow.key == key))
        return _attachment(row) if row else None

    def content(self, attachment_id: int) -> bytes | None:
        return self._session.scalar(
            select(AttachmentContentRow.data).where(AttachmentContentRow.attachment_id == attachment_id)
        )

    def list_for(self, *, event_ids: Sequence[int] = (), task_ids: Sequence[int] = ()) -> list[Attachment]:
        conditions = []
        if event_ids:
            conditions.append(AttachmentRow.event_id.in_(sorted(set(event_ids))))
        if task_ids:
            conditions.append(AttachmentRow.task_id.in_(sorted(set(task_ids))))
        if not conditions:
            return []
        rows = self._session.scalars(
            select(AttachmentRow).where(or_(*conditions)).order_by(AttachmentRow.created_at, AttachmentRow.id)
        ).all()
        return [_attachment(r) for r in rows]

    def delete(self, attachment_id: int) -> None:
        self._session.execute(delete(AttachmentRow).where(AttachmentRow.id == attachment_id))
        self._session.flush()


class SqlUploadRepository:
    """Implements ``almanac.domain.ports.UploadRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, upload: Upload, content: bytes) -> Upload:
        if upload.created_at is None:
            raise ValueError("an upload is stored with its creation instant")
        row = UploadRow(
            key=upload.key,
            owner_id=upload.owner_id,
            name=upload.name,
            media_type=upload.media_type,
            size=upload.size,
            sha256=upload.sha256,
            data=content,
            created_at=upload.created_at,
            expires_at=upload.expires_at,
        )
        self._session.add(row)
        self._session.flush()
        return _upload(row)

    def get_by_key(self, key: str) -> Upload | None:
        row = self._session.scalar(select(UploadRow).where(UploadRow.key == key))
        return _upload(row) if row else None

    def pending_bytes(self, owner_id: int, *, now: datetime) -> int:
        total = self._session.scalar(
            select(func.coalesce(func.sum(UploadRow.size), 0)).where(
                UploadRow.owner_id == owner_id, UploadRow.expires_at > now
            )
        )
        return int(total or 0)

    def delete_expired(self, *, now: datetime) -> int:
        result = self._session.execute(delete(UploadRow).where(UploadRow.expires_at <= now))
        self._session.flush()
        return int(getattr(result, "rowcount", 0) or 0)

    def delete(self, upload_id: int) -> None:
        self._session.execute(delete(UploadRow).where(UploadRow.id == upload_id))
        self._session.flush()
