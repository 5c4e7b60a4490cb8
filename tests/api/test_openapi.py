"""The OpenAPI description documents the v2 face accurately."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_lists_every_v2_operation_with_its_parameters_and_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/api/v2/calendars/events"]) == {"get", "post"}
    assert set(paths["/api/v2/calendars/events/{eventId}"]) == {"get", "put", "patch", "delete"}
    assert {"/api/v2/signin", "/api/v2/refresh", "/api/v2/signout"} <= set(paths)

    listing = paths["/api/v2/calendars/events"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names >= {
        "limit",
        "offset",
        "sort_by",
        "sort_order",
        "filter[startDate]",
        "filter[endDate]",
        "filter[recipients]",
        "filter[name]",
        "filter[description]",
    }
    assert "X-Total-Count" in listing["responses"]["200"]["headers"]
    for operation in (listing, paths["/api/v2/calendars/events"]["post"]):
        assert {"400", "401"} <= set(operation["responses"])
    assert "404" in paths["/api/v2/calendars/events/{eventId}"]["delete"]["responses"]

    create_schema = spec["components"]["schemas"]["EventCreate"]
    assert set(create_schema["required"]) == {"caption", "startDate", "endDate"}
    assert create_schema["properties"]["startDate"]["format"] == "date-time"
    read_schema = spec["components"]["schemas"]["EventRead"]
    assert {"id", "caption", "authorEmail", "createTime", "updateTime"} <= set(read_schema["properties"])
    assert spec["components"]["schemas"]["SigninResponse"]["properties"].keys() >= {"2faRequired", "accessToken"}
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()


def test_interactive_docs_are_served(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
