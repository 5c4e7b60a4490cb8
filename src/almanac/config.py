"""Almanac's one typed settings object.

Every tunable lives here: where the store is, how long tokens live, and every
limit that protects the server (body size, list sizes, sign-in attempts).
Values come from ``ALMANAC_*`` environment variables (or an ``.env`` file named
by ``ALMANAC_ENV_FILE``) and from CLI flags; unsafe values are refused when the
object is built, never discovered later. Nothing here runs at import time: the
CLI (or a test) builds ``Settings()`` explicitly.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///almanac.db"

PositiveInt = Annotated[int, Field(gt=0)]
#: A limit where 0 switches the guard off.
LimitOrOff = Annotated[int, Field(ge=0)]


class Settings(BaseSettings):
    """Configuration of one Almanac process."""

    model_config = SettingsConfigDict(env_prefix="ALMANAC_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="Any SQLAlchemy URL; the default is a SQLite file in the working directory.",
    )
    database_echo: bool = False
    # SQLite only: NORMAL keeps every acknowledged write through a process crash; FULL also through a power
    # loss or OS crash, with an fsync per commit (storage/engine.py).
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    # Connections one process keeps open (pool_size), may open beyond them at peaks (overflow), and how long a
    # request waits for one when all are busy before it is refused with 503 and Retry-After (StoreBusyError).
    database_pool_size: Annotated[int, Field(gt=0, le=1000)] = 5
    database_pool_overflow: Annotated[int, Field(ge=0, le=1000)] = 10
    database_pool_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0

    # Tokens (seconds). CLI-issued tokens do not expire unless api_token_ttl is set.
    access_token_ttl: PositiveInt = 3600
    refresh_token_ttl: PositiveInt = 30 * 24 * 3600
    api_token_ttl: PositiveInt | None = None

    # Abuse limits.
    signin_max_failures: PositiveInt = 5
    signin_window_seconds: PositiveInt = 60
    # Request rates, per process (token buckets in memory: N processes behind a balancer allow N times as
    # much). A request with an Authorization header counts against a hash of its credentials, any other
    # against its client address; 0 switches a limit off. The burst is how many requests may come at once.
    rate_limit_per_token_per_minute: LimitOrOff = 600
    rate_limit_per_address_per_minute: LimitOrOff = 300
    rate_limit_burst: Annotated[int, Field(gt=0, le=100_000)] = 100
    # Expensive queries (expansions, exports, feeds, CalDAV REPORT and Depth: 1 PROPFIND) running at once
    # per process; one more waits up to expensive_query_wait_seconds, then gets 503. 0 switches the cap off.
    max_concurrent_expensive_queries: Annotated[int, Field(ge=0, le=10_000)] = 4
    expensive_query_wait_seconds: Annotated[float, Field(ge=0, le=60)] = 2.0

    # Security headers: Strict-Transport-Security is sent only when set (e.g. "max-age=63072000"), since it
    # binds browsers to HTTPS for that long and only the operator knows the server is behind TLS.
    strict_transport_security: str | None = None

    # Request limits.
    max_body_bytes: PositiveInt = 1024 * 1024
    max_text_length: PositiveInt = 10_000
    max_caption_length: PositiveInt = 1_000
    # Lists of a request body are never read past 10,000 items (api.wire.MAX_LIST_ITEMS), so these cap there.
    max_recipients: Annotated[int, Field(gt=0, le=10_000)] = 500
    max_notifications: Annotated[int, Field(gt=0, le=10_000)] = 50
    # Objects (events, tasks...) one iCalendar import over HTTP may hold; `almanac import` has no limit.
    import_max_objects: Annotated[int, Field(gt=0, le=1_000_000)] = 2_000
    # Processes that parse an iCalendar import while it is stored (unset: automatic, one per spare core
    # up to 2 for files of 5,000 objects or more; 0: parse in the importing process).
    import_workers: Annotated[int | None, Field(ge=0, le=64)] = None

    # Recurrence guard-rails: most occurrences one expansion (or one COUNT) may produce, the finest FREQ
    # allowed (SECONDLY and MINUTELY are refused by default), the longest window expanded at once, and the
    # most stored events one window query may consider before it is refused as too broad.
    recurrence_max_occurrences: Annotated[int, Field(gt=0, le=1_000_000)] = 10_000
    recurrence_finest_frequency: Literal["SECONDLY", "MINUTELY", "HOURLY", "DAILY"] = "HOURLY"
    recurrence_max_window_days: Annotated[int, Field(gt=0, le=36_600)] = 3653
    window_max_events: Annotated[int, Field(gt=0, le=1_000_000)] = 50_000

    # Serialized calendar objects kept in memory per process (CalDAV reads the same objects again and again;
    # the cache is keyed by content, so it is never stale). 0 turns it off; ~3 KB an object.
    calendar_object_cache_size: Annotated[int, Field(ge=0, le=1_000_000)] = 5_000

    # CalDAV sync (RFC 6578): days a deleted object's tombstone stays in the change log, so clients syncing
    # within them learn of the deletion; older ones are pruned (worker, `almanac changes prune`) and a sync
    # token from before them is refused with DAV:valid-sync-token (the client syncs from scratch). And the most
    # results one sync-collection answers when the client sends DAV:limit (a larger limit is clamped to it).
    sync_token_retention_days: Annotated[int, Field(gt=0, le=3650)] = 30
    # Seconds between the worker's pruning rounds. Tombstones age by days, so hourly is plenty (one indexed
    # query per calendar with old tombstones); a store with very many deletions may want it more often.
    change_log_prune_interval_seconds: Annotated[float, Field(gt=0, le=7 * 24 * 3600)] = 3600.0
    dav_sync_max_results: Annotated[int, Field(gt=0, le=100_000)] = 1000

    # Back Office v2 list paging.
    v2_default_limit: PositiveInt = 10
    v2_max_limit: PositiveInt = 100

    # eXo v1 list paging (its "default.limit" and "hard.limit").
    exo_default_limit: PositiveInt = 10
    exo_query_limit: PositiveInt = 100
    # Seconds in max-age and s-maxage of cacheable eXo responses (its "cache_maxage", spec §1.8).
    exo_cache_max_age: PositiveInt = 7 * 24 * 3600

    # eXo people: invitations, participant suggestions, availabilities (README "Invitations, people, availability").
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs the answer links of invitation mails; unset: a key generated once and kept in the store.",
    )
    invitation_link_ttl: PositiveInt = 30 * 24 * 3600
    participant_search: Literal["exact", "related", "all"] = "related"
    participant_search_min_length: Annotated[int, Field(ge=0, le=100)] = 2
    availability_max_days: Annotated[int, Field(gt=0, le=3660)] = 366
    # Attachments and uploads (eXo v1), kept in the database. Bytes per file, per event or task, and per user's
    # pending uploads; an upload not attached within upload_ttl_seconds is removed.
    attachment_max_file_bytes: PositiveInt = 10 * 1024 * 1024
    attachment_max_item_bytes: PositiveInt = 25 * 1024 * 1024
    attachment_max_item_files: Annotated[int, Field(gt=0, le=10_000)] = 100
    upload_max_pending_bytes: PositiveInt = 50 * 1024 * 1024
    upload_ttl_seconds: PositiveInt = 24 * 3600
    # Items in one RSS stream of an eXo feed (the ones that start last).
    exo_feed_max_items: Annotated[int, Field(gt=0, le=10_000)] = 100

    # glibc malloc arenas `almanac serve` and `almanac worker` may keep (almanac.process_memory: each busy thread
    # of the server's pool would otherwise keep one, holding its high-water mark). 0: glibc's default.
    malloc_arenas: Annotated[int, Field(ge=0, le=1024)] = 2

    # Reminders and notifications (documented in the README).
    run_worker: bool = Field(default=True, description="`almanac serve` also runs the delivery worker in-process.")
    worker_poll_interval: Annotated[float, Field(gt=0, le=60)] = 1.0
    worker_batch_size: Annotated[int, Field(gt=0, le=10_000)] = 100
    worker_concurrency: Annotated[int, Field(gt=0, le=1_000)] = 20
    delivery_lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    delivery_max_attempts: Annotated[int, Field(gt=0, le=100)] = 5
    delivery_backoff_seconds: Annotated[float, Field(gt=0)] = 10.0
    delivery_backoff_max_seconds: Annotated[float, Field(gt=0)] = 3600.0
    reminder_horizon_days: Annotated[int, Field(gt=0, le=3650)] = 35
    reminder_max_lateness_seconds: Annotated[float, Field(gt=0)] = 3600.0
    smtp_host: str = "localhost"
    smtp_port: Annotated[int, Field(gt=0, lt=65536)] = 25
    smtp_from: str = "almanac@localhost"
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: Annotated[float, Field(gt=0)] = 10.0
    smtp_pool_size: Annotated[int, Field(gt=0, le=100)] = 4
    smtp_messages_per_connection: Annotated[int, Field(gt=0, le=100_000)] = 100
    webhook_timeout: Annotated[float, Field(gt=0, le=60)] = 5.0

    # Hours an Idempotency-Key of a create (and the response it got) is kept for retries.
    idempotency_ttl_hours: Annotated[int, Field(gt=0, le=24 * 365)] = 24

    public_base_url: str | None = Field(
        default=None,
        description="The external base URL (scheme://host[:port]); links are built from the request when unset.",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url_is_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("ALMANAC_DATABASE_URL must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _limits_are_coherent(self) -> Settings:
        if self.v2_default_limit > self.v2_max_limit:
            raise ValueError("v2_default_limit must not exceed v2_max_limit")
        if self.exo_default_limit > self.exo_query_limit:
            raise ValueError("exo_default_limit must not exceed exo_query_limit")
        if self.access_token_ttl > self.refresh_token_ttl:
            raise ValueError("access_token_ttl must not exceed refresh_token_ttl")
        if self.smtp_starttls and self.smtp_tls:
            raise ValueError("choose one of smtp_starttls (upgrade a plain connection) and smtp_tls (implicit TLS)")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("smtp_username and smtp_password go together")
        if "@" not in self.smtp_from:
            raise ValueError("smtp_from must be an email address")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("secret_key must have at least 32 characters (e.g. `openssl rand -base64 32`)")
        if self.attachment_max_file_bytes > self.attachment_max_item_bytes:
            raise ValueError("attachment_max_file_bytes must not exceed attachment_max_item_bytes")
        if self.attachment_max_file_bytes > self.upload_max_pending_bytes:
            raise ValueError("attachment_max_file_bytes must not exceed upload_max_pending_bytes")
        if self.reminder_horizon_days + 1 >= self.recurrence_max_window_days:
            # Reminders of a series are planned by expanding it over the horizon (plus a day back).
            raise ValueError("reminder_horizon_days must be shorter than recurrence_max_window_days")
        if self.strict_transport_security is not None and "max-age=" not in self.strict_transport_security.lower():
            raise ValueError('strict_transport_security must name a max-age (e.g. "max-age=63072000")')
        if self.delivery_backoff_seconds > self.delivery_backoff_max_seconds:
            raise ValueError("delivery_backoff_seconds must not exceed delivery_backoff_max_seconds")
        return self
