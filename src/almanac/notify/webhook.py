"""The webhook channel: signed JSON POSTs with httpx.

Headers: ``Almanac-Signature`` (``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``,
see ``almanac.domain.webhooks``), ``Almanac-Delivery`` (the delivery id, the
same on every retry), ``Almanac-Event`` (the message type). Any 2xx is success;
other answers, timeouts and connection errors are retried by the worker.
Redirects are not followed: a webhook URL must answer itself.
"""

from __future__ import annotations

import json
from datetime import datetime

import httpx

from almanac.domain.notices import DeliveryFailure, DeliveryReceipt, Notice, WebhookNotice
from almanac.domain.webhooks import DELIVERY_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign

USER_AGENT = "Almanac-Webhooks/1"


def encode_body(payload: object) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class WebhookChannel:
    def __init__(self, *, timeout: float = 5.0) -> None:
        self._timeout = timeout

    async def deliver(self, notice: Notice, *, now: datetime) -> DeliveryReceipt:
        if not isinstance(notice, WebhookNotice):
            raise DeliveryFailure("the webhook channel only posts webhook messages", permanent=True)
        body = encode_body(notice.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(notice.webhook.secret, int(now.timestamp()), body),
            DELIVERY_HEADER: notice.delivery.id,
            EVENT_TYPE_HEADER: notice.delivery.event_type or "",
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, trust_env=False) as client:
                response = await client.post(notice.webhook.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryFailure(f"timed out after {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailure(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryFailure(f"HTTP {response.status_code}", status_code=response.status_code)
        return DeliveryReceipt(status_code=response.status_code)

    async def aclose(self) -> None:
        """Nothing is kept open between deliveries."""
