"""The bot as users meet it: real python-telegram-bot HTTP stack, fake Bot API underneath."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import LaneKeeperApplication, WebRoutes, build_application, running
from fakegram import FakeBotApi, Recorded, fake_request
from models import inbox
from models.clock import Clock
from models.db import Database
from models.roster import ImportReport, import_roster
from models.roster_spec import load_roster, parse_roster
from services.config import Config, load_config

TOKEN = "123456:TEST-TOKEN"
MENU_CALLS = frozenset({"setMyCommands", "deleteMyCommands"})
SAMPLE_ROSTER = Path(__file__).resolve().parent.parent / "bot" / "examples" / "nanxing.roster.toml"
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # a Thursday, 10:00 in Shanghai


async def import_sample(db_url: str, now: datetime = T0) -> ImportReport:
    """The sample roster (南星街道) in the test's database."""
    database = Database(db_url)
    try:
        async with database.session() as session:
            return await import_roster(session, load_roster(SAMPLE_ROSTER), now=now)
    finally:
        await database.dispose()


# English names the sample roster does not give (it stays the shared fixture, byte for byte):
# for tests of what an English reader sees.
ENGLISH_NAMES = {
    "parties": {
        "street_office": "Nanxing City Management Section",
        "community": "Community Liaison Station",
        "enforcement": "Nanxing Enforcement Squad",
        "sanitation": "Nanxing Sanitation Station",
        "construction": "District Municipal Works",
        "commerce": "Nanxing Market Supervision",
        "planning": "District Planning Office",
        "environment": "District Environment Office",
        "traffic_police": "Traffic Police Squad 3",
        "local_units": "Local Units Liaison",
    },
    "communities": {
        "fuxing": "Fuxing Community",
        "haiyue": "Haiyue Community",
        "shuicheng": "Shuichengqiao Community",
    },
    "alleys": {
        "fuxing-jie": "Fuxing Street",
        "qiaozhi-xiang": "Qiaozhi Lane",
        "fuxing-nanjie": "Fuxing South Street",
        "jiangcheng-xiang": "Jiangcheng Lane",
        "haiyue-xiang": "Haiyue Lane",
        "xiaoxi-xiang": "Xiaoxi Lane",
        "shuicheng-nanjie": "Shuicheng South Street",
        "lixin-xiang": "Lixin Lane",
    },
}


async def import_english_sample(db_url: str, now: datetime = T0) -> ImportReport:
    """The sample roster with an English name for every unit, community and alley."""
    with SAMPLE_ROSTER.open("rb") as fh:
        data = tomllib.load(fh)
    for section, names in ENGLISH_NAMES.items():
        for entry in data[section]:
            entry["name_en"] = names[entry["code"]]
    database = Database(db_url)
    try:
        async with database.session() as session:
            return await import_roster(session, parse_roster(data, "english.toml"), now=now)
    finally:
        await database.dispose()


def test_config(db_url: str, **overrides: dict[str, Any]) -> Config:
    sections: dict[str, dict[str, Any]] = {
        "telegram": {
            "token": TOKEN,
            "base_url": "http://fake.invalid/bot",
            "base_file_url": "http://fake.invalid/file/bot",
            # Tests check what is sent, not Telegram's pacing: no waits between messages.
            "chat_interval_s": 0,
            "group_interval_s": 0,
        },
        "database": {"url": db_url},
    }
    for name, values in overrides.items():
        sections.setdefault(name, {}).update(values)
    return load_config(None, environ={}).with_overrides(**sections)


test_config.__test__ = False  # type: ignore[attr-defined]


class BotHarness:
    """Push updates in, wait until the bot has handled them, read the requests it made."""

    def __init__(self, api: FakeBotApi, application: LaneKeeperApplication) -> None:
        self.api = api
        self.app = application
        self._done: dict[int, asyncio.Event] = {}
        application.update_listeners.append(self._mark)

    async def _mark(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if isinstance(update_id, int):
            self._done.setdefault(update_id, asyncio.Event()).set()

    async def handled(self, update_id: int, timeout: float = 60.0) -> None:
        """The update handled, and whatever it queued in the outbox sent."""
        async with asyncio.timeout(timeout):
            await self.processed(update_id)
            await self.settle()

    async def processed(self, update_id: int) -> None:
        """The update handled; what it queued may still be waiting to be sent."""
        await self._done.setdefault(update_id, asyncio.Event()).wait()

    async def settle(self) -> None:
        """Wait until the sender has sent everything it can send now."""
        await self.app.services.sender.idle()

    async def tick(self, job: Any) -> Any:
        """Run a time-driven pass (scheduler run_once) and let its messages go out."""
        result = await job(self.app)
        await self.settle()
        return result

    async def exchange(self, update_id: int) -> list[Recorded]:
        """Wait for the update to be handled; return the requests made meanwhile, but the
        chat's command menu being set (tests/test_menu.py reads those from api.requests)."""
        start = len(self.api.requests)
        await self.handled(update_id)
        return [r for r in self.api.requests[start:] if r.method not in MENU_CALLS]

    async def replies(self, update_id: int, chat_id: int | None = None) -> list[Recorded]:
        return [
            r
            for r in await self.exchange(update_id)
            if r.method in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")
            and (chat_id is None or r.chat_id == chat_id)
        ]


@asynccontextmanager
async def bot_running(
    db_url: str,
    api: FakeBotApi | None = None,
    clock: Clock | None = None,
    web_routes: WebRoutes | None = None,
    **overrides: dict[str, Any],
) -> AsyncIterator[BotHarness]:
    if api is None:
        database = Database(db_url)
        try:
            async with database.session() as session:
                first = await inbox.next_offset(session) or 1
        finally:
            await database.dispose()
        api = FakeBotApi(token=TOKEN, first_update_id=first)
    if clock is None:
        # On the wall clock, quiet hours would make a test depend on the time it runs at.
        overrides = {"quiet_hours": {"enabled": False}, **overrides}
    config = test_config(db_url, **overrides)
    application = build_application(
        config,
        request=fake_request(api),
        get_updates_request=fake_request(api),
        clock=clock,
        run_timers=False,
    )
    harness = BotHarness(api, application)
    async with running(application, poll_timeout=5, web_routes=web_routes):
        yield harness
