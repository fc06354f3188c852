"""Acknowledgement latency while a bulk send runs under Telegram's flood limits.

    python -m benchmarks.ack_latency [--bulk 2000] [--rate 10] [--seconds 30] [--rtt-ms 0]
        [--concurrent 8]

A fake Bot API that answers 429 past 30 messages a second; LaneKeeper with its production
pacing; a bulk of `--bulk` messages queued at once; meanwhile residents report at `--rate`
a second for `--seconds`. Latency: from the report entering the fake to its answer leaving
the bot. `--rtt-ms` makes every send take that long to answer, as a distant Telegram would.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.synthetic import report_texts, street_roster
from bot.app import build_application, running
from fakegram import FakeBotApi, FakeUser, Recorded, Slow, fake_request
from models import migrate, outbox
from models.clock import SystemClock
from models.db import Database
from models.messaging import Priority
from models.roster import import_roster
from models.roster_spec import parse_roster
from services.config import load_config

TOKEN = "123456:BENCH"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def run(
    bulk: int, rate: float, seconds: float, url: str, rtt_ms: float = 0.0, concurrent: int = 8
) -> tuple[list[float], int, int, float]:
    migrate.upgrade(url)
    database = Database(url)
    async with database.session() as session:
        await import_roster(
            session, parse_roster(street_roster(1, alleys=100), "bench"), now=SystemClock().now()
        )
    await database.dispose()
    config = load_config(None, environ={}).with_overrides(
        telegram={
            "token": TOKEN,
            "base_url": "http://bench.invalid/bot",
            "concurrent_updates": concurrent,
        },
        database={"url": url},
    )
    api = FakeBotApi(token=TOKEN, flood_limit=30)
    if rtt_ms:
        api.inject(Slow(rtt_ms / 1000), method="sendMessage", times=None)
    app = build_application(
        config, request=fake_request(api), get_updates_request=fake_request(api), run_timers=False
    )
    members = [800000 + n for n in range(bulk)]
    for chat in range(5_001_000, 5_002_000):
        api.open_chat(FakeUser(chat, "member"))
    for chat in members:
        api.open_chat(FakeUser(chat, "m"))
    count = int(rate * seconds)
    residents = [FakeUser(720000 + n, f"r{n}") for n in range(count)]
    texts = report_texts(1, 100, count)
    pushed: dict[int, float] = {}
    answered: dict[int, float] = {}
    done = asyncio.Event()

    def record(request: Recorded) -> None:
        chat = request.chat_id
        if request.method == "sendMessage" and chat in pushed and chat not in answered:
            answered[chat] = time.perf_counter()
            if len(answered) == count:
                done.set()

    api.listeners.append(record)
    async with running(app, poll_timeout=5):
        async with app.services.db.session() as session:
            for n, chat in enumerate(members):
                await outbox.enqueue(
                    session,
                    chat,
                    {"text": f"bulk {n}"},
                    now=SystemClock().now(),
                    priority=Priority.BULK,
                )
            await session.commit()
        app.services.poke_sender()
        for resident, text in zip(residents, texts, strict=True):
            pushed[resident.id] = time.perf_counter()
            api.send_text(resident, text)
            await asyncio.sleep(1 / rate)  # a steady arrival rate, as residents would send
        async with asyncio.timeout(120):
            await done.wait()
        stopped = time.perf_counter()
        bulk_sent = sum(1 for r in api.sent("sendMessage") if r.text.startswith("bulk"))
        async with asyncio.timeout(1200):
            await app.services.sender.idle()
        drained = time.perf_counter() - stopped
    latencies = [answered[r.id] - pushed[r.id] for r in residents]
    return latencies, bulk_sent, api.flood_hits, drained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rtt-ms", type=float, default=0.0)
    parser.add_argument("--concurrent", type=int, default=8, help="[telegram] concurrent_updates")
    parser.add_argument("--database", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        latencies, bulk_sent, hits, drained = asyncio.run(
            run(args.bulk, args.rate, args.seconds, url, args.rtt_ms, args.concurrent)
        )
    print(
        f"reports: {len(latencies)} at {args.rate:g}/s while {args.bulk} bulk messages queue"
        f" (send round trip {args.rtt_ms:g} ms, {args.concurrent} chats at once)"
    )
    print(
        f"acknowledgement latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms (mean {statistics.fmean(latencies) * 1000:.0f})"
    )
    print(f"bulk sent meanwhile: {bulk_sent}; 429 answers provoked: {hits}")
    print(f"the rest of the bulk sent {drained:.0f} s after the last answer")


if __name__ == "__main__":
    main()
