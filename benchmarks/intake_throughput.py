"""Intake throughput: LaneKeeper against a bare python-telegram-bot bot, same fake API, same run.

    python -m benchmarks.intake_throughput [--reports 1000] [--database URL]

The bare bot answers each message with one line. LaneKeeper reads each report, stores the
case with its events, acknowledges it, dispatches it to the liaison, copies the street chief
and posts it to the group: the reports are chosen so that none is a duplicate. No flood
limit (rate limiter off, no pause between messages): this measures the bots, not Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from benchmarks.synthetic import report_texts, street_roster
from bot.app import build_application, running
from fakegram import FakeBotApi, FakeUser, Recorded, fake_request
from models import migrate
from models.db import Database
from models.roster import import_roster
from models.roster_spec import parse_roster
from services.config import load_config

TOKEN = "123456:BENCH"
ALLEYS = 100


class Count:
    """Counts the bot's replies to a set of chats as they happen (no rescanning)."""

    def __init__(self, api: FakeBotApi, chats: set[int], target: int) -> None:
        self.chats, self.target, self.seen = chats, target, 0
        self.done = asyncio.Event()
        api.listeners.append(self.record)

    def record(self, request: Recorded) -> None:
        if request.method == "sendMessage" and request.chat_id in self.chats:
            self.seen += 1
            if self.seen >= self.target:
                self.done.set()

    async def wait(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self.done.wait()


async def bare(reports: int) -> float:
    """Reports a second for a bot that only answers."""
    api = FakeBotApi(token=TOKEN)

    async def answer(update: Update, _context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("ok")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(fake_request(api))
        .get_updates_request(fake_request(api))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, answer))
    users = [FakeUser(700000 + n, f"u{n}") for n in range(reports)]
    answered = Count(api, {u.id for u in users}, reports)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        started = time.perf_counter()
        for n, user in enumerate(users):
            api.send_text(user, f"text {n}")
        await answered.wait(600)
        elapsed = time.perf_counter() - started
        await app.updater.stop()
        await app.stop()
    return reports / elapsed


async def lanekeeper(reports: int, database_url: str, concurrent: int = 8) -> tuple[float, int]:
    """Reports a second for LaneKeeper, and how many messages it sent for them."""
    migrate.upgrade(database_url)
    database = Database(database_url)
    async with database.session() as session:
        from models.clock import SystemClock

        await import_roster(
            session, parse_roster(street_roster(1, alleys=ALLEYS), "bench"), now=SystemClock().now()
        )
    await database.dispose()
    config = load_config(None, environ={}).with_overrides(
        telegram={
            "token": TOKEN,
            "base_url": "http://bench.invalid/bot",
            "rate_limiter": False,
            "chat_interval_s": 0,
            "group_interval_s": 0,
            "concurrent_updates": concurrent,
        },
        database={"url": database_url},
    )
    api = FakeBotApi(token=TOKEN)
    app = build_application(
        config, request=fake_request(api), get_updates_request=fake_request(api), run_timers=False
    )
    users = [FakeUser(710000 + n, f"r{n}") for n in range(reports)]
    for telegram_id in range(5_001_000, 5_002_000):
        api.open_chat(FakeUser(telegram_id, "member"))
    texts = report_texts(1, ALLEYS, reports)
    acknowledged = Count(api, {u.id for u in users}, reports)
    async with running(app, poll_timeout=5):
        started = time.perf_counter()
        for user, text in zip(users, texts, strict=True):
            api.send_text(user, text)
        await acknowledged.wait(1200)
        await app.services.sender.idle()
        elapsed = time.perf_counter() - started
    return reports / elapsed, len(api.sent("sendMessage"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--database", help="default: a temporary SQLite file")
    parser.add_argument("--concurrent", type=int, default=8, help="[telegram] concurrent_updates")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        plain = asyncio.run(bare(args.reports))
        ours, sent = asyncio.run(lanekeeper(args.reports, url, args.concurrent))
    print(f"reports: {args.reports}")
    print(f"bare python-telegram-bot: {plain:.0f} reports/s (1 message each)")
    print(
        f"LaneKeeper ({url.split(':')[0]}, {args.concurrent} chats at once): {ours:.0f} reports/s "
        f"({sent / args.reports:.1f} messages each)"
    )
    print(f"ratio: {ours / plain:.2f}")


if __name__ == "__main__":
    main()
