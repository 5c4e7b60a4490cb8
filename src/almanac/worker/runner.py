"""The delivery worker: claims due deliveries, delivers them through their channel, records the outcome.

Loop: claim a batch (committed before sending), deliver its notices
concurrently (at most ``concurrency`` at once), record the outcomes, and repeat
while batches come back full. When idle it sleeps until the next due time, the
poll interval, a wake signal (a new delivery in this process) or ``stop()``,
whichever comes first, and now and then rolls the reminder horizon forward
and prunes the CalDAV change logs' old tombstones (``services.change_retention``).
``stop()`` (SIGTERM) lets the batch in flight finish and be recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

from almanac.domain.deliveries import DeliveryChannel
from almanac.domain.notices import DeliveryFailure, Notice
from almanac.domain.ports import Channel
from almanac.services.change_retention import prune_change_logs
from almanac.services.context import ServiceContext
from almanac.services.dispatch import Outcome, claim_due_deliveries, next_due_at, record_outcomes
from almanac.services.scheduling import extend_reminder_horizons
from almanac.worker.signal import WakeSignal

log = logging.getLogger("almanac.worker")


@dataclass(frozen=True)
class WorkerSettings:
    poll_interval: float = 1.0
    batch_size: int = 100
    concurrency: int = 20
    horizon_interval: float = 60.0
    # Tombstones age by days (the sync retention): an hourly look is plenty (ALMANAC_CHANGE_LOG_PRUNE_INTERVAL_SECONDS).
    prune_interval: float = 3600.0
    worker_id: str = ""


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        services: ServiceContext,
        channels: Mapping[DeliveryChannel, Channel],
        settings: WorkerSettings | None = None,
        *,
        signal: WakeSignal | None = None,
    ) -> None:
        self._services = services
        self._channels = dict(channels)
        self._settings = settings or WorkerSettings()
        self._id = self._settings.worker_id or default_worker_id()
        self._signal = signal
        self._stopping = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.delivered = 0

    async def run_once(self) -> int:
        """Claim one batch, deliver it, record it; the number of notices handled."""
        batch = await asyncio.to_thread(
            claim_due_deliveries, self._services, worker_id=self._id, limit=self._settings.batch_size
        )
        if not batch.notices:
            return 0
        limit = asyncio.Semaphore(self._settings.concurrency)

        async def attempt(notice: Notice) -> Outcome:
            async with limit:
                return await self._deliver(notice)

        outcomes = await asyncio.gather(*(attempt(n) for n in batch.notices))
        await asyncio.to_thread(record_outcomes, self._services, owner=batch.owner, outcomes=outcomes)
        self.delivered += len(outcomes)
        return len(outcomes)

    async def drain(self) -> int:
        """Roll the reminder horizon, then deliver everything due now (tests and one-shot runs)."""
        await asyncio.to_thread(extend_reminder_horizons, self._services)
        total = 0
        try:
            while count := await self.run_once():
                total += count
        finally:
            await self._close_channels()
        return total

    async def run(self) -> None:
        """Deliver until ``stop()``."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self._signal is not None:
            self._signal.attach(self._loop, self._wake)
        log.info("worker %s started", self._id)
        next_horizon = next_prune = 0.0
        try:
            while not self._stopping:
                try:
                    if time.monotonic() >= next_horizon:
                        await asyncio.to_thread(extend_reminder_horizons, self._services)
                        next_horizon = time.monotonic() + self._settings.horizon_interval
                    if time.monotonic() >= next_prune:
                        next_prune = time.monotonic() + self._settings.prune_interval
                        await self._prune()
                    if await self.run_once() >= self._settings.batch_size:
                        continue  # a full batch: more may be due at once
                    await self._sleep(await self._idle_seconds())
                except Exception:  # a broken database or channel must not kill the loop; retry after a pause
                    log.exception("worker %s: delivery round failed", self._id)
                    await self._sleep(self._settings.poll_interval)
        finally:
            await self._close_channels()
            if self._signal is not None:
                self._signal.detach()
            log.info("worker %s stopped after %d deliveries", self._id, self.delivered)

    async def _prune(self) -> None:
        report = await asyncio.to_thread(prune_change_logs, self._services)
        if report.tombstones or report.busy:
            log.info(
                "worker %s: pruned %d tombstones of %d calendars from the change log (%d busy, left for later)",
                self._id,
                report.tombstones,
                report.calendars,
                report.busy,
            )

    def stop(self) -> None:
        """Finish the batch in flight, then return from ``run`` (safe from any thread or signal handler)."""
        self._stopping = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def _deliver(self, notice: Notice) -> Outcome:
        clock = self._services.clock
        started = time.perf_counter()
        channel = self._channels.get(notice.delivery.channel)
        try:
            if channel is None:
                raise DeliveryFailure(f"no {notice.delivery.channel} channel is configured", permanent=True)
            receipt = await channel.deliver(notice, now=clock.now())
            failure = None
        except DeliveryFailure as exc:
            receipt, failure = None, exc
        except Exception as exc:  # a bug in a channel is a failed attempt, not a dead worker
            log.exception("channel %s crashed on delivery %s", notice.delivery.channel, notice.delivery.id)
            receipt, failure = None, DeliveryFailure(f"{type(exc).__name__}: {exc}")
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(notice=notice, at=clock.now(), receipt=receipt, failure=failure, duration_ms=elapsed)

    async def _close_channels(self) -> None:
        for channel in self._channels.values():
            try:
                await channel.aclose()
            except Exception:  # closing is best effort: the deliveries are recorded already
                log.exception("worker %s: closing a channel failed", self._id)

    async def _idle_seconds(self) -> float:
        poll = self._settings.poll_interval
        due = await asyncio.to_thread(next_due_at, self._services)
        if due is None:
            return poll
        return max(0.0, min(poll, (due - self._services.clock.now()).total_seconds()))

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        if self._stopping or seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
