"""The two errors the recurrence engine raises on purpose.

``RecurrenceError`` means the recurrence itself is wrong (a malformed RRULE,
RDATE or EXDATE line, a part the server does not allow, a rule that can never
produce an occurrence); ``RecurrenceLimitError`` means the recurrence is valid
but asks for more work than the server's guard-rails permit. Both carry one
``Problem`` per fault, whose template is an English gettext msgid.
"""

from __future__ import annotations

from typing import Any

from almanac.domain.errors import N_, InvalidInputError, Problem


class RecurrenceError(InvalidInputError):
    """A recurrence (RRULE, RDATE, EXDATE or an occurrence key) is malformed or not allowed."""

    code = "invalid_recurrence"
    template = N_("The recurrence is invalid.")

    @classmethod
    def about(cls, field: str, template: str, **params: Any) -> RecurrenceError:
        """A RecurrenceError with a single problem about ``field``."""
        return cls([Problem(field, cls.code, template, params)])


class RecurrenceLimitError(InvalidInputError):
    """A valid recurrence would exceed a guard-rail (occurrence count, window length)."""

    code = "recurrence_too_large"
    template = N_("The recurrence is too large to expand.")

    @classmethod
    def about(cls, field: str, template: str, **params: Any) -> RecurrenceLimitError:
        """A RecurrenceLimitError with a single problem about ``field``."""
        return cls([Problem(field, cls.code, template, params)])


__all__ = ["RecurrenceError", "RecurrenceLimitError"]
