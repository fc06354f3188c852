"""Pushes each public change of an API-filed case to the callback URL given when it was filed.

Runs in the bot's process under the supervisor. What is due is read from the database
(models/open311_push.py), so a restart or a crash loses no update: it is pushed late, and
perhaps twice (a receiver should take the newest updated_datetime). Callbacks to private,
loopback or link-local addresses are refused unless the configuration allows them; a name is
checked where it resolves, just before the push.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from models import open311_push as pushes
from models.cases import Case
from models.db import describe
from models.open311 import ServiceRequest
from models.open311_queries import shown
from services.registry import Services
from views import open311 as texts

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0
IDLE_S = 15.0  # how often to look when nobody pokes
# After a poke, a moment for more changes to come: every update pokes, and one look serves
# them all (a burst of 500 filings looked 1,100 times without it).
GATHER_S = 0.2


class CallbackPusher:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.client = _client()
        self._wake = asyncio.Event()
        self.pushed = 0
        self.attempts = 0  # pushes tried and recorded, whatever their outcome
        self._attempted = asyncio.Event()

    def poke(self) -> None:
        self._wake.set()

    async def run(self, beat: Callable[[], None]) -> None:
        """The supervisor's task: push what is due, then wait for a poke or IDLE_S."""
        if self.client.is_closed:  # started again after dying
            self.client = _client()
        try:
            while True:
                beat()
                self._wake.clear()
                try:
                    busy = await self.push_due()
                except Exception as err:  # the database away: look again later
                    log.warning("open311 callbacks: %s", describe(err))
                    busy = False
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), IDLE_S)
                    await asyncio.sleep(GATHER_S)
        finally:
            await self.client.aclose()

    async def attempted(self, count: int) -> None:
        """Until `count` pushes have been tried and their outcome recorded (for tests)."""
        while self.attempts < count:
            await self._attempted.wait()

    async def push_due(self) -> bool:
        """Push what is due now; whether there was anything."""
        services = self.services
        async with services.db.session() as session:
            rows = await pushes.due(session, services.clock.now())
        for row in rows:
            try:
                await self._push(row)
            finally:
                self.attempts += 1
                signal, self._attempted = self._attempted, asyncio.Event()
                signal.set()
        return bool(rows)

    async def _push(self, row: ServiceRequest) -> None:
        services = self.services
        assert row.id is not None and row.callback_url is not None
        async with services.db.session() as session:
            case = await session.get(Case, row.case_id)
            if case is None:
                return
            event_id = await pushes.latest_public_event(session, row.case_id)
            [item] = await shown(session, [case])
            body = texts.request(services.i18n(), item, with_notes=True)
            body["token"] = row.token
        error = await self._refused(row.callback_url)
        # An address inside the network stays so: no point in trying again.
        permanent = error is not None and error.endswith("is a private address")
        if error is None:
            try:
                response = await self.client.post(row.callback_url, json=[body])
                if response.is_success:
                    async with services.db.session() as session:
                        await pushes.pushed(session, row.id, event_id)
                    self.pushed += 1
                    return
                error = f"HTTP {response.status_code}"
            except httpx.HTTPError as err:
                error = f"{type(err).__name__}: {err}"
        async with services.db.session() as session:
            gave_up = await pushes.failed(
                session,
                row.id,
                error,
                services.clock.now(),
                1 if permanent else services.config.open311.callback_attempts,
            )
        if gave_up is not None:
            log.warning("open311: callback for case %s given up: %s", row.case_id, error)

    async def _refused(self, url: str) -> str | None:
        if self.services.config.open311.allow_private_callbacks:
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host,
                parts.port or (443 if parts.scheme == "https" else 80),
                type=socket.SOCK_STREAM,
            )
        except OSError as err:
            return f"cannot resolve {host}: {err}"
        for *_rest, sockaddr in found:
            if not ipaddress.ip_address(sockaddr[0]).is_global:
                return f"{host} is a private address"
        return None


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)
