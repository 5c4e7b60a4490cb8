"""No 500s, no schema breaks: schemathesis drives every operation of both REST faces from Almanac's own
``/openapi.json`` (positive and negative cases, signed in, against a store holding objects to reach).

Each generated request must answer without a server error, with a status code the description
documents, and with a body that conforms to the documented schema. Hypothesis is derandomized, so a
CI run is the same run every time; ``ALMANAC_FUZZ_EXAMPLES`` sets the examples per operation and mode
(``make fuzz`` runs a long, randomized one). The number of cases tried is printed and, when
``ALMANAC_FUZZ_REPORT`` names a file, appended to it as one JSON line per run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from almanac.bootstrap import Container
from tests.api.exo_v1.conftest import P as EXO
from tests.conftest import Account, MakeAccount

EXAMPLES = int(os.environ.get("ALMANAC_FUZZ_EXAMPLES", "24"))
RANDOMIZED = os.environ.get("ALMANAC_FUZZ_RANDOM", "") not in ("", "0")
REPORT = os.environ.get("ALMANAC_FUZZ_REPORT")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
BACKOFFICE = "/api/v2"
# Reads first and deletes last, so the objects the world holds stay reachable for most operations.
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}


@dataclass
class World:
    """Objects the fuzzer can reach, by the path parameter names of the description."""

    owner: Account
    known: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, *values: str) -> None:
        self.known.setdefault(name, []).extend(values)


def _location_id(response: Any) -> str:
    assert response.status_code == 201, response.text
    return str(response.headers["Location"]).rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def world(client: TestClient, make_account: MakeAccount) -> World:
    alice = make_account("alice")
    make_account("bob")  # invited to the series, so an invitation exists
    h = alice.headers
    found = World(alice)
    calendar = _location_id(client.post(EXO + "/calendars", json={"name": "Team"}, headers=h))
    found.add("calendar_id", f"{alice.user.username}-defaultCalendarId", calendar)
    event = {"subject": "Review", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"}
    single = _location_id(client.post(f"{EXO}/calendars/{calendar}/events", json=event, headers=h))
    weekly = {**event, "participants": ["bob"], "repeat": {"type": "weekly", "every": 1, "repeatOn": "TU"}}
    series = _location_id(client.post(f"{EXO}/calendars/{calendar}/events", json=weekly, headers=h))
    found.add("event_id", single, series)
    bo = {"caption": "Call", "startDate": "2026-01-07T09:00:00Z", "endDate": "2026-01-07T10:00:00Z"}
    created = client.post(BACKOFFICE + "/calendars/events", json=bo, headers=h)
    assert created.status_code == 201, created.text
    found.add("eventId", str(created.json()["id"]), "1", "2")
    task = {"name": "Write", "from": "2026-01-06T09:00:00Z", "to": "2026-01-06T10:00:00Z"}
    found.add("task_id", _location_id(client.post(f"{EXO}/calendars/{calendar}/tasks", json=task, headers=h)))
    found.add(
        "feed_id",
        _location_id(client.post(EXO + "/feeds", json={"name": "Mine", "calendarIds": [calendar]}, headers=h)),
    )
    invitations = client.get(f"{EXO}/events/{series}/invitations", headers=h).json()["data"]
    found.add("invitation", *(str(i["id"]) for i in invitations))
    categories = client.get(EXO + "/categories", headers=h).json()["data"]
    found.add("category_id", *(str(c["id"]) for c in categories[:2]))
    files = [("file", ("notes.txt", b"hello", "text/plain"))]
    attached = client.post(f"{EXO}/events/{single}/attachments", files=files, headers=h)
    assert attached.status_code == 201, attached.text
    listed = client.get(f"{EXO}/events/{single}/attachments", headers=h).json()["data"]
    found.add("attachment_id", *(str(a["id"]) for a in listed))
    found.add("upload_id", _location_id(client.post(EXO + "/uploads", files=files, headers=h)))
    hook = client.post(
        BACKOFFICE + "/webhooks", json={"url": "https://example.com/hook", "eventTypes": ["event.created"]}, headers=h
    )
    assert hook.status_code == 201, hook.text
    found.add("webhookId", str(hook.json()["id"]))
    return found


@dataclass
class Tally:
    cases: int = 0
    successes: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)


def _operations(schema: Any, prefix: str) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    chosen = [op for op in found if op.path.startswith(prefix)]
    return sorted(chosen, key=lambda op: (METHOD_ORDER.get(op.method.upper(), 9), op.path))


def _strategy(operation: Any, mode: GenerationMode, world: World) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if not names or not all(name in world.known for name in names):
        return generated
    known = st.fixed_dictionaries({name: st.sampled_from(world.known[name]) for name in names})
    reaching = known.flatmap(lambda values: operation.as_strategy(generation_mode=mode, path_parameters=values))
    return st.one_of(generated, reaching)


def _fuzz(
    container: Container, client: TestClient, world: World, prefix: str, mode: GenerationMode, tally: Tally
) -> None:
    app = container.web_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    settings = hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=not RANDOMIZED,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    for operation in _operations(schema, prefix):
        if mode is GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.body)):
            continue  # nothing to break: any string is a valid path parameter
        runner = settings(given(case=_strategy(operation, mode, world))(_caller(client, operation, world, tally)))
        try:
            runner()
        except hypothesis.errors.Unsatisfiable:
            continue  # no invalid value exists for what this operation takes (a bare string body, say)
        except Exception as failure:  # hypothesis itself refusing the operation is a failure of this test too
            tally.failures.append(f"{operation.method.upper()} {operation.path}: {failure!r}"[:3000])


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> httpx.Response | None:
    """The case through the app's own test client (httpx): schemathesis' ASGI transport needs plain
    ``requests``, which the ``caldav`` client's ``urllib3-future`` replaces in this environment."""
    sent = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    request: dict[str, Any] = {"params": sent.get("params"), "headers": sent.get("headers"), "cookies": None}
    if "json" in sent:
        request["json"] = sent["json"]
    elif isinstance(sent.get("data"), (bytes, str)):
        request["content"] = sent["data"]
    elif sent.get("data") is not None or sent.get("files") is not None:
        request["data"], request["files"] = sent.get("data"), sent.get("files")
    try:
        return client.request(sent["method"], sent["url"], **request)
    except (UnicodeEncodeError, httpx.InvalidURL, TypeError, ValueError):
        return None  # a header or URL no HTTP client can send never reaches a server


