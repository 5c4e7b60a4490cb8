"""What every eXo route needs besides its own parameters: the caller, the services, the settings,
the caller's language and the absolute link root — gathered once per request as ``Exo``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from almanac.api.auth import BearerOrBasicPrincipal, Services
from almanac.api.exo_v1 import PREFIX
from almanac.api.exo_v1.representations import Hrefs
from almanac.config import Settings
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext


@dataclass(frozen=True)
class ExoRequest:
    request: Request
    principal: Principal
    services: ServiceContext
    settings: Settings
    language: str
    base: str

    @property
    def hrefs(self) -> Hrefs:
        return Hrefs(root=self.base + PREFIX)

    def localize(self, message_id: str) -> str:
        translator = self.request.app.state.errors.translator
        text: str = translator.translate(self.language, message_id)
        return text


def exo_request(request: Request, principal: BearerOrBasicPrincipal, services: Services) -> ExoRequest:
    settings: Settings = request.app.state.settings
    base = (settings.public_base_url or str(request.base_url)).rstrip("/")
    language: str = request.app.state.errors.language(request)
    return ExoRequest(request, principal, services, settings, language, base)


Exo = Annotated[ExoRequest, Depends(exo_request)]
