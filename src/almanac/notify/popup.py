"""The popup channel: nothing goes over a wire; a due popup is *shown* by whichever UI asks for the caller's
due reminders (``services.reminders.due_popups``). Delivering one marks it sent and fans out ``reminder.due``."""

from __future__ import annotations

from datetime import datetime

from almanac.domain.notices import DeliveryReceipt, Notice


class PopupChannel:
    async def deliver(self, notice: Notice, *, now: datetime) -> DeliveryReceipt:
        return DeliveryReceipt(detail="available to the recipient's UI")

    async def aclose(self) -> None:
        """Nothing is kept open between deliveries."""
