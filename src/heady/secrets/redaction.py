"""Keep resolved secret values out of logs, error messages and reprs.

Every value a resolver hands out is registered here; ``redact`` replaces any
registered value in a text with ``***``. ``RedactingFilter`` applies it to log
records, so rooms that log can install it once on their handlers.
"""

from __future__ import annotations

import logging
import threading

MASK = "***"

_lock = threading.Lock()
_values: set[str] = set()
_ordered: list[str] = []


def register_secret(value: str) -> None:
    """Remember ``value`` as secret so ``redact`` hides it; empty values are ignored."""
    if not value:
        return
    global _ordered
    with _lock:
        if value not in _values:
            _values.add(value)
            # Longest first, so a secret that contains another is hidden whole.
            _ordered = sorted(_values, key=len, reverse=True)


def redact(text: str, mask: str = MASK) -> str:
    """``text`` with every registered secret value replaced by ``mask``."""
    for value in _ordered:
        if value in text:
            text = text.replace(value, mask)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record with secret values masked.

    Install it on handlers (filters on a logger do not see records that
    propagate from child loggers).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not _ordered:
            return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add one RedactingFilter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    existing = [f for h in target.handlers for f in h.filters if isinstance(f, RedactingFilter)]
    flt = existing[0] if existing else RedactingFilter()
    for handler in target.handlers:
        if flt not in handler.filters:
            handler.addFilter(flt)
    return flt
