"""Files of the eXo face (spec §5.5, §3.6): ``/events/{id}/attachments``, ``/tasks/{id}/attachments``,
``/attachments/{id}`` with its ``/content`` (eXo has no way to download a file), and ``/uploads`` for the
``uploadResources`` of event and task bodies (eXo uses a platform service outside its API for that).

Uploads are multipart/form-data; the handlers that read them are ``async``
and hand the stored work to the thread pool, like every other route's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from almanac.api.exo_v1 import query as q
from almanac.api.exo_v1.content_representations import upload_json
from almanac.api.exo_v1.context import Exo, ExoRequest
from almanac.api.exo_v1.errors import NO_CACHE
from almanac.api.exo_v1.files import download, read_files
from almanac.api.exo_v1.rendering import (
    body,
    cacheable,
    collection_url,
    empty,
    envelope,
    etag_matches,
    link_header,
    not_modified,
    project,
)
from almanac.api.exo_v1.representations import attachment_json
from almanac.domain.attachments import Attachment
from almanac.services import attachments as attachment_service

router = APIRouter(tags=["eXo attachments"])

OptionalText = Annotated[str | None, Query()]


@router.get("/events/{event_id}/attachments", summary="The files of an event (metadata)")
def list_event_attachments(
    exo: Exo,
    event_id: str,
    offset: OptionalText = None,
    limit: OptionalText = None,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    paging = _paging(exo, offset, limit)
    found = attachment_service.list_event_attachments(exo.services, principal=exo.principal, event_key=event_id)
    return _listing(exo, found, paging, fields, callback)


@router.post(
    "/events/{event_id}/attachments",
    response_class=Response,
    status_code=201,
    summary="Attach files to an event (multipart)",
)
async def add_event_attachments(request: Request, exo: Exo, event_id: str) -> Response:
    files = await read_files(request)
    await run_in_threadpool(
        attachment_service.add_event_attachments,
        exo.services,
        principal=exo.principal,
        event_key=event_id,
        files=files,
    )
    # eXo's Location lacks the /events segment (spec §8 item 35); this one names the list the files joined.
    return empty(201, {"Location": f"{exo.hrefs.event(event_id)}/attachments"})


@router.get("/tasks/{task_id}/attachments", summary="The files of a task (metadata)")
def list_task_attachments(
    exo: Exo,
    task_id: str,
    offset: OptionalText = None,
    limit: OptionalText = None,
    fields: OptionalText = None,
    jsonp: OptionalText = None,
) -> Response:
    callback = q.jsonp(jsonp)
    paging = _paging(exo, offset, limit)
    found = attachment_service.list_task_attachments(exo.services, principal=exo.principal, task_key=task_id)
    return _listing(exo, found, paging, fields, callback)


@router.post(
    "/tasks/{task_id}/attachments",
    response_class=Response,
    status_code=201,
    summary="Attach files to a task (multipart)",
)
async def add_task_attachments(request: Request, exo: Exo, task_id: str) -> Response:
    files = await read_files(request)
    await run_in_threadpool(
        attachment_service.add_task_attachments,
        exo.services,
        principal=exo.principal,
        task_key=task_id,
        files=files,
    )
    return empty(201, {"Location": f"{exo.hrefs.task(task_id)}/attachments"})


@router.get("/attachments/{attachment_id}", summary="One file's metadata")
def get_attachment(exo: Exo, attachment_id: str, fields: OptionalText = None, jsonp: OptionalText = None) -> Response:
    callback = q.jsonp(jsonp)
    attachment = attachment_service.get_attachment(
        exo.services, principal=exo.principal, attachment_key=_key(attachment_id)
    )
    headers = cacheable(exo.settings.exo_cache_max_age, attachment.created_at)
    unchanged = not_modified(exo.request, attachment.created_at, headers)
    if unchanged is not None:
        return unchanged
    return body(project(attachment_json(attachment, exo.hrefs), q.fields(fields)), callback=callback, headers=headers)


@router.get("/attachments/{attachment_id}/content", summary="Download one file (not in eXo's API)")
def get_attachment_content(exo: Exo, attachment_id: str) -> Response:
    found = attachment_service.get_attachment_content(
        exo.services, principal=exo.principal, attachment_key=_key(attachment_id)
    )
    attachment = found.attachment
    etag = f'"{attachment.sha256}"'
    headers = {**cacheable(exo.settings.exo_cache_max_age, attachment.created_at), "ETag": etag}
    if etag_matches(exo.request, etag):
        return Response(status_code=304, headers=headers)
    unchanged = not_modified(exo.request, attachment.created_at, headers)
    if unchanged is not None:
        return unchanged
    return download(attachment, found.content, headers)


@router.delete("/attachments/{attachment_id}", response_class=Response, summary="Delete one file")
def delete_attachment(exo: Exo, attachment_id: str) -> Response:
    attachment_service.delete_attachment(exo.services, principal=exo.principal, attachment_key=_key(attachment_id))
    return empty(200)


@router.post("/uploads", status_code=201, summary="Upload files ahead, for uploadResources (not in eXo's API)")
async def create_uploads(request: Request, exo: Exo) -> Response:
    files = await read_files(request)
    uploads = await run_in_threadpool(
        attachment_service.stage_uploads, exo.services, principal=exo.principal, files=files
    )
    data = [upload_json(u, exo.hrefs) for u in uploads]
    headers = {**NO_CACHE, "Location": exo.hrefs.upload(uploads[0].key)}
    return body(envelope(data, offset=0, limit=len(data), size=len(data)), callback=None, status=201, headers=headers)


@router.get("/uploads/{upload_id}", summary="One of your pending uploads")
def get_upload(exo: Exo, upload_id: str, fields: OptionalText = None, jsonp: OptionalText = None) -> Response:
    callback = q.jsonp(jsonp)
    upload = attachment_service.get_upload(exo.services, principal=exo.principal, upload_key=upload_id)
    return body(project(upload_json(upload, exo.hrefs), q.fields(fields)), callback=callback, headers=NO_CACHE)


@router.delete("/uploads/{upload_id}", response_class=Response, summary="Give up one of your pending uploads")
def delete_upload(exo: Exo, upload_id: str) -> Response:
    attachment_service.delete_upload(exo.services, principal=exo.principal, upload_key=upload_id)
    return empty(200)


def _key(attachment_id: str) -> str:
    """eXo attachment ids end in a literal ``#`` (spec §1.3); a client that kept it sends it as ``%23``."""
    return attachment_id.removesuffix("#")


def _paging(exo: ExoRequest, offset: str | None, limit: str | None) -> q.Paging:
    return q.paging(
        offset, limit, default_limit=exo.settings.exo_default_limit, query_limit=exo.settings.exo_query_limit
    )


def _listing(
    exo: ExoRequest, found: list[Attachment], paging: q.Paging, fields: str | None, callback: str | None
) -> Response:
    """Always a ``size`` and a ``Link`` header, as eXo sends for this list (spec §1.5)."""
    page = found[paging.offset : paging.offset + paging.limit]
    names = q.fields(fields)
    data = [project(attachment_json(a, exo.hrefs), names) for a in page]
    link = link_header(collection_url(exo.request, exo.base), offset=paging.offset, limit=paging.limit, size=len(found))
    return body(
        envelope(data, offset=paging.offset, limit=paging.limit, size=len(found)),
        callback=callback,
        headers={**NO_CACHE, "Link": link},
    )
