"""Results: what one run measured, the machine it ran on, the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.load import PhaseResult
from bench.scenarios import Scenario

ALMANAC = "almanac"
HTTP_FLOOR = "HTTP floor"
STORAGE_FLOOR = "storage floor"
FLOORS = (HTTP_FLOOR, STORAGE_FLOOR)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class SystemResult:
    """One system's figures for one scenario; ``status`` is "ok" or why there are none."""

    system: str
    status: str = "ok"
    p50_ms: float | None = None
    p95_ms: float | None = None
    samples_1: int | None = None
    throughput: dict[int, float] = field(default_factory=dict)  # clients -> successful calls per second
    samples: dict[int, int] = field(default_factory=dict)  # clients -> successful calls
    errors: int = 0
    first_error: str | None = None
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def add_phase(self, phase: PhaseResult) -> None:
        if phase.clients == 1:
            p50, p95 = phase.percentile(0.5), phase.percentile(0.95)
            self.p50_ms = p50 * 1000 if p50 is not None else None
            self.p95_ms = p95 * 1000 if p95 is not None else None
            self.samples_1 = phase.completed
        self.throughput[phase.clients] = phase.throughput
        self.samples[phase.clients] = phase.completed
        self.errors += phase.errors
        self.first_error = self.first_error or phase.first_error


@dataclass
class ScenarioResult:
    scenario: Scenario
    systems: list[SystemResult] = field(default_factory=list)

    def get(self, system: str) -> SystemResult | None:
        return next((s for s in self.systems if s.system == system and s.ok), None)


def machine_info() -> dict[str, Any]:
    """What the README must say about the machine: cores, CPU model, RAM, Python, key package versions."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    versions = {}
    for package in ("almanac", "fastapi", "uvicorn", "sqlalchemy", "httpx", "radicale", "xandikos"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "versions": versions,
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def _rate(result: SystemResult, clients: int) -> str:
    if clients not in result.throughput:
        return "—"
    rate = result.throughput[clients]
    return f"{rate:.1f}" if rate < 100 else f"{rate:.0f}"


def _ratios(row: SystemResult, scenario: ScenarioResult) -> tuple[str, str]:
    """Almanac against the floors: latency as a multiple of the floor, throughput as a share of it."""
    if row.system != ALMANAC or not row.ok:
        return "", ""
    http = scenario.get(HTTP_FLOOR)
    storage = scenario.get(STORAGE_FLOOR)
    vs_http = []
    if http is not None:
        if row.p50_ms and http.p50_ms:
            vs_http.append(f"p50 ×{row.p50_ms / http.p50_ms:.1f}")
        for clients in (8, 32):
            if row.throughput.get(clients) and http.throughput.get(clients):
                vs_http.append(f"@{clients} {row.throughput[clients] / http.throughput[clients]:.0%}")
    vs_storage = ""
    if storage is not None and row.p50_ms and storage.p50_ms:
        vs_storage = f"p50 ×{row.p50_ms / storage.p50_ms:.1f}"
    return ", ".join(vs_http), vs_storage


HEADER = (
    "| scenario | system | p50 ms | p95 ms | n @1 | /s @8 | /s @32 | CPU s | peak RSS MB "
    "| vs HTTP floor | vs storage floor |"
)


def table(results: list[ScenarioResult]) -> str:
    """One Markdown table (it is printed and pasted into bench/README.md as is)."""
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    for scenario in results:
        title = f"{scenario.scenario.title} ({scenario.scenario.unit})"
        for index, row in enumerate(scenario.systems):
            label = title if index == 0 else ""
            if not row.ok:
                lines.append(f"| {label} | {row.system} | {row.status} | | | | | | | | |")
                continue
            vs_http, vs_storage = _ratios(row, scenario)
            cpu = f"{row.cpu_seconds:.1f}" if row.cpu_seconds is not None else "—"
            rss = f"{row.peak_rss_mb:.0f}" if row.peak_rss_mb is not None else "—"
            errors = f" ⚠ {row.errors} errors" if row.errors else ""
            lines.append(
                f"| {label} | {row.system}{errors} | {_ms(row.p50_ms)} | {_ms(row.p95_ms)} | {row.samples_1 or '—'} "
                f"| {_rate(row, 8)} | {_rate(row, 32)} | {cpu} | {rss} | {vs_http} | {vs_storage} |"
            )
    return "\n".join(lines)


def to_json(results: list[ScenarioResult], meta: dict[str, Any]) -> dict[str, Any]:
    scenarios = []
    for scenario in results:
        spec = scenario.scenario
        scenarios.append(
            {
                "key": spec.key,
                "title": spec.title,
                "face": spec.face.value,
                "unit": spec.unit,
                "clients": list(spec.clients),
                "systems": {
                    row.system: {
                        **asdict(row),
                        "ratios": dict(zip(("vs_http_floor", "vs_storage_floor"), _ratios(row, scenario), strict=True)),
                    }
                    for row in scenario.systems
                },
            }
        )
    return {**meta, "scenarios": scenarios}


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
