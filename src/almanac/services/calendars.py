"""Calendar use cases: list a user's calendars by kind, read, create, update (re-share) and delete them.

The rules are eXo's (spec §2.4, §5.2) over the one permission model of
``domain.permissions``; write refusals are PermissionDeniedError, unreadable
or unknown calendars NotFoundError. Every draft field left UNSET keeps its
stored value (or its default on create); a field that is set replaces it —
including an empty permission list, which clears it (eXo cannot clear them).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

from almanac.domain.calendars import CALENDAR_COMPONENTS, Calendar, new_calendar_key
from almanac.domain.errors import N_, ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError, Problem
from almanac.domain.permissions import (
    EntryKind,
    can_edit_calendar,
    can_manage_calendar,
    can_read_calendar,
    can_view_calendar,
    parse_entry,
)
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import Page, PageRequest
from almanac.domain.sharing import (
    GROUPS_CHANGE,
    OWNER_CHANGE,
    CalendarKind,
    PersonalCalendarChangeError,
    calendar_kind,
    is_known_tzid,
    is_valid_calendar_name,
    is_valid_entry,
    merged_view_entries,
    strip_host,
)
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext
from almanac.services.events import UNSET, Unset

NAME_RULE = N_("calendar name is empty or contains special characters")
DEFAULT_NAME = "calendar"


@dataclass(frozen=True)
class CalendarDraft:
    """What a caller sets on a calendar; ``owner`` is a username, permissions are eXo entries (spec §2.2)."""

    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    color: str | Unset = UNSET
    tzid: str | Unset = UNSET
    owner: str | Unset = UNSET
    groups: Sequence[str] | Unset = UNSET
    view_permissions: Sequence[str] | Unset = UNSET
    edit_permissions: Sequence[str] | Unset = UNSET
    public_url: str | Unset | None = UNSET
    private_url: str | Unset | None = UNSET
    sort_order: int | Unset | None = UNSET


@dataclass(frozen=True)
class CalendarView:
    """A calendar as one principal sees it: with its owner's username and its kind for that principal."""

    calendar: Calendar
    owner: str | None
    kind: CalendarKind


def list_calendars(
    ctx: ServiceContext, *, principal: Principal, kinds: Collection[CalendarKind], page: PageRequest
) -> Page[CalendarView]:
    """The principal's calendars of the given kinds: personal, then group, then shared; by name within a kind."""
    with ctx.uow(read_only=True) as uow:
        found = uow.calendars.list_related(principal, kinds, page)
        return Page(items=_views(uow, principal, found.items), total=found.total)


