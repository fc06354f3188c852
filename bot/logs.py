"""Logging set-up. The token is a credential: it must never reach a log line."""

from __future__ import annotations

import logging

MASK = "<token>"


def redact(text: str, secret: str) -> str:
    """The text without the token, nor its secret half (which may travel URL-encoded)."""
    if not secret:
        return text
    text = text.replace(secret, MASK)
    _bot_id, _sep, key = secret.partition(":")
    if len(key) >= 6:  # a short tail would mask ordinary words, and guards nothing
        text = text.replace(key, MASK)
    return text


class RedactToken(logging.Filter):
    """Masks the token in the message, and in the traceback and stack a record carries:
    an exception such as InvalidToken quotes the token it was given."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if redact(message, self.secret) != message:
            record.msg = redact(message, self.secret)
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatter.format uses exc_text when it is set, so the raw traceback never shows.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secret)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secret)
        return True


def setup_logging(level: str, secret: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
