"""The HTTP floor: the same ASGI server as ``almanac serve`` (uvicorn, same defaults) serving precomputed bytes.

No endpoint can answer faster than this on this machine: the body of each
scenario's real response (captured from Almanac in the same run) is served
from memory with its status and content type, after reading the request body,
so the figure is "HTTP parsing + uvicorn + Starlette routing + socket I/O" and
nothing else. Run as ``python -m bench.http_floor --port P --manifest FILE``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "REPORT", "PROPFIND", "OPTIONS"]


@dataclass(frozen=True)
class CannedResponse:
    status: int
    content_type: str
    body: bytes


def write_manifest(path: Path, responses: dict[str, CannedResponse]) -> None:
    """Store the responses beside ``path`` (one body file each) and the index in ``path``."""
    index = {}
    for name, canned in responses.items():
        body_path = path.with_name(f"{path.stem}-{name}.body")
        body_path.write_bytes(canned.body)
        index[name] = {"status": canned.status, "content_type": canned.content_type, "body": body_path.name}
    path.write_text(json.dumps(index, indent=2))


def read_manifest(path: Path) -> dict[str, CannedResponse]:
    index = json.loads(path.read_text())
    return {
        name: CannedResponse(entry["status"], entry["content_type"], path.with_name(entry["body"]).read_bytes())
        for name, entry in index.items()
    }


def floor_app(responses: dict[str, CannedResponse]) -> Starlette:
    async def canned(request: Request) -> Response:
        await request.body()  # an upload costs the same reading here as in the real server
        found = responses.get(request.path_params["name"])
        if found is None:
            return Response(status_code=404)
        return Response(found.body, status_code=found.status, media_type=found.content_type)

    return Starlette(routes=[Route("/floor/{name}", canned, methods=METHODS)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    uvicorn.run(floor_app(read_manifest(args.manifest)), host="127.0.0.1", port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
