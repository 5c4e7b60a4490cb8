"""Keeping secrets out of the logs: request paths and query strings carry some, and access logs print both.

Two kinds of URL are credentials in themselves: a calendar's private feed
(``…/private/<secret>.ics``) and the answer link of an invitation mail
(``…/answer?token=…``); scripts also put bearer tokens in ``access_token=``.
Whatever logs a path (uvicorn's access log, the last-resort error log) logs it
through ``redact``, so the secret part becomes ``[redacted]``. Passwords and
tokens in headers and bodies are never logged at all.
"""

from __future__ import annotations

import logging
import re
from typing import Final

REDACTED: Final = "[redacted]"

_PRIVATE_FEED: Final = re.compile(r"(/private/)[^/?#\s\"]+(\.ics)")
_SECRET_PARAMETER: Final = re.compile(
    r"(?i)((?:^|[?&;\s])(?:access_token|refresh_token|token|secret|password|key)=)[^&#\s\"]*"
)

#: The loggers that print request lines (uvicorn's access and error logs).
REQUEST_LOGGERS: Final = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """``text`` with private feed secrets and secret query parameters replaced by ``[redacted]``."""
    text = _PRIVATE_FEED.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return _SECRET_PARAMETER.sub(rf"\g<1>{REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """Redacts the message and every string argument of each record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install_log_redaction(names: tuple[str, ...] = REQUEST_LOGGERS) -> None:
    """Put the filter on the loggers that print request lines (call after their logging is configured)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretsFilter) for f in logger.filters):
            logger.addFilter(RedactSecretsFilter())
