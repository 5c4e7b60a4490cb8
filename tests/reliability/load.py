"""A write load through the Back Office v2 API, with a ledger of what the server acknowledged.

Each writer thread creates events (some with reminders and a participant, so one write touches several
tables) and updates its own earlier events, one request at a time. A 2xx answer is an acknowledgement: the
ledger keeps the answered body as the state the store must hold from then on. A request that got no answer
(the server died under it) may or may not have happened; the ledger keeps it apart as a possible state.
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.reliability.servers import Person

EVENTS = "/api/v2/calendars/events"
# ALMANAC_SOAK_SCALE multiplies the counts of the reliability tests (`make soak`); 1 in the normal suite.
SOAK_SCALE_ENV = "ALMANAC_SOAK_SCALE"


def soak_scale() -> int:
    return max(1, int(os.environ.get(SOAK_SCALE_ENV, "1")))


def event_body(tag: str, *, serial: int, recipient: str | None) -> dict[str, Any]:
    # Days ahead of now, so reminders are planned as deliveries (rows in another table) by the same write.
    start = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=1 + serial % 20, minutes=serial)
    return {
        "caption": f"load {tag}",
        "description": f"written by {tag}",
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(minutes=30 + serial % 90)).isoformat(),
        "notifications": ["PT15M"] if serial % 2 else ["PT15M", "P1D"],
        "recipients": [recipient] if recipient and serial % 3 == 0 else [],
    }


def update_body(tag: str) -> dict[str, Any]:
    return {"caption": f"load {tag}", "description": f"updated as {tag}"}


def sent_fields_match(sent: dict[str, Any], answered: dict[str, Any]) -> bool:
    """The text and list fields of an answer are what was sent (dates are compared after a read-back)."""
    return all(answered.get(name) == value for name, value in sent.items() if name not in ("startDate", "endDate"))


@dataclass
class Ledger:
    """What the server acknowledged, and what it may have done without answering."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # event id -> the body of the last 2xx answer about it (create or update)
    acknowledged: dict[int, dict[str, Any]] = field(default_factory=dict)
    # event id -> bodies of updates sent after that answer that got no answer
    unanswered_updates: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    unanswered_creates: list[dict[str, Any]] = field(default_factory=list)
    # requests the server never answered (it was killed under them)
    lost_answers: int = 0
    creates_acknowledged: int = 0
    updates_acknowledged: int = 0
    server_errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def writes_acknowledged(self) -> int:
        with self.lock:
            return self.creates_acknowledged + self.updates_acknowledged

    def captions_possible(self, event_id: int) -> set[str]:
        with self.lock:
            states = [self.acknowledged[event_id], *self.unanswered_updates.get(event_id, [])]
        return {state["caption"] for state in states}


class Writer(threading.Thread):
    """Writes through ``base_url`` until ``stop`` is set or the server stops answering."""

    def __init__(
        self, name: str, base_url: str, person: Person, ledger: Ledger, stop: threading.Event, recipient: str
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.base_url = base_url
        self._person = person
        self._ledger = ledger
        self._halt = stop
        self._recipient = recipient
        self._random = random.Random(name)
        self._own: list[int] = []
        self._serial = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, headers=self._person.headers, timeout=60) as client:
            while not self._halt.is_set():
                self._serial += 1
                tag = f"{self.name}-{self._serial}"
                try:
                    if self._own and self._serial % 3 == 0:
                        self._update(client, self._random.choice(self._own), tag)
                    else:
                        self._create(client, tag)
                except httpx.TransportError:
                    # The server is gone: the request in flight stays in the ledger as unanswered.
                    with self._ledger.lock:
                        self._ledger.lost_answers += 1
                    return

    def _create(self, client: httpx.Client, tag: str) -> None:
        body = event_body(tag, serial=self._serial, recipient=self._recipient)
        with self._ledger.lock:
            self._ledger.unanswered_creates.append(body)
        response = client.post(EVENTS, json=body)
        with self._ledger.lock:
            self._ledger.unanswered_creates.remove(body)
            if response.status_code >= 500:
                self._ledger.server_errors.append(f"POST {response.status_code}: {response.text[:200]}")
            if response.status_code != 201:
                return
            answered = response.json()
            if not sent_fields_match(body, answered):
                self._ledger.mismatches.append(f"create answered {answered} for {body}")
            self._ledger.acknowledged[answered["id"]] = answered
            self._ledger.creates_acknowledged += 1
        self._own.append(answered["id"])

    def _update(self, client: httpx.Client, event_id: int, tag: str) -> None:
        body = update_body(tag)
        with self._ledger.lock:
            self._ledger.unanswered_updates.setdefault(event_id, []).append(body)
        response = client.patch(f"{EVENTS}/{event_id}", json=body)
        with self._ledger.lock:
            self._ledger.unanswered_updates[event_id].remove(body)
            if response.status_code >= 500:
                self._ledger.server_errors.append(f"PATCH {response.status_code}: {response.text[:200]}")
            if response.status_code != 200:
                return
            answered = response.json()
            if not sent_fields_match(body, answered):
                self._ledger.mismatches.append(f"update answered {answered} for {body}")
            self._ledger.acknowledged[event_id] = answered
            # This writer alone updates the event, one request at a time: an earlier unanswered update
            # (before a crash) is overridden by this acknowledged one, whatever became of it.
            self._ledger.unanswered_updates[event_id] = []
            self._ledger.updates_acknowledged += 1
