"""A fake Telegram Bot API for tests and the sandbox.

The real python-telegram-bot HTTP stack talks to it, in process (``FakeTransport``) or over
loopback (``serve_loopback``); it hands out updates with getUpdates' offset semantics, records
every request the bot makes, answers with valid Telegram objects and injects faults on demand.
"""

from fakegram.api import (
    Drop,
    FakeBotApi,
    FakeChat,
    FakeUser,
    Hold,
    Recorded,
    RetryAfter,
    ServerError,
    Slow,
    TimeOut,
)
from fakegram.loopback import LoopbackServer, serve_loopback
from fakegram.transport import FakeTransport, fake_request

__all__ = [
    "Drop",
    "FakeBotApi",
    "FakeChat",
    "FakeTransport",
    "FakeUser",
    "Hold",
    "LoopbackServer",
    "Recorded",
    "RetryAfter",
    "ServerError",
    "Slow",
    "TimeOut",
    "fake_request",
    "serve_loopback",
]
