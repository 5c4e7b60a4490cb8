"""Who is calling: FastAPI dependencies that turn an Authorization header into a Principal."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBearer

from almanac.domain.errors import N_, AuthenticationError
from almanac.domain.users import Principal
from almanac.services.auth import authenticate, authenticate_password
from almanac.services.context import ServiceContext


def get_services(request: Request) -> ServiceContext:
    services: ServiceContext = request.app.state.services
    return services


Services = Annotated[ServiceContext, Depends(get_services)]

# Declared for the OpenAPI description only; the header is parsed below so that
# every failure becomes a translated 401 rather than FastAPI's own 403.
bearer_scheme = HTTPBearer(auto_error=False, description="A token from `almanac token issue` or `POST /api/v2/signin`.")
basic_scheme = HTTPBasic(auto_error=False, description="Username and password (or a token as the password).")


def bearer_principal(request: Request, services: Services, _: Annotated[object, Depends(bearer_scheme)]) -> Principal:
    """The caller of a Bearer-only face (Back Office v2)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError()
    return authenticate(services, secret=value.strip())


def bearer_or_basic_principal(request: Request, services: Services) -> Principal:
    """The caller of a face that also takes HTTP Basic (eXo clients, CalDAV)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and value.strip():
        return authenticate(services, secret=value.strip())
    if scheme == "basic" and value.strip():
        username, password = _basic_credentials(value.strip())
        return authenticate_password(services, username=username, password=password)
    raise AuthenticationError(N_("Authentication is required: send a bearer token or a username and password."))


def _basic_credentials(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthenticationError(N_("The Basic credentials are not valid base64 of 'username:password'.")) from exc
    username, colon, password = decoded.partition(":")
    if not colon:
        raise AuthenticationError(N_("The Basic credentials are not valid base64 of 'username:password'."))
    return username, password


BearerPrincipal = Annotated[Principal, Depends(bearer_principal)]
BearerOrBasicPrincipal = Annotated[Principal, Depends(bearer_or_basic_principal)]
