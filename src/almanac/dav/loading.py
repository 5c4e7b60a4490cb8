"""From a request target to the resource it names, and from a collection to its members.

Every lookup goes through a service (which checks the caller's rights); a home
or calendar reached through another user's home path is not found, exactly
like one that does not exist.
"""

from __future__ import annotations

from almanac.dav import paths
from almanac.dav.context import DavRequest
from almanac.dav.objects_store import list_stored_objects, load_stored_object
from almanac.dav.paths import Target, TargetKind
from almanac.dav.resources import (
    CalendarResource,
    HomeResource,
    ObjectResource,
    PlainCollection,
    PrincipalResource,
    Resource,
)
from almanac.domain.errors import NotFoundError
from almanac.services.calendar_homes import get_home, get_principal_user
from almanac.services.calendars import CalendarView, get_readable_calendar


def not_found(request: DavRequest) -> NotFoundError:
    return NotFoundError(kind="resource", id=request.path)


def load_resource(request: DavRequest, target: Target | None = None) -> Resource:
    """The resource at ``target`` (default: the request's); NotFoundError when absent or hidden."""
    target = target or request.target
    ctx, principal = request.services, request.principal
    kind = target.kind
    if kind is TargetKind.ROOT:
        return PlainCollection(href="/" if request.path == "/" else paths.root_href(), principal=principal)
    if kind is TargetKind.PRINCIPALS:
        return PlainCollection(
            href=paths.root_href() + paths.PRINCIPALS + "/", principal=principal, display_name="Principals"
        )
    if kind is TargetKind.CALENDARS:
        return PlainCollection(
            href=paths.root_href() + paths.CALENDARS + "/", principal=principal, display_name="Calendars"
        )
    if target.username != principal.username:
        raise not_found(request)
    if kind is TargetKind.PRINCIPAL:
        user = get_principal_user(ctx, principal=principal, username=target.username)
        return PrincipalResource(href=paths.principal_href(user.username), principal=principal, user=user)
    if kind is TargetKind.HOME:
        user = get_principal_user(ctx, principal=principal, username=target.username)
        return HomeResource(href=paths.home_href(user.username), principal=principal, user=user)
    if kind is TargetKind.CALENDAR and target.calendar_key is not None:
        return calendar_resource(
            request, get_readable_calendar(ctx, principal=principal, calendar_key=target.calendar_key)
        )
    if kind is TargetKind.OBJECT and target.calendar_key is not None and target.name is not None:
        stored = load_stored_object(request, target.calendar_key, target.name)
        return ObjectResource(
            href=paths.object_href(principal.username, target.calendar_key, stored.name),
            principal=principal,
            stored=stored,
        )
    raise not_found(request)


def calendar_resource(request: DavRequest, view: CalendarView) -> CalendarResource:
    return CalendarResource(
        href=paths.calendar_href(request.principal.username, view.calendar.key),
        principal=request.principal,
        view=view,
        max_resource_size=request.max_resource_size,
    )


def member_resources(request: DavRequest, resource: Resource) -> list[Resource]:
    """The members of a collection (depth 1), as the caller may see them."""
    principal = request.principal
    if isinstance(resource, PlainCollection):
        if resource.href in ("/", paths.root_href()):
            return [
                PlainCollection(
                    href=paths.root_href() + paths.PRINCIPALS + "/", principal=principal, display_name="Principals"
                ),
                PlainCollection(
                    href=paths.root_href() + paths.CALENDARS + "/", principal=principal, display_name="Calendars"
                ),
            ]
        if resource.href.endswith("/" + paths.PRINCIPALS + "/"):
            return [load_resource(request, Target(TargetKind.PRINCIPAL, username=principal.username))]
        return [load_resource(request, Target(TargetKind.HOME, username=principal.username))]
    if isinstance(resource, HomeResource):
        home = get_home(request.services, principal=principal, username=principal.username)
        return [calendar_resource(request, view) for view in home.calendars]
    if isinstance(resource, CalendarResource) and resource.view is not None:
        key = resource.view.calendar.key
        return [
            ObjectResource(
                href=paths.object_href(principal.username, key, stored.name), principal=principal, stored=stored
            )
            for stored in list_stored_objects(request, key)
        ]
    return []