def get_calendar(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> CalendarView:
    """The calendar if the principal may view it (spec §5.2.3: a public URL or taking part is not enough)."""
    with ctx.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or not can_view_calendar(principal, calendar):
            raise NotFoundError(kind="calendar", id=calendar_key)
        return _views(uow, principal, [calendar])[0]


def get_readable_calendar(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> CalendarView:
    """The calendar if the principal may read its events as a whole (``can_read_calendar``: its viewers, and
    everyone when it is public), as CalDAV serves it; NotFoundError otherwise."""
    with ctx.uow() as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or not can_read_calendar(principal, calendar):
            raise NotFoundError(kind="calendar", id=calendar_key)
        return _views(uow, principal, [calendar])[0]


def describe_calendars(ctx: ServiceContext, *, principal: Principal, calendar_ids: Sequence[int]) -> list[CalendarView]:
    """The calendars among ``calendar_ids`` that the principal may view (for embedding in other resources)."""
    with ctx.uow(read_only=True) as uow:
        viewable = [c for c in uow.calendars.list_by_ids(calendar_ids) if can_view_calendar(principal, c)]
        return _views(uow, principal, viewable)


def create_calendar(
    ctx: ServiceContext,
    *,
    principal: Principal,
    draft: CalendarDraft,
    rejected: InvalidInputError | None = None,
    key: str | None = None,
    on_created: Callable[[UnitOfWork, CalendarView], object] | None = None,
    components: tuple[str, ...] | None = None,
) -> CalendarView:
    """Create a personal or (when ``groups`` is non-empty) a group calendar (spec §5.2.2).

    Checks in order: ``rejected`` (the face's own input errors) and the draft's
    values (InvalidInputError); a group calendar needs the principal in one of
    its groups, a personal one must be owned by the principal
    (PermissionDeniedError). ``name`` defaults to "calendar", ``owner`` to the principal.
    ``key`` (a CalDAV client's choice of collection name) defaults to a new opaque
    key; one already taken is a ConflictError. ``components`` (a CalDAV client's
    supported-calendar-component-set, some of ``CALENDAR_COMPONENTS``) restricts what
    CalDAV may store in it; default: events and tasks. ``on_created`` runs on the stored calendar's view in
    the same unit of work, before the commit (e.g. keeping an Idempotency-Key); what it raises refuses the create.
    """
    if rejected is not None:
        raise rejected
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if key is not None and uow.calendars.get_by_key(key) is not None:
            raise ConflictError(N_("A calendar with this id already exists."))
        calendar = Calendar(
            key=key or new_calendar_key(), name=DEFAULT_NAME, owner_id=principal.user_id, tzid=principal.tzid
        )
        _apply(uow, calendar, draft)
        if components is not None:
            calendar.components = tuple(c for c in CALENDAR_COMPONENTS if c in components) or CALENDAR_COMPONENTS
        if calendar.is_group_calendar:
            if not principal.is_admin and not any(principal.is_member_of(g) for g in calendar.groups):
                raise PermissionDeniedError()
        elif calendar.owner_id != principal.user_id:
            raise PermissionDeniedError()
        calendar.created_at = calendar.updated_at = now
        stored = uow.calendars.add(calendar)
        view = _views(uow, principal, [stored])[0]
        if on_created is not None:
            on_created(uow, view)
        uow.commit()
        return view


def update_calendar(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    draft: CalendarDraft,
    rejected: InvalidInputError | None = None,
) -> CalendarView:
    """Change a calendar (spec §5.2.4), checks in order: unknown or not viewable → NotFoundError (the same
    answer, so a key reveals nothing); not ``can_manage_calendar`` → PermissionDeniedError (sharees with edit
    rights change events, not the calendar);
    invalid values → InvalidInputError; a personal calendar given another owner or groups →
    PersonalCalendarChangeError. A refused change stores nothing."""
    with ctx.uow() as uow:
        stored = uow.calendars.get_by_key(calendar_key)
        if stored is None or not can_view_calendar(principal, stored):
            raise NotFoundError(kind="calendar", id=calendar_key)
        if not can_manage_calendar(principal, stored):
            raise PermissionDeniedError()
        if rejected is not None:
            raise rejected
        calendar = replace(stored, groups=list(stored.groups))
        _apply(uow, calendar, draft)
        if not stored.is_group_calendar:
            if calendar.owner_id != stored.owner_id:
                raise PersonalCalendarChangeError(OWNER_CHANGE)
            if calendar.groups:
                raise PersonalCalendarChangeError(GROUPS_CHANGE)
        elif not calendar.groups:
            raise InvalidInputError([Problem("groups", "groups", N_("a group calendar needs at least one group"))])
        calendar.updated_at = ctx.clock.now()
        view = _views(uow, principal, [uow.calendars.update(calendar)])[0]
        uow.commit()
        return view


def delete_calendar(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> None:
    """Delete a calendar with its events, or leave a calendar shared with the principal (spec §5.2.5).

    Unknown or not viewable → NotFoundError (the same answer). Allowed to editors
    and to sharees (else PermissionDeniedError). A personal or group calendar is
    deleted, and so is any calendar an administrator deletes; for a sharee the
    entries naming them are removed (a share through a group or membership cannot
    be undone for one member and stays); other allowed cases change nothing. A
    user's default calendar is never deleted (InvalidInputError): other faces
    create events in it.
    """
    with ctx.uow() as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or calendar.id is None or not can_view_calendar(principal, calendar):
            raise NotFoundError(kind="calendar", id=calendar_key)
        kind = calendar_kind(principal, calendar)
        if not (can_edit_calendar(principal, calendar) or kind is CalendarKind.SHARED):
            raise PermissionDeniedError()
        if kind in (CalendarKind.PERSONAL, CalendarKind.GROUP) or (
            kind is CalendarKind.UNDEFINED and principal.is_admin
        ):
            if calendar.is_default:
                raise InvalidInputError([Problem("id", "id", N_("a default calendar cannot be deleted"))])
            uow.calendars.delete(calendar.id)
        elif kind is CalendarKind.SHARED:
            calendar.view_permissions = _without_user(calendar.view_permissions, principal.username)
            calendar.edit_permissions = _without_user(calendar.edit_permissions, principal.username)
            calendar.updated_at = ctx.clock.now()
            uow.calendars.update(calendar)
        uow.commit()


def _without_user(entries: list[str], username: str) -> list[str]:
    def names_user(raw: str) -> bool:
        entry = parse_entry(raw)
        return entry.kind is EntryKind.USER and entry.username == username

    return [e for e in entries if not names_user(e)]


def _apply(uow: UnitOfWork, calendar: Calendar, draft: CalendarDraft) -> None:
    """Apply the draft to ``calendar`` and check every value; the first broken rule is raised."""
    problems: list[Problem] = []
    if not isinstance(draft.name, Unset):
        if not is_valid_calendar_name(draft.name):
            raise InvalidInputError([Problem("name", "name", NAME_RULE)])
        calendar.name = draft.name.strip()
    if not isinstance(draft.description, Unset):
        calendar.description = draft.description
    if not isinstance(draft.color, Unset):
        calendar.color = draft.color
    if not isinstance(draft.sort_order, Unset):
        calendar.sort_order = draft.sort_order
    if not isinstance(draft.tzid, Unset):
        if not is_known_tzid(draft.tzid):
            problems.append(
                Problem("timeZone", "timeZone", N_("timeZone must be an IANA time zone such as Europe/Paris"))
            )
        calendar.tzid = draft.tzid
    if not isinstance(draft.owner, Unset):
        owner = uow.users.get_by_username(draft.owner)
        if owner is None:
            problems.append(Problem("owner", "owner", N_("owner must be the username of an existing user")))
        else:
            calendar.owner_id = owner.id
    if not isinstance(draft.groups, Unset):
        calendar.groups = list(dict.fromkeys(g.strip() for g in draft.groups if g.strip()))
        if any(not is_valid_entry(f"{g}/:*.*") for g in calendar.groups):
            problems.append(Problem("groups", "groups", N_("groups must be group paths such as /platform/users")))
    for name, value in (("viewPermission", draft.view_permissions), ("editPermission", draft.edit_permissions)):
        if not isinstance(value, Unset) and any(not is_valid_entry(e) for e in value):
            problems.append(
                Problem(
                    name,
                    name,
                    N_(
                        "%(field)s entries must be user names or group entries such as "
                        "/platform/users/:*.* or /platform/users/:*.manager"
                    ),
                    {"field": name},
                )
            )
    if not isinstance(draft.edit_permissions, Unset):
        calendar.edit_permissions = [e.strip() for e in draft.edit_permissions if e.strip()]
    if not isinstance(draft.view_permissions, Unset):
        calendar.view_permissions = list(draft.view_permissions)
    calendar.view_permissions = merged_view_entries(calendar.view_permissions, calendar.edit_permissions)
    if not isinstance(draft.public_url, Unset):
        calendar.public_url = None if draft.public_url is None else strip_host(draft.public_url)
    if not isinstance(draft.private_url, Unset):
        calendar.private_url = None if draft.private_url is None else strip_host(draft.private_url)
    if problems:
        raise InvalidInputError(problems[:1])


def _views(uow: UnitOfWork, principal: Principal, calendars: Sequence[Calendar]) -> list[CalendarView]:
    owner_ids = sorted({c.owner_id for c in calendars if c.owner_id is not None})
    usernames = {u.id: u.username for u in uow.users.list_by_ids(owner_ids)}
    return [
        CalendarView(
            calendar=c,
            owner=usernames.get(c.owner_id) if c.owner_id is not None else None,
            kind=calendar_kind(principal, c),
        )
        for c in calendars
    ]
