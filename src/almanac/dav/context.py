"""One CalDAV request as the method handlers see it: who, what, how deep, and the body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from almanac.dav.errors import DavError
from almanac.dav.paths import Target
from almanac.dav.xml import DAV, tag
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext


@dataclass(frozen=True)
class DavRequest:
    services: ServiceContext
    principal: Principal
    method: str
    path: str
    target: Target
    headers: Mapping[str, str]
    body: bytes
    max_resource_size: int

    def depth(self, *, default: str) -> int:
        """The Depth header as 0 or 1; ``infinity`` is refused (RFC 4918 §9.1: DAV:propfind-finite-depth)."""
        value = self.headers.get("depth", default).strip().lower()
        if value in ("0", "1"):
            return int(value)
        if value == "infinity":
            raise DavError(403, tag(DAV, "propfind-finite-depth"), "Depth: infinity is not supported.")
        raise DavError(400, None, f"Depth must be 0, 1 or infinity, not {value!r}.")

    def is_own_home(self) -> bool:
        """True when the path is under the caller's own home or principal (everyone else's are hidden)."""
        return self.target.username == self.principal.username
