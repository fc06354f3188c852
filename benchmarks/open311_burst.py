"""Chat latency while other systems file a burst of cases through Open311.

    python -m benchmarks.open311_burst [--posts 500] [--parallel 50] [--rate 10]
        [--seconds 20] [--database URL]

LaneKeeper with its production pacing and [web] enabled, one synthetic street of 100 alleys;
`--posts` API POSTs (distinct problems, so each is a new case: numbered, routed, announced)
sent by `--parallel` clients at once over HTTP, while residents report in Telegram at `--rate`
a second for `--seconds`. Chat latency: from the report entering the fake Bot API to its
answer leaving the bot (as benchmarks/ack_latency.py). `--posts 0` measures the same chat
without the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.ack_latency import TOKEN, percentile
from benchmarks.synthetic import report_texts, street_roster
from bot.app import build_application, running
from fakegram import FakeBotApi, FakeUser, Recorded, fake_request
from models import migrate
from models.clock import SystemClock
from models.db import Database
from models.open311 import create_key
from models.roster import import_roster
from models.roster_spec import parse_roster
from services.config import load_config


async def run(
    posts: int, parallel: int, rate: float, seconds: float, url: str
) -> tuple[list[float], list[float], float, int]:
    migrate.upgrade(url)
    database = Database(url)
    async with database.session() as session:
        await import_roster(
            session, parse_roster(street_roster(1, alleys=100), "bench"), now=SystemClock().now()
        )
        _key, secret = await create_key(session, "bench", [], False, SystemClock().now())
    await database.dispose()
    config = load_config(None, environ={}).with_overrides(
        telegram={"token": TOKEN, "base_url": "http://bench.invalid/bot"},
        database={"url": url},
        web={"enabled": True, "port": 0},
        open311={"key_rate": "100000/minute", "post_rate": "100000/minute"},
        quiet_hours={"enabled": False},
    )
    api = FakeBotApi(token=TOKEN, flood_limit=30)
    app = build_application(
        config, request=fake_request(api), get_updates_request=fake_request(api), run_timers=False
    )
    for chat in range(5_001_000, 5_002_000):
        api.open_chat(FakeUser(chat, "member"))
    count = int(rate * seconds)
    residents = [FakeUser(720000 + n, f"r{n}") for n in range(count)]
    # The residents' reports and the API's are different problems: none joins another.
    texts = report_texts(1, 100, count + posts)
    chat_texts, api_texts = texts[:count], texts[count:]
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
    post_latencies: list[float] = []
    failures = 0
    burst_s = 0.0
    async with running(app, poll_timeout=5):
        assert app.web_server is not None
        base = f"http://127.0.0.1:{app.web_server.port}/open311/v2/requests.json"
        # The clients run in a process of their own: their CPU is not the bot's.
        burst = None
        if posts:
            burst = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.open311_burst",
                "--client",
                base,
                secret,
                str(parallel),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            assert burst.stdin is not None
            burst.stdin.write("\n".join(api_texts).encode())
            burst.stdin.close()

        async def chat() -> None:
            for resident, text in zip(residents, chat_texts, strict=True):
                pushed[resident.id] = time.perf_counter()
                api.send_text(resident, text)
                await asyncio.sleep(1 / rate)  # a steady arrival rate, as residents send

        await chat()
        if burst is not None:
            out, _ = await burst.communicate()
            result = json.loads(out)
            post_latencies, failures, burst_s = result["latencies"], result["failed"], result["s"]
        async with asyncio.timeout(300):
            await done.wait()
    latencies = [answered[r.id] - pushed[r.id] for r in residents]
    return latencies, post_latencies, burst_s, failures


async def clients(url: str, key: str, parallel: int, texts: list[str]) -> dict[str, Any]:
    """The other systems: `parallel` clients POSTing the texts, one after another each."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)
    latencies: list[float] = []
    failed = 0

    async def client() -> None:
        nonlocal failed
        async with httpx.AsyncClient(timeout=300) as http:
            while not queue.empty():
                text = queue.get_nowait()
                started = time.perf_counter()
                answer = await http.post(url, data={"api_key": key, "description": text})
                latencies.append(time.perf_counter() - started)
                failed += answer.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(parallel)))
    return {"latencies": latencies, "failed": failed, "s": time.perf_counter() - started}


def main() -> None:
    if sys.argv[1:2] == ["--client"]:
        url, key, parallel = sys.argv[2], sys.argv[3], int(sys.argv[4])
        texts = sys.stdin.read().splitlines()
        print(json.dumps(asyncio.run(clients(url, key, parallel, texts))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        latencies, posts, burst_s, failures = asyncio.run(
            run(args.posts, args.parallel, args.rate, args.seconds, url)
        )
    print(
        f"chat: {len(latencies)} reports at {args.rate:g}/s; API: {args.posts} POSTs, "
        f"{args.parallel} at once"
    )
    print(
        f"chat latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms (mean {statistics.fmean(latencies) * 1000:.0f})"
    )
    if posts:
        print(
            f"API POST: p50 {percentile(posts, 50) * 1000:.0f} ms, "
            f"p95 {percentile(posts, 95) * 1000:.0f} ms, max {max(posts) * 1000:.0f} ms; "
            f"all {len(posts)} answered in {burst_s:.1f} s; {failures} failed"
        )


if __name__ == "__main__":
    main()