def _caller(client: TestClient, operation: Any, world: World, tally: Tally) -> Callable[[Any], None]:
    """One case: send it signed in, check it, and record (never raise) a failure, so every operation runs."""
    label = f"{operation.method.upper()} {operation.path}"
    # Signing out would end the token every other case uses.
    headers = {} if operation.path.endswith("/signout") else dict(world.owner.headers)

    def call(case: Any) -> None:
        response = _send(client, case, headers)
        if response is None:
            return
        tally.cases += 1
        if response.status_code >= 500:
            tally.server_errors += 1
        elif response.status_code < 300:
            tally.successes += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as failure:
            message = f"{label}: {failure}"[:3000]
            if not any(known.split("\n", 2)[:2] == message.split("\n", 2)[:2] for known in tally.failures):
                tally.failures.append(message)

    return call


def _record(name: str, tally: Tally) -> None:
    line = {
        "run": name,
        "examples": EXAMPLES,
        "cases": tally.cases,
        "successes": tally.successes,
        "server_errors": tally.server_errors,
        "failures": len(tally.failures),
    }
    print(f"\nfuzz {name}: {tally.cases} cases, {tally.server_errors} server errors, {len(tally.failures)} failures")
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
@pytest.mark.parametrize("prefix", [BACKOFFICE, "/rest/"], ids=["backoffice-v2", "exo-v1"])
def test_no_operation_answers_a_server_error_or_breaks_its_schema(
    container: Container, client: TestClient, world: World, prefix: str, mode: GenerationMode
) -> None:
    tally = Tally()
    _fuzz(container, client, world, prefix, mode, tally)
    _record(f"{prefix}:{mode.value}", tally)
    assert tally.successes > 0, "the generated requests reach the store's objects"
    assert tally.server_errors == 0
    assert not tally.failures, "\n\n".join(tally.failures)


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, b""), (418, b""), (200, b'{"unexpected": "shape"}')],
    ids=["5xx", "undocumented", "shape"],
)
def test_the_checks_refuse_server_errors_undocumented_statuses_and_bodies_off_schema(
    container: Container, status: int, body: bytes
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", container.web_app())
    case = schema["/api/v2/calendars/events/{eventId}"]["GET"].Case(path_parameters={"eventId": "1"})
    request = httpx.Request("GET", "http://testserver/api/v2/calendars/events/1")
    response = httpx.Response(status, content=body, headers={"Content-Type": "application/json"}, request=request)
    response.elapsed = timedelta(milliseconds=1)  # as if it had come over the wire
    with pytest.raises((AssertionError, BaseExceptionGroup)):
        case.validate_response(response, checks=CHECKS)
