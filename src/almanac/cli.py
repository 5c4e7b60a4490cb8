"""The ``almanac`` command: serve, migrate, account administration, iCalendar import and change-log pruning.
No logic of its own: it parses arguments, builds the container and calls services."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

from almanac.api.log_redaction import install_log_redaction
from almanac.bootstrap import Container, build_container
from almanac.config import Settings
from almanac.domain.calendar_data import CalendarDataError
from almanac.domain.errors import AlmanacError, InvalidInputError
from almanac.process_memory import limit_malloc_arenas
from almanac.services import accounts, auth, calendar_imports
from almanac.services.change_retention import prune_change_logs

if TYPE_CHECKING:
    import uvicorn


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="almanac", description="Almanac calendar server.")
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: $ALMANAC_DATABASE_URL or sqlite:///almanac.db)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the delivery worker in this process (default: $ALMANAC_RUN_WORKER, true)",
    )

    worker = commands.add_parser("worker", help="migrate the database, then deliver reminders and webhooks")
    worker.add_argument("--id", default="", help="worker name in leases and logs (default: host:pid)")
    worker.add_argument("--log-level", default="info")

    commands.add_parser("migrate", help="upgrade the database schema to the newest version")

    user = commands.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    user_add = user.add_parser("add", help="add a user (with a default personal calendar)")
    user_add.add_argument("username")
    user_add.add_argument("--email", required=True)
    user_add.add_argument("--name", help="full name")
    user_add.add_argument("--password")
    user_add.add_argument("--group", action="append", default=[], metavar="GROUP_ID", help="repeatable")
    user_add.add_argument("--admin", action="store_true")
    user_add.add_argument("--timezone", default="UTC", help="IANA time zone of the user's default calendar")
    user_add.add_argument("--locale", default="en", help="language of the user's reminder mails (en, ja)")

    group = commands.add_parser("group", help="manage groups").add_subparsers(dest="action", required=True)
    group_add = group.add_parser("add", help="add a group such as /platform/users")
    group_add.add_argument("group_id")
    group_add.add_argument("--name")
    member = group.add_parser("add-member", help="put a user in a group")
    member.add_argument("group_id")
    member.add_argument("username")
    member.add_argument("--type", default="member", help="membership type (member, manager, ...)")

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(dest="action", required=True)
    token_issue = token.add_parser("issue", help="print a new bearer token for a user")
    token_issue.add_argument("username")

    changes = commands.add_parser("changes", help="the CalDAV change log behind sync tokens").add_subparsers(
        dest="action", required=True
    )
    changes.add_parser(
        "prune",
        help="remove tombstones older than $ALMANAC_SYNC_TOKEN_RETENTION_DAYS (the worker does it hourly); "
        "sync tokens from before them then expire",
    )

    ics = commands.add_parser("import", help="import an iCalendar (.ics) file into a calendar, matched by UID")
    ics.add_argument("file", type=Path, help="the .ics file")
    ics.add_argument("--calendar", required=True, metavar="ID", help="calendar id, e.g. alice-defaultCalendarId")
    ics.add_argument("--as", dest="username", metavar="USERNAME", help="act as this user (default: the owner)")
    ics.set_defaults(action="")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    except ValidationError as exc:
        return _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "worker":
        return _worker(settings, args)
    container = build_container(settings)
    try:
        container.migrate()
        if args.command == "migrate":
            print("database is at the newest schema", file=sys.stderr)
            return 0
        handler = _HANDLERS[(args.command, args.action)]
        return handler(container, args)
    except AlmanacError as exc:
        return _fail(_message(exc))
    finally:
        container.close()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    limit_malloc_arenas(settings.malloc_arenas)  # before any thread starts
    container = build_container(settings)
    container.migrate()
    worker = container.worker() if settings.run_worker and not args.no_worker else None
    thread: threading.Thread | None = None
    if worker is not None:
        # uvicorn owns the main thread and its signals; the worker gets its own loop in a thread and is
        # stopped (finishing its batch in flight) once uvicorn has shut down on SIGTERM or SIGINT.
        thread = threading.Thread(target=asyncio.run, args=(worker.run(),), name="almanac-worker")
        thread.start()
    config = uvicorn.Config(container.web_app(), host=args.host, port=args.port, log_level=args.log_level)
    try:
        # After uvicorn.Config has configured its loggers: the access log must not print private feed secrets.
        install_log_redaction()
        _server_class()(config).run()
    finally:
        if worker is not None and thread is not None:
            worker.stop()
            thread.join(timeout=60)
        container.close()
    return 0


def _server_class() -> type[uvicorn.Server]:
    import uvicorn

    class GracefulServer(uvicorn.Server):
        """uvicorn's server, minus one step: after a graceful shutdown on SIGTERM or SIGINT, uvicorn raises the
        signal again, which ends the process at once, before ``_serve`` has stopped the worker: a reminder in
        flight would be sent but never recorded, and sent again once its lease expired. This one returns,
        and the process exits 0 once the worker has finished and recorded its batch."""

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {signum: signal.signal(signum, self.handle_exit) for signum in handled}
            try:
                yield
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)

    return GracefulServer


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    limit_malloc_arenas(settings.malloc_arenas)  # before any thread starts
    container = build_container(settings)
    container.migrate()
    worker = container.worker(worker_id=args.id)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stop)
        await worker.run()

    try:
        asyncio.run(run())
    finally:
        container.close()
    return 0


def _user_add(container: Container, args: argparse.Namespace) -> int:
    try:
        validate_email(args.email, check_deliverability=False)
    except EmailNotValidError as exc:
        return _fail(f"{args.email!r} is not a valid email address: {exc}")
    user = accounts.add_user(
        container.services,
        username=args.username,
        email=args.email,
        display_name=args.name,
        password=args.password,
        group_ids=args.group,
        is_admin=args.admin,
        tzid=args.timezone,
        locale=args.locale,
    )
    print(f"added user {user.username} <{user.email}>", file=sys.stderr)
    return 0


def _group_add(container: Container, args: argparse.Namespace) -> int:
    group = accounts.add_group(container.services, group_id=args.group_id, name=args.name)
    print(f"added group {group.group_id}", file=sys.stderr)
    return 0


def _group_add_member(container: Container, args: argparse.Namespace) -> int:
    accounts.add_membership(
        container.services, group_id=args.group_id, username=args.username, membership_type=args.type
    )
    print(f"added {args.username} to {args.group_id} as {args.type}", file=sys.stderr)
    return 0


def _token_issue(container: Container, args: argparse.Namespace) -> int:
    issued = auth.issue_api_token(container.services, username=args.username)
    print(issued.secret)
    return 0


def _import(container: Container, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from almanac.ical.workers import relax_collector

    # This process exists for the import, which keeps every UID and row it reports on: at the collector's
    # default thresholds, traversing them again and again took a fifth of the import's CPU.
    relax_collector()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    services = container.services
    principal = calendar_imports.importer_principal(services, calendar_key=args.calendar, username=args.username)
    # On stderr, and only on a terminal: stdout stays clean and logs get no control characters.
    with tqdm(desc=f"importing {args.file.name}", unit=" objects", file=sys.stderr, disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = calendar_imports.import_objects(
            services, principal=principal, calendar_key=args.calendar, data=data, progress=progress
        )
    for skipped in report.skipped:
        reason = skipped.reason % {"kind": skipped.kind.value}
        print(f"skipped {skipped.uid} ({skipped.kind.value}, line {skipped.line}): {reason}", file=sys.stderr)
    print(
        f"imported {args.file.name} into {args.calendar}: {len(report.created)} created, {len(report.updated)} "
        f"updated, {len(report.unchanged)} unchanged, {len(report.skipped)} skipped",
        file=sys.stderr,
    )
    return 0


def _changes_prune(container: Container, args: argparse.Namespace) -> int:
    report = prune_change_logs(container.services)
    days = container.settings.sync_token_retention_days
    print(
        f"pruned {report.tombstones} tombstones older than {days} days from {report.calendars} calendars"
        + (f" ({report.busy} busy calendars left for the next run)" if report.busy else ""),
        file=sys.stderr,
    )
    return 0


_HANDLERS: dict[tuple[str, str], Callable[[Container, argparse.Namespace], int]] = {
    ("user", "add"): _user_add,
    ("group", "add"): _group_add,
    ("group", "add-member"): _group_add_member,
    ("token", "issue"): _token_issue,
    ("changes", "prune"): _changes_prune,
    ("import", ""): _import,
}


def _message(exc: AlmanacError) -> str:
    if isinstance(exc, CalendarDataError) and exc.problems:
        return "; ".join(f"{p.field}: {p.template % p.params if p.params else p.template}" for p in exc.problems)
    if isinstance(exc, InvalidInputError) and exc.problems:
        return "; ".join(p.template % p.params if p.params else p.template for p in exc.problems)
    return exc.render()


def _fail(message: str) -> int:
    print(f"almanac: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
