"""Scenarios that are not an HTTP request loop (the reminders worker, an import, a sync): what a driver is
given and what it reports.

A scenario with a ``driver`` is run by ``bench.run`` after the request-loop
scenarios, against servers and stores the driver sets up itself; its figures
do not fit the latency/throughput columns of the main table, so each driver
reports its own small table (printed under the main one, and in the JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DriverRun:
    """What ``bench.run`` hands a driver: its options, a scratch directory, and the PostgreSQL URL if any."""

    workdir: Path
    options: dict[str, Any]
    #: ``--database-url`` when it names PostgreSQL: the driver may create scratch databases on that server.
    postgres_url: str | None = None


@dataclass
class DriverReport:
    """A driver's figures: a title, column names and rows (already formatted), plus raw data for the JSON."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "---|" * len(self.columns))
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)


DriverFor = Callable[[DriverRun], DriverReport]
